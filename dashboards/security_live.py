"""Security live: occupancy, gate flows, alarms, place-scan health, cameras, gateways."""

from __future__ import annotations

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import stat, table, timeseries
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as model

from dashboards import queries
from dashboards.common import (
    INFLUXDB,
    LEDGER,
    building_variable,
    grid,
    influxql,
    site_variable,
    sql,
    steps,
)

UID = "sitewatch-security-live"


def _series(panel_id: int, title: str, description: str, query: str, pos: model.GridPos,
            unit: str = "short") -> timeseries.Panel:
    return (
        timeseries.Panel().id(panel_id).title(title).description(description)
        .datasource(INFLUXDB).with_target(influxql(query)).grid_pos(pos).unit(unit).min(0)
        .legend(cb.VizLegendOptions().display_mode(cm.LegendDisplayMode.LIST)
                .placement(cm.LegendPlacement.BOTTOM).show_legend(True))
    )


def build() -> model.Dashboard:
    """The security staff's live dashboard."""
    return (
        db.Dashboard("sitewatch · Security live").uid(UID)
        .tags(["sitewatch", "security"]).refresh("10s").time("now-1h", "now")
        .timezone("browser").tooltip(model.DashboardCursorSync.CROSSHAIR)
        .with_variable(site_variable()).with_variable(building_variable())
        .with_panel(
            _series(1, "Occupancy per building",
                    "Persons inside each building (hub's live occupancy count).",
                    queries.OCCUPANCY, grid(0, 0, 12, 8), "none")
            .thresholds(steps((None, "green"), (500, "yellow"), (800, "red")))
        )
        .with_panel(
            _series(2, "Entries and exits per reader per minute",
                    "Granted passages per reader (a gate's readers) and direction, per minute.",
                    queries.GATE_FLOW, grid(12, 0, 12, 8), "none")
            .draw_style(cm.GraphDrawStyle.BARS)
        )
        .with_panel(
            table.Panel().id(3).title("Open alarms by severity")
            .description("Alarms not yet resolved (open or acknowledged), from the ledger.")
            .datasource(LEDGER).with_target(sql(queries.OPEN_ALARMS)).show_header(True)
            .grid_pos(grid(0, 8, 6, 8))
            .thresholds(steps((None, "green"), (1, "red")))
        )
        .with_panel(
            _series(4, "Alarms opened by severity",
                    "Alarms opened per interval, by severity.",
                    queries.ALARMS_OPENED, grid(6, 8, 9, 8), "none")
            .draw_style(cm.GraphDrawStyle.BARS)
        )
        .with_panel(
            _series(5, "Denied attempts per reader",
                    "Access attempts refused, per reader.",
                    queries.DENIED, grid(15, 8, 9, 8), "none")
            .draw_style(cm.GraphDrawStyle.BARS)
            .thresholds(steps((None, "green"), (5, "orange"), (20, "red")))
        )
        .with_panel(
            _series(6, "Place scans by health colour",
                    "Place-code and sentinel scans per interval by health-code colour.",
                    queries.PLACE_SCAN_HEALTH, grid(0, 16, 12, 8), "none")
            .stacking(cb.StackingConfig().mode(cm.StackingMode.NORMAL))
            .override_by_name("green", [model.DynamicConfigValue(
                id_val="color", value={"mode": "fixed", "fixedColor": "green"})])
            .override_by_name("yellow", [model.DynamicConfigValue(
                id_val="color", value={"mode": "fixed", "fixedColor": "yellow"})])
            .override_by_name("red", [model.DynamicConfigValue(
                id_val="color", value={"mode": "fixed", "fixedColor": "red"})])
        )
        .with_panel(
            stat.Panel().id(7).title("Fevers")
            .description("Scans at or above 37.3 °C in the time range, and the highest.")
            .datasource(INFLUXDB).with_target(influxql(queries.FEVERS, fmt="table"))
            .grid_pos(grid(12, 16, 6, 8))
            .thresholds(steps((None, "green"), (1, "red")))
            .override_by_name("max_c", [
                model.DynamicConfigValue(id_val="unit", value="celsius"),
                model.DynamicConfigValue(id_val="thresholds", value={
                    "mode": "absolute",
                    "steps": [{"color": "green", "value": None},
                              {"color": "red", "value": 37.3}]}),
            ])
        )
        .with_panel(
            stat.Panel().id(8).title("Gateways online")
            .description("Each gateway's last status: 1 online, 0 offline (last will).")
            .datasource(INFLUXDB).with_target(influxql(queries.GATEWAYS_ONLINE))
            .grid_pos(grid(18, 16, 6, 8)).unit("bool_on_off")
            .thresholds(steps((None, "red"), (1, "green")))
            .color_mode(cm.BigValueColorMode.BACKGROUND)
        )
        .with_panel(
            _series(9, "Line crossings in and out",
                    "People counted crossing camera lines, in and out, per camera.",
                    queries.CAMERA_CROSSINGS, grid(0, 24, 12, 8), "none")
            .draw_style(cm.GraphDrawStyle.BARS)
        )
        .with_panel(
            _series(10, "Outbox backlog per gateway",
                    "Events waiting in each gateway's outbox: a growing backlog means the "
                    "gateway cannot reach the broker.",
                    queries.OUTBOX_BACKLOG, grid(12, 24, 12, 8), "none")
            .thresholds(steps((None, "green"), (1000, "orange"), (10000, "red")))
            .thresholds_style(cb.GraphThresholdsStyleConfig().mode(
                cm.GraphTresholdsStyleMode.LINE))
        )
        .with_panel(
            timeseries.Panel().id(11).title("Entries and exits per gate per minute")
            .description("Granted passages per gate and direction, per minute, from the "
                         "ledger: the time series knows readers, the ledger knows their gates.")
            .datasource(LEDGER).with_target(sql(queries.GATE_FLOW_BY_GATE, fmt="time_series"))
            .grid_pos(grid(0, 32, 24, 8)).unit("none").min(0)
            .draw_style(cm.GraphDrawStyle.BARS)
        )
        .build()
    )
