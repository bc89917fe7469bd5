"""Device rules: gateways offline (last will, or silent) and cameras offline.

Both signal on the change from good to bad and re-arm on the change back, so a gateway
that stays offline raises one signal, not one per tick or report. Times here are the
hub's (`received_at`, `now`): a gateway's own clock cannot say that it went quiet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.records import HealthRecord, StatusRecord
from hub.rules.context import RuleContext
from hub.rules.evaluator import EngineLimits, RuleEvaluator
from hub.rules.model import CameraOfflineRule, GatewayOfflineRule
from hub.rules.signals import AlarmSignal
from hub.rules.windows import BoundedDict

Gateway = tuple[str, str]


class GatewayOfflineEvaluator(RuleEvaluator[GatewayOfflineRule]):
    """A last will (status offline), or no health report for `missed_reports` intervals."""

    def __init__(
        self, rule: GatewayOfflineRule, context: RuleContext, limits: EngineLimits
    ) -> None:
        super().__init__(rule, context, limits)
        self._silence = timedelta(seconds=rule.health_interval_s * rule.missed_reports)
        self._last_health: BoundedDict[Gateway, datetime] = BoundedDict(limits.max_keys)
        self._offline: BoundedDict[Gateway, str] = BoundedDict(limits.max_keys)  # → why

    def on_status(self, record: StatusRecord) -> list[AlarmSignal]:
        """Signal a gateway's move to offline; an online status re-arms and starts the clock."""
        gateway = (record.site, record.gateway)
        if record.status.state == "online":
            self._offline.pop(gateway, None)
            self._last_health[gateway] = record.received_at  # silent from now on counts
            return []
        if gateway in self._offline:
            return []
        self._offline[gateway] = "last_will"
        detail = {"gateway": record.gateway, "reason": "last_will",
                  "agent_version": record.status.agent_version}
        title = f"Gateway {record.gateway} offline"
        return [self.signal(record.site, record.gateway, record.received_at, title, detail)]

    def on_health(self, record: HealthRecord) -> list[AlarmSignal]:
        """Note the report's arrival; a silent gateway that reports again is re-armed."""
        gateway = (record.site, record.gateway)
        self._last_health[gateway] = record.received_at
        if self._offline.get(gateway) == "silent":
            del self._offline[gateway]
        return []

    def due(self, now: datetime) -> list[AlarmSignal]:
        """Signal each gateway not heard from for `missed_reports` health intervals."""
        signals = []
        for (site, gateway), last in list(self._last_health.items()):
            if (site, gateway) in self._offline or now - last <= self._silence:
                continue
            self._offline[(site, gateway)] = "silent"
            silent_s = round((now - last).total_seconds())
            detail = {"gateway": gateway, "reason": "no_health", "silent_s": silent_s,
                      "last_health": last.isoformat()}
            title = f"Gateway {gateway} silent for {silent_s} s"
            signals.append(self.signal(site, gateway, now, title, detail))
        return signals


class CameraOfflineEvaluator(RuleEvaluator[CameraOfflineRule]):
    """A camera in a health report with online=false or 0 fps; keyed by gateway and camera."""

    def __init__(
        self, rule: CameraOfflineRule, context: RuleContext, limits: EngineLimits
    ) -> None:
        super().__init__(rule, context, limits)
        self._down: BoundedDict[tuple[str, str, str], bool] = BoundedDict(limits.max_keys)

    def on_health(self, record: HealthRecord) -> list[AlarmSignal]:
        """Signal each camera that has just gone down; re-arm those back up."""
        signals = []
        for camera, figures in record.health.cameras.items():
            key = (record.site, record.gateway, camera)
            if figures.online and figures.fps > 0:
                self._down.pop(key, None)
                continue
            if key in self._down:
                continue
            self._down[key] = True
            detail = {"gateway": record.gateway, "camera": camera, "online": figures.online,
                      "fps": figures.fps}
            why = "offline" if not figures.online else "at 0 fps"
            signals.append(self.signal(record.site, f"{record.gateway}|{camera}",
                                       record.received_at, f"Camera {camera} {why}", detail))
        return signals
