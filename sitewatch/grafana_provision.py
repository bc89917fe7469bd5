"""Create or update sitewatch's folder, data sources and dashboards through Grafana's HTTP API.

The one module that imports grafana-client. Every object is looked up by uid first, then
updated or created, so running it again changes nothing but versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException, GrafanaTimeoutError

from sitewatch.grafana_objects import (
    FOLDER_TITLE,
    FOLDER_UID,
    InfluxSource,
    LedgerSource,
    dashboard_request,
    influx_datasource,
    ledger_datasource,
)


class GrafanaProvisionError(Exception):
    """Provisioning stopped; the message says why in words an operator can act on."""


@dataclass
class ProvisionReport:
    """What was done, one line per object (e.g. "data source sitewatch-ledger: created")."""

    actions: list[str] = field(default_factory=list)


def provision_grafana(
    url: str,
    token: str,
    influx: InfluxSource,
    ledger: LedgerSource,
    dashboards: list[dict[str, Any]],
    timeout_s: float = 10.0,
) -> ProvisionReport:
    """Provision the folder, both data sources and the dashboards; raise GrafanaProvisionError."""
    api = GrafanaApi.from_url(url, credential=token, timeout=timeout_s)
    report = ProvisionReport()
    try:
        report.actions.append(_folder(api))
        for payload in (influx_datasource(influx), ledger_datasource(ledger)):
            report.actions.append(_datasource(api, payload))
        for model in dashboards:
            api.dashboard.update_dashboard(dashboard_request(model))
            report.actions.append(f"dashboard {model['uid']}: saved")
    except GrafanaClientError as exc:
        if exc.status_code in (401, 403):
            raise GrafanaProvisionError(
                f"Grafana refused the token: {exc.status_code} {_message(exc)}"
            ) from exc
        raise GrafanaProvisionError(f"Grafana said {exc.status_code}: {_message(exc)}") from exc
    except (GrafanaTimeoutError, OSError) as exc:
        # niquests' ConnectionError is an OSError; grafana-client lets it through.
        raise GrafanaProvisionError(f"cannot reach Grafana at {url}: {exc}") from exc
    except GrafanaException as exc:
        if exc.status_code == 0:  # a transport failure grafana-client wrapped
            raise GrafanaProvisionError(f"cannot reach Grafana at {url}: {exc}") from exc
        raise GrafanaProvisionError(f"Grafana said {exc.status_code}: {_message(exc)}") from exc
    return report


def _folder(api: GrafanaApi) -> str:
    if _exists(lambda: api.folder.get_folder(FOLDER_UID)):
        api.folder.update_folder(FOLDER_UID, title=FOLDER_TITLE, overwrite=True)
        return f"folder {FOLDER_UID}: updated"
    api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID)
    return f"folder {FOLDER_UID}: created"


def _datasource(api: GrafanaApi, payload: dict[str, Any]) -> str:
    uid = payload["uid"]
    if _exists(lambda: api.datasource.get_datasource_by_uid(uid)):
        api.datasource.update_datasource_by_uid(uid, payload)
        return f"data source {uid}: updated"
    api.datasource.create_datasource(payload)
    return f"data source {uid}: created"


def _exists(get: Any) -> bool:
    try:
        get()
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return False
        raise
    return True


def _message(exc: GrafanaException) -> str:
    response = exc.response
    if isinstance(response, dict) and "message" in response:
        return str(response["message"])
    return str(exc.message)
