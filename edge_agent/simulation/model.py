"""The traffic model: a deterministic stream of drafts for one gateway of a registry site.

Pure: no clock, no I/O. Time is what the caller asks about; chance comes from the seed.
The whole site is simulated and then filtered, so two gateways of one site see the same
people: the visitor who scans at the north gate badges in at the south lobby.
"""

from __future__ import annotations

import heapq
import itertools
import random
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from edge_agent.ports import Draft
from edge_agent.simulation.day import PeopleDay
from edge_agent.simulation.gate_devices import Raw
from edge_agent.simulation.instruments import Occupancy, camera_events, sensor_events
from edge_agent.simulation.plan import SitePlan
from edge_agent.simulation.population import Population, site_population
from edge_agent.simulation.registry import WEEKDAYS, SimulationProfile, SiteRegistry

_CACHED_DAYS = 4
_Timed = tuple[float, Draft]  # (Unix time, draft): sorting on the float is cheap


def _at(item: tuple[float, object] | Raw) -> float:
    return item[0]


class TrafficModel:
    """Simulated events of the devices one gateway serves, for any stretch of time."""

    def __init__(self, registry: SiteRegistry, gateway_id: str, site_key: bytes, seed: int) -> None:
        self.registry = registry
        self.gateway_id = gateway_id
        self.timezone = ZoneInfo(registry.site.timezone)
        self.profile = registry.simulation or SimulationProfile()
        self.served = registry.served_devices(gateway_id)
        self.population: Population = site_population(registry, site_key, seed)
        self._seed = seed
        self._plan = SitePlan(registry)
        self._days: OrderedDict[date, list[_Timed]] = OrderedDict()

    def events_between(self, start: datetime, end: datetime) -> Iterator[Draft]:
        """Drafts with `start <= ts < end`, in timestamp order."""
        end_at = end.timestamp()
        for at, draft in self._timed_from(start):
            if at >= end_at:
                return
            yield draft

    def events_from(self, start: datetime) -> Iterator[Draft]:
        """Drafts from `start` on, without end, in timestamp order."""
        return (draft for _, draft in self._timed_from(start))

    def rate_events(self, start: datetime, n: int | None, rate_per_s: float) -> Iterator[Draft]:
        """`n` drafts (endless if None) spaced 1/rate apart, mixed as on a busy weekday."""
        if rate_per_s <= 0:
            raise ValueError("rate must be positive")
        # The mix of a midweek day, shuffled so that any stretch of the stream has that mix
        # (in time order a short run would be the night's sensor readings alone).
        local = start.astimezone(self.timezone).date()
        wednesday = local + timedelta(days=(2 - local.weekday()) % 7)
        template = self.day_drafts(wednesday)
        if not template:
            raise ValueError(f"gateway {self.gateway_id} serves no simulated device")
        random.Random(f"{self._seed}:rate").shuffle(template)
        origin = start.timestamp()
        drafts = itertools.cycle(template)
        for i in range(n) if n is not None else itertools.count():
            ts = datetime.fromtimestamp(origin + i / rate_per_s, self.timezone)
            yield replace(next(drafts), ts=ts)

    def day_drafts(self, day: date) -> list[Draft]:
        """Everything the people of local `day` cause, including what spills past midnight."""
        return [draft for _, draft in self._day(day)]

    def _timed_from(self, start: datetime) -> Iterator[_Timed]:
        # A day's events start at its midnight but spill into the next day; hold back what
        # a later day could still precede.
        start_at = start.timestamp()
        day = start.astimezone(self.timezone).date() - timedelta(days=1)
        held: list[_Timed] = []
        while True:
            events = self._day(day)
            fresh = events[bisect_left(events, start_at, key=_at) :]
            merged = list(heapq.merge(held, fresh, key=_at))
            next_midnight = self._midnight(day + timedelta(days=1)).timestamp()
            cut = bisect_left(merged, next_midnight, key=_at)
            yield from merged[:cut]
            held = merged[cut:]
            day += timedelta(days=1)

    def _day(self, day: date) -> list[_Timed]:
        if day in self._days:
            self._days.move_to_end(day)
            return self._days[day]
        timed = self._simulate(day)
        self._days[day] = timed
        if len(self._days) > _CACHED_DAYS:
            self._days.popitem(last=False)
        return timed

    def _simulate(self, day: date) -> list[_Timed]:
        def stream(name: str) -> random.Random:
            return random.Random(f"{self._seed}:{day.isoformat()}:{name}")

        weekday = WEEKDAYS[day.weekday()]
        trace = PeopleDay(self._plan, self.profile, stream("people"), weekday).run(
            self.registry.enterprises, self.population
        )
        raws: list[Raw] = [e for e in trace.events if e[2] in self.served]
        for camera in self.registry.cameras:
            if camera.id in self.served:
                raws += camera_events(camera, trace, self.profile, stream(camera.id))
        occupancy = Occupancy(trace)
        for sensor in self.registry.sensors:
            if sensor.id in self.served:
                floors = self._plan.floors.get(
                    sensor.building or "", sum(self._plan.floors.values())
                )
                raws += sensor_events(sensor, occupancy, floors, self.profile, stream(sensor.id))
        return self._stamp(day, raws)

    def _stamp(self, day: date, raws: list[Raw]) -> list[_Timed]:
        """Turn seconds after local midnight into aware timestamps, sorted."""
        midnight = self._midnight(day)
        # Wall-clock seconds equal elapsed seconds unless the offset changes (DST) meanwhile.
        steady = midnight.utcoffset() == self._midnight(day + timedelta(days=2)).utcoffset()
        base = midnight.timestamp()
        timed: list[_Timed] = []
        for t, kind, device, fields in sorted(raws, key=_at):
            # A day's events must not precede its midnight (the merge relies on it); only a
            # tenant starting work just after midnight could get there.
            t = max(t, 0.0)
            at = base + t if steady else (midnight + timedelta(seconds=t)).timestamp()
            at = round(at, 3)
            ts = datetime.fromtimestamp(at, self.timezone)
            timed.append((at, Draft(kind=kind, device=device, ts=ts, fields=fields)))
        if not steady:
            timed.sort(key=_at)
        return timed

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.timezone)
