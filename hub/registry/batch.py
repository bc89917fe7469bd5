"""What a registry import carries and what it reports back (plain records, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from sitewatch.registry import Credential, Enterprise, Person, SiteRegistry

T = TypeVar("T")
ItemKind = Literal["enterprise", "person", "credential"]


@dataclass(frozen=True, slots=True)
class Numbered(Generic[T]):
    """An item and the row it came from, so that a rejection can point at the row."""

    row: int
    item: T


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported, and why; `key` names the item when it could be read."""

    kind: ItemKind
    row: int
    key: str | None
    reason: str


@dataclass
class RegistryImport:
    """One transactional import into one site; items are judged one by one.

    `document` (structure and enterprises, all or nothing) replaces the site's structure
    and adds or updates its enterprises; the lists add or update items by natural id.
    """

    site: str
    document: SiteRegistry | None = None
    enterprises: list[Numbered[Enterprise]] = field(default_factory=list)
    persons: list[Numbered[Person]] = field(default_factory=list)
    credentials: list[Numbered[Credential]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)  # while reading the input

    def __len__(self) -> int:
        return len(self.enterprises) + len(self.persons) + len(self.credentials)

    @classmethod
    def of_document(cls, document: SiteRegistry) -> RegistryImport:
        """The import of a whole, valid site document: its people numbered from 1."""
        return cls(
            document.site.id,
            document=document.model_copy(update={"persons": [], "credentials": []}),
            persons=[Numbered(n, p) for n, p in enumerate(document.persons, start=1)],
            credentials=[Numbered(n, c) for n, c in enumerate(document.credentials, start=1)],
        )


@dataclass(frozen=True)
class ImportReport:
    """What an import stored, per kind, and every row it rejected, in row order."""

    site: str
    structure: bool  # whether the site's structure was (re)written from a document
    imported: dict[ItemKind, int]
    rejected: tuple[Rejection, ...]
