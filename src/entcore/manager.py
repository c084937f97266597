"""The plugin-manager factory, the loading policy and the typed facade over the hooks.

Nothing here runs at import time: :func:`create_plugin_manager` builds a fresh
:class:`Plugins` object each time it is called, so that each application (and
each test) has its own.  Loading order: specifications, built-in plugins,
block list, entry points of the ``entcore`` group, ``check_pending()``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy
from attrs import frozen

from entcore import hookspecs
from entcore.errors import PluginLoadError, PluginRegistrationError
from entcore.registry import (
    CommandRegistry,
    ConnectorRegistry,
    DirectorySourceRegistry,
    Owner,
    Registry,
    SettingsRegistry,
    SSOProviderRegistry,
    TimetableFormatRegistry,
)

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.model.reports import DirectoryReport, StructureInfo
    from entcore.timetable.report import TimetableReport

log = logging.getLogger(__name__)

#: The entry-point group plugin distributions declare.
ENTRY_POINT_GROUP = "entcore"

#: Built-in plugins: (name, module).  Registered like external ones.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("aaf", "entcore.plugins.aaf"),
    ("timetable-cli", "entcore.cli.timetable"),
)

R = TypeVar("R", bound=Registry[Any])


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@frozen
class PluginInfo:
    """One plugin as ``entcore plugins`` lists it."""

    name: str
    """The name it is registered under (entry-point name)."""
    distribution: str
    version: str
    entry_point: str
    """``name = module[:attr]`` as declared, or ``builtin`` for built-ins."""
    module: str
    builtin: bool
    hooks: tuple[str, ...] = ()
    error: str | None = None
    """Why it failed to load, or ``None``."""

    @property
    def owner(self) -> Owner:
        """The :class:`~entcore.registry.Owner` registries record for it."""
        return Owner(self.name, self.distribution, self.version)

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``entcore plugins --json`` prints."""
        return {
            "name": self.distribution,
            "plugin": self.name,
            "version": self.version,
            "entry_point": self.entry_point,
            "module": self.module,
            "builtin": self.builtin,
            "hooks": list(self.hooks),
            "error": self.error,
        }


def _selected(name: str, distribution: str, names: Iterable[str]) -> bool:
    wanted = {_normalise(n) for n in names}
    return _normalise(name) in wanted or _normalise(distribution) in wanted


class Plugins:
    """A plugin manager with its loading record and a typed method per hook.

    The core calls hooks only through this class: pluggy cannot type
    ``pm.hook.<name>(...)`` calls, these methods can.
    """

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self._infos: dict[str, PluginInfo] = {}
        self.failures: list[PluginInfo] = []
        """Plugins that failed to load (lenient loading only)."""
        self._registries: dict[str, Registry[Any]] = {}

    # -- registration of plugins ------------------------------------------------------------

    def register(
        self, plugin: object, name: str | None = None, *, info: PluginInfo | None = None
    ) -> str:
        """Register ``plugin`` (a module or an object with ``entcore_*`` functions).

        Used for built-ins, entry points, and by embedding applications and tests
        for plugins that are not installed as distributions.
        """
        name = name or getattr(plugin, "__name__", None) or repr(plugin)
        if self.pm.has_plugin(name):
            raise PluginRegistrationError(f"a plugin named {name!r} is already registered")
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as error:
            raise PluginRegistrationError(f"plugin {name!r}: {error}") from error
        module = getattr(plugin, "__module__", None) or ""
        if isinstance(plugin, type(importlib)):
            module = plugin.__name__
        self._infos[name] = info or PluginInfo(
            name=name,
            distribution=name,
            version="",
            entry_point="registered",
            module=module,
            builtin=False,
        )
        self._registries.clear()
        return name

    def unregister(self, name: str) -> None:
        """Remove the plugin registered under ``name``."""
        self.pm.unregister(name=name)
        self._infos.pop(name, None)
        self._registries.clear()

    def check_pending(self) -> None:
        """Fail on a hook implementation that matches no specification (a typo, or a newer hook)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            info = self._infos.get(self.pm.get_name(error.plugin) or "")
            who = (
                f"plugin {info.name!r} ({info.distribution} {info.version})" if info else "a plugin"
            )
            raise PluginRegistrationError(f"{who}: {error}") from error

    # -- listing ------------------------------------------------------------------------------

    def hooks_of(self, name: str) -> tuple[str, ...]:
        """Names of the hooks the plugin ``name`` implements."""
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return ()
        callers = self.pm.get_hookcallers(plugin) or []
        return tuple(sorted(caller.name for caller in callers))

    def listing(self, *, include_builtins: bool = False) -> list[PluginInfo]:
        """Loaded plugins (and failed ones), external first by name, then built-ins."""
        loaded = [
            PluginInfo(
                name=info.name,
                distribution=info.distribution,
                version=info.version,
                entry_point=info.entry_point,
                module=info.module,
                builtin=info.builtin,
                hooks=self.hooks_of(info.name),
            )
            for info in self._infos.values()
            if include_builtins or not info.builtin
        ]
        everything = loaded + self.failures
        return sorted(everything, key=lambda info: (info.builtin, info.distribution, info.name))

    def owner_of(self, plugin_name: str) -> Owner:
        """The owner record of a registered plugin."""
        info = self._infos.get(plugin_name)
        return info.owner if info else Owner(plugin_name, plugin_name, "")

    # -- registration hooks ------------------------------------------------------------------

    def _collect(self, hook_name: str, registry: R) -> R:
        cached = self._registries.get(hook_name)
        if cached is not None:
            return cached  # type: ignore[return-value]
        caller = getattr(self.pm.hook, hook_name)
        trace = self.pm.trace.root.get("hook")
        # Call each implementation ourselves, in pluggy's order, so that the
        # registrar knows which plugin is adding what.
        for impl in reversed(caller.get_hookimpls()):
            owner = self.owner_of(impl.plugin_name)
            trace(hook_name, f"[{impl.plugin_name}]")
            registry._bind(owner)
            try:
                impl.function(**{arg: registry for arg in impl.argnames if arg == "registry"})
            except PluginRegistrationError:
                raise
            except Exception as error:
                raise PluginRegistrationError(
                    f"{owner} failed in {hook_name}: {type(error).__name__}: {error}"
                ) from error
            finally:
                registry._bind(None)
        self._registries[hook_name] = registry
        return registry

    def settings_sections(self) -> SettingsRegistry:
        """Every plugin's settings section (``entcore_register_settings``)."""
        return self._collect("entcore_register_settings", SettingsRegistry())

    def directory_sources(self) -> DirectorySourceRegistry:
        """Registered directory sources (``entcore_register_directory_sources``)."""
        return self._collect("entcore_register_directory_sources", DirectorySourceRegistry())

    def timetable_formats(self) -> TimetableFormatRegistry:
        """Registered timetable formats (``entcore_register_timetable_formats``)."""
        return self._collect("entcore_register_timetable_formats", TimetableFormatRegistry())

    def sso_providers(self) -> SSOProviderRegistry:
        """Registered identity providers (``entcore_register_sso_providers``)."""
        return self._collect("entcore_register_sso_providers", SSOProviderRegistry())

    def connectors(self) -> ConnectorRegistry:
        """Registered connectors (``entcore_register_connectors``)."""
        return self._collect("entcore_register_connectors", ConnectorRegistry())

    def commands(self) -> CommandRegistry:
        """Command groups added to the ``entcore`` CLI (``entcore_register_commands``)."""
        return self._collect("entcore_register_commands", CommandRegistry())

    def registries(self) -> dict[str, Registry[Any]]:
        """Every registry, keyed by what ``entcore plugins`` calls it."""
        return {
            "directory_sources": self.directory_sources(),
            "timetable_formats": self.timetable_formats(),
            "sso_providers": self.sso_providers(),
            "connectors": self.connectors(),
            "commands": self.commands(),
            "settings": self.settings_sections(),
        }

    def provided_by(self, plugin_name: str) -> dict[str, list[str]]:
        """What ``plugin_name`` registered, by registry."""
        provided: dict[str, list[str]] = {}
        for kind, registry in self.registries().items():
            names = [n for n in registry.names() if registry.owner(n).plugin == plugin_name]
            if names:
                provided[kind] = names
        return provided

    # -- lifecycle hooks ---------------------------------------------------------------------

    def directory_applied(self, app: Entcore, report: DirectoryReport) -> None:
        """Fire ``entcore_directory_applied``."""
        self.pm.hook.entcore_directory_applied(app=app, report=report)

    def timetable_validated(self, app: Entcore, report: TimetableReport) -> None:
        """Fire ``entcore_timetable_validated``."""
        self.pm.hook.entcore_timetable_validated(app=app, report=report)

    def timetable_initialised(self, app: Entcore, structure: StructureInfo) -> None:
        """Fire ``entcore_timetable_initialised``."""
        self.pm.hook.entcore_timetable_initialised(app=app, structure=structure)


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    """Entry points of the group, one per (distribution, name) even when a path repeats."""
    seen: set[tuple[str, str]] = set()
    found = []
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        distribution = entry_point.dist.name if entry_point.dist else "?"
        key = (_normalise(distribution), entry_point.name)
        if key in seen:
            continue
        seen.add(key)
        found.append(entry_point)
    return sorted(found, key=lambda ep: ep.name)


def create_plugin_manager(
    *,
    load_entrypoints: bool = True,
    load: Sequence[str] | None = None,
    disable: Sequence[str] = (),
    strict: bool = True,
    builtins: bool = True,
    plugins: Sequence[object] = (),
    trace: Callable[[str], None] | None = None,
) -> Plugins:
    """A new :class:`Plugins` with the specifications, built-ins and installed plugins.

    :param load_entrypoints: import plugins of the ``entcore`` entry-point group.
    :param load: allowlist of external plugins (entry-point or distribution
        names); ``None`` loads all, an empty sequence none.  Built-ins ignore it.
    :param disable: plugins never imported (built-ins included), matched the same way.
    :param strict: raise :class:`~entcore.PluginLoadError` on the first plugin that
        fails to import; otherwise record it in :attr:`Plugins.failures` and go on.
    :param builtins: register the built-in plugins.
    :param plugins: more plugin objects to register (tests, embedding applications).
    :param trace: a writer receiving pluggy's trace of every hook call.
    """
    from entcore import __version__

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    facade = Plugins(pm)
    if trace is not None:
        pm.trace.root.setwriter(trace)
        pm.enable_tracing()

    if builtins:
        for name, module_name in BUILTIN_PLUGINS:
            if _selected(name, module_name, disable):
                pm.set_blocked(name)
                continue
            module = importlib.import_module(module_name)
            facade.register(
                module,
                name,
                info=PluginInfo(
                    name=name,
                    distribution="entcore",
                    version=__version__,
                    entry_point="builtin",
                    module=module_name,
                    builtin=True,
                ),
            )

    if load_entrypoints:
        claimed: dict[str, str] = {}
        for entry_point in _entry_points():
            distribution = entry_point.dist.name if entry_point.dist else "?"
            version = entry_point.dist.version if entry_point.dist else "?"
            declared = f"{entry_point.name} = {entry_point.value}"
            # Allow and block lists are applied before anything is imported.
            if _selected(entry_point.name, distribution, disable) or (
                load is not None and not _selected(entry_point.name, distribution, load)
            ):
                pm.set_blocked(entry_point.name)
                continue
            if entry_point.name in claimed or pm.has_plugin(entry_point.name):
                first = claimed.get(entry_point.name, "entcore (built-in)")
                error = PluginRegistrationError(
                    f"plugin name {entry_point.name!r} of {distribution} {version} "
                    f"is already taken by {first}"
                )
                if strict:
                    raise error
                facade.failures.append(
                    PluginInfo(
                        entry_point.name,
                        distribution,
                        version,
                        declared,
                        entry_point.module,
                        False,
                        (),
                        str(error),
                    )
                )
                continue
            claimed[entry_point.name] = f"{distribution} {version}"
            info = PluginInfo(
                name=entry_point.name,
                distribution=distribution,
                version=version,
                entry_point=declared,
                module=entry_point.module,
                builtin=False,
            )
            try:
                plugin = entry_point.load()
                facade.register(plugin, entry_point.name, info=info)
            except Exception as cause:
                load_error = PluginLoadError(distribution, version, declared, cause)
                if strict:
                    raise load_error from cause
                log.warning("%s", load_error)
                facade.failures.append(
                    PluginInfo(
                        entry_point.name,
                        distribution,
                        version,
                        declared,
                        entry_point.module,
                        False,
                        (),
                        str(load_error),
                    )
                )

    for plugin in plugins:
        facade.register(plugin)

    facade.check_pending()
    return facade
