"""Snapshots and clips of a camera: JPEG encoding, a ring of recent frames, clip files.

Clips are MPEG-4 Part 2 (`mp4v`) in MP4: the OpenCV wheel writes it without a hardware
or licensed H.264 encoder, reads it back, and it is a third of the size of MJPEG in AVI.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge_agent.camera.observations import Box
from edge_agent.camera.vision import draw_boxes

CLIP_FOURCC = "mp4v"
CLIP_SUFFIX = ".mp4"
CLIP_CONTENT_TYPE = "video/mp4"
JPEG_CONTENT_TYPE = "image/jpeg"


def encode_jpeg(image: np.ndarray, quality: int = 80) -> bytes:
    """A BGR image as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    """JPEG bytes as a BGR image."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not a decodable JPEG")
    return image


def snapshot_jpeg(
    image: np.ndarray, boxes: Sequence[Box], labels: Sequence[str], quality: int = 80
) -> bytes:
    """The frame with the observation's boxes drawn on it, as JPEG (the frame is not changed)."""
    return encode_jpeg(draw_boxes(image, boxes, labels), quality)


def fit_width(image: np.ndarray, width: int | None) -> np.ndarray:
    """`image` scaled down to `width` pixels wide (aspect kept), or unchanged if narrower."""
    if not width or image.shape[1] <= width:
        return image
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True, slots=True)
class StoredFrame:
    """A frame of the ring: when it was seen and its JPEG bytes."""

    ts: float
    jpeg: bytes


class FrameRing:
    """The last `max_seconds` of frames, JPEG-compressed, within `max_bytes`.

    Frames are kept at no more than `fps` per second and no wider than `width`: a clip
    needs to be watchable, not full-rate, and this is what keeps two cameras in budget.
    """

    def __init__(
        self,
        *,
        max_seconds: float,
        max_bytes: int,
        fps: float = 10.0,
        width: int | None = 640,
        quality: int = 70,
    ) -> None:
        if max_seconds <= 0 or max_bytes <= 0 or fps <= 0:
            raise ValueError("max_seconds, max_bytes and fps must be positive")
        self.max_seconds, self.max_bytes, self.fps = max_seconds, max_bytes, fps
        self._width, self._quality = width, quality
        self._frames: deque[StoredFrame] = deque()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """JPEG bytes held."""
        return self._bytes

    def wants(self, ts: float) -> bool:
        """Whether a frame seen at `ts` would be kept (cheap: decide before encoding)."""
        # 0.9 of a period: a 10 fps camera stamped with jitter still keeps every frame.
        return not self._frames or ts - self._frames[-1].ts >= 0.9 / self.fps

    def append(self, ts: float, image: np.ndarray) -> bool:
        """Keep the frame if it is due under `fps`; evict what is too old or over budget."""
        if not self.wants(ts):
            return False
        frame = StoredFrame(ts, encode_jpeg(fit_width(image, self._width), self._quality))
        self._frames.append(frame)
        self._bytes += len(frame.jpeg)
        while self._frames and (
            self._bytes > self.max_bytes or self._frames[0].ts < ts - self.max_seconds
        ):
            self._bytes -= len(self._frames.popleft().jpeg)
        return True

    def between(self, start: float, end: float) -> list[StoredFrame]:
        """The frames seen from `start` to `end`, inclusive, oldest first."""
        return [f for f in self._frames if start <= f.ts <= end]

    def clear(self) -> None:
        """Forget every frame."""
        self._frames.clear()
        self._bytes = 0


@dataclass(frozen=True, slots=True)
class Clip:
    """An encoded clip, ready for the media topic."""

    data: bytes
    content_type: str
    sha256: str
    frames: int
    fps: float


def write_clip(frames: Sequence[StoredFrame], fps: float, tmp_dir: Path | None = None) -> Clip:
    """Encode frames (oldest first) into an MP4 clip played at their own pace."""
    if not frames:
        raise ValueError("a clip needs at least one frame")
    span = frames[-1].ts - frames[0].ts
    # Frames were kept at up to `fps`, fewer if the analyser lagged: play them as taken.
    rate = (len(frames) - 1) / span if len(frames) > 1 and span > 0 else fps
    first = decode_jpeg(frames[0].jpeg)
    # MPEG-4 wants even dimensions; an odd row or column would be cropped silently.
    height, width = (first.shape[0] // 2) * 2, (first.shape[1] // 2) * 2
    handle, name = tempfile.mkstemp(suffix=CLIP_SUFFIX, dir=tmp_dir)
    os.close(handle)
    path = Path(name)
    try:
        writer = cv2.VideoWriter(
            str(path), cv2.VideoWriter.fourcc(*CLIP_FOURCC), rate, (width, height)
        )
        if not writer.isOpened():
            raise OSError(f"OpenCV cannot write {CLIP_FOURCC} clips")
        try:
            for frame in frames:
                image = decode_jpeg(frame.jpeg)
                if image.shape[:2] != (height, width):
                    image = cv2.resize(image, (width, height))
                writer.write(image)
        finally:
            writer.release()
        data = path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    return Clip(data, CLIP_CONTENT_TYPE, digest, len(frames), rate)
