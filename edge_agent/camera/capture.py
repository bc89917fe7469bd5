"""Frames from a camera (RTSP/HTTP URL, device index) or a video file, reopened when lost.

cv2.VideoCapture sits behind a tiny `VideoStream` protocol and an injectable opener, so
the reconnect and backoff logic is tested without a camera.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import cv2
import numpy as np

if TYPE_CHECKING:
    from edge_agent.camera.source_settings import CaptureSettings

log = logging.getLogger(__name__)

Pace = Literal["realtime", "asap"]
_LIVE_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
_DEFAULT_FPS = 25.0  # when a stream does not say; only paces files and stamps asap frames


class VideoStream(Protocol):
    """What the capture needs of an opened camera or file (cv2.VideoCapture behind it)."""

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame, or (False, None) at the end or on failure."""
        ...

    def fps(self) -> float | None:
        """Nominal frames per second, if the stream says."""
        ...

    def release(self) -> None:
        """Close the stream."""
        ...


Opener = Callable[[str | int], VideoStream]


class _CvStream:
    """cv2.VideoCapture as a VideoStream."""

    def __init__(self, capture: cv2.VideoCapture) -> None:
        self._capture = capture

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next decoded BGR frame."""
        ok, frame = self._capture.read()
        return bool(ok), frame if ok else None

    def fps(self) -> float | None:
        """The container's or camera's nominal rate (0 means unknown)."""
        value = float(self._capture.get(cv2.CAP_PROP_FPS))
        return value if 0 < value < 1000 else None

    def release(self) -> None:
        """Release the capture."""
        self._capture.release()


def cv_opener(timeout_s: float = 10.0) -> Opener:
    """An opener of cv2.VideoCapture whose open and read give up after `timeout_s`."""
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(timeout_s * 1000),
    ]

    def open_stream(url: str | int) -> VideoStream:
        """Open `url` with OpenCV; OSError (FileNotFoundError) if it cannot be opened."""
        if isinstance(url, int):
            capture = cv2.VideoCapture(url)
        elif not is_live(url) and not Path(url).is_file():
            raise FileNotFoundError(f"no such video file: {url}")
        else:
            # FFmpeg, so a dead RTSP camera cannot block read() for longer than the timeout.
            capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            raise OSError(f"cannot open {describe_url(url)}")
        return _CvStream(capture)

    return open_stream


def describe_url(url: str | int) -> str:
    """The URL for logs and errors, without any user name or password in it."""
    if isinstance(url, int):
        return f"device {url}"
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def is_live(url: str | int) -> bool:
    """Whether `url` is a camera (device index or network stream) rather than a file."""
    return isinstance(url, int) or url.lower().startswith(_LIVE_SCHEMES)


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: its pixels, when it was taken, and when it was read (monotonic)."""

    image: np.ndarray
    ts: float  # Unix time the scene was seen (wall clock, or deterministic for asap files)
    read_at: float  # monotonic clock at read, to measure capture-to-processed latency
    index: int  # frames read since start, across reconnects and loops


@dataclass(frozen=True, slots=True)
class CaptureState:
    """How the camera is doing, for health reports."""

    online: bool
    reconnects: int  # times the stream came back after being lost
    open_failures: int  # failed attempts to open it
    dropped: int  # live frames overwritten before the analyser took them
    frames_read: int
    last_error: str | None
    finished: bool  # a file played to its end (no loop)


class FrameFeed(Protocol):
    """Where a camera source gets frames: a FrameSource, or a test's stand-in."""

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Frames until `stop` is set or the feed ends."""
        ...

    def state(self) -> CaptureState:
        """How the camera is doing."""
        ...


class FrameSource:
    """Frames of one camera or file, with reconnect and exponential backoff.

    Live streams (and files paced in real time) are read by a thread that keeps only the
    newest frame, so a slow analyser sees the present, not a growing backlog. Files paced
    `asap` are read in the caller's thread, every frame, stamped `start_ts + index / fps`.
    """

    def __init__(
        self,
        url: str | int,
        *,
        pace: Pace = "realtime",
        loop: bool = False,
        reconnect_min_s: float = 1.0,
        reconnect_max_s: float = 30.0,
        stall_s: float = 10.0,
        start_ts: float | None = None,
        opener: Opener | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        wait: Callable[[threading.Event, float], bool] | None = None,
    ) -> None:
        if reconnect_min_s <= 0 or reconnect_max_s < reconnect_min_s or stall_s <= 0:
            raise ValueError("need 0 < reconnect_min_s <= reconnect_max_s and stall_s > 0")
        self.url = url
        self.live = is_live(url)
        self.pace: Pace = "realtime" if self.live else pace
        self.loop = loop
        self._min, self._max, self._stall_s = reconnect_min_s, reconnect_max_s, stall_s
        self._start_ts = start_ts
        self._open = opener or cv_opener(stall_s)
        self._clock, self._monotonic = clock, monotonic
        self._wait = wait or (lambda event, seconds: event.wait(seconds))
        self._lock = threading.Lock()
        self._online = False
        self._reconnects = self._open_failures = self._dropped = self._read = 0
        self._last_error: str | None = None
        self._finished = False
        self._ever_online = False
        self._outage_logged = False  # one warning per outage, not one per retry
        # Which stream is open, when it last gave a frame, and which one the consumer found
        # stalled: generations keep a late verdict from closing the next stream.
        self._generation = 0
        self._streaming = False
        self._activity = 0.0
        self._stalled_generation = -1

    @classmethod
    def from_settings(cls, cfg: CaptureSettings) -> FrameSource:
        """The capture a camera source's settings describe."""
        return cls(
            cfg.url,
            pace=cfg.pace,
            loop=cfg.loop,
            reconnect_min_s=cfg.reconnect_min_s,
            reconnect_max_s=cfg.reconnect_max_s,
            stall_s=cfg.stall_s,
        )

    def state(self) -> CaptureState:
        """The camera's state now."""
        with self._lock:
            return CaptureState(
                online=self._online,
                reconnects=self._reconnects,
                open_failures=self._open_failures,
                dropped=self._dropped,
                frames_read=self._read,
                last_error=self._last_error,
                finished=self._finished,
            )

    def frames(self, stop: threading.Event) -> Generator[Frame, None, None]:
        """Frames until `stop` is set or a file without `loop` ends."""
        if self.pace == "asap":
            yield from self._read_frames(stop)
        else:
            yield from self._latest_frames(stop)

    def _latest_frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Hand over the newest frame the reader thread has; count the ones overwritten."""
        halt = threading.Event()
        slot = _Slot()
        reader = threading.Thread(
            target=self._fill,
            args=(halt, slot),
            name=f"capture-{describe_url(self.url)}",
            daemon=True,
        )
        reader.start()
        try:
            while not stop.is_set():
                frame, done = slot.take(timeout=min(0.25, self._stall_s))
                if frame is not None:
                    yield frame
                elif done:
                    return
                else:
                    self._check_stall()
        finally:
            halt.set()
            reader.join(timeout=1.0)  # a read blocked in FFmpeg ends on its own timeout

    def _fill(self, halt: threading.Event, slot: _Slot) -> None:
        """Reader thread: keep the newest frame in `slot`."""
        try:
            for frame in self._read_frames(halt):
                if slot.put(frame):
                    with self._lock:
                        self._dropped += 1
        finally:
            slot.close()

    def _read_frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Open, read, and reopen with backoff after a failure, until stop or a file's end."""
        delay = self._min
        index = 0
        start_ts: float | None = self._start_ts
        while not stop.is_set():
            try:
                stream = self._open(self.url)
            except Exception as exc:
                self._failed_open(exc)
                if self._wait(stop, delay):
                    return
                delay = min(delay * 2, self._max)
                continue
            fps = stream.fps() or _DEFAULT_FPS
            if start_ts is None:
                start_ts = self._clock()
            delivered = 0
            began = self._monotonic()
            generation = self._opened()
            try:
                while not stop.is_set() and not self._is_stalled(generation):
                    try:
                        ok, image = stream.read()
                    except Exception as exc:  # a decoder error is a lost stream, not a crash
                        log.debug("read error on %s: %s", describe_url(self.url), exc)
                        ok, image = False, None
                    if not ok or image is None:
                        break
                    now = self._monotonic()
                    with self._lock:
                        self._activity = now
                    if delivered == 0:
                        self._came_online()
                        delay = self._min  # frames flow again: the next loss starts over
                    ts = start_ts + index / fps if self.pace == "asap" else self._clock()
                    with self._lock:
                        self._read += 1
                    yield Frame(image=image, ts=ts, read_at=now, index=index)
                    delivered += 1
                    index += 1
                    if not self.live and self.pace == "realtime":
                        # A file played as a camera: one frame per 1/fps, as it was filmed.
                        due = began + delivered / fps
                        if self._wait(stop, max(0.0, due - self._monotonic())):
                            return
            finally:
                stream.release()
                with self._lock:
                    self._streaming = False
            if stop.is_set():
                return
            if not self.live and delivered:
                if self.loop:
                    continue  # rewind: a loop is not a loss
                with self._lock:
                    self._finished, self._online = True, False
                return
            if not self._is_stalled(generation):  # a stall was reported when it was seen
                self._lost("read failed" if delivered else "opened but gave no frame")
            if self._wait(stop, delay):
                return
            delay = min(delay * 2, self._max)

    def _opened(self) -> int:
        """A new stream is open: its generation, for stall verdicts."""
        with self._lock:
            self._generation += 1
            self._streaming, self._activity = True, self._monotonic()
            return self._generation

    def _is_stalled(self, generation: int) -> bool:
        with self._lock:
            return self._stalled_generation == generation

    def _check_stall(self) -> None:
        """Consumer side: an open stream silent for `stall_s` is lost; the reader reopens it.

        A read blocked inside FFmpeg returns by its own timeout (set to `stall_s` by
        `cv_opener`); the reader then sees the verdict and drops that stream.
        """
        with self._lock:
            silent = self._monotonic() - self._activity
            if not self._streaming or self._stalled_generation == self._generation:
                return
            if silent <= self._stall_s:
                return
            self._stalled_generation = self._generation
        self._lost(f"no frame for {self._stall_s:g} s")

    def _came_online(self) -> None:
        with self._lock:
            if self._ever_online and not self._online:
                self._reconnects += 1
            was_online, self._online, self._ever_online = self._online, True, True
            self._outage_logged = False
        if not was_online:
            log.info("camera %s online", describe_url(self.url))

    def _lost(self, reason: str) -> None:
        with self._lock:
            self._online, self._last_error = False, reason
            announce, self._outage_logged = not self._outage_logged, True
        if announce:
            log.warning("camera %s offline: %s", describe_url(self.url), reason)

    def _failed_open(self, exc: Exception) -> None:
        reason = str(exc) or type(exc).__name__
        with self._lock:
            self._open_failures += 1
            self._online, self._last_error = False, reason
            announce, self._outage_logged = not self._outage_logged, True
        if announce:
            log.warning(
                "camera %s offline: %s; reopening with backoff", describe_url(self.url), reason
            )


class _Slot:
    """A one-frame mailbox: the reader overwrites, the consumer takes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False

    def put(self, frame: Frame) -> bool:
        """Store `frame`; True if it overwrote one nobody took (a dropped frame)."""
        with self._cond:
            overwritten = self._frame is not None
            self._frame = frame
            self._cond.notify()
        return overwritten

    def take(self, timeout: float) -> tuple[Frame | None, bool]:
        """The newest frame (or None after `timeout`), and whether the reader has finished."""
        with self._cond:
            if self._frame is None and not self._closed:
                self._cond.wait(timeout)
            frame, self._frame = self._frame, None
            return frame, self._closed and frame is None

    def close(self) -> None:
        """The reader is done."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
