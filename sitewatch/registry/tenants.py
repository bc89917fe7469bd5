"""Tenant enterprises, the people of the site (by pseudonym) and their credentials."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from sitewatch.protocol.events import Pseudonym
from sitewatch.registry.base import Id, RegistryModel
from sitewatch.registry.codes import USCC_PATTERN, uscc_check_char

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PropertyGrade = Literal["excellent", "good", "general", "pass", "poor"]
PersonType = Literal["employee", "visitor", "staff"]
CredentialType = Literal["card", "face", "qr", "pin"]
Uscc = Annotated[str, StringConstraints(pattern=USCC_PATTERN)]


def _refuse_sexagesimal(value: Any) -> Any:
    """YAML 1.1 reads an unquoted 18:00 as the integer 1080; refuse it rather than guess."""
    if isinstance(value, int):
        raise ValueError("write times as quoted strings, e.g. '18:00'")
    return value


ClockTime = Annotated[time, BeforeValidator(_refuse_sexagesimal)]


class WorkingHours(RegistryModel):
    """An enterprise's normal working day."""

    start: ClockTime = Field(description="local time work starts, e.g. 09:00")
    end: ClockTime = Field(description="local time work ends, after `start` the same day")
    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]), description="working days of the week"
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self


def _office_hours() -> WorkingHours:
    return WorkingHours(start=time(9), end=time(18))


class Enterprise(RegistryModel):
    """A tenant enterprise: who it is, where it sits, its lease, and how it uses the site."""

    id: Id = Field(description="enterprise id, unique in the site")
    name: str = Field(min_length=1, max_length=200, description="registered name")
    uscc: Uscc = Field(description="18-character unified social credit code (GB 32100)")
    building: Id = Field(description="building of its premises")
    floor: int = Field(description="floor of its premises")
    headcount: int = Field(0, ge=0, le=100_000, description="staff with an access card")
    working_hours: WorkingHours = Field(
        default_factory=_office_hours, description="normal working hours"
    )
    visitors_per_day: float = Field(0.0, ge=0, description="visitors on a normal working day")
    after_hours_share: float = Field(
        0.0, ge=0, le=1, description="share of staff allowed in outside working hours"
    )
    lease_start: date | None = Field(None, description="first day of the lease")
    lease_end: date | None = Field(None, description="last day of the lease")
    contact: str | None = Field(
        None, max_length=200, description="who to call at the enterprise, and how"
    )
    property_grade: PropertyGrade | None = Field(
        None, description="grade of the property services it receives"
    )
    notes: str | None = Field(None, max_length=2000, description="free notes of the management")

    @model_validator(mode="after")
    def _valid_uscc_and_lease(self) -> Enterprise:
        if uscc_check_char(self.uscc[:17]) != self.uscc[17]:
            raise ValueError(f"unified social credit code {self.uscc} fails its check character")
        if self.lease_start and self.lease_end and self.lease_end < self.lease_start:
            raise ValueError("the lease ends before it starts")
        return self


class Person(RegistryModel):
    """Someone the site knows, by pseudonym only: never a raw ID number."""

    pseudonym: Pseudonym
    enterprise: Id | None = Field(
        None, description="enterprise they work for or visit; none for site staff"
    )
    type: PersonType = Field(description="employee of a tenant, visitor, or site staff")
    after_hours: bool = Field(False, description="allowed in outside working hours")

    @model_validator(mode="after")
    def _employee_has_enterprise(self) -> Person:
        if self.type == "employee" and self.enterprise is None:
            raise ValueError("an employee must belong to an enterprise")
        return self


class Credential(RegistryModel):
    """A card, face template, QR pass or PIN and the person it belongs to (pseudonymised)."""

    type: CredentialType = Field(description="what is presented at a reader")
    ref: Pseudonym = Field(description="pseudonym of the credential's number, as events carry")
    person: Pseudonym = Field(description="pseudonym of the person it belongs to")
