"""Builds the time-series writer from its settings (called by the hub's composition root)."""

from __future__ import annotations

from hub.timeseries.settings import TimeSeriesSettings
from hub.timeseries.spool import Spool
from hub.timeseries.writer import TimeSeriesWriter


def build_timeseries(settings: TimeSeriesSettings) -> TimeSeriesWriter | None:
    """A writer to InfluxDB wired from settings (not started), or None when disabled."""
    if not settings.enabled:
        return None
    # Imported here so a hub without time series never loads influxdb-client (~0.5 s).
    from hub.timeseries.influx import InfluxLineSink

    sink = InfluxLineSink(
        settings.url,
        settings.token.get_secret_value(),
        settings.org,
        settings.bucket,
        settings.timeout_s,
    )
    return TimeSeriesWriter(
        sink,
        Spool(settings.spool_path, settings.spool_max_bytes),
        batch_size=settings.batch_size,
        flush_interval_s=settings.flush_interval_s,
        retry_min_s=settings.retry_min_s,
        retry_max_s=settings.retry_max_s,
    )
