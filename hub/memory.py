"""Keep the hub's resident memory from ratcheting up after transient peaks (glibc).

glibc serves a large allocation with its own mmap and unmaps it when freed, but each such
free raises the size above which it does so (the dynamic mmap threshold, up to 32 MiB).
After that, blocks of that size come from the heap, and a freed one in the middle of the
heap stays resident. A hub makes such blocks now and then — SQLite's sorter for the
statistics' GROUP BYs, a big query's rows, a burst's batch — each a little bigger as the
day's ledger grows, so its RSS climbed in steps during a soak (+30 MB at a time) without
holding more. Setting the threshold explicitly turns the dynamic rule off: blocks above it
always go back to the system when freed. A 6-minute soak (docs/RELIABILITY.md) kept the
hub's RSS within 1 MB after warm-up this way, against +50 MB in 10 minutes without.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, now kept
_OPERATOR_SETTING = "MALLOC_MMAP_THRESHOLD_"  # glibc's tunable: the operator's choice wins


def pin_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes; False where there is no glibc
    mallopt (musl ignores it, macOS has none) or the operator set the threshold already."""
    if _OPERATOR_SETTING in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.restype = ctypes.c_int
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    pinned = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not pinned:
        log.info("this C library keeps its own mmap threshold")
    return pinned
