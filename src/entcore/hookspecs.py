"""The hook specifications: every ``entcore_*`` hook a plugin may implement.

These docstrings are the reference documentation of the hooks.  A plugin
implements a hook by defining a function of the same name decorated with
:data:`entcore.hookimpl`; it may accept fewer arguments than the specification
lists (pluggy passes only those it names) and must not give them default
values (pluggy does not fill defaulted parameters).

Hooks fall into two families:

* **Registration** hooks receive a *registrar* and call its ``add`` method once
  per object.  They are called through pluggy once per plugin manager, the
  first time the core needs that kind of object, in pluggy's call order (last
  registered first, ``tryfirst``/``trylast`` respected); that order is also the
  order in which timetable formats are asked to recognise a file.  Wrappers
  (``wrapper=True``, or the older ``hookwrapper=True``) run around the other
  implementations.  Each implementation receives its own view of the registrar,
  so what it adds is credited to its plugin, wrappers included.  When one
  raises, its plugin is left out and the hook is called again without it
  (lenient loading), or the error is raised naming the plugin (strict).
* **Lifecycle** hooks are called after the core has *committed* a change, so
  that an implementation sees the store in its new state and cannot undo it.
  An exception raised by a lifecycle hook reaches the caller as a
  :class:`~entcore.LifecycleHookError` naming the plugin and the hook; the change
  stays committed (the ``entcore`` command exits with status 3).

Adding a parameter to a specification is backward compatible (implementations
opt in by name).  Removing or renaming one follows a deprecation cycle using
pluggy's own mechanism: the specification keeps the old parameter and lists it
in ``warn_on_impl_args`` with an :class:`~entcore.EntcoreDeprecationWarning`
naming its replacement and the version that removes it; pluggy warns, at
registration, for each implementation still requesting it, pointing at the
plugin's source line.  ``warn_on_impl`` deprecates a whole hook the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.model.reports import DirectoryReport, StructureInfo
    from entcore.registry import (
        CommandRegistry,
        ConnectorRegistry,
        DirectorySourceRegistry,
        RouteRegistry,
        SettingsRegistry,
        SSOProviderRegistry,
        TimetableFormatRegistry,
    )
    from entcore.timetable.report import TimetableReport

PROJECT = "entcore"

#: Decorator marking a plugin function as the implementation of an ``entcore_*`` hook.
hookimpl = pluggy.HookimplMarker(PROJECT)

_spec = pluggy.HookspecMarker(PROJECT)


# -- Registration ---------------------------------------------------------------------------


@_spec
def entcore_register_settings(registry: SettingsRegistry) -> None:
    """Declare the plugin's configuration section.

    Called before any other registration hook, when the application validates
    its settings.  Add one :class:`~entcore.SettingsSection` named after the
    plugin; its keys become ``[name]`` keys of the TOML file and
    ``ENTCORE_<NAME>_<KEY>`` environment variables.  The core rejects a file
    section no plugin declares and any key a section does not declare.  The
    values reach the plugin as the ``settings`` of the context handed to its
    sources and formats.

    :param registry: a :class:`~entcore.registry.SettingsRegistry`.

    .. versionadded:: 0.1
    """


@_spec
def entcore_register_directory_sources(registry: DirectorySourceRegistry) -> None:
    """Register directory sources: readers of directory feeds (AAF 2D/1D, CSV...).

    Called the first time the application needs its directory sources (the
    first ``entcore directory import``).  Call ``registry.add(source)`` with
    objects implementing :class:`~entcore.protocols.DirectorySource`; names must
    be unique across all plugins.

    :param registry: a :class:`~entcore.registry.DirectorySourceRegistry`.

    .. versionadded:: 0.1
    """


@_spec
def entcore_register_timetable_formats(registry: TimetableFormatRegistry) -> None:
    """Register timetable formats: readers of timetable exports (EDT, UDT, STS-Web...).

    Called the first time the application needs its timetable formats.  Call
    ``registry.add(fmt)`` with objects implementing
    :class:`~entcore.protocols.TimetableFormat`.  When no ``--format`` is given,
    the core asks each format's ``sniff`` in registration order and uses the
    first that answers ``True``.

    :param registry: a :class:`~entcore.registry.TimetableFormatRegistry`.

    .. versionadded:: 0.1
    """


@_spec
def entcore_register_sso_providers(registry: SSOProviderRegistry) -> None:
    """Register identity providers users sign in with (EduConnect, agents federations...).

    Call ``registry.add(provider)`` with objects implementing
    :class:`~entcore.protocols.SSOProvider`.

    :param registry: a :class:`~entcore.registry.SSOProviderRegistry`.

    .. versionadded:: 0.1
    """


@_spec
def entcore_register_connectors(registry: ConnectorRegistry) -> None:
    """Register connectors to third-party services (GAR, Pronote, e-sidoc, PMB, Folios...).

    Call ``registry.add(connector)`` with objects implementing
    :class:`~entcore.protocols.Connector`.

    :param registry: a :class:`~entcore.registry.ConnectorRegistry`.

    .. versionadded:: 0.1
    """


@_spec
def entcore_register_commands(registry: CommandRegistry) -> None:
    """Add command groups to the ``entcore`` command line.

    Called by the ``entcore`` command only (never when entcore is embedded as a
    library), the first time it needs the list of commands: for ``entcore
    --help``, and to run a command that is not one of the core's.  Call
    ``registry.add(group)`` with a :class:`click.Group` (or a single
    :class:`click.Command`) per top-level command.  Its name must be lower-case
    letters, digits, ``-`` and ``_``, unique across plugins, and not one of the
    core's commands (:attr:`~entcore.registry.CommandRegistry.RESERVED`).

    Commands get the application with :func:`entcore.cli.pass_app` and report
    with :func:`entcore.cli.emit_json` and :func:`entcore.cli.fail`.  Discovery
    is lenient: a plugin that fails to load, or whose implementation raises, is
    left out (``entcore plugins`` lists it with its error), and ``entcore
    --help`` and every other command keep working.  The built-in ``entcore
    timetable`` group is registered through this hook.

    :param registry: a :class:`~entcore.registry.CommandRegistry`.

    .. versionadded:: 0.2
    """


@_spec
def entcore_register_routes(registry: RouteRegistry) -> None:
    """Add routes to the web layer (``entcore serve`` and :func:`entcore.web.create_app`).

    Called once per application, when the web application is built.  Call
    ``registry.add(route)`` with a Starlette ``Route``, ``WebSocketRoute`` or
    ``Mount``.  Its ``name`` must be lower-case letters, digits, ``-`` and
    ``_``, unique across plugins; its ``path`` must start with ``/``, be free,
    and not lie under the core's prefixes
    (:attr:`~entcore.registry.RouteRegistry.RESERVED_PREFIXES`: ``/auth``,
    ``/health``, ``/static/entcore``).

    An endpoint finds the application in ``request.app.state.entcore`` and the
    signed-in account, if any, in ``request.state.session`` (an
    :class:`entcore.auth.OpenSession` or ``None``); a blocked account never
    reaches it.  Pages use :func:`entcore.web.render` to get the ENT's
    templates and the CSRF token.

    :param registry: a :class:`~entcore.registry.RouteRegistry`.

    .. versionadded:: 0.3
    """


# -- Lifecycle ------------------------------------------------------------------------------


@_spec
def entcore_directory_applied(app: Entcore, report: DirectoryReport) -> None:
    """A directory import has been committed.

    Called once per real (not ``--dry-run``) import, after its transaction
    committed, with the same report the user saw.  Use it to provision what
    depends on accounts, classes and class spaces.

    :param app: the :class:`~entcore.Entcore` application that ran the import.
    :param report: the :class:`~entcore.DirectoryReport` of the import.

    .. versionadded:: 0.1
    """


@_spec
def entcore_timetable_validated(app: Entcore, report: TimetableReport) -> None:
    """A pending timetable import has been validated and committed.

    Called after ``entcore timetable validate`` committed the import: sessions
    are expanded and, in *timetable* piloting mode, classes and groups populated.

    :param app: the :class:`~entcore.Entcore` application.
    :param report: the :class:`~entcore.TimetableReport`, with status ``validated``.

    .. versionadded:: 0.1
    """


@_spec
def entcore_timetable_initialised(app: Entcore, structure: StructureInfo) -> None:
    """A structure's first timetable import has been validated.

    Called once per structure, right after :func:`entcore_timetable_validated`
    for its first validated import (again after a ``--new-year`` import, which
    starts a new school year).  Services that need a timetable (messaging,
    school life) switch on here.

    :param app: the :class:`~entcore.Entcore` application.
    :param structure: the :class:`~entcore.StructureInfo` of the school.

    .. versionadded:: 0.1
    """
