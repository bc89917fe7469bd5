"""What cameras and facility sensors report on a simulated day, derived from the people flow.

Each device draws from its own random stream, so what one camera reports does not depend
on which other devices a gateway happens to serve.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from edge_agent.simulation.gate_devices import HOUR, DayTrace, Raw
from edge_agent.simulation.registry import CameraSpec, SensorSpec, SimulationProfile

_FRAME_W, _FRAME_H = 1920, 1080
_DETECTION_RATE = 0.97  # line counters miss the odd person in a group


def camera_events(
    camera: CameraSpec, trace: DayTrace, profile: SimulationProfile, rng: random.Random
) -> list[Raw]:
    """Line-crossing counts per interval, and person and crowd detections, at a gate camera."""
    if not camera.gates:
        return []
    interval = profile.camera_interval_s
    buckets: dict[int, list[int]] = {}
    for gate in camera.gates:
        for t, direction in trace.crossings.get(gate, ()):
            if rng.random() < _DETECTION_RATE:
                buckets.setdefault(int(t // interval), [0, 0])[direction == "out"] += 1
    zone = camera.zone or camera.gates[0]
    analytics = set(camera.analytics)
    events: list[Raw] = []
    for bucket in sorted(buckets):
        n_in, n_out = buckets[bucket]
        start, total = bucket * interval, n_in + n_out
        if "line_crossing" in analytics:
            # Reported when the interval closes.
            fields = {"type": "line_crossing", "count": total, "in": n_in, "out": n_out}
            events.append((start + interval, "camera", camera.id, {**fields, "zone": zone}))
        if "crowd" in analytics and total >= profile.crowd_threshold:
            fields = _detection("crowd", max(1, round(total * rng.uniform(0.5, 0.8))), zone, rng)
            events.append((start + rng.uniform(0, interval), "camera", camera.id, fields))
        # Anyone at a gate at night is worth a look; by day only now and then.
        night = not 6 * HOUR <= start % (24 * HOUR) < 22 * HOUR
        if "person" in analytics and (night or rng.random() < profile.person_detection_rate):
            fields = _detection("person", min(total, rng.randint(1, 4)), zone, rng)
            events.append((start + rng.uniform(0, interval), "camera", camera.id, fields))
    return events


def _detection(kind: str, count: int, zone: str, rng: random.Random) -> dict[str, Any]:
    boxes = []
    for _ in range(min(count, 12)):
        w, h = rng.randint(60, 180), rng.randint(160, 420)
        boxes.append([rng.randint(0, _FRAME_W - w), rng.randint(0, _FRAME_H - h), w, h])
    score = round(rng.uniform(0.72, 0.98), 2)
    return {"type": kind, "count": count, "zone": zone, "score": score, "boxes": boxes}


class Occupancy:
    """People inside each building over the day, from the presence changes of a trace."""

    def __init__(self, trace: DayTrace) -> None:
        self._series: dict[str, tuple[list[float], list[int]]] = {}
        for building, changes in trace.presence.items():
            changes.sort()
            times = [t for t, _ in changes]
            self._series[building] = (times, list(accumulate(d for _, d in changes)))

    def at(self, building: str | None, t: float) -> int:
        """How many people are in `building` (the whole site when None) at time `t`."""
        names = list(self._series) if building is None else [building]
        inside = 0
        for name in names:
            times, counts = self._series.get(name, ([], []))
            i = bisect_right(times, t)
            inside += counts[i - 1] if i else 0
        return max(0, inside)


def sensor_events(
    sensor: SensorSpec,
    occupancy: Occupancy,
    floors: int,
    profile: SimulationProfile,
    rng: random.Random,
) -> list[Raw]:
    """Periodic readings of a facility sensor over one day; now and then an alarm."""
    interval = profile.sensor_interval_s
    t = rng.uniform(0, interval)  # meters are not synchronised with each other
    events: list[Raw] = []
    while t < 24 * HOUR:
        alarm = rng.random() < profile.sensor_alarm_rate
        value: float | bool
        if sensor.metric == "smoke":
            value = round(rng.uniform(3.5, 9.0) if alarm else rng.uniform(0.0, 0.12), 2)
        elif sensor.metric == "power":
            # Base load per floor plus lighting, HVAC and desks per person inside.
            load = floors * 2.0 + occupancy.at(sensor.building, t) * 0.3
            value = round(load * rng.uniform(0.97, 1.03) * (1.6 if alarm else 1.0), 1)
        else:
            value = alarm  # fault, leak and contact sensors report a state
        fields = {"metric": sensor.metric, "value": value, "unit": sensor.unit, "alarm": alarm}
        events.append((t, "sensor", sensor.id, fields))
        t += interval
    return events
