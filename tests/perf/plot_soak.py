"""Plot soak runs' memory over time: the hub's own RSS and SQLite's heap, one line per run.

Run: .venv/bin/python -m tests.perf.plot_soak LABEL=CSV [LABEL=CSV ...] --out docs/soak-memory.png
(the CSVs are what `python -m tests.perf.soak --csv` writes)
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend


def read_rows(path: Path) -> list[dict[str, float]]:
    with path.open(newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", nargs="+", help="LABEL=path/to/soak.csv")
    parser.add_argument("--out", type=Path, default=Path("docs/soak-memory.png"))
    args = parser.parse_args()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for run in args.runs:
        label, _, path = run.partition("=")
        rows = read_rows(Path(path))
        minutes = [r["t_s"] / 60 for r in rows]
        line, = ax.plot(minutes, [r["hub_main_rss_mb"] for r in rows],
                        label=f"{label}: hub process RSS")
        if "sqlite_heap_mb" in rows[0]:
            ax.plot(minutes, [r["sqlite_heap_mb"] for r in rows], linestyle=":",
                    color=line.get_color(), label=f"{label}: SQLite heap")
    ax.set_xlabel("minutes into the soak (500 gateways, 5,000 events/s)")
    ax.set_ylabel("MB")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(args.out)
    plt.close(fig)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
