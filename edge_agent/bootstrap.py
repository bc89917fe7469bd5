"""The composition root of the agent: settings in, a wired Agent out."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from edge_agent.agent import Agent, Identity, Timing
from edge_agent.delivery import DeliveryPump
from edge_agent.outbox import Outbox
from edge_agent.ports import Link, LinkOptions, Source
from edge_agent.settings import AgentSettings, SourceContext, SourceSettings
from sitewatch.protocol import Topics

SourceFactory = Callable[[SourceSettings, SourceContext], Source]


class SourceUnavailable(RuntimeError):
    """A configured source type is unknown, or its module is not installed."""


def _python_source(cfg: SourceSettings, ctx: SourceContext) -> Source:
    """`type: python, target: "package.module:Class"`: the class's from_settings(cfg, ctx)."""
    target = str(cfg.options().get("target", ""))
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise SourceUnavailable(f"source {cfg.label}: target must be 'module:Class': {target!r}")
    try:
        factory: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise SourceUnavailable(f"source {cfg.label}: cannot load {target}: {exc}") from exc
    source: Source = factory.from_settings(cfg, ctx)
    return source


def _lazy(module_name: str, class_name: str, what: str) -> SourceFactory:
    """A factory that imports its module on use: a gateway loads only what it runs."""

    def factory(cfg: SourceSettings, ctx: SourceContext) -> Source:
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise SourceUnavailable(f"the {what} source is not installed: {exc}") from exc
        source: Source = getattr(module, class_name).from_settings(cfg, ctx)
        return source

    return factory


SOURCE_FACTORIES: dict[str, SourceFactory] = {
    "python": _python_source,
    "simulator": _lazy("edge_agent.sources.simulator", "SimulatorSource", "simulator"),
    # Cameras (OpenCV): analytics pipeline, and QR codes read off an entrance camera.
    "camera": _lazy("edge_agent.camera.source", "CameraSource", "camera"),
    "camera_qr": _lazy("edge_agent.camera.qr_source", "QrCameraSource", "QR camera"),
    # Receivers that devices push to, and readers of what devices write.
    "place_scan_http": _lazy(
        "edge_agent.receivers.place_scan", "PlaceScanHttpSource", "place-scan"
    ),
    "access_http": _lazy("edge_agent.receivers.access", "AccessHttpSource", "access-controller"),
    "access_log": _lazy("edge_agent.receivers.access_log", "AccessLogSource", "access-log"),
    "vehicle_http": _lazy("edge_agent.receivers.vehicle", "VehicleHttpSource", "vehicle-gate"),
    "sensor_http": _lazy("edge_agent.receivers.sensor", "SensorHttpSource", "facility-sensor"),
    "scanner_lines": _lazy("edge_agent.receivers.lines", "ScannerLinesSource", "QR-scanner"),
}


def build_sources(
    configs: list[SourceSettings],
    ctx: SourceContext,
    factories: Mapping[str, SourceFactory] = SOURCE_FACTORIES,
) -> list[Source]:
    """One source per enabled config, made by the factory its `type` names."""
    sources: list[Source] = []
    for cfg in configs:
        if not cfg.enabled:
            continue
        factory = factories.get(cfg.type)
        if factory is None:
            known = ", ".join(sorted(factories))
            raise SourceUnavailable(f"unknown source type {cfg.type!r} (known: {known})")
        source = factory(cfg, ctx)
        if cfg.name or not getattr(source, "name", None):
            source.name = cfg.label
        sources.append(source)
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourceUnavailable(f"source names must differ, give each a name: {names}")
    return sources


def agent_version() -> str:
    """The installed sitewatch version."""
    try:
        return version("sitewatch")
    except PackageNotFoundError:
        return "0+unknown"


def build_link(settings: AgentSettings, identity: Identity) -> Link:
    """The real broker link: paho, with the offline status as last will."""
    from edge_agent.mqtt import PahoLink  # paho loads only when a real link is wanted

    broker = settings.broker
    options = LinkOptions(
        host=broker.host,
        port=broker.port,
        client_id=settings.client_id,
        username=broker.username,
        password=broker.password.get_secret_value() if broker.password else None,
        tls_ca_file=str(broker.tls.ca_file) if broker.tls.ca_file else None,
        tls_cert_file=str(broker.tls.cert_file) if broker.tls.cert_file else None,
        tls_key_file=str(broker.tls.key_file) if broker.tls.key_file else None,
        tls_insecure=broker.tls.insecure,
        keepalive_s=broker.keepalive_s,
        will=identity.status("offline"),
        reconnect_min_s=broker.reconnect_min_s,
        reconnect_max_s=broker.reconnect_max_s,
        extra={"tls": broker.tls.active},
    )
    return PahoLink(
        options,
        max_inflight=settings.delivery.max_inflight,
        session_expiry_s=broker.session_expiry_s,
        on_connect_messages=[identity.status("online")],
        mqtt_version=broker.mqtt_version,
    )


def build_agent(
    settings: AgentSettings,
    *,
    link: Link | None = None,
    factories: Mapping[str, SourceFactory] = SOURCE_FACTORIES,
) -> Agent:
    """Wire outbox, link, pump and sources from settings (a fake link may be passed in)."""
    identity = Identity(
        site=settings.site,
        gateway=settings.gateway,
        topics=Topics(settings.topic_prefix),
        agent_version=agent_version(),
        started_at=datetime.now(UTC),
        config_hash=settings.config_hash(),
    )
    link = link or build_link(settings, identity)
    sources = build_sources(settings.sources, SourceContext.from_settings(settings), factories)
    outbox = Outbox(settings.outbox.path, settings.outbox.max_bytes)
    delivery = settings.delivery
    pump = DeliveryPump(
        outbox,
        link,
        identity.topics,
        settings.site,
        settings.gateway,
        max_inflight=delivery.max_inflight,
        batch_threshold=delivery.batch_threshold,
        batch_max=delivery.batch_max,
        batch_max_bytes=delivery.batch_max_bytes,
    )
    timing = Timing(
        health_interval_s=settings.health_interval_s,
        shutdown_grace_s=delivery.shutdown_grace_s,
    )
    return Agent(identity, outbox, link, pump, sources, timing=timing)
