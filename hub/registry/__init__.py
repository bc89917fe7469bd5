"""The hub's site registry: its store, import and export, and the enrichment of events."""

from hub.registry.batch import ImportReport, Numbered, RegistryImport, Rejection
from hub.registry.edits import RegistryRefused
from hub.registry.enrich import enrich
from hub.registry.live import LiveRegistry
from hub.registry.readers import FileRefused, read_csv, read_document
from hub.registry.snapshot import EMPTY_SNAPSHOT, PersonFacts, RegistrySnapshot, build_snapshot
from hub.registry.store import RegistryStore, open_and_import

__all__ = [
    "EMPTY_SNAPSHOT",
    "FileRefused",
    "ImportReport",
    "LiveRegistry",
    "Numbered",
    "PersonFacts",
    "RegistryImport",
    "RegistryRefused",
    "RegistrySnapshot",
    "RegistryStore",
    "Rejection",
    "build_snapshot",
    "enrich",
    "open_and_import",
    "read_csv",
    "read_document",
]
