"""The root ``entcore`` group: global options, the core's commands, and those plugins add."""

from __future__ import annotations

from pathlib import Path

import click

from entcore import __version__
from entcore.cli.access import access
from entcore.cli.auth import serve_command
from entcore.cli.context import cli_context
from entcore.cli.core import db as db_group
from entcore.cli.core import plugins_command, stats_command
from entcore.cli.directory import directory
from entcore.cli.output import errors_as_failures, fail
from entcore.cli.read import accounts, classes, structures


class EntcoreGroup(click.Group):
    """A group holding the core's commands, and those plugins register.

    Plugin commands are looked up only when they are needed (help, or a name
    that is not a core command), on a leniently loaded plugin manager: a broken
    plugin never breaks ``entcore --help``, ``entcore plugins`` or any core
    command.  A core command always wins over a plugin's (the registry refuses
    the core's names anyway).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Core and plugin command names, sorted."""
        return sorted({*super().list_commands(ctx), *cli_context(ctx).plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The core command ``cmd_name``, or the plugin command, or ``None``."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return cli_context(ctx).plugin_commands().get(cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an entcore error that escapes it still ends as one line."""
        with errors_as_failures():
            return super().invoke(ctx)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click does; an unknown name when plugin discovery failed shows why, in one line."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            error = cli_context(ctx).discovery_error
            if error is None:
                raise
            fail(error)


@click.group(cls=EntcoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entcore")
@click.option(
    "--db",
    envvar="ENTCORE_DB",
    metavar="URL",
    help="Store URL (default: the SQLite file ./entcore.db). Env: ENTCORE_DB.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ENTCORE_CONFIG",
    help="TOML configuration file. Env: ENTCORE_CONFIG.",
)
@click.pass_context
def main(ctx: click.Context, db: str | None, config: Path | None) -> None:
    """Provision and connect a school's digital workspace (ENT)."""
    context = cli_context(ctx)
    context.db, context.config = db, config


#: The core's commands; plugins add theirs through ``entcore_register_commands``.
CORE_COMMANDS: tuple[click.Command, ...] = (
    db_group,
    plugins_command,
    stats_command,
    directory,
    structures,
    accounts,
    classes,
    access,
    serve_command,
)
for _command in CORE_COMMANDS:
    main.add_command(_command)
