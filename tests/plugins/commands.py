"""A plugin adding a command group, ``entcore greet``, written as a vendor would.

``greet hello NAME`` prints a greeting, ``greet stats`` the store's counts as
JSON through the application :func:`entcore.cli.pass_app` hands it, and ``greet
refuse`` fails the public way, with one line.
"""

from __future__ import annotations

import click

import entcore
import entcore.cli


@click.group()
def greet() -> None:
    """Greetings from a test plugin."""


@greet.command()
@click.argument("name")
def hello(name: str) -> None:
    """Say hello to NAME."""
    click.echo(f"Bonjour {name}")


@greet.command()
@entcore.cli.pass_app
def stats(app: entcore.Entcore) -> None:
    """The store's counts and the connectors installed, as JSON."""
    entcore.cli.emit_json(
        {
            "students": app.stats()["students"],
            "connectors": app.plugins.connectors().names(),
            "db": app.settings.db_url,
        }
    )


@greet.command()
def refuse() -> None:
    """Always fails, with one line."""
    entcore.cli.fail("refusé par le plugin\nseconde ligne jamais montrée")


@entcore.hookimpl
def entcore_register_commands(registry: entcore.CommandRegistry) -> None:
    registry.add(greet)
