"""Content-addressed media files on disk: `{root}/{sha[:2]}/{sha}`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class MediaStore:
    """Writes each media object once, atomically, under the hash of its bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """Where an object with this hash lives."""
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> Path:
        """Store `data` (already verified against `sha256`); a second put is a no-op."""
        path = self.path_for(sha256)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
