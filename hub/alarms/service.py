"""The alarm service: a commit listener whose worker runs the rules and keeps the alarms.

`committed()` runs on the ingest writer's thread and only enqueues. The worker thread
evaluates the rules, folds or opens alarms through the store, ticks every `tick_s` for
escalations and time-based rules, and tells the notifiers. The API's calls (list, get,
acknowledge, resolve, comment) go straight to the store on the caller's thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ulid import ULID

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import AlarmNotifier
from hub.alarms.records import AlarmAction, AlarmQuery
from hub.alarms.store import AlarmStore
from hub.ports import CommitListener, Committed
from hub.rules.engine import EngineCounters, RuleEngine
from hub.rules.signals import AlarmSignal

log = logging.getLogger(__name__)

_POLL_S = 0.2  # longest wait on the queue, so the worker notices stop
_DRAIN_MAX = 100  # commits evaluated together at most


@dataclass
class AlarmCounters:
    """Running totals, for /metrics."""

    commits: int = 0
    dropped_commits: int = 0  # the queue was full: the worker is far behind
    signals: int = 0
    opened: int = 0
    folded: int = 0
    escalated: int = 0
    engine_failures: int = 0
    store_failures: int = 0
    notify_failures: int = 0


class AlarmService(CommitListener):
    """Rules and alarms behind the ledger: listens to commits, owns the engine and notifiers."""

    def __init__(
        self,
        engine: RuleEngine,
        store: AlarmStore,
        notifiers: Sequence[AlarmNotifier] = (),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tick_s: float = 1.0,
        max_escalation_level: int = 3,
        queue_max_commits: int = 1000,
        retry_max_signals: int = 10_000,
        notify_folds: bool = False,
        new_id: Callable[[], str] = lambda: str(ULID()),
    ) -> None:
        self._engine = engine
        self._store = store
        self._notifiers = list(notifiers)
        self._clock = clock
        self._tick_s = tick_s
        self._max_level = max_escalation_level
        self._notify_folds = notify_folds
        self._new_id = new_id
        self._queue: queue.Queue[Committed] = queue.Queue(maxsize=queue_max_commits)
        # Signals the store could not take (database down), retried at each tick.
        self._retry: deque[AlarmSignal] = deque(maxlen=retry_max_signals)
        self.counters = AlarmCounters()

    @property
    def rule_counters(self) -> EngineCounters:
        """The rule engine's running totals, for /metrics."""
        return self._engine.counters

    # --- the listener, on the ingest writer's thread --------------------------------------

    def committed(self, committed: Committed) -> None:
        """Queue the commit for the worker; never blocks (a full queue drops and counts)."""
        if not (committed.events or committed.statuses or committed.healths):
            return
        try:
            self._queue.put_nowait(committed)
        except queue.Full:
            self.counters.dropped_commits += 1
            log.warning("alarm queue full: a commit of %d events skipped the rules",
                        len(committed.events))

    # --- the worker -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Start the notifiers, work until `stop` is set, then close the notifiers."""
        for notifier in self._notifiers:
            self._guard(notifier.start, "starting a notifier")
        next_tick = time.monotonic()
        try:
            while not stop.is_set():
                wait = min(_POLL_S, max(0.0, next_tick - time.monotonic()))
                commits = self._take(wait)
                if commits:
                    self._evaluate(commits)
                if time.monotonic() >= next_tick:
                    self._tick()
                    next_tick = time.monotonic() + self._tick_s
        finally:
            for notifier in self._notifiers:
                self._guard(notifier.close, "closing a notifier")

    def _take(self, timeout: float) -> list[Committed]:
        try:
            commits = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(commits) < _DRAIN_MAX:
            try:
                commits.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return commits

    def _evaluate(self, commits: list[Committed]) -> None:
        self.counters.commits += len(commits)
        now = self._clock()
        try:
            signals = self._engine.evaluate(
                [record.event for c in commits for record in c.events],
                [status for c in commits for status in c.statuses],
                [health for c in commits for health in c.healths],
                now,
            )
        except Exception:  # a bug in one rule must not stop alarms for good
            self.counters.engine_failures += 1
            log.exception("rule engine failed on %d commits", len(commits))
            return
        self._apply(signals, now)

    def _tick(self) -> None:
        now = self._clock()
        try:
            signals = self._engine.tick(now)
        except Exception:
            self.counters.engine_failures += 1
            log.exception("rule engine tick failed")
            signals = []
        self._apply(signals, now)
        try:
            escalated = self._store.escalate_due(now, self._max_level)
        except Exception:
            self.counters.store_failures += 1
            log.exception("escalating alarms failed")
            return
        for alarm in escalated:
            self.counters.escalated += 1
            self._notify(alarm, Change.ESCALATED)

    def _apply(self, signals: list[AlarmSignal], now: datetime) -> None:
        pending = [*self._retry, *signals]
        self._retry.clear()
        self.counters.signals += len(signals)
        for index, signal in enumerate(pending):
            try:
                alarm, change = self._store.apply(signal, now, self._new_id())
            except Exception:
                # The database is down, most likely: keep this and the rest for the next tick.
                self.counters.store_failures += 1
                log.exception("storing %d alarm signals failed; retrying", len(pending) - index)
                self._retry.extend(pending[index:])
                return
            if change is Change.OPENED:
                self.counters.opened += 1
            else:
                self.counters.folded += 1
            if change is not Change.FOLDED or self._notify_folds:
                self._notify(alarm, change)

    def _notify(self, alarm: Alarm, change: Change) -> None:
        for notifier in self._notifiers:
            try:
                notifier.notify(alarm, change)
            except Exception:  # a failing notifier never breaks alarm processing
                self.counters.notify_failures += 1
                log.exception("notifier %s failed", type(notifier).__name__)

    def _guard(self, action: Callable[[], None], what: str) -> None:
        try:
            action()
        except Exception:
            log.exception("%s failed", what)

    # --- for the API, on its threads ------------------------------------------------------

    def list_alarms(self, query: AlarmQuery) -> list[Alarm]:
        """Alarms matching `query`, newest first."""
        return self._store.list_alarms(query)

    def get_alarm(self, alarm_id: str) -> Alarm | None:
        """One alarm, or None."""
        return self._store.get(alarm_id)

    def unresolved_counts(self) -> dict[tuple[str, str], int]:
        """Open and acknowledged alarms by (state, severity), for /metrics."""
        return self._store.unresolved_counts()

    def history(self, alarm_id: str) -> list[AlarmAction]:
        """What was done to an alarm, oldest first."""
        return self._store.history(alarm_id)

    def acknowledge(
        self, alarm_id: str, user: str, comment: str | None = None, assignee: str | None = None
    ) -> Alarm:
        """Acknowledge (stops escalation); AlarmNotFoundError, AlarmTransitionError."""
        alarm = self._store.acknowledge(alarm_id, user, self._clock(), comment, assignee)
        self._notify(alarm, Change.ACKNOWLEDGED)
        return alarm

    def resolve(self, alarm_id: str, user: str, comment: str | None = None) -> Alarm:
        """Resolve; AlarmNotFoundError, AlarmTransitionError."""
        alarm = self._store.resolve(alarm_id, user, self._clock(), comment)
        self._notify(alarm, Change.RESOLVED)
        return alarm

    def comment(self, alarm_id: str, user: str, comment: str) -> Alarm:
        """Comment on an alarm in any state; AlarmNotFoundError."""
        alarm = self._store.comment(alarm_id, user, self._clock(), comment)
        self._notify(alarm, Change.COMMENTED)
        return alarm
