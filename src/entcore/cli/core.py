"""The core's own commands: ``entcore db``, ``entcore plugins`` and ``entcore stats``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from entcore.cli.context import CliContext, pass_context
from entcore.cli.output import emit_json, errors_as_failures

if TYPE_CHECKING:
    from entcore.store import Store

# -- db -------------------------------------------------------------------------------------


def _store(context: CliContext) -> Store:
    """The store of ``--db``, neither migrated nor checked."""
    # Imported here: SQLAlchemy and Alembic are the bulk of start-up time, which
    # ``entcore --help`` and the commands that never open a store do not pay.
    from entcore.store import Store

    settings = context.settings()
    return Store(settings.db_url, lock_wait=settings.lock_wait)


@click.group()
def db() -> None:
    """Manage the store's schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: CliContext) -> None:
    """Create or migrate the store to the newest schema."""
    with errors_as_failures():
        store = _store(context)
        before = store.revision()
        store.upgrade()
        click.echo(f"{store.url}: {before or 'empty'} -> {store.revision()}")
        store.dispose()


@db.command("current")
@pass_context
def db_current(context: CliContext) -> None:
    """Print the store's schema revision."""
    with errors_as_failures():
        store = _store(context)
        click.echo(f"{store.url}: {store.revision() or 'empty'} (head {store.head()})")
        store.dispose()


# -- plugins and stats ------------------------------------------------------------------------


@click.command("plugins")
@click.option("--all", "include_all", is_flag=True, help="Include built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def plugins_command(context: CliContext, include_all: bool, as_json: bool) -> None:
    """List installed plugins, what they implement and register, and those left out (exit 0)."""
    context.listing_plugins = True
    app = context.app(strict=False)
    with errors_as_failures():
        plugins = app.plugins
        # Collected before listing: a plugin whose registration hook raises is
        # left out (and listed as failed) while the registries are collected.
        plugins.registries()
        entries = []
        for info in plugins.listing(include_builtins=include_all):
            entry = info.to_json()
            entry["provides"] = plugins.provided_by(info.name) if info.error is None else {}
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


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def stats_command(context: CliContext, as_json: bool) -> None:
    """Count what the store holds (active entities; disappeared accounts apart)."""
    with errors_as_failures():
        stats = context.app().stats()
    if as_json:
        emit_json(stats)
    else:
        for key, value in stats.items():
            click.echo(f"{key:>26}: {value}")
