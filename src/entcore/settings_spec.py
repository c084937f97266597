"""Declarations of configuration sections and keys.

The core declares its own sections with these classes, and each plugin declares
its section through ``entcore_register_settings``; :mod:`entcore.settings`
validates the TOML file and the ``ENTCORE_*`` variables against them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attrs import frozen

#: The value types a setting may have.
SETTING_TYPES: tuple[type, ...] = (str, int, bool, float, Path, list)


@frozen
class Setting:
    """One configuration key."""

    name: str
    """Key in the TOML section; lower-case with underscores."""
    type: type
    """One of ``str``, ``int``, ``bool``, ``float``, :class:`~pathlib.Path` or ``list`` (of strings)."""
    default: Any
    doc: str
    env: str | None = None
    """Name of the environment variable that overrides it; ``ENTCORE_<SECTION>_<KEY>`` when ``None``."""
    secret: bool = False
    """Hide the value in listings."""
    bounds: tuple[float, float] | None = None
    """Smallest and largest value allowed (for ``int`` and ``float`` settings), both included."""

    def env_name(self, section: str) -> str:
        """The environment variable that overrides this key."""
        return self.env or f"ENTCORE_{section}_{self.name}".upper().replace("-", "_")


@frozen
class SettingsSection:
    """A named group of settings: ``[name]`` in the TOML file."""

    name: str
    settings: tuple[Setting, ...]
    doc: str = ""

    def get(self, key: str) -> Setting | None:
        """The declaration of ``key``, if declared."""
        for setting in self.settings:
            if setting.name == key:
                return setting
        return None
