"""What the dashboards share: data sources, query targets, variables, thresholds, links."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as model

from dashboards import queries

INFLUXDB_UID = "sitewatch-influxdb"
LEDGER_UID = "sitewatch-ledger"
INFLUXDB = model.DataSourceRef(type_val="influxdb", uid=INFLUXDB_UID)
LEDGER = model.DataSourceRef(type_val="grafana-postgresql-datasource", uid=LEDGER_UID)
DEFAULT_HUB_URL = "http://localhost:8000"
# The colours of the five-colour board, worst first, as Grafana names colours.
COLOURS = {"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue", "green": "green"}


class RawQuery(cogvariants.Dataquery):
    """One panel target: a raw InfluxQL or SQL query as Grafana stores it."""

    def __init__(self, ref_id: str, datasource: model.DataSourceRef, text: str, fmt: str) -> None:
        """A target of `datasource` running `text`; `fmt` is time_series or table."""
        self.ref_id, self.datasource, self.text, self.fmt = ref_id, datasource, text, fmt

    def to_json(self) -> dict[str, object]:
        """The target's JSON, in the InfluxDB or PostgreSQL plugin's own form."""
        payload: dict[str, object] = {"refId": self.ref_id, "datasource": self.datasource}
        if self.datasource.uid == INFLUXDB_UID:
            payload.update(query=self.text, rawQuery=True, resultFormat=self.fmt)
        else:
            payload.update(rawSql=self.text, rawQuery=True, format=self.fmt, editorMode="code")
        return payload


class Target(cogbuilder.Builder[cogvariants.Dataquery]):
    """Builds a `RawQuery` (the SDK has no InfluxDB or PostgreSQL query builder)."""

    def __init__(self, query: RawQuery) -> None:
        """Wrap a ready query."""
        self._query = query

    def build(self) -> RawQuery:
        """The query."""
        return self._query


def influxql(text: str, ref_id: str = "A", fmt: str = "time_series") -> Target:
    """An InfluxQL target on the time-series data source."""
    return Target(RawQuery(ref_id, INFLUXDB, text, fmt))


def sql(text: str, ref_id: str = "A", fmt: str = "table") -> Target:
    """A SQL target on the ledger data source."""
    return Target(RawQuery(ref_id, LEDGER, text, fmt))


def site_variable() -> db.QueryVariable:
    """`$site`: sites of the registry, several at once, all by default."""
    return (
        db.QueryVariable("site").label("Site").datasource(LEDGER).query(queries.SITES)
        .multi(True).include_all(True).refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .current(model.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def building_variable(all_value: str | None = None) -> db.QueryVariable:
    """`$building`: buildings of the chosen sites; `all_value` replaces the list of all."""
    variable = (
        db.QueryVariable("building").label("Building").datasource(LEDGER)
        .query(queries.BUILDINGS).multi(True).include_all(True)
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .current(model.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )
    return variable.all_value(all_value) if all_value is not None else variable


def hub_url_variable() -> db.TextBoxVariable:
    """`$hub_url`: where the hub's API and console answer, for data links."""
    return (
        db.TextBoxVariable("hub_url").label("Hub URL").default_value(DEFAULT_HUB_URL)
        .description("Base URL of the sitewatch hub (API and console) for links")
        .hide(model.VariableHide.HIDE_VARIABLE)
        .current(model.VariableOption(selected=True, text=DEFAULT_HUB_URL, value=DEFAULT_HUB_URL))
    )


def steps(*pairs: tuple[float | None, str]) -> db.ThresholdsConfig:
    """Absolute thresholds from (value, colour) pairs; the first value is None (base)."""
    return db.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(
        [model.Threshold(value=value, color=colour) for value, colour in pairs]
    )


def colour_mapping() -> list[model.ValueMapping]:
    """Each stability colour's name shown in its colour."""
    return [model.ValueMap(options={
        name: model.ValueMappingResult(color=colour, index=index)
        for index, (name, colour) in enumerate(COLOURS.items())
    })]


def link(title: str, url: str) -> db.DashboardLink:
    """A data or panel link opening in a new tab."""
    return db.DashboardLink(title).url(url).target_blank(True).type(model.DashboardLinkType.LINK)


def data_link(title: str, url: str) -> dict[str, object]:
    """A field's data link (`${__data.fields.x}` names a value of the same row)."""
    return {"title": title, "url": url, "targetBlank": True}


def grid(x: int, y: int, w: int, h: int) -> model.GridPos:
    """A fixed grid position, so the JSON does not depend on the order panels are added."""
    return model.GridPos(x=x, y=y, w=w, h=h)

