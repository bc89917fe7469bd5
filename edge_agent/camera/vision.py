"""The OpenCV side of the analytics: motion, the HOG people detector, tamper statistics, drawing.

The only module of the analytics that imports cv2; the decisions are made elsewhere, on the
boxes and numbers measured here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from edge_agent.camera.geometry import (
    clip_box,
    grow_box,
    merge_overlapping,
    suppress_overlaps,
)
from edge_agent.camera.observations import Box
from edge_agent.camera.settings import MotionSettings, PersonSettings
from edge_agent.camera.tamper import FrameStats

Image = NDArray[np.uint8]
# The default people detector's window, and the person height it was trained on in it.
_WINDOW_W, _WINDOW_H, _PERSON_IN_WINDOW = 64, 128, 96
# The window holds the person with a margin around; boxes are trimmed to the person.
_TRIM_X, _TRIM_Y = 0.2, 0.1


def shrink_grey(frame: Image, width: int) -> Image:
    """The frame in grey, scaled down to `width` (never up)."""
    grey = _u8(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)) if frame.ndim == 3 else frame
    if grey.shape[1] <= width:
        return grey
    height = max(1, round(grey.shape[0] * width / grey.shape[1]))
    return _u8(cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA))


def _u8(image: NDArray[Any]) -> Image:
    # cv2's stubs type every result as a generic array; this states (and keeps, no copy) uint8.
    return np.asarray(image, dtype=np.uint8)


class MotionDetector:
    """Changed regions against a running-average background, on the shrunk grey frame."""

    def __init__(self, settings: MotionSettings) -> None:
        self.settings = settings
        self._background: NDArray[np.float32] | None = None
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

    def detect(self, small: Image, scale: float) -> list[Box]:
        """Boxes of the regions that changed, in source pixels (`scale` = source / small)."""
        s = self.settings
        k = s.blur_px | 1
        blurred = cv2.GaussianBlur(small, (k, k), 0)
        if self._background is None or self._background.shape != blurred.shape:
            self._background = blurred.astype(np.float32)
            return []
        diff = cv2.absdiff(blurred, cv2.convertScaleAbs(self._background))
        _, mask = cv2.threshold(diff, s.threshold, 255, cv2.THRESH_BINARY)
        # Dilating joins a walker's limbs and torso into one region.
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        if cv2.countNonZero(mask) > s.max_area_ratio * mask.size:
            # Lights switched, camera covered or moved: start over from this view.
            self._background = blurred.astype(np.float32)
            return []
        cv2.accumulateWeighted(blurred, self._background, s.background_alpha)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes = []
        for contour in contours:
            if cv2.contourArea(contour) < s.min_area_px:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            boxes.append(
                (
                    math.floor(x * scale),
                    math.floor(y * scale),
                    math.ceil(w * scale),
                    math.ceil(h * scale),
                )
            )
        return boxes


class PeopleDetector:
    """OpenCV's HOG people detector over chosen regions (or the whole frame), with NMS."""

    def __init__(self, settings: PersonSettings) -> None:
        self.settings = settings
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(
            np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32)
        )
        # Enlarge so the smallest wanted person fills the window as in training.
        self.upscale = max(1.0, _PERSON_IN_WINDOW / settings.min_height_px)

    def regions(self, seeds: Sequence[Box], width: int, height: int) -> list[Box] | None:
        """Where to look: seeds padded, enlarged to the window and merged; None = whole frame."""
        s = self.settings
        # A little more than one window, so a person at a region's edge still fits in one.
        min_w = math.ceil(1.5 * _WINDOW_W / self.upscale)
        min_h = math.ceil(1.25 * _WINDOW_H / self.upscale)
        grown = [
            grow_box(clip_box(seed, width, height), s.roi_padding, min_w, min_h, width, height)
            for seed in seeds
        ]
        merged = merge_overlapping([box for box in grown if box[2] > 0 and box[3] > 0])
        if sum(w * h for _, _, w, h in merged) > s.full_frame_ratio * width * height:
            return None
        return merged

    def detect(self, frame: Image, regions: Sequence[Box] | None = None) -> list[tuple[Box, float]]:
        """Person boxes (source pixels) and scores 0..1 in the regions, or the whole frame."""
        s = self.settings
        height, width = frame.shape[:2]
        areas = [(0, 0, width, height)] if regions is None else list(regions)
        boxes: list[Box] = []
        scores: list[float] = []
        for x0, y0, w, h in areas:
            crop = frame[y0 : y0 + h, x0 : x0 + w]
            f = self.upscale
            if f != 1.0:
                size = (round(w * f), round(h * f))
                crop = _u8(cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR))
            if crop.shape[0] < _WINDOW_H or crop.shape[1] < _WINDOW_W:
                continue
            found, weights = self._hog.detectMultiScale(
                crop,
                hitThreshold=s.hit_threshold,
                winStride=(s.win_stride, s.win_stride),
                padding=(s.padding, s.padding),
                scale=s.scale,
            )
            for (bx, by, bw, bh), weight in zip(found, np.ravel(weights), strict=True):
                score = 1.0 / (1.0 + math.exp(-float(weight)))
                if score < s.min_score:
                    continue
                box = (
                    x0 + round((bx + _TRIM_X * bw) / f),
                    y0 + round((by + _TRIM_Y * bh) / f),
                    round((1 - 2 * _TRIM_X) * bw / f),
                    round((1 - 2 * _TRIM_Y) * bh / f),
                )
                boxes.append(clip_box(box, width, height))
                scores.append(score)
        kept = suppress_overlaps(boxes, scores, s.nms_overlap)
        return [(boxes[i], scores[i]) for i in kept]


class TamperProbe:
    """Measures the tamper statistics of a shrunk grey frame and keeps the reference view."""

    def __init__(self) -> None:
        self._reference: NDArray[np.float32] | None = None  # gradients of the reference view

    def measure(self, small: Image) -> FrameStats:
        """Brightness, contrast, sharpness and similarity to the reference view."""
        mean, std = cv2.meanStdDev(small)
        brightness, contrast = float(mean[0, 0]), float(std[0, 0])
        # Relative to the contrast, so dusk (less contrast, same focus) is not taken for blur.
        laplacian = float(cv2.Laplacian(small, cv2.CV_32F).var())
        sharpness = laplacian / (contrast * contrast) if contrast > 0 else 0.0
        similarity = None
        if self._reference is not None and self._reference.shape == small.shape:
            # Correlating gradients, not grey levels: large bright and dark areas (sky,
            # lawn) still overlap after a move, their edges do not.
            score = cv2.matchTemplate(_gradients(small), self._reference, cv2.TM_CCOEFF_NORMED)
            similarity = max(0.0, float(score[0, 0]))
        return FrameStats(brightness, contrast, sharpness, similarity)

    def take_reference(self, small: Image) -> None:
        """Make this frame the reference view."""
        self._reference = _gradients(small)


def _gradients(small: Image) -> NDArray[np.float32]:
    smooth = cv2.GaussianBlur(small, (3, 3), 0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
    return np.asarray(cv2.magnitude(gx, gy), dtype=np.float32)


def draw_boxes(frame: Image, boxes: Sequence[Box], labels: Sequence[str]) -> Image:
    """A copy of the frame with boxes drawn on it, for snapshots; labels pair with boxes."""
    out = frame.copy()
    for (x, y, w, h), label in zip(boxes, labels, strict=False):
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 0, 255), 2)
        if label:
            cv2.putText(
                out,
                label,
                (x, max(12, y - 4)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45,
                (0, 255, 255),
                1,
                cv2.LINE_AA,
            )
    return out
