"""One simulated gateway's pacing and its outbox, with a fake link (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from edge_agent.agent import Identity
from edge_agent.bootstrap import build_agent
from edge_agent.settings import load_settings
from edge_agent.simulation import SiteRegistry
from edge_agent.simulation.fleet import SimulatedGateway, TrafficMix
from edge_agent.simulation.fleet_link import LoopLink
from sitewatch.protocol import Topics
from tests.agent.fakes import FakeLink
from tests.simulation.conftest import SITE_KEY


def gateway(demo: SiteRegistry, tmp_path: Path, rate: float) -> tuple[SimulatedGateway, FakeLink]:
    """A simulated gateway on a real outbox whose link acknowledges everything."""
    settings = load_settings(None, environment="development", site=demo.site.id,
                             gateway="sim-000", site_key=SITE_KEY.decode(),
                             outbox={"path": str(tmp_path / "outbox.db")},
                             delivery={"batch_threshold": 1}, sources=[])
    link = FakeLink(auto_ack=True)
    identity = Identity(demo.site.id, "sim-000", Topics("sitewatch/v1"), "test",
                        datetime.now(UTC), "hash")
    agent = build_agent(settings, link=link)
    drafts = TrafficMix(demo, SITE_KEY, seed=3, length=500).stream(0)
    return SimulatedGateway(agent, cast(LoopLink, link), identity, drafts, rate), link


def test_appends_what_is_due_at_the_rate(demo: SiteRegistry, tmp_path: Path) -> None:
    sim, link = gateway(demo, tmp_path, rate=10.0)
    due = []
    for now in (100.0, 100.5, 100.5, 102.0):  # a tick at each time; the third is early
        due.append(sim.play(now))
        sim.pump()
    assert due == [1, 5, 0, 15]  # the first event at once, then 10/s
    assert sim.emitted == 21
    sim.pump()  # settles the fake's last acknowledgement
    assert sim.agent.outbox.depth() == 0
    # What a tick appended went out as one message: batches of 1, 5 and 15 events.
    sizes = [m.payload.count(b'"seq"') for m in link.published.values()]
    assert sizes == [1, 5, 15]


def test_a_full_outbox_delays_events_without_a_hole_in_seq(demo: SiteRegistry,
                                                           tmp_path: Path) -> None:
    sim, _ = gateway(demo, tmp_path, rate=10.0)
    outbox = sim.agent.outbox
    outbox.max_bytes = 10  # nothing fits
    assert sim.play(0.0) == 0
    assert sim.play(1.0) == 0
    assert sim.refused == 12 and sim.emitted == 0
    outbox.max_bytes = 10**9
    assert sim.play(1.0) == 11  # what was refused, now appended
    assert [r.seq for r in outbox.peek(100)] == list(range(1, 12))
