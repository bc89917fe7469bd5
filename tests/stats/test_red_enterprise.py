"""A red-rated enterprise's person entering after hours raises the `red_enterprise_after_hours`
alarm: colours assessed by the stats service, read by the rules through RegistryRuleContext."""

from __future__ import annotations

import threading
from datetime import timedelta

from hub.alarms import AlarmQuery, AlarmService, AlarmStore
from hub.alarms.settings import BusinessHoursSettings
from hub.ports import Committed
from hub.registry.rule_context import RegistryRuleContext
from hub.rules import RuleEngine, load_default_rules
from hub.stats.tenant_records import Dispute, TenantRecordsImport
from hub.stats.views import dossier
from tests.stats.conftest import World
from tests.stats.factory import ANN, BO, NIGHT, SITE, T0, door, record
from tests.support.hub_runner import wait_until


def test_a_red_enterprises_person_entering_after_hours_raises_the_alarm(world: World) -> None:
    disputes = [Dispute(id=f"d-{n}", enterprise="blue", opened_on=T0.date(), kind="labour")
                for n in (1, 2)]
    world.stats.tenants.apply(TenantRecordsImport(SITE, "disputes", items=list(enumerate(
        disputes, start=2))))
    world.stats.recompute()
    assert world.stats.enterprise_colour(SITE, "blue") == "red"
    assert world.stats.enterprise_colour(SITE, "acme") == "green"

    context = RegistryRuleContext(world.live, BusinessHoursSettings(),
                                  colours=world.stats.enterprise_colour)
    world.clock.now = NIGHT + timedelta(seconds=5)
    service = AlarmService(RuleEngine(load_default_rules(), context), AlarmStore(world.engine),
                           clock=world.clock, tick_s=0.1)
    stop = threading.Event()
    worker = threading.Thread(target=service.run, args=(stop,))
    worker.start()
    try:
        # Bo works for blue (red); Ann for acme (green): both enter at 22:00.
        records = tuple(record(e, world.live) for e in (door("n-in", NIGHT, subject=BO),
                                                         door("n-in", NIGHT, subject=ANN)))
        service.committed(Committed(records, (), (), 0))
        wait_until(lambda: service.counters.opened >= 3)
    finally:
        stop.set()
        worker.join(10)
    alarms = service.list_alarms(AlarmQuery(site=SITE))
    red = [a for a in alarms if a.type == "red_enterprise_after_hours"]
    assert [(a.detail["enterprise"], a.detail["colour"], a.title) for a in red] == [
        ("blue", "red", "Red-rated blue active after hours")]
    assert sorted(a.type for a in alarms) == [
        "after_hours", "after_hours", "red_enterprise_after_hours"]

    # The dossier lists the alarm that names the enterprise.
    found = dossier(world.stats, SITE, "blue")
    assert found is not None and sorted(a.rule for a in found.alarms) == [
        "after-hours-entry", "red-enterprise-after-hours"]
