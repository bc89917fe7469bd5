"""Plane geometry of boxes, lines and polygons in frame pixels, and zone opening hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, tzinfo

from edge_agent.camera.observations import Box

FloatPoint = tuple[float, float]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either is empty)."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre(box: Box) -> FloatPoint:
    """The centre of a box."""
    return (box[0] + box[2] / 2, box[1] + box[3] / 2)


def feet(box: Box) -> FloatPoint:
    """Where a person box stands: its bottom centre, the point lines and zones judge."""
    return (box[0] + box[2] / 2, float(box[1] + box[3]))


def signed_distance(a: FloatPoint, b: FloatPoint, p: FloatPoint) -> float:
    """Distance of `p` from the line through a and b; positive right of a→b on the screen.

    Screen y grows downwards, so "right" is the side your right hand points to when you
    face from a towards b on the picture.
    """
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5
    return (dx * (p[1] - a[1]) - dy * (p[0] - a[0])) / length


def crossing_position(a: FloatPoint, b: FloatPoint, p: FloatPoint, q: FloatPoint) -> float:
    """Where the step p→q meets the line through a and b, as a fraction of the way a→b.

    0 is at a, 1 at b; outside [0, 1] the step passed beside the segment. The step must
    change sides (its ends' signed distances differ in sign).
    """
    dp, dq = signed_distance(a, b, p), signed_distance(a, b, q)
    k = dp / (dp - dq)
    x, y = p[0] + k * (q[0] - p[0]), p[1] + k * (q[1] - p[1])
    dx, dy = b[0] - a[0], b[1] - a[1]
    return ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)


def inside_polygon(p: FloatPoint, polygon: Sequence[tuple[int, int]]) -> bool:
    """Whether `p` lies inside the polygon (even-odd rule; points on an edge may go either way)."""
    x, y = p
    inside = False
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def parse_hours(spec: str) -> tuple[time, time]:
    """'18:00-07:00' → (18:00, 07:00)."""
    start, end = spec.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def within_hours(spec: str | None, ts: float, tz: tzinfo) -> bool:
    """Whether the local time at `ts` falls in 'HH:MM-HH:MM' (start included, end excluded).

    None means always; a start after the end spans midnight; equal ends mean all day.
    """
    if spec is None:
        return True
    start, end = parse_hours(spec)
    now = datetime.fromtimestamp(ts, tz).time()
    if start == end:
        return True
    if start < end:
        return start <= now < end
    return now >= start or now < end


def clip_box(box: Box, width: int, height: int) -> Box:
    """The part of a box inside a frame `width` wide and `height` high (possibly empty)."""
    x0, y0 = min(max(box[0], 0), width), min(max(box[1], 0), height)
    x1, y1 = min(max(box[0] + box[2], 0), width), min(max(box[1] + box[3], 0), height)
    return (x0, y0, x1 - x0, y1 - y0)


def grow_box(box: Box, margin: float, min_w: int, min_h: int, width: int, height: int) -> Box:
    """A box widened on every side by `margin` times its height, at least min_w by min_h, in frame.

    A box too near an edge to grow evenly is shifted inwards, so it keeps its size.
    """
    pad = round(margin * box[3])
    w = min(max(box[2] + 2 * pad, min_w), width)
    h = min(max(box[3] + 2 * pad, min_h), height)
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    x = min(max(round(cx - w / 2), 0), width - w)
    y = min(max(round(cy - h / 2), 0), height - h)
    return (x, y, w, h)


def merge_overlapping(boxes: Sequence[Box]) -> list[Box]:
    """Overlapping boxes replaced by their bounding box where that is no larger than both.

    Two boxes offset along a diagonal would merge into a box mostly empty; they stay apart
    and their small common part is looked at twice, which is cheaper.
    """
    merged = list(boxes)
    i = 0
    while i < len(merged):
        for j in range(i + 1, len(merged)):
            union = _bounding(merged[i], merged[j])
            a, b = merged[i], merged[j]
            if iou(a, b) > 0 and union[2] * union[3] <= a[2] * a[3] + b[2] * b[3]:
                merged.pop(j)
                merged[i] = union
                i = -1  # the grown box may now swallow earlier ones: start over
                break
        i += 1
    return merged


def _bounding(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def suppress_overlaps(boxes: Sequence[Box], scores: Sequence[float], overlap: float) -> list[int]:
    """Non-maximum suppression: indices of the boxes kept, best score first.

    Overlap is the intersection over the smaller box, so a loose box around a tight one
    (HOG's habit at neighbouring scales) is caught even though their IoU is small.
    """
    kept: list[int] = []
    for i in sorted(range(len(boxes)), key=lambda k: -scores[k]):
        a = boxes[i]
        if all(_covered_share(a, boxes[k]) <= overlap for k in kept):
            kept.append(i)
    return kept


def _covered_share(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / smaller if smaller > 0 else 0.0
