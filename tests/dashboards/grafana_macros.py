"""Grafana's variable and macro substitution, mimicked so tests can run dashboard queries.

Grafana fills a query in before it sends it to the data source; these functions do the
same for the forms `dashboards.queries` uses, and nothing more:

InfluxQL (Grafana's InfluxDB plugin, raw query mode)
    `$timeFilter`  → `time >= <from>ms and time <= <to>ms`
    `$__interval`  → the bucket, e.g. `1m`
    `$name`        → a multi-value variable as a regular expression: one value escaped,
                     several as `(a|b)` (Grafana's `regex` formatting for InfluxDB)
SQL (Grafana's PostgreSQL plugin)
    `$__interval`                   → the bucket, e.g. `1m`, before the macros
    `$__timeFilter(col)`            → `col BETWEEN '<from>' AND '<to>'` (UTC, ISO 8601)
    `$__timeGroupAlias(col, 1m)`    → `floor(extract(epoch from col)/60)*60 AS "time"`
    `$name`        → a list (multi-value or "include all" variable): quoted literals,
                     `'a','b'`; a `Raw` value (a custom "all" value): as it is; a plain
                     string (a text box): as it is with single quotes doubled
"""

from __future__ import annotations

import re
from datetime import datetime

_REGEX_SPECIALS = re.compile(r"([\\^$.|?*+()\[\]{}/])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Raw(str):
    """A variable value Grafana writes unformatted (a custom "all" value such as `'*'`)."""


Values = str | list[str]


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _variables(query: str, render: dict[str, str]) -> str:
    # Longest names first, so `$site` does not eat the start of `$site_id`.
    for name in sorted(render, key=len, reverse=True):
        value = render[name]
        query = query.replace("${" + name + "}", value)
        # Backslashes doubled: re.sub would read the value's own as escapes.
        query = re.sub(r"\$" + re.escape(name) + r"(?![A-Za-z0-9_])",
                       value.replace("\\", "\\\\"), query)
    return query


def influxql(query: str, start: datetime, end: datetime, interval: str = "1m",
             variables: dict[str, Values] | None = None) -> str:
    """An InfluxQL dashboard query as Grafana sends it."""
    query = query.replace("$timeFilter", f"time >= {_ms(start)}ms and time <= {_ms(end)}ms")
    query = query.replace("$__interval", interval)
    render = {}
    for name, value in (variables or {}).items():
        values = [value] if isinstance(value, str) else value
        escaped = [_REGEX_SPECIALS.sub(r"\\\1", v) for v in values]
        render[name] = escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return _variables(query, render)


def _seconds(interval: str) -> int:
    return int(interval[:-1]) * _UNITS[interval[-1]]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql(query: str, start: datetime, end: datetime, interval: str = "1m",
        variables: dict[str, Values] | None = None) -> str:
    """A PostgreSQL dashboard query as Grafana sends it."""
    render = {}
    for name, value in (variables or {}).items():
        if isinstance(value, Raw):
            render[name] = str(value)
        elif isinstance(value, str):
            render[name] = value.replace("'", "''")
        else:
            render[name] = ",".join(_literal(v) for v in value)
    query = _variables(query.replace("$__interval", interval), render)
    between = f"BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'"
    query = re.sub(r"\$__timeFilter\(([^)]+)\)", lambda m: f"{m[1].strip()} {between}", query)

    def group(match: re.Match[str]) -> str:
        column, bucket = (part.strip().strip("'") for part in match[1].split(","))
        step = _seconds(bucket)
        return f'floor(extract(epoch from {column})/{step})*{step} AS "time"'

    return re.sub(r"\$__timeGroupAlias\(([^)]+)\)", group, query)
