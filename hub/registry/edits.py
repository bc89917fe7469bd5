"""Changes to a site document, each validated whole with the shared model (pure)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from hub.registry.readers import describe
from sitewatch.registry import (
    Building,
    CameraSpec,
    Credential,
    Enterprise,
    Gate,
    Gateway,
    Person,
    SensorSpec,
    Site,
    SiteRegistry,
)

# Which list of a site document holds each kind of part (buildings sit inside `site`).
PART_LISTS: dict[type, str] = {
    Building: "buildings",
    Gate: "gates",
    CameraSpec: "cameras",
    SensorSpec: "sensors",
    Gateway: "gateways",
    Enterprise: "enterprises",
}


class RegistryRefused(ValueError):
    """A change the registry refuses: it would break a reference, or names nothing known."""


def required(document: SiteRegistry | None, site: str) -> SiteRegistry:
    """The document, or RegistryRefused when the site is unknown."""
    if document is None:
        raise RegistryRefused(f"no site {site!r} in the registry: import its site document first")
    return document


def changed(document: SiteRegistry | None = None, **changes: Any) -> SiteRegistry:
    """A site document with `changes`, validated whole: RegistryRefused if it does not hold."""
    fields = {} if document is None else dict(document)
    fields.update(changes)
    try:
        return SiteRegistry(**fields)
    except ValidationError as exc:
        raise RegistryRefused(describe(exc)) from None


def parts(document: SiteRegistry, kind: type) -> list[Any]:
    """The site's parts of one kind (buildings, gates, …, enterprises), in document order."""
    if kind is Building:
        return list(document.site.buildings)
    return list(getattr(document, PART_LISTS[kind]))


def with_parts(document: SiteRegistry, kind: type, items: list[Any]) -> SiteRegistry:
    """The document with its parts of one kind replaced, validated whole."""
    if kind is Building:
        try:
            site = Site(**{**dict(document.site), "buildings": items})
        except ValidationError as exc:
            raise RegistryRefused(describe(exc)) from None
        return changed(document, site=site)
    return changed(document, **{PART_LISTS[kind]: items})


def with_part(document: SiteRegistry, part: Any) -> SiteRegistry:
    """The document with `part` added, or replacing the part of its kind with its id."""
    items = parts(document, type(part))
    same = [i for i, item in enumerate(items) if natural_key(item) == natural_key(part)]
    if same:
        items[same[0]] = part
    else:
        items.append(part)
    return with_parts(document, type(part), items)


def natural_key(entity: Any) -> tuple[str, ...]:
    """What names an entity within its site: (id,), (pseudonym,) or (type, ref)."""
    if isinstance(entity, Person):
        return (entity.pseudonym,)
    if isinstance(entity, Credential):
        return (entity.type, entity.ref)
    return (entity.id,)
