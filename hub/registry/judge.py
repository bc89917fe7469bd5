"""Judge imported items against the site they go into: what is accepted, what is rejected, why.

Pure: the site document and the known people come in, verdicts go out. Each item was
valid on its own (the readers saw to that); here it must also fit: be the only one of
its id in the import, sit in a building and on a floor the site has, keep its credit
code to itself, belong to a known enterprise or person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from hub.registry.batch import ItemKind, Numbered, Rejection
from sitewatch.registry import Credential, Enterprise, Person, SiteRegistry, place_problem

T = TypeVar("T")


def judge_enterprises(
    site: SiteRegistry, items: Iterable[Numbered[Enterprise]]
) -> tuple[list[Enterprise], list[Rejection]]:
    """The enterprises that fit the site, and the rejections of those that do not."""
    buildings = {b.id: b for b in site.site.buildings}
    uscc_of = {e.id: e.uscc for e in site.enterprises}
    accepted: list[Enterprise] = []
    rejected: list[Rejection] = []
    for numbered, enterprise in _first_of_each(items, lambda e: (e.id,), "enterprise", rejected):
        problem = place_problem(buildings, enterprise.building, enterprise.floor)
        owner = next((i for i, u in uscc_of.items() if u == enterprise.uscc), enterprise.id)
        if problem is None and owner != enterprise.id:
            problem = f"unified social credit code {enterprise.uscc} belongs to {owner}"
        if problem is not None:
            rejected.append(Rejection("enterprise", numbered.row, enterprise.id, problem))
            continue
        uscc_of[enterprise.id] = enterprise.uscc
        accepted.append(enterprise)
    return accepted, rejected


def judge_persons(
    enterprises: set[str], items: Iterable[Numbered[Person]]
) -> tuple[list[Person], list[Rejection]]:
    """The persons whose enterprise is known, and the rejections of the others."""
    accepted: list[Person] = []
    rejected: list[Rejection] = []
    for numbered, person in _first_of_each(items, lambda p: (p.pseudonym,), "person", rejected):
        if person.enterprise is not None and person.enterprise not in enterprises:
            reason = f"unknown enterprise {person.enterprise!r}"
            rejected.append(Rejection("person", numbered.row, person.pseudonym, reason))
        else:
            accepted.append(person)
    return accepted, rejected


def judge_credentials(
    persons: set[str], items: Iterable[Numbered[Credential]]
) -> tuple[list[Credential], list[Rejection]]:
    """The credentials of known persons, and the rejections of the others."""
    accepted: list[Credential] = []
    rejected: list[Rejection] = []
    for numbered, credential in _first_of_each(
        items, lambda c: (c.type, c.ref), "credential", rejected
    ):
        if credential.person not in persons:
            reason = f"unknown person {credential.person}"
            rejected.append(Rejection("credential", numbered.row, credential.ref, reason))
        else:
            accepted.append(credential)
    return accepted, rejected


def _first_of_each(
    items: Iterable[Numbered[T]],
    key: Callable[[T], tuple[str, ...]],
    kind: ItemKind,
    rejected: list[Rejection],
) -> Iterator[tuple[Numbered[T], T]]:
    """Each item whose key was not seen before; later ones are rejected as duplicates."""
    first_row: dict[tuple[str, ...], int] = {}
    for numbered in items:
        item_key = key(numbered.item)
        if item_key in first_row:
            reason = f"duplicate of row {first_row[item_key]}"
            rejected.append(Rejection(kind, numbered.row, item_key[-1], reason))
            continue
        first_row[item_key] = numbered.row
        yield numbered, numbered.item

