"""``entcore directory``: directory feed imports (AAF)."""

from __future__ import annotations

from pathlib import Path

import click

from entcore.cli.context import CliContext, pass_context
from entcore.cli.output import emit_json, errors_as_failures, progress_bar
from entcore.demo import aaf_feed
from entcore.directory.render import render_text


@click.group()
def directory() -> None:
    """Directory feeds (AAF)."""


@directory.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the report without writing anything.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--source", metavar="NAME", help="Directory source to use (default: recognised).")
@click.option("--demo", is_flag=True, help="Import the demo feed shipped with entcore.")
@click.option(
    "--allow-mass-disappearance",
    is_flag=True,
    help="Apply the disappearances a full import would otherwise hold back.",
)
@pass_context
def directory_import(
    context: CliContext,
    paths: tuple[Path, ...],
    dry_run: bool,
    as_json: bool,
    source: str | None,
    demo: bool,
    allow_mass_disappearance: bool,
) -> None:
    """Import a directory feed: folders, .zip or .tar.gz archives, or files."""
    if demo:
        paths = (*paths, aaf_feed())
    if not paths:
        raise click.UsageError("give at least one PATH (or --demo)")
    app = context.app()
    with errors_as_failures(), progress_bar("Import annuaire") as progress:
        report = app.directory.import_feed(
            list(paths),
            dry_run=dry_run,
            source=source,
            progress=progress,
            allow_mass_disappearance=allow_mass_disappearance,
        )
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(render_text(report))
