"""entcore-guestlist: guest accounts from a spreadsheet.

The plugin registers one directory source and declares one settings section.
entcore finds this module through the ``entcore`` entry point named
``guestlist`` (see ``pyproject.toml``) and calls the two hooks below.
"""

from __future__ import annotations

import entcore
from entcore_guestlist.source import GuestListSource

__version__ = "0.1.0"

SETTINGS = entcore.SettingsSection(
    "guestlist",
    (
        entcore.Setting("delimiter", str, ";", "Column separator of the CSV file."),
        entcore.Setting("encoding", str, "utf-8-sig", "Text encoding of the CSV file."),
    ),
    "Guest lists (entcore-guestlist).",
)


@entcore.hookimpl
def entcore_register_directory_sources(registry: entcore.DirectorySourceRegistry) -> None:
    """Offer the guest-list reader to ``entcore directory import``."""
    registry.add(GuestListSource())


@entcore.hookimpl
def entcore_register_settings(registry: entcore.SettingsRegistry) -> None:
    """Declare the ``[guestlist]`` settings section."""
    registry.add(SETTINGS)
