"""Police investigation: one person's or plate's events, with their snapshots and clips."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import statetimeline, table, text
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import text as text_model

from dashboards import queries
from dashboards.common import (
    LEDGER,
    building_variable,
    data_link,
    grid,
    hub_url_variable,
    link,
    site_variable,
    sql,
)

UID = "sitewatch-police-investigation"
# Grafana writes a custom "all" value as it is: '*' makes `'*' IN ($gate)` true, so events
# no gate saw (cameras, grounds) stay in when every gate is chosen.
ALL = "'*'"
ID_NUMBERS = (
    "Events carry a **pseudonym** (`subject`), never an ID number: the hub derives it from "
    "the number with each site's secret key. Grafana cannot, and an ID number must not go "
    "into a dashboard URL (URLs end up in logs and browser history). To search by ID "
    "number, use the hub's search ([console](${hub_url}/console/) or "
    "`POST ${hub_url}/api/v1/events/search` with `id_number`): it returns the pseudonym, "
    "which you paste into **Subject** here."
)


def _text_variable(name: str, label: str, description: str) -> db.TextBoxVariable:
    return (
        db.TextBoxVariable(name).label(label).description(description).default_value("")
        .current(model.VariableOption(selected=True, text="", value=""))
    )


def build() -> model.Dashboard:
    """The investigator's dashboard."""
    gate = (
        db.QueryVariable("gate").label("Gate").datasource(LEDGER).query(queries.GATES)
        .multi(True).include_all(True).all_value(ALL)
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .current(model.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )
    return (
        db.Dashboard("sitewatch · Police investigation").uid(UID)
        .tags(["sitewatch", "police"]).refresh(False).time("now-24h", "now")
        .timezone("browser")
        .with_variable(site_variable()).with_variable(building_variable(ALL))
        .with_variable(gate)
        .with_variable(_text_variable(
            "subject", "Subject (pseudonym)", "64-hex pseudonym; for an ID number see the "
            "note panel"))
        .with_variable(_text_variable("plate", "Plate", "Vehicle plate, as read"))
        .with_variable(hub_url_variable())
        .link(link("Search by ID number in the hub", "${hub_url}/console/"))
        .with_panel(
            text.Panel().id(1).title("Subject, ID number and plate")
            .description("How to search by ID number.").mode(text_model.TextMode.MARKDOWN)
            .content(ID_NUMBERS).grid_pos(grid(0, 0, 24, 4))
        )
        .with_panel(
            table.Panel().id(2).title("Matching events")
            .description("Every event of the subject or plate in the time window, oldest "
                         "first. The id opens the event (with its media list) in the hub; "
                         "snapshot and clip open the media. " + ID_NUMBERS)
            .datasource(LEDGER).with_target(sql(queries.MATCHING_EVENTS)).show_header(True)
            .grid_pos(grid(0, 4, 24, 12))
            .override_by_name("id", [model.DynamicConfigValue(id_val="links", value=[
                data_link("Event detail", "${hub_url}/api/v1/events/${__data.fields.id}"),
            ])])
            .override_by_name("snapshot", [model.DynamicConfigValue(id_val="links", value=[
                data_link("Snapshot", "${hub_url}/api/v1/media/${__data.fields.snapshot}"),
            ])])
            .override_by_name("clip", [model.DynamicConfigValue(id_val="links", value=[
                data_link("Clip", "${hub_url}/api/v1/media/${__data.fields.clip}"),
            ])])
        )
        .with_panel(
            statetimeline.Panel().id(3).title("Movements")
            .description("Where the subject or plate was seen (gate, else device), in time.")
            .datasource(LEDGER).with_target(sql(queries.MOVEMENTS))
            .grid_pos(grid(0, 16, 24, 6)).merge_values(False)
            .show_value(cm.VisibilityMode.AUTO)
        )
        .build()
    )
