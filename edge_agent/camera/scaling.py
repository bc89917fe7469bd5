"""Between source pixels and analysed pixels, when frames are scaled down for speed.

Lines, zones and the smallest person are configured in pixels of the camera's own frame;
the analyser sees a smaller frame, so they are scaled to it, and boxes scaled back.
"""

from __future__ import annotations

from edge_agent.camera.observations import Box
from edge_agent.camera.settings import AnalyticsSettings

Point = tuple[int, int]
_MIN_PERSON_PX = 16  # the lower bound of PersonSettings.min_height_px


def scale_box(box: Box, factor: float) -> Box:
    """`box` with every coordinate multiplied by `factor` (rounded, never negative)."""
    x, y, w, h = (max(0, round(v * factor)) for v in box)
    return (x, y, w, h)


def scale_point(point: Point, factor: float) -> Point:
    """`point` multiplied by `factor`, rounded."""
    return (round(point[0] * factor), round(point[1] * factor))


def scale_analytics(settings: AnalyticsSettings, factor: float) -> AnalyticsSettings:
    """The settings for frames scaled by `factor`: the pixel-valued fields scaled with them."""
    if factor == 1.0:
        return settings
    lines = [
        line.model_copy(
            update={
                "a": scale_point(line.a, factor),
                "b": scale_point(line.b, factor),
                "hysteresis_px": line.hysteresis_px * factor,
            }
        )
        for line in settings.lines
    ]
    zones = [
        zone.model_copy(update={"points": [scale_point(p, factor) for p in zone.points]})
        for zone in settings.zones
    ]
    height = max(_MIN_PERSON_PX, round(settings.person.min_height_px * factor))
    person = settings.person.model_copy(update={"min_height_px": height})
    return settings.model_copy(update={"lines": lines, "zones": zones, "person": person})
