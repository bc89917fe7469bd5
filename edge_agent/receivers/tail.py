"""Follow a growing log file like `tail -F`, remembering across restarts how far it got.

The position (device, inode, offset and a fingerprint of the file's first bytes) is saved
only when the caller commits, after it has stored what it read: a clean restart neither
repeats nor skips a line. Rotation by rename is noticed by the inode changing at the path
(the old file is read to its end first, even when that happened while the agent was down
and the old file still sits in the same directory); truncation by the size shrinking below
the position or its first bytes changing. Crashing between storing and committing repeats
that one batch; `read_placed_lines` names each line by its place (file and offset), so the
caller can give a repeated line the same identity as the first time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import orjson

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_HEAD = 64  # bytes fingerprinted: tells a reused inode number from the file we were reading


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """A line and where it starts: the file (device, inode), the byte offset in it, and
    the follower's epoch (counted up at each truncation, so a file cut and refilled does
    not place new lines where old ones were)."""

    device: int
    inode: int
    epoch: int
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Position:
    """Where the follower stands: which file (device, inode), how far, and its first bytes."""

    device: int
    inode: int
    offset: int
    head_len: int
    head: str
    epoch: int = 0


class LogFollower:
    """Complete lines appended to `path`, across rotation and truncation, resumable."""

    def __init__(
        self,
        path: Path,
        state_path: Path,
        *,
        start_at: Literal["beginning", "end"] = "beginning",
        max_line_bytes: int = 64 * 1024,
    ) -> None:
        self.path, self.state_path = path, state_path
        self.max_line_bytes = max_line_bytes
        self.too_long = self.rotations = self.truncations = 0
        self._file: BinaryIO | None = None
        self._offset = 0  # just past the last complete line handed out
        self._buffer = b""  # read beyond that, no newline yet
        self._discarding = False  # inside an over-long line, dropping it up to its newline
        self._head_seen = b""  # the current file's first bytes (up to _HEAD) as read
        self._committed: Position | None = None
        self._file_key = (0, 0)  # (device, inode) of the open file
        self._epoch = 0
        # Refuse to start rather than emit lines whose position cannot be kept: every
        # restart would send them again.
        state_path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(state_path.parent, os.W_OK):
            raise PermissionError(f"cannot write the position file in {state_path.parent}")
        self._resume(start_at)

    @property
    def offset(self) -> int:
        """Bytes of the current file handed out as lines (or skipped)."""
        return self._offset

    def read_lines(self, limit: int) -> list[bytes]:
        """Up to `limit` complete, non-empty lines after the last ones handed out."""
        return [line.data for line in self.read_placed_lines(limit)]

    def read_placed_lines(self, limit: int) -> list[PlacedLine]:
        """As `read_lines`, each line with the place it starts at."""
        lines: list[PlacedLine] = []
        if self._file is None and not self._open_current(0):
            return lines
        self._truncated()  # before reading on: a file cut and refilled would read as a tail
        while len(lines) < limit:
            if self._take_line(lines):
                continue
            assert self._file is not None
            chunk = self._file.read(_CHUNK)
            if chunk:
                self._note_head(chunk)
                self._buffer += chunk
                continue
            if self._truncated():
                continue
            if not self._rotated():
                break
            late = self._file.read(_CHUNK)  # written just before the writer let go of it
            if late:
                self._note_head(late)
                self._buffer += late
                continue
            if self._buffer:  # the old file's last line, never terminated
                self._take_rest(lines)
                continue
            self.rotations += 1
            log.info("%s was rotated; following the new file", self.path)
            self._open_current(0)
            if self._file is None:
                break
        return lines

    def commit(self) -> None:
        """Save the position: everything handed out so far has been stored."""
        if self._file is None:
            return
        stat = os.fstat(self._file.fileno())
        head_len = min(_HEAD, self._offset)
        head = hashlib.sha256(os.pread(self._file.fileno(), head_len, 0)).hexdigest()
        position = Position(stat.st_dev, stat.st_ino, self._offset, head_len, head, self._epoch)
        if position == self._committed:
            return
        temporary = self.state_path.with_name(self.state_path.name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(orjson.dumps({"path": str(self.path), **asdict(position)}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.state_path)
        self._committed = position

    def close(self) -> None:
        """Close the file (the position is what was last committed)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _take_line(self, lines: list[PlacedLine]) -> bool:
        """Move one line (or an over-long stretch) out of the buffer; False if none is there."""
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > self.max_line_bytes:
                if not self._discarding:
                    self.too_long += 1
                    log.warning("%s: a line over %d bytes skipped", self.path, self.max_line_bytes)
                self._discarding = True
                self._offset += len(self._buffer)
                self._buffer = b""
            return False
        line, self._buffer = self._buffer[:end].rstrip(b"\r"), self._buffer[end + 1 :]
        start = self._offset
        self._offset += end + 1
        if self._discarding:
            self._discarding = False
        elif len(line) > self.max_line_bytes:
            self.too_long += 1
            log.warning("%s: a line over %d bytes skipped", self.path, self.max_line_bytes)
        elif line.strip():
            lines.append(PlacedLine(*self._file_key, self._epoch, start, line))
        return True

    def _take_rest(self, lines: list[PlacedLine]) -> None:
        """Hand out what is left of a file that will grow no more as its last line."""
        line, discarding = self._buffer.rstrip(b"\r"), self._discarding
        start = self._offset
        self._offset += len(self._buffer)
        self._buffer, self._discarding = b"", False
        if not discarding and line.strip():
            lines.append(PlacedLine(*self._file_key, self._epoch, start, line))

    def _note_head(self, chunk: bytes) -> None:
        """Remember the file's first bytes as read, to notice them rewritten later."""
        position = self._offset + len(self._buffer)
        if position < _HEAD:
            self._head_seen += chunk[: _HEAD - position]

    def _truncated(self) -> bool:
        """Whether the file was cut (copytruncate); then start it over.

        Cut and already refilled past our position, its size tells nothing: its first
        bytes do, unless the new ones happen to be the same.
        """
        assert self._file is not None
        fd = self._file.fileno()
        shrunk = os.fstat(fd).st_size < self._offset + len(self._buffer)
        seen = self._head_seen
        if not shrunk and (not seen or os.pread(fd, len(seen), 0) == seen):
            return False
        self.truncations += 1
        self._epoch += 1
        log.info("%s was truncated; reading it from the start", self.path)
        self._seek(0)
        return True

    def _rotated(self) -> bool:
        """Whether another file now sits at the path (and ours is read to its end)."""
        assert self._file is not None
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return False  # renamed, and the new one not created yet: keep the old one
        ours = os.fstat(self._file.fileno())
        return (current.st_dev, current.st_ino) != (ours.st_dev, ours.st_ino)

    def _open_current(self, offset: int) -> bool:
        """Open the file at the path at `offset`; False while there is none."""
        self.close()
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - held open while following
        except FileNotFoundError:
            return False
        self._note_file_key()
        self._seek(offset)
        return True

    def _note_file_key(self) -> None:
        assert self._file is not None
        stat = os.fstat(self._file.fileno())
        self._file_key = (stat.st_dev, stat.st_ino)

    def _seek(self, offset: int) -> None:
        assert self._file is not None
        self._file.seek(offset)
        self._offset, self._buffer, self._discarding = offset, b"", False
        self._head_seen = os.pread(self._file.fileno(), min(_HEAD, offset), 0)

    def _resume(self, start_at: Literal["beginning", "end"]) -> None:
        """Pick up where the saved position says; else start as configured."""
        saved = self._load()
        if saved is None:
            if self._open_current(0) and start_at == "end":
                assert self._file is not None
                self._seek(os.fstat(self._file.fileno()).st_size)
                self.commit()
            return
        self._committed = saved
        self._epoch = saved.epoch
        for candidate in self._candidates(saved):
            try:
                file = open(candidate, "rb")  # noqa: SIM115 - held open while following
            except OSError:
                continue
            stat = os.fstat(file.fileno())
            head = hashlib.sha256(os.pread(file.fileno(), saved.head_len, 0)).hexdigest()
            if (stat.st_dev, stat.st_ino, head) != (saved.device, saved.inode, saved.head):
                file.close()
                continue
            self._file = file
            self._note_file_key()
            if stat.st_size < saved.offset:
                self.truncations += 1
                self._epoch += 1
                log.info("%s was truncated while the agent was down", candidate)
                self._seek(0)
            else:
                self._seek(saved.offset)
            if candidate != self.path:
                log.info("finishing %s, rotated away from %s while down", candidate, self.path)
            return
        log.warning("%s: the file last read is gone; reading the current one", self.path)
        self._epoch += 1  # it may be the same inode refilled: its lines are not the old ones
        self._open_current(0)

    def _candidates(self, saved: Position) -> list[Path]:
        """The path itself, then any file beside it with the saved inode (rotated away)."""
        found = [self.path]
        try:
            with os.scandir(self.path.parent) as entries:
                for entry in entries:
                    if entry.inode() == saved.inode and entry.path != str(self.path):
                        found.append(Path(entry.path))
        except OSError:
            pass
        return found

    def _load(self) -> Position | None:
        try:
            document = orjson.loads(self.state_path.read_bytes())
            return Position(
                int(document["device"]),
                int(document["inode"]),
                int(document["offset"]),
                int(document["head_len"]),
                str(document["head"]),
                int(document.get("epoch", 0)),  # position files before epochs had none
            )
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("%s: unreadable position file; starting over", self.state_path)
            return None
