"""`python -m edge_agent --config FILE`: run the edge agent."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from edge_agent.bootstrap import SourceUnavailable
from edge_agent.main import run_agent


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the agent; exit status 2 on bad configuration."""
    parser = argparse.ArgumentParser(prog="python -m edge_agent", description=__doc__)
    parser.add_argument(
        "--config", type=Path, default=None, help="YAML settings file (env SITEWATCH_AGENT_* wins)"
    )
    args = parser.parse_args(argv)
    try:
        run_agent(args.config)
    except (ValidationError, SourceUnavailable, OSError, ValueError) as exc:
        print(f"sitewatch agent: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
