"""Registry models as table rows and back (pure: no connection here).

A site's structure (buildings, gates and their devices, cameras, sensors, gateways) and
its enterprises become rows of several tables; reading assembles the same document,
every list in id order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table

from hub.ledger.schema_registry import (
    registry_buildings,
    registry_camera_gates,
    registry_cameras,
    registry_enterprises,
    registry_gate_devices,
    registry_gates,
    registry_gateway_parts,
    registry_gateways,
    registry_sensors,
    registry_sites,
)
from sitewatch.registry import (
    Building,
    CameraSpec,
    Credential,
    DirectionalDevice,
    Enterprise,
    Gate,
    Gateway,
    Person,
    SensorSpec,
    Site,
    SiteRegistry,
    WorkingHours,
)

Row = dict[str, Any]
Key = tuple[Any, ...]
StoredRow = Mapping[Any, Any]  # a row as read back (SQLAlchemy's RowMapping)

# Everything of a site except its people, in the order rows may be written.
SITE_TABLES: tuple[Table, ...] = (
    registry_sites,
    registry_buildings,
    registry_gates,
    registry_gate_devices,
    registry_cameras,
    registry_camera_gates,
    registry_sensors,
    registry_gateways,
    registry_gateway_parts,
    registry_enterprises,
)


def key_of(table: Table, row: StoredRow) -> Key:
    """The primary key of a row of `table`."""
    return tuple(row[column.name] for column in table.primary_key.columns)


def site_rows(document: SiteRegistry) -> dict[Table, dict[Key, Row]]:
    """Rows of every site table for one site document (its people left out), by key."""
    s = document.site.id
    rows: dict[Table, list[Row]] = defaultdict(list)
    site = document.site
    rows[registry_sites].append(
        {"id": s, "name": site.name, "timezone": site.timezone, "address": site.address}
    )
    rows[registry_buildings] += [{"site": s, **b.model_dump()} for b in site.buildings]
    for gate in document.gates:
        rows[registry_gates].append(
            {"site": s, **gate.model_dump(include={"id", "name", "kind", "building", "floor"})}
        )
        devices: list[tuple[str, str, str | None]] = [(d, "sentinel", None) for d in gate.sentinels]
        devices += [(d, "place_code", None) for d in gate.place_codes]
        devices += [(d.id, "reader", d.direction) for d in gate.readers]
        devices += [(d.id, "plate_camera", d.direction) for d in gate.plate_cameras]
        rows[registry_gate_devices] += [
            {"site": s, "id": d, "gate": gate.id, "role": role, "direction": direction}
            for d, role, direction in devices
        ]
    for camera in document.cameras:
        fields = camera.model_dump(include={"id", "name", "building", "floor", "zone"})
        analytics = ",".join(camera.analytics)
        rows[registry_cameras].append({"site": s, **fields, "analytics": analytics})
        rows[registry_camera_gates] += [
            {"site": s, "camera": camera.id, "gate": g} for g in camera.gates
        ]
    rows[registry_sensors] += [{"site": s, **sensor.model_dump()} for sensor in document.sensors]
    for gateway in document.gateways:
        rows[registry_gateways].append({"site": s, "id": gateway.id, "name": gateway.name})
        parts = [("gate", p) for p in gateway.gates] + [("camera", p) for p in gateway.cameras]
        parts += [("sensor", p) for p in gateway.sensors]
        rows[registry_gateway_parts] += [
            {"site": s, "gateway": gateway.id, "part_kind": kind, "part": p} for kind, p in parts
        ]
    rows[registry_enterprises] += [enterprise_row(s, e) for e in document.enterprises]
    return {table: {key_of(table, r): r for r in rows[table]} for table in SITE_TABLES}


def enterprise_row(site: str, enterprise: Enterprise) -> Row:
    """The row of an enterprise."""
    hours = enterprise.working_hours
    fields = enterprise.model_dump(exclude={"working_hours"})
    return {
        "site": site,
        **fields,
        "work_start": hours.start,
        "work_end": hours.end,
        "work_days": ",".join(hours.days),
    }


def enterprise_of(row: StoredRow) -> Enterprise:
    """The enterprise of a row."""
    fields = {name: row[name] for name in Enterprise.model_fields if name != "working_hours"}
    hours = WorkingHours(
        start=row["work_start"], end=row["work_end"], days=row["work_days"].split(",")
    )
    return Enterprise(**fields, working_hours=hours)


def person_row(site: str, person: Person) -> Row:
    """The row of a person."""
    return {"site": site, **person.model_dump()}


def person_of(row: StoredRow) -> Person:
    """The person of a row."""
    return Person(
        pseudonym=row["pseudonym"],
        enterprise=row["enterprise"],
        type=row["type"],
        after_hours=bool(row["after_hours"]),
    )


def credential_row(site: str, credential: Credential) -> Row:
    """The row of a credential."""
    return {"site": site, **credential.model_dump()}


def credential_of(row: StoredRow) -> Credential:
    """The credential of a row."""
    return Credential(type=row["type"], ref=row["ref"], person=row["person"])


def site_document(
    site_row: StoredRow,
    rows: Mapping[Table, Sequence[StoredRow]],
    persons: Sequence[Person] = (),
    credentials: Sequence[Credential] = (),
) -> SiteRegistry:
    """The site document of rows read back from every site table but `registry_sites`."""

    def of(table: Table) -> list[StoredRow]:
        return sorted(rows.get(table, ()), key=lambda r: key_of(table, r))

    devices: dict[tuple[str, str], list[StoredRow]] = defaultdict(list)
    for row in of(registry_gate_devices):
        devices[(row["gate"], row["role"])].append(row)
    camera_gates: dict[str, list[str]] = defaultdict(list)
    for row in of(registry_camera_gates):
        camera_gates[row["camera"]].append(row["gate"])
    parts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in of(registry_gateway_parts):
        parts[(row["gateway"], row["part_kind"])].append(row["part"])

    def ids(gate: str, role: str) -> list[str]:
        return [d["id"] for d in devices[(gate, role)]]

    def lanes(gate: str, role: str) -> list[DirectionalDevice]:
        return [
            DirectionalDevice(id=d["id"], direction=d["direction"])
            for d in devices[gate, role]
        ]

    buildings = [Building(**_without(r, "site")) for r in of(registry_buildings)]
    gates = [
        Gate(
            **_without(r, "site"),
            sentinels=ids(r["id"], "sentinel"),
            place_codes=ids(r["id"], "place_code"),
            readers=lanes(r["id"], "reader"),
            plate_cameras=lanes(r["id"], "plate_camera"),
        )
        for r in of(registry_gates)
    ]
    cameras = [
        CameraSpec(
            **_without(r, "site", "analytics"),
            gates=camera_gates[r["id"]],
            analytics=r["analytics"].split(",") if r["analytics"] else [],
        )
        for r in of(registry_cameras)
    ]
    gateways = [
        Gateway(
            id=r["id"],
            name=r["name"],
            gates=parts[(r["id"], "gate")],
            cameras=parts[(r["id"], "camera")],
            sensors=parts[(r["id"], "sensor")],
        )
        for r in of(registry_gateways)
    ]
    return SiteRegistry(
        site=Site(**site_row, buildings=buildings),
        gates=gates,
        cameras=cameras,
        sensors=[SensorSpec(**_without(r, "site")) for r in of(registry_sensors)],
        gateways=gateways,
        enterprises=[enterprise_of(r) for r in of(registry_enterprises)],
        persons=list(persons),
        credentials=list(credentials),
    )


def _without(row: StoredRow, *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}
