"""The object every ``entcore`` command receives: options of the root group, and the application.

The root group stores one :class:`CliContext` in ``click.Context.obj``.  It
creates the :class:`~entcore.Entcore` application on first use only, so that
``entcore --help`` opens no store and ``entcore db ...`` loads no plugin.

Commands plugins add (``entcore_register_commands``) are discovered on a
leniently loaded application: a plugin that fails to import, or whose
registration raises, is left out of the command line and listed with its
error by ``entcore plugins``, never taking ``entcore --help`` down with it.
Commands run on that same application (a command that used it warns, in one
line, of the plugins left out) unless the ``plugins.strict`` setting asks for
strict loading.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click

from entcore.app import Entcore
from entcore.cli.output import fail
from entcore.errors import EntcoreError
from entcore.manager import Plugins
from entcore.settings import Settings, load_settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class CliContext:
    """What the root group resolves once for every sub-command.

    :param db: the store URL given by ``--db`` (or ``ENTCORE_DB``), if any.
    :param config: the configuration file given by ``--config`` (or ``ENTCORE_CONFIG``).
    """

    def __init__(self, db: str | None, config: Path | None):
        self.db = db
        self.config = config
        self._app: Entcore | None = None
        self._lenient: Entcore | None = None
        self._commands: dict[str, click.Command] | None = None
        self._used: Entcore | None = None
        self.listing_plugins = False
        """Set by ``entcore plugins``, which lists failed plugins instead of warning of them."""
        self.discovery_error: EntcoreError | None = None
        """Why no plugin command could be discovered (settings or plugin manager), if so."""

    def settings(self) -> Settings:
        """The settings: the configuration file, the environment, then ``--db``."""
        return load_settings(self.config, overrides={("store", "url"): self.db})

    def app(self, *, strict: bool | None = None) -> Entcore:
        """The :class:`~entcore.Entcore` application, created once.

        :param strict: a plugin that fails to import fails the command (see
            :class:`~entcore.PluginLoadError`); by default the ``plugins.strict``
            setting decides, and a faulty plugin is left out (the command warns
            of it in one line, ``entcore plugins`` lists it with its error).

        A configuration error ends the command with one line.
        """
        try:
            if strict is None:
                strict = bool(self.settings().core("plugins")["strict"])
            if not strict:
                self.plugin_commands()
                self._used = self._lenient_app()
                return self._used
            if self._app is None:
                self._app = Entcore(self.settings(), strict=True)
        except EntcoreError as error:
            fail(error)
        self._used = self._app
        return self._app

    def _lenient_app(self) -> Entcore:
        if self._lenient is None:
            self._lenient = Entcore(self.settings(), strict=False)
        return self._lenient

    def plugin_commands(self) -> Mapping[str, click.Command]:
        """The commands plugins add, by name; discovered once, never raising."""
        if self._commands is None:
            self._commands = {}
            try:
                with _quiet(_MANAGER_LOG):
                    self._commands = discover_commands(self._lenient_app().plugins)
            except EntcoreError as error:
                # Settings or the plugin manager itself are broken: the core's
                # commands still work, and say what is wrong when they run.
                log.info("plugin commands unavailable: %s", error)
                self.discovery_error = error
        return self._commands

    def close(self) -> None:
        """Warn of plugins left out (when the command used them), then release the store."""
        used = self._used.__dict__.get("plugins") if self._used is not None else None
        if used is not None and used.failures and not self.listing_plugins:
            names = ", ".join(info.owner.label for info in used.failures)
            click.echo(
                f"entcore: avertissement : plugins laissés de côté : {names} "
                "(voir « entcore plugins »)",
                err=True,
            )
        for app in (self._app, self._lenient):
            if app is not None:
                app.close()


def discover_commands(plugins: Plugins) -> dict[str, click.Command]:
    """The commands ``plugins`` (a lenient manager) register.

    A plugin whose registration raises is left out by the manager itself and
    listed with its error in :attr:`~entcore.Plugins.failures`; the others'
    commands are kept.
    """
    registry = plugins.commands()
    return {name: registry.get(name) for name in registry.names()}


#: The manager warns of each plugin that fails under lenient loading.
_MANAGER_LOG = logging.getLogger("entcore.manager")


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Silence ``logger``'s warnings for the block.

    Discovery runs for ``--help`` and before many commands: a broken plugin is
    reported by ``entcore plugins`` and, in one line, by a command that needs
    it, not by a warning on every invocation.
    """
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def cli_context(ctx: click.Context) -> CliContext:
    """The :class:`CliContext` of the root group, created from its options if need be.

    Click resolves a sub-command before it runs the root group's callback, and
    ``--help`` lists commands before any option is processed: command discovery
    may therefore need the object before the callback creates it.
    """
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        context = CliContext(root.params.get("db"), root.params.get("config"))
        root.obj = context
        root.call_on_close(context.close)
    obj: CliContext = root.obj
    return obj


#: Decorator passing the :class:`CliContext` as a command's first argument.
pass_context = click.make_pass_decorator(CliContext)


def pass_app(command: Callable[Concatenate[Entcore, P], R]) -> Callable[P, R]:
    """Decorator passing the :class:`~entcore.Entcore` application as a command's first argument.

    The application is created on first use with strict plugin loading; a
    configuration error ends the command with one line.  Put it below
    ``@click.command`` and the options::

        @click.command()
        @entcore.cli.pass_app
        def hello(app: entcore.Entcore) -> None:
            entcore.cli.emit_json(app.stats())
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = cli_context(click.get_current_context())
        return command(context.app(), *args, **kwargs)

    return wrapper
