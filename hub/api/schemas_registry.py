"""Response schemas of the registry API (requests are the registry's own models)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.registry import ImportReport, Rejection


class RejectionOut(BaseModel):
    """A row an import did not take, and why (never with a raw ID number)."""

    kind: str = Field(description="enterprise, person or credential")
    row: int = Field(description="CSV: the spreadsheet's row (header is 1); documents: the "
                     "item's place in its list, from 1")
    key: str | None = Field(description="what names the item, when it could be read")
    reason: str

    @classmethod
    def of(cls, rejection: Rejection) -> RejectionOut:
        """From the import's record."""
        return cls(kind=rejection.kind, row=rejection.row, key=rejection.key,
                   reason=rejection.reason)


class ImportReportOut(BaseModel):
    """What an import stored and what it rejected."""

    site: str
    structure: bool = Field(description="whether the site's structure was (re)written")
    accepted: dict[str, int] = Field(description="items stored, by kind")
    accepted_total: int
    rejected: list[RejectionOut] = Field(description="in kind, then row order")

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        """From the store's report."""
        return cls(
            site=report.site, structure=report.structure, accepted=dict(report.imported),
            accepted_total=sum(report.imported.values()),
            rejected=[RejectionOut.of(r) for r in report.rejected],
        )
