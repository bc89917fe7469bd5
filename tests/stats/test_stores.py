"""The stats stores on SQLite and PostgreSQL: daily figures from events, status history and
the site grade, colours with overrides (audited), expiry and history."""

from __future__ import annotations

from datetime import date, timedelta

from hub.access import Principal
from hub.alarms import AlarmStore
from hub.records import StatusRecord
from hub.stats import DailyFigures
from hub.stats.operation_store import CameraSample
from hub.stats.tenant_records import Dispute, TenantRecordsImport
from sitewatch.protocol import GatewayStatus
from tests.alarms.signals import signal
from tests.stats.conftest import World
from tests.stats.factory import ANN, BO, DAN, EVE, NIGHT, SITE, T0, at, crossing, door, scan

MONDAY = date(2026, 11, 23)
MANAGER = Principal("pm-1", "property_manager", (SITE,))


def test_daily_figures_are_computed_from_the_days_events(world: World) -> None:
    world.commit(
        door("n-in", at(1), subject=ANN), door("n-in", at(2), subject=DAN),
        door("n-out", at(3), direction="out", subject=ANN),
        scan("main-s1", at(4), subject=EVE),
        door("n-in", at(5), result="denied", subject=BO),
        scan("main-s1", at(6), subject=ANN, verdict="deny"),
        door("n-in", NIGHT, subject=ANN),  # Monday 22:00: after hours
        door("n-in", T0 - timedelta(days=1), subject=DAN),  # Sunday
    )
    world.clock.now = NIGHT + timedelta(minutes=1)
    world.stats.recompute()
    figures = world.stats.figures.history(SITE, MONDAY - timedelta(days=1), MONDAY)
    assert figures == [
        DailyFigures(SITE, "acme", MONDAY - timedelta(days=1), headcount=1, entries=1,
                     after_hours_entries=1),  # Sunday: closed all day
        DailyFigures(SITE, "acme", MONDAY, headcount=2, visitors=1, entries=4,
                     after_hours_entries=1, denied=1),
        DailyFigures(SITE, "blue", MONDAY - timedelta(days=1)),  # a day nobody came
        DailyFigures(SITE, "blue", MONDAY, denied=1),
    ]
    # Recomputing replaces the day's row; it does not add to it.
    world.stats.recompute()
    assert len(world.stats.figures.history(SITE, MONDAY, MONDAY, "acme")) == 1


def status(state: str, minutes: float) -> StatusRecord:
    """A status of gw-1 received `minutes` after T0."""
    body = GatewayStatus(state=state, agent_version="1", started_at=T0, config_hash="c")  # type: ignore[arg-type]
    return StatusRecord(SITE, "gw-1", body, at(minutes * 60))


def test_the_grade_is_measured_from_alarms_status_history_and_the_registry(world: World) -> None:
    operation = world.stats.operation
    assert operation.record_statuses([status("online", 0), status("online", 5)]) == 1
    assert operation.record_statuses([status("offline", 60 * 24), status("online", 60 * 48)]) == 2
    operation.record_samples([CameraSample(SITE, "gw-1", "cam-s-line", at(n * 60), n % 4 != 0)
                              for n in range(8)])
    operation.record_samples([CameraSample(SITE, "gw-1", "cam-s-line", at(0), True)])  # again
    alarms = AlarmStore(world.engine)
    opened = [alarms.apply(signal(key=f"k{n}", site=SITE), at(n), f"01J{n:023d}")[0]
              for n in range(4)]
    alarms.acknowledge(opened[0].id, "guard", at(600))  # answered in 10 min
    alarms.resolve(opened[1].id, "guard", at(1201))  # answered in 20 min, by resolving
    world.clock.now = at(4 * 24 * 3600)

    grade = world.stats.grade(SITE)
    assert grade is not None
    assert [(f.reason, f.points) for f in grade.findings] == [
        ("median alarm response 15.0 min (target 5.0 min)", 10),
        ("3 alarms unresolved for >24 h", 15),
        ("gateway uptime 75.0% (target 99%): gw-1 75.0%", 20),
        ("camera uptime 75.0% (target 95%): cam-s-line 75.0%", 15),
        ("gate east-gate has no camera", 3),
        ("gate n-7f has no camera", 3),
    ]
    assert (grade.score, grade.grade) == (34.0, "poor")
    assert world.stats.grade("nowhere") is None


def test_colours_are_assessed_overridden_with_an_audit_entry_and_expire(world: World) -> None:
    stats = world.stats
    stats.recompute()
    assert (stats.enterprise_colour(SITE, "acme"), stats.enterprise_colour(SITE, "blue")) == (
        "green", "green")

    report = stats.tenants.apply(TenantRecordsImport(SITE, "disputes", items=[
        (2, Dispute(id="d-1", enterprise="blue", opened_on=MONDAY, kind="rent"))]))
    assert report.imported == {"disputes": 1} and report.rejected == ()
    world.clock.now = at(60)
    stats.recompute()
    record = stats.colours.get(SITE, "blue")
    assert record is not None and record.colour == "orange"
    assert [r.text for r in record.reasons] == ["1 dispute open (rent)"]

    until = at(24 * 3600)
    stats.set_override(SITE, "acme", "red", "police notice of unpaid wages", until, MANAGER)
    assert stats.enterprise_colour(SITE, "acme") == "red"
    [entry] = world.audit.page(action="enterprise.colour_override")
    assert (entry.actor, entry.role, entry.target) == ("pm-1", "property_manager", f"{SITE}/acme")
    assert entry.detail["colour"] == "red" and entry.detail["reason"].startswith("police")
    stats.recompute()  # the assessment goes on beneath the override
    assert stats.enterprise_colour(SITE, "acme") == "red"

    world.clock.now = until + timedelta(seconds=1)
    assert stats.enterprise_colour(SITE, "acme") == "green"  # judged at the time asked
    stats.recompute()
    acme = stats.colours.get(SITE, "acme")
    assert acme is not None and acme.override is None and acme.colour == "green"

    stats.set_override(SITE, "acme", "blue", "watch list", None, MANAGER)
    assert stats.clear_override(SITE, "acme", MANAGER) is not None
    assert stats.clear_override(SITE, "acme", MANAGER) is None  # nothing left to clear
    history = [(c.source, c.previous, c.colour, c.actor)
               for c in reversed(stats.colours.history(SITE, "acme"))]
    assert history == [
        ("assessment", None, "green", None),
        ("override", "green", "red", "pm-1"),
        ("override_expired", "red", "green", None),
        ("override", "green", "blue", "pm-1"),
        ("override_cleared", "blue", "green", "pm-1"),
    ]
    actions = [e.action for e in world.audit.page() if e.action.startswith("enterprise.")]
    assert actions == ["enterprise.colour_override_cleared", "enterprise.colour_override",
                       "enterprise.colour_override"]
    assert world.audit.verify().ok


def test_occupancy_is_recounted_from_the_ledgers_day(world: World) -> None:
    world.commit(
        door("n-in", T0 - timedelta(days=1)),  # yesterday's: the count started again since
        door("n-in", at(1)), door("n-in", at(2)), door("n-out", at(3), direction="out"),
        crossing(ts=at(4), in_=3, out=1), scan("east-s1", at(5)),
    )
    world.stats.rebuild_occupancy()
    [site] = world.stats.occupancy_now()
    assert (site.persons, [(b.building, b.persons) for b in site.buildings]) == (
        1, [("north", 1), ("south", 2)])
