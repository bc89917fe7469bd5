"""Where the shared pedestrian footage is: referenced from tests, never copied into the repo.

The project's shared data sits next to the checkout (`../shared/data/video`); a checkout
elsewhere (CI's clean clone, say) finds it through SITEWATCH_VIDEO_DIR or the workplace's
fixed location. Tests that need a clip fail, not skip, when it is not found.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    _REPO.parent / "shared" / "data" / "video",
    Path("/work/shared/data/video"),
)


def video_dir() -> Path:
    """The directory holding the footage (the first candidate that exists)."""
    configured = os.environ.get("SITEWATCH_VIDEO_DIR")
    if configured:
        return Path(configured)
    for candidate in _CANDIDATES:
        if candidate.is_dir():
            return candidate
    return _CANDIDATES[0]


VIDEO_DIR = video_dir()
