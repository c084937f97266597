"""``entcore access``: close the ENT to a profile, per school or platform-wide, and reopen it.

At the start of the year a school closes access to students and relatives
until their accounts are distributed (the slides' « Blocage des accès »):
``entcore access block --uai UAI --profile Student --message "…" --until DATE``.
Every change is recorded with its author (``--by``, the operating-system user
by default); ``entcore access history`` lists them.
"""

from __future__ import annotations

import getpass
from datetime import date, datetime

import click

from entcore.app import Entcore
from entcore.cli.context import pass_app
from entcore.cli.output import emit_json, errors_as_failures
from entcore.cli.params import moment_option
from entcore.cli.read import PARIS, PROFILE_LABELS
from entcore.model.access import BlockAction, BlockEvent, BlockView
from entcore.model.directory import Profile

_PROFILE = click.Choice([profile.value for profile in Profile], case_sensitive=False)

_ACTIONS = {
    BlockAction.BLOCK: "blocage",
    BlockAction.UNBLOCK: "déblocage",
    BlockAction.EXPIRE: "fin de blocage",
}


def os_user() -> str:
    """The name of the operating-system user running the command (``inconnu`` if it has none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no password entry (some containers)
        return "inconnu"


def _until(value: str | None) -> date | datetime | None:
    moment = moment_option(value, "--until")
    if isinstance(moment, datetime) and moment.tzinfo is None:
        # An instant without offset is the school's wall-clock time.
        moment = moment.replace(tzinfo=PARIS)
    return moment


def _when(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def _scope(uai: str | None) -> str:
    return "toute la plateforme" if uai is None else f"établissement {uai}"


def _block_line(view: BlockView) -> str:
    end = f"jusqu'au {_when(view.until)}" if view.until else "sans date de fin"
    message = f"« {view.message} »" if view.message else "message par défaut"
    return (
        f"{view.uai or 'plateforme':<10} {PROFILE_LABELS[view.profile]:<10} {end} — {message} "
        f"(depuis le {_when(view.since)}, par {view.by})"
    )


@click.group("access")
def access() -> None:
    """Block or unblock access to the ENT per school (or platform) and profile."""


@access.command("block")
@click.option("--uai", metavar="UAI", help="The school; the whole platform when omitted.")
@click.option("--profile", type=_PROFILE, required=True, help="The profile to block.")
@click.option("--message", metavar="TEXT", help="French message shown to the users concerned.")
@click.option(
    "--until",
    metavar="DATE",
    help="End of the block: AAAA-MM-JJ (access reopens at 00:00, Paris time, that day) "
    "or AAAA-MM-JJTHH:MM (Paris time). Default: until unblocked.",
)
@click.option("--by", metavar="NAME", help="Who blocks (recorded). Default: the OS user.")
@click.option("--json", "as_json", is_flag=True, help="Print the block as JSON.")
@pass_app
def access_block(
    app: Entcore,
    uai: str | None,
    profile: str,
    message: str | None,
    until: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Block PROFILE for a school (--uai) or for the whole platform."""
    end = _until(until)
    with errors_as_failures():
        view = app.access.block(uai, Profile(profile), message, end, by=by or os_user())
    if as_json:
        emit_json(view.to_json())
        return
    click.echo(
        f"Accès bloqué pour le profil {PROFILE_LABELS[view.profile]} ({_scope(view.uai)}), "
        + (f"jusqu'au {_when(view.until)}." if view.until else "jusqu'à son déblocage.")
    )
    click.echo(f"Message affiché : « {view.shown_message} »")


@access.command("unblock")
@click.option("--uai", metavar="UAI", help="The school; the whole platform when omitted.")
@click.option("--profile", type=_PROFILE, required=True, help="The profile to unblock.")
@click.option("--by", metavar="NAME", help="Who unblocks (recorded). Default: the OS user.")
@pass_app
def access_unblock(app: Entcore, uai: str | None, profile: str, by: str | None) -> None:
    """Lift the block of PROFILE for a school (--uai) or for the whole platform."""
    with errors_as_failures():
        view = app.access.unblock(uai, Profile(profile), by=by or os_user())
    label = PROFILE_LABELS[Profile(profile)]
    if view is None:
        click.echo(f"Aucun blocage du profil {label} ({_scope(uai)}) : rien n'a changé.")
        return
    click.echo(f"Accès rétabli pour le profil {label} ({_scope(uai)}).")


@access.command("status")
@click.option(
    "--uai", metavar="UAI", help="Only the blocks that apply to this school (platform's included)."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def access_status(app: Entcore, uai: str | None, as_json: bool) -> None:
    """List the blocks in force."""
    with errors_as_failures():
        views = app.access.status(uai)
    if as_json:
        emit_json([view.to_json() for view in views])
        return
    if not views:
        click.echo("Aucun blocage en cours.")
        return
    for view in views:
        click.echo(_block_line(view))


@access.command("history")
@click.option("--uai", metavar="UAI", help="Only the changes of this school.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def access_history(app: Entcore, uai: str | None, as_json: bool) -> None:
    """List every change of the blocks, oldest first: who, when, what."""
    with errors_as_failures():
        events = app.access.history(uai)
    if as_json:
        emit_json([event.to_json() for event in events])
        return
    if not events:
        click.echo("Aucun changement enregistré.")
        return
    for event in events:
        click.echo(_event_line(event))


def _event_line(event: BlockEvent) -> str:
    line = (
        f"{_when(event.at)} {_ACTIONS[event.action]:<15} {event.uai or 'plateforme':<10} "
        f"{PROFILE_LABELS[event.profile]:<10} par {event.by}"
    )
    if event.action is BlockAction.BLOCK:
        if event.until:
            line += f", jusqu'au {_when(event.until)}"
        if event.message:
            line += f" — « {event.message} »"
    return line
