"""One simulated day of people at a site: who goes through which gate, when.

Staff come to work, go out for lunch and leave; visitors come to meetings; cars and
couriers come and go. The gate devices record each passage into the day's trace.
"""

from __future__ import annotations

import random
from datetime import time

from edge_agent.simulation.gate_devices import HOUR, MINUTE, DayTrace, GateDevices
from edge_agent.simulation.identities import fake_plate
from edge_agent.simulation.plan import SitePlan
from edge_agent.simulation.population import Person, Population
from edge_agent.simulation.registry import Enterprise, Gate, SimulationProfile


def seconds(clock: time) -> float:
    """Seconds after midnight of a local clock time."""
    return clock.hour * HOUR + clock.minute * MINUTE + clock.second


class PeopleDay:
    """Walks every simulated person through one day; draws all chance from one `rng`."""

    def __init__(
        self, plan: SitePlan, profile: SimulationProfile, rng: random.Random, weekday: str
    ) -> None:
        self.plan, self.profile, self.rng, self.weekday = plan, profile, rng, weekday
        self.trace = DayTrace()
        self.devices = GateDevices(profile, rng, self.trace)

    def run(self, enterprises: list[Enterprise], population: Population) -> DayTrace:
        """Simulate staff and visitors of each enterprise, then outside vehicles and couriers."""
        for enterprise in enterprises:
            workday = self.weekday in enterprise.working_hours.days
            for person in population.staff[enterprise.id]:
                self._staff_day(enterprise, person, workday)
            self._visitors(enterprise, population.visitors[enterprise.id], workday)
        business_day = self.weekday not in ("sat", "sun")
        self._outside_vehicles(business_day)
        for dock in self.plan.docks:
            self._deliveries(dock, population.couriers, business_day)
        for door in (*self.plan.floor_doors, *self.plan.docks):
            if door.readers and self.rng.random() < self.profile.forced_per_door_day:
                t = self.rng.uniform(0, 24 * HOUR)
                self.devices.door_alarm(t, door, "forced", "door opened without a credential")
        return self.trace

    def _staff_day(self, enterprise: Enterprise, person: Person, workday: bool) -> None:
        r, profile = self.rng, self.profile
        start = seconds(enterprise.working_hours.start)
        end = seconds(enterprise.working_hours.end)
        if workday:
            if r.random() < profile.absence_rate:
                return
            arrive = self._arrival(start) + person.punctuality_min * MINUTE
            if person.after_hours and r.random() < profile.overtime_share:
                # Mostly an hour or three; now and then past midnight.
                leave = end + min(8.0, 0.5 + r.expovariate(0.5)) * HOUR
            else:
                leave = r.gauss(end + 30 * MINUTE, 30 * MINUTE)
        else:
            # Without after-hours permission people rarely try on a day off (and are refused).
            share = profile.weekend_attendance * (1.0 if person.after_hours else 0.1)
            if r.random() >= share:
                return
            arrive = r.uniform(9.0, 14.0) * HOUR
            leave = arrive + r.uniform(2.0, 7.0) * HOUR
        leave = max(leave, arrive + HOUR)
        by_car = person.plate is not None and bool(self.plan.vehicle_gates)
        t = self._enter_site(person, arrive, by_car)
        if t is None:
            return
        if self._enter_building(enterprise, person, t, workday or person.after_hours) is None:
            self._leave_site(person, t + r.uniform(1, 3) * MINUTE, by_car)
            return
        lunch = r.gauss(12 * HOUR + 5 * MINUTE, 15 * MINUTE)
        if workday and r.random() < profile.lunch_out_share and arrive < lunch < leave - HOUR:
            self._leave_building(enterprise, person, lunch)
            self._leave_site(person, lunch + self._walk(), by_car=False)
            back = lunch + r.uniform(35, 75) * MINUTE
            t = self._enter_site(person, back, by_car=False)
            if t is None or self._enter_building(enterprise, person, t, True) is None:
                return
        self._leave_building(enterprise, person, leave)
        self._leave_site(person, leave + self._walk(), by_car)

    def _arrival(self, start: float) -> float:
        """Most arrive in the half hour before work starts; a tail comes early or late."""
        u = self.rng.random()
        if u < 0.1:
            return start - self.rng.uniform(45, 100) * MINUTE
        if u < 0.9:
            return self.rng.gauss(start - 15 * MINUTE, 15 * MINUTE)
        return start + self.rng.uniform(5, 75) * MINUTE

    def _walk(self) -> float:
        return self.rng.uniform(1.5, 5.0) * MINUTE

    def _enter_site(self, person: Person, t: float, by_car: bool) -> float | None:
        """Through the vehicle gate or past a sentinel at the main gate; None if turned away."""
        if by_car:
            gate = self.rng.choice(self.plan.vehicle_gates)
            self.devices.vehicle(t, gate, person.plate or "", "in", "granted")
            return t + self.rng.uniform(3, 8) * MINUTE  # park, walk to the lobby
        if not self.plan.main_gates:
            return t
        gate = self.rng.choice(self.plan.main_gates)
        if gate.sentinels:
            method = "id_card" if self.rng.random() < self.profile.id_card_share else "health_qr"
            if not self.devices.scan(t, self.rng.choice(gate.sentinels), person, method, False):
                return None
        self.trace.cross(gate, t, "in")
        return t + self._walk()

    def _leave_site(self, person: Person, t: float, by_car: bool) -> None:
        if by_car:
            gate = self.rng.choice(self.plan.vehicle_gates)
            drive_off = t + self.rng.uniform(3, 8) * MINUTE
            self.devices.vehicle(drive_off, gate, person.plate or "", "out", "granted")
        elif self.plan.main_gates:
            self.trace.cross(self.rng.choice(self.plan.main_gates), t, "out")

    def _enter_building(
        self, enterprise: Enterprise, person: Person, t: float, permitted: bool
    ) -> float | None:
        lobbies = self.plan.lobbies(enterprise.building)
        if lobbies:
            lobby = self.rng.choice(lobbies)
            passed = self.devices.badge(lobby, "in", t, person, "card", permitted)
            if passed is None:
                return None
            t = passed
            self.trace.cross(lobby, t, "in")
        self.trace.presence[enterprise.building].append((t, 1))
        door = self.plan.floor_door(enterprise.building, enterprise.floor)
        if door is not None:
            upstairs = t + self.rng.uniform(1, 4) * MINUTE
            at_door = self.devices.badge(door, "in", upstairs, person, "card", permitted)
            if at_door is not None and self.rng.random() < self.profile.held_open_rate:
                held = self.rng.randint(30, 180)
                self.devices.door_alarm(at_door + held, door, "held_open", f"held open {held} s")
        return t

    def _leave_building(self, enterprise: Enterprise, person: Person, t: float) -> None:
        door = self.plan.floor_door(enterprise.building, enterprise.floor)
        if door is not None:
            self.devices.badge(
                door, "out", t - self.rng.uniform(1, 4) * MINUTE, person, "card", True
            )
        lobbies = self.plan.lobbies(enterprise.building)
        if lobbies:
            lobby = self.rng.choice(lobbies)
            self.devices.badge(lobby, "out", t, person, "card", True)
            self.trace.cross(lobby, t, "out")
        self.trace.presence[enterprise.building].append((t, -1))

    def _visitors(self, enterprise: Enterprise, pool: tuple[Person, ...], workday: bool) -> None:
        r = self.rng
        rate = enterprise.visitors_per_day * (1.0 if workday else 0.1)
        start = seconds(enterprise.working_hours.start)
        end = seconds(enterprise.working_hours.end)
        for _ in range(max(0, round(r.gauss(rate, rate**0.5)))):
            visitor = r.choice(pool)
            # Meetings cluster mid-morning and mid-afternoon.
            t = r.gauss(r.choice((10.0, 14.5)) * HOUR, 50 * MINUTE)
            t = min(max(t, start), end - 30 * MINUTE)
            if self.plan.main_gates:
                gate = r.choice(self.plan.main_gates)
                scanners = gate.place_codes or gate.sentinels
                method = "place_code" if gate.place_codes else "id_card"
                if scanners and not self.devices.scan(t, r.choice(scanners), visitor, method, True):
                    continue
                self.trace.cross(gate, t, "in")
                t += self._walk()
            lobbies = self.plan.lobbies(enterprise.building)
            lobby = r.choice(lobbies) if lobbies else None
            if lobby is not None:
                passed = self.devices.badge(lobby, "in", t, visitor, "qr", True)
                if passed is None:
                    continue
                t = passed
                self.trace.cross(lobby, t, "in")
            self.trace.presence[enterprise.building].append((t, 1))
            t += r.uniform(20, 150) * MINUTE
            if lobby is not None:
                self.devices.badge(lobby, "out", t, visitor, "qr", True)
                self.trace.cross(lobby, t, "out")
            self.trace.presence[enterprise.building].append((t, -1))
            self._leave_site(visitor, t + self._walk(), by_car=False)

    def _outside_vehicles(self, business_day: bool) -> None:
        r, profile = self.rng, self.profile
        rate = profile.outside_vehicles_per_day * (1.0 if business_day else 0.3)
        if not self.plan.vehicle_gates:
            return
        for _ in range(max(0, round(r.gauss(rate, rate**0.5)))):
            gate = r.choice(self.plan.vehicle_gates)
            plate, t = fake_plate(r), r.uniform(7.5, 18.5) * HOUR
            if r.random() < profile.outside_vehicle_denied_share:
                self.devices.vehicle(t, gate, plate, "in", "denied", crossed=False)
                continue
            self.devices.vehicle(t, gate, plate, "in", "granted")
            self.devices.vehicle(t + r.uniform(15, 180) * MINUTE, gate, plate, "out", "granted")

    def _deliveries(self, dock: Gate, couriers: tuple[Person, ...], business_day: bool) -> None:
        r = self.rng
        rate = self.profile.deliveries_per_day * (1.0 if business_day else 0.2)
        for _ in range(max(0, round(r.gauss(rate, rate**0.5)))):
            courier = r.choice(couriers)
            t = self.devices.badge(dock, "in", r.uniform(8.5, 17.5) * HOUR, courier, "card", True)
            if t is None:
                continue
            self.trace.cross(dock, t, "in")
            t += r.uniform(5, 25) * MINUTE
            self.devices.badge(dock, "out", t, courier, "card", True)
            self.trace.cross(dock, t, "out")
