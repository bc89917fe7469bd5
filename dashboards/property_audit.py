"""Property-manager audit: access per tenant and building, denials, after hours, colours."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import table, timeseries
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as model

from dashboards import queries
from dashboards.common import (
    LEDGER,
    building_variable,
    colour_mapping,
    data_link,
    grid,
    hub_url_variable,
    site_variable,
    sql,
    steps,
)

UID = "sitewatch-property-audit"
_CELL_BACKGROUND = model.DynamicConfigValue(
    id_val="custom.cellOptions", value={"type": "color-background"}
)


def _counts(panel_id: int, title: str, description: str, query: str,
            pos: model.GridPos) -> timeseries.Panel:
    return (
        timeseries.Panel().id(panel_id).title(title).description(description)
        .datasource(LEDGER).with_target(sql(query, fmt="time_series")).grid_pos(pos)
        .unit("none").min(0).draw_style(cm.GraphDrawStyle.BARS)
    )


def build() -> model.Dashboard:
    """The property manager's audit dashboard."""
    return (
        db.Dashboard("sitewatch · Property-manager audit").uid(UID)
        .tags(["sitewatch", "audit"]).refresh("1m").time("now-7d", "now").timezone("browser")
        .with_variable(site_variable()).with_variable(building_variable())
        .with_variable(hub_url_variable())
        .with_panel(_counts(
            1, "Access per building", "Badges and scans at each building's gates.",
            queries.ACCESS_BY_BUILDING, grid(0, 0, 12, 8)))
        .with_panel(_counts(
            2, "Access per enterprise", "Badges and scans of each tenant's people.",
            queries.ACCESS_BY_ENTERPRISE, grid(12, 0, 12, 8)))
        .with_panel(
            table.Panel().id(3).title("Tenants: entries, denied, after hours, visitors")
            .description("Daily figures the hub keeps per enterprise, summed over the range; "
                         "peak headcount is the busiest day's.")
            .datasource(LEDGER).with_target(sql(queries.ENTERPRISE_DAILY)).show_header(True)
            .grid_pos(grid(0, 8, 12, 8))
            .override_by_name("denied", [
                model.DynamicConfigValue(id_val="thresholds", value={
                    "mode": "absolute", "steps": [{"color": "green", "value": None},
                                                  {"color": "orange", "value": 10},
                                                  {"color": "red", "value": 50}]}),
                _CELL_BACKGROUND,
            ])
            .override_by_name("after_hours", [
                model.DynamicConfigValue(id_val="thresholds", value={
                    "mode": "absolute", "steps": [{"color": "green", "value": None},
                                                  {"color": "yellow", "value": 1}]}),
                _CELL_BACKGROUND,
            ])
        )
        .with_panel(
            table.Panel().id(4).title("Five-colour board")
            .description("Each tenant's stability colour in force, what the rules gave, "
                         "and why; an override's reason when one is in force.")
            .datasource(LEDGER).with_target(sql(queries.COLOUR_BOARD)).show_header(True)
            .grid_pos(grid(12, 8, 12, 8))
            .override_by_name("colour", [
                model.DynamicConfigValue(id_val="mappings", value=colour_mapping()),
                _CELL_BACKGROUND,
            ])
            .override_by_name("assessed_colour", [
                model.DynamicConfigValue(id_val="mappings", value=colour_mapping()),
            ])
        )
        .with_panel(_counts(
            5, "Visitors", "Distinct visitors seen per interval.",
            queries.VISITORS, grid(0, 16, 8, 8)))
        .with_panel(
            table.Panel().id(6).title("Denied attempts")
            .description("Access refused, forced or held open, and place scans denied.")
            .datasource(LEDGER).with_target(sql(queries.DENIED_ATTEMPTS)).show_header(True)
            .grid_pos(grid(8, 16, 16, 8))
            .thresholds(steps((None, "red")))
        )
        .with_panel(
            table.Panel().id(7).title("Access audit")
            .description("Every badge and scan at the chosen buildings, newest first; "
                         "the id opens the event in the hub.")
            .datasource(LEDGER).with_target(sql(queries.ACCESS_AUDIT)).show_header(True)
            .grid_pos(grid(0, 24, 24, 12))
            .override_by_name("id", [model.DynamicConfigValue(id_val="links", value=[
                data_link("Event detail", "${hub_url}/api/v1/events/${__data.fields.id}"),
            ])])
        )
        .build()
    )
