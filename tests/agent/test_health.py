"""The health builder: plain values in, a protocol GatewayHealth out."""

from __future__ import annotations

from datetime import UTC, datetime

from edge_agent.health import ProcessMeter, ProcessSample, build_health
from sitewatch.protocol import GatewayHealth, decode_model


def test_build_health_from_plain_values() -> None:
    health = build_health(
        datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        outbox_depth=12,
        oldest_pending_age_s=3.5,
        inflight=2,
        dropped={"events_refused": 4, "media_shed": 0},
        sources={"simulator": {"events": 10, "restarts": 1}},
        process=ProcessSample(cpu_percent=12.5, rss_bytes=50_000_000),
    )
    assert health.outbox_depth == 12
    assert health.oldest_pending_age_s == 3.5
    assert health.dropped == {"events_refused": 4}
    assert health.sources == {"simulator": {"events": 10, "restarts": 1}}
    assert (health.cpu_percent, health.memory_rss_bytes) == (12.5, 50_000_000)
    # What the hub decodes is what was built.
    assert decode_model(GatewayHealth, health.model_dump_json().encode()) == health


def test_clock_skew_never_makes_a_negative_age() -> None:
    health = build_health(
        datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        outbox_depth=0,
        oldest_pending_age_s=-0.2,
        inflight=0,
        dropped={},
        sources={},
        process=ProcessSample(cpu_percent=0.0, rss_bytes=1),
    )
    assert health.oldest_pending_age_s == 0.0


def test_process_meter_reads_this_process() -> None:
    sample = ProcessMeter().sample()
    assert sample.cpu_percent >= 0
    assert sample.rss_bytes > 1_000_000
