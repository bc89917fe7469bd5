"""What the devices at a gate record when someone presents themselves: scans, badges, plates.

Times are seconds after local midnight of the simulated day; people who stay past
midnight produce times above 86,400.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from edge_agent.simulation.plan import lanes
from edge_agent.simulation.population import Person
from edge_agent.simulation.registry import Gate, SimulationProfile

Raw = tuple[float, str, str, dict[str, Any]]  # (t, kind, device, protocol fields)
HOUR = 3600.0
MINUTE = 60.0
_CARD_DENIALS = ("expired card", "anti-passback", "unknown card")
_PASS_DENIALS = ("pass expired", "pass not yet valid", "unknown pass")


@dataclass(slots=True)
class DayTrace:
    """What happened on one day: device events, gate crossings, building presence changes."""

    events: list[Raw] = field(default_factory=list)
    crossings: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    presence: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))

    def cross(self, gate: Gate, t: float, direction: str) -> None:
        """Someone (or a vehicle) went through `gate`; the gate's cameras count it."""
        self.crossings[gate.id].append((t, direction))


class GateDevices:
    """The scanners, readers and plate cameras of the site, recording into one trace."""

    def __init__(self, profile: SimulationProfile, rng: random.Random, trace: DayTrace) -> None:
        self.profile, self.rng, self.trace = profile, rng, trace

    def scan(self, t: float, device: str, person: Person, method: str, visitor: bool) -> bool:
        """A place-code or sentinel scan; True when the person may go on."""
        r, profile = self.rng, self.profile
        u = r.random()
        if u < profile.red_code_rate:
            health = "red"
        elif u < profile.red_code_rate + profile.yellow_code_rate:
            health = "yellow"
        else:
            health = "green"
        temperature: float | None = None
        if method != "place_code":  # a posted place code has no thermometer
            if r.random() < profile.fever_rate:
                temperature = round(r.uniform(37.3, 38.9), 1)
            else:
                temperature = round(min(37.2, max(36.0, r.gauss(36.55, 0.22))), 1)
        passes = health != "red" and (temperature is None or temperature < 37.3)
        fields = {
            "subject": person.subject,
            "method": method,
            "health": health,
            "temperature_c": temperature,
            "verdict": "pass" if passes else "deny",
            "visitor": visitor,
        }
        self.trace.events.append((t, "place_scan", device, fields))
        return passes

    def badge(
        self, gate: Gate, direction: str, t: float, person: Person, kind: str, permitted: bool
    ) -> float | None:
        """Present a card or pass (`kind`) at a reader; when the person got through, or None."""
        devices = lanes(gate.readers, direction)
        if not devices:
            return t  # free exit, e.g. a push button on the inside
        device = self.rng.choice(devices)
        credential = {"type": kind, "ref": person.card_ref}
        if not permitted:
            reason = "outside permitted hours"
            self._access(t, device, person.subject, credential, direction, "denied", reason)
            return None
        if direction == "in" and self.rng.random() < self.profile.denied_rate:
            reason = self.rng.choice(_CARD_DENIALS if kind == "card" else _PASS_DENIALS)
            # An unknown card maps to nobody, so the controller cannot name a subject.
            subject = None if reason.startswith("unknown") else person.subject
            self._access(t, device, subject, credential, direction, "denied", reason)
            t += self.rng.uniform(15, 90)  # the guard at the desk sorts it out
        self._access(t, device, person.subject, credential, direction, "granted", None)
        return t

    def door_alarm(self, t: float, door: Gate, result: str, reason: str) -> None:
        """A forced or held-open door: the controller knows the door, not who was there."""
        credential = {"type": "card", "ref": None}
        self._access(t, door.readers[0].id, None, credential, "in", result, reason)

    def vehicle(
        self, t: float, gate: Gate, plate: str, direction: str, result: str, crossed: bool = True
    ) -> None:
        """A plate read at a vehicle gate lane for `direction`."""
        devices = lanes(gate.plate_cameras, direction) or lanes(gate.plate_cameras, "in")
        fields = {"plate": plate, "direction": direction, "result": result}
        self.trace.events.append((t, "vehicle", self.rng.choice(devices), fields))
        if crossed:
            self.trace.cross(gate, t, direction)

    def _access(
        self,
        t: float,
        device: str,
        subject: str | None,
        credential: dict[str, Any],
        direction: str,
        result: str,
        reason: str | None,
    ) -> None:
        fields = {
            "subject": subject,
            "credential": credential,
            "direction": direction,
            "result": result,
            "reason": reason,
        }
        self.trace.events.append((t, "access", device, fields))
