"""glibc heap tuning for video work: frame-sized buffers go back to the system when freed.

Two habits of glibc's malloc make a video pipeline's resident memory creep up: each thread
that allocates gets an arena of its own (up to eight per core), and after the first large
block is freed the mmap threshold rises to its size, so from then on 1-3 MB frame buffers
come from arenas, and freed ones stay there. With two cameras that was 40-60 MB above the
steady state. A fixed 256 KiB threshold makes each frame buffer its own mapping, unmapped
when freed; two arenas are enough for a handful of busy threads. What the detector and the
clip encoder free in bursts is handed back by an occasional malloc_trim.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameters from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
ARENA_MAX = 2
MMAP_THRESHOLD = 256 * 1024

_lock = threading.Lock()
_done: bool | None = None
_trim: Any = None  # glibc's malloc_trim, once found


def tame_malloc() -> bool:
    """Tune glibc's malloc for frame buffers, once per process; False where not glibc."""
    global _done
    with _lock:
        if _done is None:
            _done = _apply()
        return _done


def trim_heap() -> None:
    """Return the free pages of every malloc arena to the system (glibc only; ~1 ms)."""
    if tame_malloc() and _trim is not None:
        _trim(0)


def _apply() -> bool:
    global _trim
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return False  # not glibc (musl, macOS): nothing to tune
    _trim = trim
    ok = bool(mallopt(_M_ARENA_MAX, ARENA_MAX)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    if not ok:
        log.debug("mallopt refused the frame-buffer tuning")
    return ok
