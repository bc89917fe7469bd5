"""The alarm store on SQLite and PostgreSQL: open, fold, act, escalate, query, race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hub.alarms import AlarmNotFoundError, AlarmQuery, AlarmStore, AlarmTransitionError, Change
from hub.ledger.schema_alarms import alarms
from tests.alarms.conftest import migrated
from tests.alarms.signals import T0, at, signal


def test_a_signal_opens_an_alarm_and_repeats_fold_into_it(store: AlarmStore) -> None:
    opened, change = store.apply(signal(event_ids=("e1",)), at(1), "A1")
    assert change is Change.OPENED and opened.id == "A1"
    folded, change = store.apply(signal(ts=at(20), event_ids=("e2",)), at(21), "A2")
    assert change is Change.FOLDED and folded.id == "A1"
    stored = store.get("A1")
    assert stored == folded
    assert stored is not None and stored.count == 2 and stored.event_ids == ("e1", "e2")
    assert (stored.first_seen, stored.last_seen, stored.opened_at) == (T0, at(20), at(1))
    assert stored.detail == {"temperature_c": 38.2} and stored.escalate_at == at(61)
    assert store.get("A2") is None
    assert [a.action for a in store.history("A1")] == ["opened"]  # folds are counted, not logged


def test_acknowledge_resolve_and_comment_are_kept_with_their_history(store: AlarmStore) -> None:
    store.apply(signal(), T0, "A1")
    acked = store.acknowledge("A1", "li.wei", at(10), "checking", assignee="guard-3")
    assert store.get("A1") == acked and acked.state == "acknowledged"
    store.comment("A1", "guard-3", at(20), "person sent to clinic")
    resolved = store.resolve("A1", "li.wei", at(30), "handled")
    assert store.get("A1") == resolved
    assert (resolved.state, resolved.assignee, resolved.comment) == ("resolved", "guard-3",
                                                                     "handled")
    history = store.history("A1")
    assert [(a.actor, a.action, a.comment, a.at) for a in history] == [
        ("system", "opened", None, T0),
        ("li.wei", "acknowledged", "checking", at(10)),
        ("guard-3", "commented", "person sent to clinic", at(20)),
        ("li.wei", "resolved", "handled", at(30)),
    ]
    assert history[1].detail == {"assignee": "guard-3"}
    with pytest.raises(AlarmTransitionError):
        store.acknowledge("A1", "li.wei", at(40))
    with pytest.raises(AlarmNotFoundError):
        store.resolve("nope", "li.wei", at(40))
    # Resolved: the key is free, the next signal opens a new alarm beside the old one.
    reopened, change = store.apply(signal(), at(50), "A2")
    assert change is Change.OPENED and reopened.id == "A2" and reopened.count == 1


def test_due_alarms_escalate_once_each_and_acknowledged_ones_not(store: AlarmStore) -> None:
    store.apply(signal(key="k1", severity="medium"), T0, "A1")
    store.apply(signal(key="k2", severity="medium"), T0, "A2")
    store.apply(signal(key="k3", escalate_after_s=None), T0, "A3")
    store.acknowledge("A2", "li.wei", at(30))
    assert store.escalate_due(at(59), max_level=2) == []
    [first] = store.escalate_due(at(60), max_level=2)
    assert (first.id, first.escalation_level, first.severity) == ("A1", 1, "high")
    assert store.escalate_due(at(61), max_level=2) == []
    [second] = store.escalate_due(at(125), max_level=2)
    assert (second.escalation_level, second.severity, second.escalate_at) == (2, "critical", None)
    assert store.escalate_due(at(10_000), max_level=2) == []
    assert store.get("A1") == second
    assert [a.detail for a in store.history("A1") if a.action == "escalated"] == [
        {"level": 1, "severity": "high"}, {"level": 2, "severity": "critical"}]


def test_the_list_filters_by_state_site_and_severity_newest_first(store: AlarmStore) -> None:
    store.apply(signal(key="k1", site="park", severity="high"), T0, "A1")
    store.apply(signal(key="k2", site="market", severity="low"), T0, "A2")
    store.apply(signal(key="k3", site="park", severity="low"), T0, "A3")
    store.resolve("A3", "li.wei", at(1))

    def ids(**filters: object) -> list[str]:
        return [a.id for a in store.list_alarms(AlarmQuery(**filters))]  # type: ignore[arg-type]

    assert ids() == ["A3", "A2", "A1"]
    assert ids(state="open") == ["A2", "A1"]
    assert ids(site="park") == ["A3", "A1"]
    assert ids(sites=("market", "mall")) == ["A2"]
    assert ids(severity="low", state="resolved") == ["A3"]
    assert ids(limit=2) == ["A3", "A2"] and ids(limit=2, before_id="A2") == ["A1"]


def test_two_replicas_folding_one_key_at_once_keep_one_alarm(ledger_url: str) -> None:
    url = migrated(ledger_url)
    replicas = [AlarmStore.open(url), AlarmStore.open(url)]
    keys, rounds = [f"k{n}" for n in range(15)], 4
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def fold_all(store: AlarmStore, replica: int) -> None:
        try:
            for key in keys:
                barrier.wait(10)  # both replicas on the same key at the same moment
                for n in range(rounds):
                    store.apply(signal(key=key, event_ids=(f"{key}-{replica}-{n}",)), T0,
                                f"{key}-R{replica}".ljust(26, "0")[:26])
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=fold_all, args=(s, i)) for i, s in enumerate(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    engine = replicas[0]._engine
    with engine.connect() as connection:
        rows = connection.execute(
            select(alarms.c["key"], func.count(), func.sum(alarms.c["count"]))
            .group_by(alarms.c["key"])
        ).all()
    for replica in replicas:
        replica.close()
    assert sorted(rows) == sorted((key, 1, 2 * rounds) for key in keys)
