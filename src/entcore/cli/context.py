"""The object every ``entcore`` command receives: options of the root group, and the application.

The root group stores one :class:`CliContext` in ``click.Context.obj``.  It
creates the :class:`~entcore.Entcore` application on first use only, so that
``entcore --help`` opens no store and ``entcore db ...`` loads no plugin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click

from entcore.app import Entcore
from entcore.cli.output import fail
from entcore.errors import EntcoreError
from entcore.settings import Settings, load_settings

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

    def settings(self) -> Settings:
        """The settings: the configuration file, the environment, then ``--db``."""
        return load_settings(self.config, overrides={("store", "url"): self.db})

    def app(self, *, strict: bool = True) -> Entcore:
        """The :class:`~entcore.Entcore` application, created once.

        :param strict: a plugin that fails to import fails the command (see
            :class:`~entcore.PluginLoadError`); ``entcore plugins`` passes
            ``False`` to list it instead.  The first call decides.
        """
        if self._app is None:
            try:
                self._app = Entcore(self.settings(), strict=strict)
            except EntcoreError as error:
                fail(error)
        return self._app

    def close(self) -> None:
        """Release the store."""
        if self._app is not None:
            self._app.close()


#: Decorator passing the :class:`CliContext` as a command's first argument.
pass_context = click.make_pass_decorator(CliContext)


def pass_app(command: Callable[Concatenate[Entcore, P], R]) -> Callable[P, R]:
    """Decorator passing the :class:`~entcore.Entcore` application as a command's first argument.

    The application is created on first use with strict plugin loading; a
    configuration or plugin error ends the command with one line.  Put it
    below ``@click.command`` (and the options)::

        @click.command()
        @entcore.cli.pass_app
        def hello(app: entcore.Entcore) -> None:
            entcore.cli.emit_json(app.stats())
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = click.get_current_context().find_object(CliContext)
        if context is None:
            raise click.UsageError("this command runs under the entcore command")
        return command(context.app(), *args, **kwargs)

    return wrapper
