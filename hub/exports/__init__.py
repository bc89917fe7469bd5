"""Evidence out of the ledger: the investigation zip and the access-audit CSV."""

from hub.exports.access_csv import PASSAGE_KINDS, access_csv_chunks
from hub.exports.investigation import (
    MAX_EXPORT_EVENTS,
    InvestigationZip,
    TooManyEvents,
    write_investigation_zip,
)

__all__ = [
    "MAX_EXPORT_EVENTS",
    "PASSAGE_KINDS",
    "InvestigationZip",
    "TooManyEvents",
    "access_csv_chunks",
    "write_investigation_zip",
]
