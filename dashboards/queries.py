"""Every query the dashboards run, in one place so the tests can execute each on a real engine.

InfluxQL (data source `sitewatch-influxdb`) reads the measurements of
`hub.timeseries.points`; SQL (data source `sitewatch-ledger`, PostgreSQL) reads the ledger.
The strings keep Grafana's macros and variables; Grafana fills them in before a query runs:

InfluxQL  `$timeFilter` (the time range), `$__interval` (the panel's bucket), and
          `/^$site$/`, `/^$building$/`: multi-value variables, which Grafana writes as an
          escaped regular expression (`(a|b)` for several values).
SQL       `$__timeFilter(col)`, `$__timeGroupAlias(col, $__interval)`, and `IN ($site)`:
          multi-value variables, which Grafana writes as quoted literals (`'a','b'`).
          `$gate` and `$building` on the police dashboard have the "all" value `'*'`, so
          `('*' IN ($gate) OR gate IN ($gate))` keeps events no gate saw when all are picked;
          text boxes (`$subject`, `$plate`) are written raw with quotes doubled, so they sit
          inside quotes here, and an empty box filters nothing.

In InfluxQL `in` is a keyword: the camera field is always selected as "in".
"""

from __future__ import annotations

# --- variables (SQL over the registry, so every dashboard lists the same sites) ----------

SITES = "SELECT id AS __value, name AS __text FROM registry_sites ORDER BY name"
BUILDINGS = (
    "SELECT id AS __value, name AS __text FROM registry_buildings "
    "WHERE site IN ($site) ORDER BY name"
)
GATES = (
    "SELECT id AS __value, name AS __text FROM registry_gates "
    "WHERE site IN ($site) ORDER BY name"
)

# --- security live (InfluxQL, except open alarms: their state lives in the ledger) -------

OCCUPANCY = (
    'SELECT last("persons") AS "persons" FROM "occupancy" '
    'WHERE "site" =~ /^$site$/ AND "building" =~ /^$building$/ AND $timeFilter '
    'GROUP BY time($__interval), "building" fill(previous)'
)
# The time series has no gate tag (gates come from the registry on ingest): a gate's
# readers are its devices, so flows are per reader and direction.
GATE_FLOW = (
    'SELECT sum("count") AS "passages" FROM "access" '
    "WHERE \"site\" =~ /^$site$/ AND \"result\" = 'granted' AND $timeFilter "
    'GROUP BY time(1m), "device", "direction" fill(none)'
)
# Per gate, from the ledger, where ingest enriched each event with its gate.
GATE_FLOW_BY_GATE = (
    "SELECT $__timeGroupAlias(ts, 1m), gate || ' ' || (body::json->>'direction') AS metric, "
    "count(*) AS value FROM events WHERE $__timeFilter(ts) AND site IN ($site) "
    "AND kind = 'access' AND result = 'granted' AND gate IS NOT NULL "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
DENIED = (
    'SELECT sum("count") AS "denied" FROM "access" '
    "WHERE \"site\" =~ /^$site$/ AND \"result\" = 'denied' AND $timeFilter "
    'GROUP BY time($__interval), "device" fill(none)'
)
ALARMS_OPENED = (
    'SELECT count("alarm_id") AS "opened" FROM "alarm" '
    "WHERE \"site\" =~ /^$site$/ AND \"state\" = 'opened' AND $timeFilter "
    'GROUP BY time($__interval), "severity" fill(none)'
)
OPEN_ALARMS = (
    "SELECT severity, count(*) AS alarms FROM alarms "
    "WHERE state <> 'resolved' AND site IN ($site) "
    "GROUP BY severity "
    "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END"
)
PLACE_SCAN_HEALTH = (
    'SELECT sum("count") AS "scans" FROM "place_scan" '
    'WHERE "site" =~ /^$site$/ AND $timeFilter '
    'GROUP BY time($__interval), "health" fill(none)'
)
FEVERS = (
    'SELECT count("temperature_c") AS "fevers", max("temperature_c") AS "max_c" '
    'FROM "place_scan" WHERE "site" =~ /^$site$/ AND "fever" = true AND $timeFilter'
)
CAMERA_CROSSINGS = (
    'SELECT sum("in") AS "in", sum("out") AS "out" FROM "camera" '
    "WHERE \"site\" =~ /^$site$/ AND \"type\" = 'line_crossing' AND $timeFilter "
    'GROUP BY time($__interval), "device" fill(none)'
)
# No time filter: a gateway's state is its last status, however long ago it came.
GATEWAYS_ONLINE = (
    'SELECT last("online") AS "online" FROM "gateway_status" '
    'WHERE "site" =~ /^$site$/ GROUP BY "gateway"'
)
OUTBOX_BACKLOG = (
    'SELECT max("outbox_depth") AS "outbox" FROM "gateway_health" '
    'WHERE "site" =~ /^$site$/ AND $timeFilter '
    'GROUP BY time($__interval), "gateway" fill(none)'
)

# --- property-manager audit (SQL over the ledger and the stats tables) -------------------

ACCESS_BY_BUILDING = (
    "SELECT $__timeGroupAlias(ts, $__interval), building AS metric, count(*) AS value "
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) AND building IN ($building) "
    "AND kind IN ('access', 'place_scan') "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
ACCESS_BY_ENTERPRISE = (
    "SELECT $__timeGroupAlias(ts, $__interval), enterprise AS metric, count(*) AS value "
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) AND building IN ($building) "
    "AND kind IN ('access', 'place_scan') AND enterprise IS NOT NULL "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
# Daily figures the stats service keeps per enterprise (hub.stats.figures_store).
ENTERPRISE_DAILY = (
    "SELECT enterprise, sum(entries) AS entries, sum(denied) AS denied, "
    "sum(after_hours_entries) AS after_hours, max(headcount) AS peak_headcount, "
    "sum(visitors) AS visitors "
    "FROM enterprise_daily WHERE $__timeFilter(day) AND site IN ($site) "
    "GROUP BY enterprise ORDER BY enterprise"
)
DENIED_ATTEMPTS = (
    "SELECT ts AS time, gate, building, device, enterprise, person_type, subject, result "
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) "
    "AND ((kind = 'access' AND result <> 'granted') OR (kind = 'place_scan' AND result = 'deny')) "
    "ORDER BY ts DESC, id LIMIT 1000"
)
COLOUR_BOARD = (
    "SELECT enterprise, colour, assessed_colour, "
    "(SELECT string_agg(r->>'text', '; ') FROM json_array_elements(reasons) AS r) AS reasons, "
    "override_reason, changed_at "
    "FROM enterprise_colours WHERE site IN ($site) "
    "ORDER BY CASE colour WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 "
    "WHEN 'blue' THEN 3 ELSE 4 END, enterprise"
)
ACCESS_AUDIT = (
    "SELECT ts AS time, id, building, floor, gate, device, kind, result, enterprise, "
    "person_type, subject "
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) AND building IN ($building) "
    "AND kind IN ('access', 'place_scan') "
    "ORDER BY ts DESC, id LIMIT 5000"
)
VISITORS = (
    "SELECT $__timeGroupAlias(ts, $__interval), count(DISTINCT subject) AS visitors "
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) "
    "AND person_type = 'visitor' GROUP BY 1 ORDER BY 1"
)

# --- police investigation (SQL: person identifiers never go to the time series as tags) ---

_MATCH = (
    "FROM events WHERE $__timeFilter(ts) AND site IN ($site) "
    "AND ('*' IN ($gate) OR gate IN ($gate)) "
    "AND ('*' IN ($building) OR building IN ($building)) "
    "AND ('$subject' = '' OR subject = '$subject') "
    "AND ('$plate' = '' OR plate = upper('$plate')) "
    "AND ('$subject' <> '' OR '$plate' <> '') "
)
MATCHING_EVENTS = (
    "SELECT ts AS time, id, kind, site, building, gate, device, result, subject, plate, "
    "(SELECT m->>'sha256' FROM json_array_elements(body::json->'media') AS m "
    "WHERE m->>'role' = 'snapshot' LIMIT 1) AS snapshot, "
    "(SELECT m->>'sha256' FROM json_array_elements(body::json->'media') AS m "
    "WHERE m->>'role' = 'clip' LIMIT 1) AS clip "
    + _MATCH
    + "ORDER BY ts, id LIMIT 1000"
)
MOVEMENTS = (
    "SELECT ts AS time, coalesce(gate, device) AS place "
    + _MATCH
    + "ORDER BY ts, id"
)

INFLUXQL: dict[str, str] = {
    "OCCUPANCY": OCCUPANCY,
    "GATE_FLOW": GATE_FLOW,
    "DENIED": DENIED,
    "ALARMS_OPENED": ALARMS_OPENED,
    "PLACE_SCAN_HEALTH": PLACE_SCAN_HEALTH,
    "FEVERS": FEVERS,
    "CAMERA_CROSSINGS": CAMERA_CROSSINGS,
    "GATEWAYS_ONLINE": GATEWAYS_ONLINE,
    "OUTBOX_BACKLOG": OUTBOX_BACKLOG,
}
SQL: dict[str, str] = {
    "SITES": SITES,
    "BUILDINGS": BUILDINGS,
    "GATES": GATES,
    "OPEN_ALARMS": OPEN_ALARMS,
    "GATE_FLOW_BY_GATE": GATE_FLOW_BY_GATE,
    "ACCESS_BY_BUILDING": ACCESS_BY_BUILDING,
    "ACCESS_BY_ENTERPRISE": ACCESS_BY_ENTERPRISE,
    "ENTERPRISE_DAILY": ENTERPRISE_DAILY,
    "DENIED_ATTEMPTS": DENIED_ATTEMPTS,
    "COLOUR_BOARD": COLOUR_BOARD,
    "ACCESS_AUDIT": ACCESS_AUDIT,
    "VISITORS": VISITORS,
    "MATCHING_EVENTS": MATCHING_EVENTS,
    "MOVEMENTS": MOVEMENTS,
}
