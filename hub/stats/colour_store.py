"""Stability colours in the ledger database: the colour in force, overrides, and history.

Every change of the colour in force adds a history row in the transaction that makes it;
an override set or cleared by hand does too, with its author, and its audit-log entry is
appended in that same transaction, so no override exists that the audit log lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from hub.audit import AuditEntry
from hub.ledger.audit_store import AuditLog
from hub.ledger.engine import WRITE_OPTION
from hub.ledger.schema_stats import enterprise_colour_history, enterprise_colours
from hub.rules.model import Colour
from hub.stats.colours import as_colour
from hub.stats.sql import insert_ignore
from hub.stats.stability import Assessment, Override, Reason, effective_colour


@dataclass(frozen=True)
class ColourRecord:
    """An enterprise's colour in force, what the rules gave, and the override if any."""

    site: str
    enterprise: str
    colour: Colour
    assessed_colour: Colour
    reasons: tuple[Reason, ...]
    assessed_at: datetime
    changed_at: datetime
    override: Override | None


@dataclass(frozen=True)
class ColourChange:
    """One entry of an enterprise's colour history."""

    id: int
    at: datetime
    colour: Colour
    previous: Colour | None
    source: str  # assessment, override, override_cleared or override_expired
    actor: str | None
    reasons: list[dict[str, Any]]


class ColourStore:
    """Colours, overrides and history of the enterprises. Thread-safe."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._audit = audit
        self._insert_new = insert_ignore(engine.dialect.name, enterprise_colours)

    def save_assessments(
        self, site: str, assessments: Mapping[str, Assessment], now: datetime
    ) -> list[ColourRecord]:
        """Store a site's assessments in one transaction; expired overrides are dropped."""
        saved = []
        with self._writer.begin() as connection:
            for enterprise, assessment in sorted(assessments.items()):
                current, _ = self._locked(connection, site, enterprise, assessment, now)
                override = current.override
                source = "assessment"
                if override is not None and not override.active(now):
                    override, source = None, "override_expired"
                colour, _ = effective_colour(assessment.colour, override, now)
                values = {
                    "assessed_colour": assessment.colour,
                    "reasons": _reasons_json(assessment.reasons), "assessed_at": now,
                    **_override_values(override), "colour": colour,
                }
                if colour != current.colour or source == "override_expired":
                    values["changed_at"] = now if colour != current.colour else current.changed_at
                    _history(connection, site, enterprise, now, colour, current.colour, source,
                             None, assessment.reasons)
                saved.append(self._write(connection, site, enterprise, values))
        return saved

    def set_override(
        self, site: str, enterprise: str, override: Override, entry: AuditEntry
    ) -> ColourRecord:
        """Set an override and append its audit entry, in one transaction."""
        with self._writer.begin() as connection:
            current, made = self._locked(connection, site, enterprise, None, override.at)
            values = {**_override_values(override), "colour": override.colour}
            if override.colour != current.colour:
                values["changed_at"] = override.at
            _history(connection, site, enterprise, override.at, override.colour,
                     None if made else current.colour, "override", override.by,
                     (Reason("override", override.colour, override.reason),))
            self._audit.append_in(connection, entry)
            return self._write(connection, site, enterprise, values)

    def clear_override(
        self, site: str, enterprise: str, by: str, now: datetime, entry: AuditEntry
    ) -> ColourRecord | None:
        """Clear the override and append its audit entry; None if there was none."""
        with self._writer.begin() as connection:
            current = self._read(connection, site, enterprise, lock=True)
            if current is None or current.override is None:
                return None
            values = {**_override_values(None), "colour": current.assessed_colour}
            if current.assessed_colour != current.colour:
                values["changed_at"] = now
            _history(connection, site, enterprise, now, current.assessed_colour, current.colour,
                     "override_cleared", by, current.reasons)
            self._audit.append_in(connection, entry)
            return self._write(connection, site, enterprise, values)

    def get(self, site: str, enterprise: str) -> ColourRecord | None:
        """One enterprise's colour record, or None if never assessed."""
        with self._engine.begin() as connection:
            return self._read(connection, site, enterprise)

    def records(self, sites: Iterable[str] | None = None) -> list[ColourRecord]:
        """Colour records of these sites (default: all), by site and enterprise."""
        c = enterprise_colours.c
        query = select(enterprise_colours).order_by(c.site, c.enterprise)
        if sites is not None:
            query = query.where(c.site.in_(list(sites)))
        with self._engine.begin() as connection:
            return [_record(row) for row in connection.execute(query).mappings()]

    def history(self, site: str, enterprise: str, limit: int = 100) -> list[ColourChange]:
        """An enterprise's colour changes, newest first."""
        c = enterprise_colour_history.c
        query = (
            select(enterprise_colour_history)
            .where(c.site == site, c.enterprise == enterprise)
            .order_by(c.id.desc()).limit(limit)
        )
        with self._engine.begin() as connection:
            return [
                ColourChange(row.id, row.at, as_colour(row.colour),
                             None if row.previous is None else as_colour(row.previous),
                             row.source, row.actor, list(row.reasons or []))
                for row in connection.execute(query)
            ]

    # --- inside a write transaction -------------------------------------------------------

    def _locked(
        self, connection: Connection, site: str, enterprise: str,
        assessment: Assessment | None, now: datetime,
    ) -> tuple[ColourRecord, bool]:
        """The row, locked, and whether it was made just now (from `assessment`, else green)."""
        colour = assessment.colour if assessment is not None else "green"
        made = connection.execute(self._insert_new.values(
            site=site, enterprise=enterprise, colour=colour, assessed_colour=colour,
            reasons=_reasons_json(assessment.reasons if assessment else ()), assessed_at=now,
            changed_at=now,
        ).returning(enterprise_colours.c.site)).first() is not None
        current = self._read(connection, site, enterprise, lock=True)
        assert current is not None  # inserted above if it was missing
        if made and assessment is not None:  # the first colour is history too
            _history(connection, site, enterprise, now, colour, None, "assessment", None,
                     assessment.reasons)
        return current, made

    def _read(
        self, connection: Connection, site: str, enterprise: str, lock: bool = False
    ) -> ColourRecord | None:
        c = enterprise_colours.c
        query = select(enterprise_colours).where(c.site == site, c.enterprise == enterprise)
        row = connection.execute(query.with_for_update() if lock else query).mappings().first()
        return None if row is None else _record(row)

    def _write(
        self, connection: Connection, site: str, enterprise: str, values: dict[str, Any]
    ) -> ColourRecord:
        c = enterprise_colours.c
        connection.execute(
            update(enterprise_colours).where(c.site == site, c.enterprise == enterprise)
            .values(values)
        )
        found = self._read(connection, site, enterprise)
        assert found is not None
        return found


def _history(
    connection: Connection, site: str, enterprise: str, at: datetime, colour: Colour,
    previous: Colour | None, source: str, actor: str | None, reasons: Iterable[Reason],
) -> None:
    connection.execute(insert(enterprise_colour_history).values(
        site=site, enterprise=enterprise, at=at, colour=colour, previous=previous,
        source=source, actor=actor, reasons=_reasons_json(reasons),
    ))


def _reasons_json(reasons: Iterable[Reason]) -> list[dict[str, str]]:
    return [{"rule": r.rule, "colour": r.colour, "text": r.text} for r in reasons]


def _override_values(override: Override | None) -> dict[str, Any]:
    if override is None:
        return {"override_colour": None, "override_reason": None, "override_by": None,
                "override_at": None, "override_until": None}
    return {"override_colour": override.colour, "override_reason": override.reason,
            "override_by": override.by, "override_at": override.at,
            "override_until": override.until}


def _record(row: Any) -> ColourRecord:
    override = None
    if row["override_colour"] is not None:
        override = Override(as_colour(row["override_colour"]), row["override_reason"] or "",
                            row["override_by"] or "", row["override_at"], row["override_until"])
    return ColourRecord(
        site=row["site"], enterprise=row["enterprise"], colour=as_colour(row["colour"]),
        assessed_colour=as_colour(row["assessed_colour"]),
        reasons=tuple(Reason(r["rule"], as_colour(r["colour"]), r["text"])
                      for r in row["reasons"] or []),
        assessed_at=row["assessed_at"], changed_at=row["changed_at"], override=override,
    )
