"""The root ``entcore`` group: global options, and the command groups it holds."""

from __future__ import annotations

from pathlib import Path

import click

from entcore import __version__
from entcore.cli import core, directory, timetable
from entcore.cli.context import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    context = CliContext(db, config)
    ctx.obj = context
    ctx.call_on_close(context.close)


main.add_command(core.db)
main.add_command(core.plugins_command)
main.add_command(core.stats_command)
main.add_command(directory.directory)
main.add_command(timetable.timetable)
