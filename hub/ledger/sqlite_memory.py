"""SQLite's own heap in this process, for /metrics.

Python's `sqlite3` module does not expose `sqlite3_memory_used`; it is reached through
ctypes in the library `_sqlite3` is linked against (the same copy of SQLite, so the same
heap). The heap is bounded by the soft heap limit the ledger engine sets (engine.py).
"""

from __future__ import annotations

import ctypes
import logging
from functools import cache

log = logging.getLogger(__name__)


@cache
def _library() -> ctypes.CDLL | None:
    try:
        import _sqlite3  # the extension module: dlsym searches it and the libraries it loaded

        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        library.sqlite3_memory_used.argtypes = []
    except (ImportError, OSError, AttributeError):  # a build that hides SQLite's symbols
        log.info("SQLite's memory calls are not reachable from this Python build")
        return None
    return library


def memory_used() -> int | None:
    """Bytes SQLite has allocated in this process now, or None where it cannot be read."""
    library = _library()
    return None if library is None else int(library.sqlite3_memory_used())

