"""Registrars handed to the ``entcore_register_*`` hooks.

A plugin adds objects with :meth:`Registry.add`; the registrar checks them in
one place (protocol, name, duplicates) and records which plugin contributed
each, so that errors and listings can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import click
from attrs import frozen

from entcore.errors import PluginRegistrationError
from entcore.protocols import Connector, DirectorySource, SSOProvider, TimetableFormat
from entcore.settings_spec import SettingsSection

T = TypeVar("T")

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


@frozen
class Owner:
    """The plugin that registered an object."""

    plugin: str
    """The name the plugin is registered under (its entry-point name)."""
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} ({self.distribution} {self.version})"


class Registry(Generic[T]):
    """Named objects of one kind, in registration order."""

    def __init__(self, kind: str, protocol: Any):
        # Any: to mypy a Protocol class is no concrete type[...], yet isinstance needs it.
        self.kind = kind
        self._protocol = protocol
        self._items: dict[str, tuple[T, Owner]] = {}
        self._owner: Owner | None = None

    def _bind(self, owner: Owner | None) -> None:
        # Set by the plugin manager around each plugin's hook implementation.
        self._owner = owner

    def add(self, item: T) -> T:
        """Register ``item`` under its ``name``; returns it.

        Raises :class:`~entcore.PluginRegistrationError` when it lacks what its
        protocol requires, when its name is malformed, or when another plugin
        already registered that name.
        """
        owner = self._owner or Owner("<api>", "<caller>", "")
        if not isinstance(item, self._protocol):
            missing = [
                name
                for name in getattr(self._protocol, "__protocol_attrs__", ())
                if not hasattr(item, name)
            ]
            raise PluginRegistrationError(
                f"{owner} registered {item!r} as a {self.kind}, but it lacks "
                f"{', '.join(sorted(missing)) or 'what the protocol requires'}"
            )
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginRegistrationError(
                f"{owner} registered a {self.kind} with invalid name {name!r} "
                "(lower-case letters, digits, '-' and '_', starting with a letter)"
            )
        if name in self._items:
            _, first = self._items[name]
            raise PluginRegistrationError(
                f"{self.kind} {name!r} registered by {owner} is already registered by {first}"
            )
        self._items[name] = (item, owner)
        return item

    def get(self, name: str) -> T:
        """The object registered under ``name``; :class:`KeyError` if none."""
        return self._items[name][0]

    def owner(self, name: str) -> Owner:
        """Who registered ``name``."""
        return self._items[name][1]

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return (item for item, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


class DirectorySourceRegistry(Registry[DirectorySource]):
    """Handed to ``entcore_register_directory_sources``."""

    def __init__(self) -> None:
        super().__init__("directory source", DirectorySource)


class TimetableFormatRegistry(Registry[TimetableFormat]):
    """Handed to ``entcore_register_timetable_formats``; sniffing asks formats in this order."""

    def __init__(self) -> None:
        super().__init__("timetable format", TimetableFormat)


class SSOProviderRegistry(Registry[SSOProvider]):
    """Handed to ``entcore_register_sso_providers``."""

    def __init__(self) -> None:
        super().__init__("SSO provider", SSOProvider)


class ConnectorRegistry(Registry[Connector]):
    """Handed to ``entcore_register_connectors``."""

    def __init__(self) -> None:
        super().__init__("connector", Connector)


class SettingsRegistry(Registry[SettingsSection]):
    """Handed to ``entcore_register_settings``: each plugin declares its configuration section."""

    RESERVED = frozenset({"store", "directory", "timetable", "plugins", "entcore"})

    def __init__(self) -> None:
        super().__init__("settings section", SettingsSection)

    def add(self, item: SettingsSection) -> SettingsSection:
        """Register a section; core section names are reserved."""
        if item.name in self.RESERVED:
            raise PluginRegistrationError(
                f"{self._owner or 'caller'} declared settings section {item.name!r}, "
                "a name reserved for the core"
            )
        return super().add(item)


class CommandRegistry(Registry[click.Command]):
    """Handed to ``entcore_register_commands``: command groups of the ``entcore`` command line.

    Checks, in one place, that each is a :class:`click.Command` (a
    :class:`click.Group` usually), that its name is well formed, that it is
    not one of the core's commands and that no other plugin took it.
    """

    RESERVED = frozenset(
        {"db", "directory", "plugins", "stats", "structures", "accounts", "classes", "help"}
    )
    """Names of the core's own commands (present and announced), never given to a plugin."""

    def __init__(self) -> None:
        super().__init__("command", click.Command)

    def add(self, item: click.Command) -> click.Command:
        """Register a command group; returns it."""
        owner = self._owner or Owner("<api>", "<caller>", "")
        if not isinstance(item, click.Command):
            raise PluginRegistrationError(
                f"{owner} registered {item!r} as a command, "
                "but it is not a click.Command (or click.Group)"
            )
        if item.name in self.RESERVED:
            raise PluginRegistrationError(
                f"{owner} registered command {item.name!r}, a name taken by the core's commands"
            )
        return super().add(item)
