"""Who may see what: the roles and the signed-in principal (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["security", "property_manager", "police", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# The one role whose view is limited to a list of sites.
SITE_SCOPED: Role = "property_manager"


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user: name, role and, for a property manager, the sites they manage."""

    username: str
    role: Role
    sites: tuple[str, ...] = ()

    @property
    def site_scoped(self) -> bool:
        """Whether this user sees only their own sites."""
        return self.role == SITE_SCOPED

    def may_see_site(self, site: str) -> bool:
        """Whether data of `site` is this user's to see."""
        return not self.site_scoped or site in self.sites


def checked_role(role: str) -> Role:
    """`role` if it is one of ROLES; ValueError otherwise."""
    for known in ROLES:
        if role == known:
            return known
    raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


def checked_sites(role: Role, sites: Iterable[str]) -> tuple[str, ...]:
    """The sites of a user of `role`, sorted and unique; only a property manager has any."""
    unique = tuple(sorted(set(sites)))
    if role == SITE_SCOPED and not unique:
        raise ValueError("a property manager needs at least one site")
    if role != SITE_SCOPED and unique:
        raise ValueError(f"a {role} user sees every site; sites are for property managers")
    return unique
