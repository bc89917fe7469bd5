"""What every sitewatch program's settings share: a YAML file, then the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

S = TypeVar("S", bound="YamlEnvSettings")


class YamlEnvSettings(BaseSettings):
    """Settings read from a YAML file (passed in as init arguments) and the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment beats the YAML file, which arrives as init arguments."""
        return env_settings, init_settings


def load_yaml_settings(cls: type[S], path: Path | None, overrides: dict[str, Any]) -> S:
    """Read the YAML file (if any), apply overrides, then the environment."""
    data: dict[str, Any] = {}
    if path is not None:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: the settings file must be a mapping")
        data.update(loaded)
    data.update(overrides)
    return cls(**data)
