"""Tenant records the stability colours weigh: rent payments, complaints and disputes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from sitewatch.registry import Id, RegistryModel

RecordKind = Literal["rent", "complaints", "disputes"]
RECORD_KINDS: tuple[RecordKind, ...] = ("rent", "complaints", "disputes")
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
DisputeKind = Literal["labour", "rent", "contract", "other"]


class RentPayment(RegistryModel):
    """Rent due from an enterprise on a date, and whether (and when) it was paid."""

    enterprise: Id = Field(description="enterprise id")
    due_date: date = Field(description="the day payment is due")
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)] = Field(
        description="amount due, in the site's currency, at most 2 decimals"
    )
    paid_date: date | None = Field(None, description="the day it was paid; empty while unpaid")
    note: str | None = Field(None, max_length=500, description="free note")

    def overdue_days(self, today: date) -> int:
        """Days past the due date while unpaid; 0 if paid or not yet due."""
        if self.paid_date is not None or self.due_date >= today:
            return 0
        return (today - self.due_date).days

    @property
    def amount_cents(self) -> int:
        """The amount in integer cents, as stored."""
        return int(self.amount * 100)


class Complaint(RegistryModel):
    """A complaint about (or by) an enterprise, received by the property management."""

    id: Id = Field(description="the complaint's reference, unique in the site")
    enterprise: Id = Field(description="enterprise id")
    received_on: date = Field(description="the day it was received")
    category: Slug = Field("other", description="e.g. noise, safety, hygiene, fire, other")
    summary: str | None = Field(None, max_length=2000, description="what it is about")
    closed_on: date | None = Field(None, description="the day it was closed; empty while open")

    @model_validator(mode="after")
    def _closed_after_received(self) -> Complaint:
        if self.closed_on is not None and self.closed_on < self.received_on:
            raise ValueError("closed_on precedes received_on")
        return self


class Dispute(RegistryModel):
    """A dispute an enterprise is party to: unpaid wages, rent, a contract."""

    id: Id = Field(description="the dispute's reference, unique in the site")
    enterprise: Id = Field(description="enterprise id")
    opened_on: date = Field(description="the day it was opened")
    kind: DisputeKind = Field("other", description="labour, rent, contract or other")
    summary: str | None = Field(None, max_length=2000, description="what it is about")
    resolved_on: date | None = Field(None, description="the day it was resolved; empty while open")

    @model_validator(mode="after")
    def _resolved_after_opened(self) -> Dispute:
        if self.resolved_on is not None and self.resolved_on < self.opened_on:
            raise ValueError("resolved_on precedes opened_on")
        return self


TenantRecord = RentPayment | Complaint | Dispute
RECORD_MODELS: dict[RecordKind, type[TenantRecord]] = {
    "rent": RentPayment, "complaints": Complaint, "disputes": Dispute,
}


@dataclass(frozen=True)
class TenantRecords:
    """One enterprise's records, each list oldest first."""

    rent: tuple[RentPayment, ...] = ()
    complaints: tuple[Complaint, ...] = ()
    disputes: tuple[Dispute, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordRejection:
    """A row that was not imported, and why (the registry import's rejection format)."""

    kind: str
    row: int
    key: str | None
    reason: str


@dataclass
class TenantRecordsImport:
    """Rows of one file of tenant records for one site, each numbered by its row."""

    site: str
    kind: RecordKind
    items: list[tuple[int, TenantRecord]] = field(default_factory=list)
    rejected: list[RecordRejection] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class TenantRecordsReport:
    """What an import stored and every row it rejected, in row order."""

    site: str
    imported: dict[str, int]
    rejected: tuple[RecordRejection, ...]
    structure: bool = False  # never: tenant records change no site structure
