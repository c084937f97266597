"""The ``entcore`` command.

Plugins are loaded only by the commands that need them, so that one broken
plugin never breaks ``entcore --help`` or ``entcore plugins``.  Errors end the
command with one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from entcore import __version__
from entcore.errors import EntcoreError
from entcore.settings import load_settings


class Failure(click.ClickException):
    """A one-line error; exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"entcore: {self.format_message()}", err=True)


def fail(error: BaseException) -> NoReturn:
    """End the command with ``error`` as one line."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    raise Failure(message) from error


class Context:
    """What the group resolves once for every sub-command."""

    def __init__(self, db: str | None, config: Path | None):
        self.db = db
        self.config = config
        self._app: Any = None

    def app(self, *, strict: bool = True) -> Any:
        """The :class:`~entcore.Entcore` application (created once)."""
        if self._app is None:
            from entcore.app import Entcore

            try:
                settings = load_settings(self.config, overrides={("store", "url"): self.db})
                self._app = Entcore(settings, strict=strict)
            except EntcoreError as error:
                fail(error)
        return self._app

    def close(self) -> None:
        """Release the store."""
        if self._app is not None:
            self._app.close()


pass_context = click.make_pass_decorator(Context)


@contextmanager
def errors_as_failures() -> Iterator[None]:
    """Turn entcore's errors (and missing files) into one-line failures."""
    try:
        yield
    except (EntcoreError, FileNotFoundError, PermissionError) as error:
        fail(error)


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int | None, int], None] | None]:
    """A progress bar on stderr when it is a terminal; yields the callback engines call."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(total: int | None, done: int) -> None:
            if total is not None:
                progress.update(task, total=total)
            if done:
                progress.advance(task, done)

        yield advance


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
    context = Context(db, config)
    ctx.obj = context
    ctx.call_on_close(context.close)


# -- db -------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Manage the store's schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Create or migrate the store to the newest schema."""
    from entcore.store import Store

    with errors_as_failures():
        store = Store(
            load_settings(context.config, overrides={("store", "url"): context.db}).db_url
        )
        before = store.revision()
        store.upgrade()
        click.echo(f"{store.url}: {before or 'empty'} -> {store.revision()}")
        store.dispose()


@db.command("current")
@pass_context
def db_current(context: Context) -> None:
    """Print the store's schema revision."""
    from entcore.store import Store

    with errors_as_failures():
        store = Store(
            load_settings(context.config, overrides={("store", "url"): context.db}).db_url
        )
        click.echo(f"{store.url}: {store.revision() or 'empty'} (head {store.head()})")
        store.dispose()


# -- plugins and stats ------------------------------------------------------------------------


@main.command("plugins")
@click.option("--all", "include_all", is_flag=True, help="Include built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def plugins_command(context: Context, include_all: bool, as_json: bool) -> None:
    """List installed plugins, what they implement and register, and those that failed to load."""
    app = context.app(strict=False)
    with errors_as_failures():
        listing = app.plugins.listing(include_builtins=include_all)
        entries = []
        for info in listing:
            entry = info.to_json()
            entry["provides"] = app.plugins.provided_by(info.name) if info.error is None else {}
            entries.append(entry)
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("No plugins installed.")
    for entry in entries:
        status = f"FAILED: {entry['error']}" if entry["error"] else ", ".join(entry["hooks"])
        click.echo(f"{entry['name']} {entry['version']} ({entry['entry_point']}): {status}")
        for kind, names in entry["provides"].items():
            click.echo(f"    {kind}: {', '.join(names)}")


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def stats_command(context: Context, as_json: bool) -> None:
    """Count what the store holds (active entities; disappeared accounts apart)."""
    with errors_as_failures():
        stats = context.app().stats()
    if as_json:
        emit_json(stats)
    else:
        for key, value in stats.items():
            click.echo(f"{key:>26}: {value}")


# -- directory ----------------------------------------------------------------------------------


@main.group()
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
    context: Context,
    paths: tuple[Path, ...],
    dry_run: bool,
    as_json: bool,
    source: str | None,
    demo: bool,
    allow_mass_disappearance: bool,
) -> None:
    """Import a directory feed: folders, .zip or .tar.gz archives, or files."""
    from entcore.directory.render import render_text

    if demo:
        from entcore.demo import aaf_feed

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


def _register_timetable() -> None:
    from entcore.timetable.cli import timetable

    main.add_command(timetable)


_register_timetable()
