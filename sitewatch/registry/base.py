"""What every registry entry shares: refused unknown keys, immutability, topic-safe ids."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from sitewatch.protocol.events import NAME_PATTERN

# Ids of sites, buildings, gates, devices and enterprises are topic segments or event
# fields, so they follow the protocol's name rules.
Id = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class RegistryModel(BaseModel):
    """Base of registry entries: unknown keys are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)
