"""The plugin-manager factory, the loading policy and the typed facade over the hooks.

Nothing here runs at import time: :func:`create_plugin_manager` builds a fresh
:class:`Plugins` object each time it is called, so that each application (and
each test) has its own.  Loading order: specifications, built-in plugins,
block list, entry points of the ``entcore`` group (each checked against the
running entcore version before it is imported), ``check_pending()``.

Every hook is called through pluggy (``pm.hook.<name>(...)``), so wrappers,
``tryfirst``/``trylast``, hook-call monitoring and tracing behave as pluggy
documents.  To know which plugin did what, each implementation is wrapped
once, when its plugin is registered (:meth:`Plugins._attribute`): the wrapper
hands the implementation a registrar view bound to its plugin and notes which
plugin raised an exception.

Loading is *strict* (the first faulty plugin raises) or *lenient* (a faulty
plugin is left out, listed in :attr:`Plugins.failures` with its error, and the
others keep working).  A plugin is faulty when its import raises, when it
declares a range of entcore versions the running one is outside of, when it
implements a hook that does not exist (a misspelt name), or when one of its
registration hooks raises.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
import re
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pluggy
from attrs import frozen
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from entcore import hookspecs
from entcore.errors import (
    LifecycleHookError,
    PluginIncompatibleError,
    PluginLoadError,
    PluginRegistrationError,
    PluginUnavailableError,
)
from entcore.registry import (
    CommandRegistry,
    ConnectorRegistry,
    DirectorySourceRegistry,
    Owner,
    Registry,
    RouteRegistry,
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
    ("educonnect", "entcore.plugins.educonnect"),
    ("agents", "entcore.plugins.agents"),
    ("timetable-cli", "entcore.cli.timetable"),
)

R = TypeVar("R", bound=Registry[Any])


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _one_line(error: BaseException) -> str:
    """``Type: message`` on one line (pluggy's validation messages span several)."""
    text = " — ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
    """Why it was left out, or ``None``."""
    stage: str | None = None
    """Where it failed: ``compatibility`` (entcore version range), ``import``,
    ``hooks`` (an unknown hook name), ``registration``; ``None`` when loaded."""

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
            "stage": self.stage,
        }


def _selected(name: str, distribution: str, names: Iterable[str]) -> bool:
    wanted = {_normalise(n) for n in names}
    return _normalise(name) in wanted or _normalise(distribution) in wanted


class _HookFailed(Exception):
    """An implementation raised during a hook call; ``plugin`` is its plugin's name if known."""

    def __init__(self, plugin: str | None, error: Exception):
        super().__init__(plugin, error)
        self.plugin = plugin
        self.error = error


class _CallState:
    """The hook calls in progress in one thread, and who raised what during them.

    ``raised`` maps ``id(exception)`` to the exception (kept alive so that its
    id stays unique) and the name of the plugin whose implementation raised it.
    The wrappers :meth:`Plugins._attribute` installs fill it; the first plugin
    to raise an exception object keeps it, so an error that only passes through
    a wrapper on its way out stays the raiser's.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.raised: dict[int, tuple[BaseException, str]] = {}


class Plugins:
    """A plugin manager with its loading record and a typed method per hook.

    The core calls hooks only through this class: pluggy cannot type
    ``pm.hook.<name>(...)`` calls, these methods can.

    :param strict: a plugin whose registration hook raises, or that implements an
        unknown hook, raises :class:`~entcore.PluginRegistrationError`; otherwise
        it is left out and listed in :attr:`failures`.
    """

    def __init__(self, pm: pluggy.PluginManager, *, strict: bool = True):
        self.pm = pm
        self.strict = strict
        self._infos: dict[str, PluginInfo] = {}
        self.failures: list[PluginInfo] = []
        """Plugins left out (lenient loading only), with their error."""
        self._registries: dict[str, Registry[Any]] = {}
        # Per thread, which plugin raised which exception during the hook calls
        # in progress (see :class:`_CallState`).
        self._state = threading.local()

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
            raise PluginRegistrationError(
                f"le plugin {name} est refusé : {_one_line(error)}"
            ) from error
        module = getattr(plugin, "__module__", None) or ""
        if isinstance(plugin, type(importlib)):
            module = plugin.__name__
        info = info or PluginInfo(
            name=name,
            distribution=name,
            version="",
            entry_point="registered",
            module=module,
            builtin=False,
        )
        self._infos[name] = info
        self._attribute(plugin, info.owner)
        self._registries.clear()
        return name

    def unregister(self, name: str) -> None:
        """Remove the plugin registered under ``name``."""
        self.pm.unregister(name=name)
        self._infos.pop(name, None)
        self._registries.clear()

    def check_pending(self) -> None:
        """Refuse plugins implementing a hook no specification declares (a typo, or a newer hook).

        Strict: raise :class:`~entcore.PluginRegistrationError`.  Lenient: leave
        each such plugin out.
        """
        while True:
            try:
                self.pm.check_pending()
            except pluggy.PluginValidationError as error:
                name = self.pm.get_name(error.plugin)
                unknown = sorted(
                    caller.name
                    for caller in self.pm.get_hookcallers(error.plugin) or []
                    if not caller.has_spec()
                )
                info = self._infos.get(name or "")
                who = info.owner.label if info else (name or "?")
                message = (
                    f"le plugin {who} implémente un hook inconnu d'entcore "
                    f"(faute de frappe ?) : {', '.join(unknown) or _one_line(error)}"
                )
                if self.strict or name is None:
                    raise PluginRegistrationError(message) from error
                self._leave_out(name, message, "hooks")
            else:
                return

    def _leave_out(self, name: str, message: str, stage: str) -> None:
        """Unregister the plugin ``name`` and list it as failed with ``message``."""
        info = self._infos.get(name) or PluginInfo(name, name, "", "registered", "", False)
        hooks = self.hooks_of(name)
        self.unregister(name)
        self.failures.append(attrs.evolve(info, hooks=hooks, error=message, stage=stage))
        log.info("%s", message)

    # -- calling hooks with attribution -------------------------------------------------------

    def _attribute(self, plugin: object, owner: Owner) -> None:
        """Wrap each of ``plugin``'s hook implementations so that what they do is credited to it.

        pluggy calls an implementation through its ``HookImpl.function``; it has
        already validated the original function (and issued any deprecation
        warning, pointing at the plugin's source) when this runs.  The wrapper
        hands a registrar argument over as :meth:`Registry.for_owner` view and
        records which plugin an exception came from.  A wrapper
        implementation's generator is driven through :func:`_attributed_steps`
        so that an exception raised after its ``yield`` is credited too.
        """
        for caller in self.pm.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    # HookImpl declares ``function`` Final for type checkers; pluggy
                    # offers no other per-implementation seam (monitoring sees a whole call).
                    object.__setattr__(impl, "function", self._wrap(impl, owner))

    def _wrap(self, impl: pluggy.HookImpl, owner: Owner) -> Callable[..., object]:
        original = impl.function
        record = functools.partial(self._record, owner.plugin)
        generator = impl.wrapper or impl.hookwrapper

        def view(value: object) -> object:
            return value.for_owner(owner) if isinstance(value, Registry) else value

        @functools.wraps(original)
        def attributed(*args: object, **kwargs: object) -> object:
            try:
                result = original(
                    *map(view, args), **{key: view(value) for key, value in kwargs.items()}
                )
            except Exception as error:
                record(error)
                raise
            if generator:
                return _attributed_steps(result, record)  # type: ignore[arg-type]
            return result

        return attributed

    def _calls(self) -> _CallState:
        state: _CallState | None = getattr(self._state, "calls", None)
        if state is None:
            state = self._state.calls = _CallState()
        return state

    def _record(self, plugin: str, error: BaseException) -> None:
        state = self._calls()
        if state.depth:
            state.raised.setdefault(id(error), (error, plugin))

    def _call(self, hook_name: str, **kwargs: object) -> object:
        """Call ``pm.hook.<hook_name>(**kwargs)``; an exception comes out as :class:`_HookFailed`."""
        state = self._calls()
        state.depth += 1
        try:
            return getattr(self.pm.hook, hook_name)(**kwargs)
        except Exception as error:
            found = state.raised.get(id(error))
            plugin = found[1] if found is not None and found[0] is error else None
            raise _HookFailed(plugin, error) from error
        finally:
            state.depth -= 1
            if not state.depth:
                state.raised.clear()

    # -- listing ------------------------------------------------------------------------------

    def hooks_of(self, name: str) -> tuple[str, ...]:
        """Names of the hooks the plugin ``name`` implements."""
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return ()
        callers = self.pm.get_hookcallers(plugin) or []
        return tuple(sorted(caller.name for caller in callers))

    def listing(self, *, include_builtins: bool = False) -> list[PluginInfo]:
        """Loaded plugins (and failed ones), external first by name, then built-ins.

        Call :meth:`registries` first to see the plugins left out because a
        registration hook failed.
        """
        loaded = [
            attrs.evolve(info, hooks=self.hooks_of(info.name))
            for info in self._infos.values()
            if include_builtins or not info.builtin
        ]
        failed = [info for info in self.failures if include_builtins or not info.builtin]
        return sorted(
            loaded + failed, key=lambda info: (info.builtin, info.distribution, info.name)
        )

    def owner_of(self, plugin_name: str) -> Owner:
        """The owner record of a registered (or left out) plugin."""
        info = self._infos.get(plugin_name) or next(
            (failed for failed in self.failures if failed.name == plugin_name), None
        )
        return info.owner if info else Owner(plugin_name, plugin_name, "")

    def failure_for(self, name: str) -> PluginInfo | None:
        """The left-out plugin that ``name`` (a format, source... or plugin name) most likely
        belongs to: same entry-point name, or distribution ``name`` or ``entcore-<name>``."""
        wanted = _normalise(name)
        for info in self.failures:
            distribution = _normalise(info.distribution)
            if wanted in {
                _normalise(info.name),
                distribution,
                distribution.removeprefix("entcore-"),
            }:
                return info
        return None

    def check_available(self, name: str) -> None:
        """Raise :class:`~entcore.PluginUnavailableError` if ``name`` belongs to a left-out plugin.

        Called by the engines when a user asks for a format or source by name
        and none is registered, so that the message says why.
        """
        failed = self.failure_for(name)
        if failed is not None and failed.error:
            raise PluginUnavailableError(failed.error)

    def failures_hint(self) -> str:
        """`` ; plugins non chargés : ...`` for messages about something not found ('' if none)."""
        if not self.failures:
            return ""
        names = ", ".join(info.owner.label for info in self.failures)
        return f" ; plugins non chargés : {names} (voir « entcore plugins »)"

    # -- registration hooks ------------------------------------------------------------------

    def _collect(self, hook_name: str, registry: R) -> R:
        """Call the registration hook ``hook_name`` once, with ``registry``; cached.

        When an implementation raises: strict, raise
        :class:`~entcore.PluginRegistrationError` naming its plugin; lenient,
        leave that plugin out and call the hook again on an emptied registry.
        """
        cached = self._registries.get(hook_name)
        if cached is not None:
            return cached  # type: ignore[return-value]
        while True:
            try:
                self._call(hook_name, registry=registry)
            except _HookFailed as failed:
                if isinstance(failed.error, PluginRegistrationError):
                    message = str(failed.error)  # the registrar's own message names the plugin
                else:
                    who = self.owner_of(failed.plugin).label if failed.plugin else "un plugin"
                    message = (
                        f"le plugin {who} a échoué dans {hook_name} : {_one_line(failed.error)}"
                    )
                if self.strict or failed.plugin is None:
                    raise PluginRegistrationError(message) from failed.error
                self._leave_out(failed.plugin, message, "registration")
                registry._reset()
                continue
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

    def routes(self) -> RouteRegistry:
        """Routes added to the web layer (``entcore_register_routes``)."""
        return self._collect("entcore_register_routes", RouteRegistry())

    def registries(self) -> dict[str, Registry[Any]]:
        """Every registry, keyed by what ``entcore plugins`` calls it.

        Lenient: a plugin left out while one registry is collected may have
        contributed to one collected before; collect again until stable.
        """
        while True:
            left_out = len(self.failures)
            collected: dict[str, Registry[Any]] = {
                "settings": self.settings_sections(),
                "directory_sources": self.directory_sources(),
                "timetable_formats": self.timetable_formats(),
                "sso_providers": self.sso_providers(),
                "connectors": self.connectors(),
                "commands": self.commands(),
                "routes": self.routes(),
            }
            if len(self.failures) == left_out:
                return collected

    def provided_by(self, plugin_name: str) -> dict[str, list[str]]:
        """What ``plugin_name`` registered, by registry."""
        provided: dict[str, list[str]] = {}
        for kind, registry in self.registries().items():
            names = [n for n in registry.names() if registry.owner(n).plugin == plugin_name]
            if names:
                provided[kind] = names
        return provided

    # -- lifecycle hooks ---------------------------------------------------------------------

    def _fire(self, hook_name: str, what: str, committed: object, **kwargs: object) -> None:
        """Call a lifecycle hook; an implementation's exception becomes a
        :class:`~entcore.LifecycleHookError` naming its plugin (the change stays committed)."""
        try:
            self._call(hook_name, **kwargs)
        except _HookFailed as failed:
            owner = self.owner_of(failed.plugin) if failed.plugin else None
            raise LifecycleHookError(
                owner, hook_name, what, committed, failed.error
            ) from failed.error

    def directory_applied(self, app: Entcore, report: DirectoryReport) -> None:
        """Fire ``entcore_directory_applied``."""
        self._fire(
            "entcore_directory_applied",
            f"import d'annuaire n° {report.id} enregistré",
            report,
            app=app,
            report=report,
        )

    def timetable_validated(self, app: Entcore, report: TimetableReport) -> None:
        """Fire ``entcore_timetable_validated``."""
        self._fire(
            "entcore_timetable_validated",
            f"import d'emploi du temps n° {report.id} validé et enregistré",
            report,
            app=app,
            report=report,
        )

    def timetable_initialised(self, app: Entcore, structure: StructureInfo) -> None:
        """Fire ``entcore_timetable_initialised``."""
        self._fire(
            "entcore_timetable_initialised",
            f"premier emploi du temps de {structure.uai or structure.name} validé et enregistré",
            structure,
            app=app,
            structure=structure,
        )


def _attributed_steps(
    steps: Generator[object, object, object], record: Callable[[BaseException], None]
) -> Generator[object, object, object]:
    """Drive a wrapper implementation's generator for pluggy, recording what it raises.

    pluggy runs a wrapper up to its ``yield``, then sends it the result or
    throws the inner exception into it.  An exception the wrapper lets through
    was recorded by the inner implementation first and stays credited to it.
    """
    name = getattr(getattr(steps, "gi_code", None), "co_name", repr(steps))
    try:
        first = next(steps)
    except StopIteration:
        failure = RuntimeError(f"wrapper {name!r} did not yield")
        record(failure)
        raise failure from None
    except Exception as error:
        record(error)
        raise
    try:
        try:
            received = yield first
        except BaseException as thrown:
            steps.throw(thrown)
        else:
            steps.send(received)
    except StopIteration as stop:
        return stop.value
    except Exception as error:
        record(error)
        raise
    failure = RuntimeError(f"wrapper {name!r} has a second yield")
    record(failure)
    raise failure


def _required_entcore(distribution: importlib.metadata.Distribution) -> str | None:
    """The version specifier ``distribution`` puts on entcore (``Requires-Dist``), if any."""
    for line in distribution.requires or ():
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != "entcore":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        return str(requirement.specifier) or None
    return None


def _incompatibility(
    distribution: importlib.metadata.Distribution | None, running: str
) -> str | None:
    """The entcore specifier ``distribution`` requires that ``running`` does not satisfy."""
    if distribution is None:
        return None
    required = _required_entcore(distribution)
    if required is None or SpecifierSet(required).contains(running, prereleases=True):
        return None
    return required


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
    :param strict: raise on the first faulty plugin (:class:`~entcore.PluginLoadError`,
        :class:`~entcore.PluginIncompatibleError`, :class:`~entcore.PluginRegistrationError`);
        otherwise leave it out, record it in :attr:`Plugins.failures` and go on.
    :param builtins: register the built-in plugins.
    :param plugins: more plugin objects to register (tests, embedding applications).
    :param trace: a writer receiving pluggy's trace of every hook call.
    """
    from entcore import __version__

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    facade = Plugins(pm, strict=strict)
    if trace is not None:
        pm.trace.root.setwriter(trace)
        pm.enable_tracing()

    def failed(info: PluginInfo, error: Exception, stage: str) -> None:
        if strict:
            raise error
        log.info("%s", error)
        facade.failures.append(attrs.evolve(info, error=str(error), stage=stage))

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
            info = PluginInfo(
                name=entry_point.name,
                distribution=distribution,
                version=version,
                entry_point=declared,
                module=entry_point.module,
                builtin=False,
            )
            if entry_point.name in claimed or pm.has_plugin(entry_point.name):
                first = claimed.get(entry_point.name, "entcore (built-in)")
                taken = PluginRegistrationError(
                    f"plugin name {entry_point.name!r} of {distribution} {version} "
                    f"is already taken by {first}"
                )
                failed(info, taken, "registration")
                continue
            claimed[entry_point.name] = f"{distribution} {version}"
            # A plugin written for another entcore is not even imported: its
            # import could already rely on what this version lacks.
            required = _incompatibility(entry_point.dist, __version__)
            if required is not None:
                incompatible = PluginIncompatibleError(
                    distribution, version, declared, required, __version__
                )
                failed(info, incompatible, "compatibility")
                continue
            try:
                plugin = entry_point.load()
            # SystemExit too: a module written as a script may call sys.exit() on import.
            except (Exception, SystemExit) as cause:
                load_error = PluginLoadError(distribution, version, declared, cause)
                load_error.__cause__ = cause
                failed(info, load_error, "import")
                continue
            try:
                facade.register(plugin, entry_point.name, info=info)
            except PluginRegistrationError as refused:
                failed(info, refused, "registration")

    for plugin in plugins:
        try:
            facade.register(plugin)
        except PluginRegistrationError as refused:
            name = getattr(plugin, "__name__", None) or repr(plugin)
            failed(
                PluginInfo(name, name, "", "registered", getattr(plugin, "__module__", ""), False),
                refused,
                "registration",
            )

    facade.check_pending()
    return facade
