"""Registrars handed to the ``entcore_register_*`` hooks.

A plugin adds objects with :meth:`Registry.add`; the registrar checks them in
one place (protocol, name, duplicates) and records which plugin contributed
each, so that errors and listings can name it.

Each hook implementation receives its own *view* of the registrar
(:meth:`Registry.for_owner`): the same registrar, bound to the implementing
plugin.  The binding travels with the object rather than with the call, so a
wrapper implementation that adds objects after its ``yield`` is still credited
with them, whatever ran in between.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any, Generic, Protocol, Self, TypeVar, runtime_checkable

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

    @property
    def label(self) -> str:
        """How messages for school staff name it: ``entcore-edt 0.1.0``, or ``aaf (entcore 0.1.0)``."""
        if not self.version or self.distribution == self.plugin:
            return self.plugin
        suffix = re.sub(r"[-_.]+", "-", self.distribution).lower().removeprefix("entcore-")
        if suffix == re.sub(r"[-_.]+", "-", self.plugin).lower():
            return f"{self.distribution} {self.version}"
        return f"{self.plugin} ({self.distribution} {self.version})"


class Registry(Generic[T]):
    """Named objects of one kind, in registration order.

    The plugin manager hands each implementation a view from :meth:`for_owner`;
    views share the registered objects, so a subclass keeping state of its own
    must keep it in shared containers and clear them in :meth:`_reset`.
    """

    def __init__(self, kind: str, protocol: Any):
        # Any: to mypy a Protocol class is no concrete type[...], yet isinstance needs it.
        self.kind = kind
        self._protocol = protocol
        self._items: dict[str, tuple[T, Owner]] = {}
        self._owner: Owner | None = None

    def for_owner(self, owner: Owner) -> Self:
        """This registrar as seen by ``owner``'s hook implementation: what it adds is credited to it.

        The view is an object of the same class sharing the registered objects.
        """
        view = copy.copy(self)
        view._owner = owner
        return view

    def _reset(self) -> None:
        # Called by the plugin manager before calling the hook again, after it left
        # out a plugin that failed during the first call.
        self._items.clear()

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

    RESERVED = frozenset({"store", "directory", "timetable", "plugins", "entcore", "web", "auth"})

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
        {
            "db",
            "directory",
            "plugins",
            "stats",
            "structures",
            "accounts",
            "classes",
            "access",
            "serve",
            "help",
        }
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


@runtime_checkable
class WebRoute(Protocol):
    """What :class:`RouteRegistry` accepts: a Starlette route or mount (``path`` and ``name``)."""

    path: str
    name: str


class RouteRegistry(Registry[WebRoute]):
    """Handed to ``entcore_register_routes``: routes and mounts of the web layer.

    Checks, in one place, that each is a Starlette route (``Route``,
    ``WebSocketRoute`` or ``Mount``: it has a ``path`` and a ``name``), that its
    name is well formed and unique, that its path is absolute, is not under the
    core's reserved prefixes and is not taken by another plugin.
    """

    RESERVED_PREFIXES = ("/auth", "/health", "/static/entcore")
    """Paths of the core (sign-in, the SAML providers under ``/auth/saml/``, liveness, its assets)."""

    def __init__(self) -> None:
        super().__init__("route", WebRoute)
        self._paths: dict[str, str] = {}

    def _reset(self) -> None:
        super()._reset()
        self._paths.clear()

    def add(self, item: WebRoute) -> WebRoute:
        """Register a route or mount; returns it."""
        owner = self._owner or Owner("<api>", "<caller>", "")
        path = getattr(item, "path", None)
        if not isinstance(path, str) or not path.startswith("/"):
            raise PluginRegistrationError(
                f"{owner} registered route {getattr(item, 'name', item)!r} "
                f"with path {path!r}: a path starts with '/'"
            )
        for prefix in self.RESERVED_PREFIXES:
            if path == prefix or path.startswith(prefix + "/"):
                raise PluginRegistrationError(
                    f"{owner} registered route path {path!r}, under {prefix!r} which the core reserves"
                )
        if path in self._paths:
            raise PluginRegistrationError(
                f"route path {path!r} registered by {owner} is already registered "
                f"by route {self._paths[path]!r}"
            )
        added = super().add(item)
        self._paths[path] = item.name
        return added
