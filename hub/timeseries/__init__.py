"""Time series: the points of ledger commits, written to InfluxDB (see points.py for the schema)."""

from hub.timeseries.delivery import TimeSeriesCounters
from hub.timeseries.factory import build_timeseries
from hub.timeseries.points import (
    FEVER_THRESHOLD_C,
    alarm_line,
    committed_lines,
    event_line,
    health_lines,
    occupancy_line,
    status_line,
    timestamp_ns,
)
from hub.timeseries.settings import TimeSeriesSettings
from hub.timeseries.sink import LineSink, WriteFailed, WriteRejected
from hub.timeseries.spool import Spool
from hub.timeseries.writer import TimeSeriesWriter

__all__ = [
    "FEVER_THRESHOLD_C",
    "LineSink",
    "Spool",
    "TimeSeriesCounters",
    "TimeSeriesSettings",
    "TimeSeriesWriter",
    "WriteFailed",
    "WriteRejected",
    "alarm_line",
    "build_timeseries",
    "committed_lines",
    "event_line",
    "health_lines",
    "occupancy_line",
    "status_line",
    "timestamp_ns",
]
