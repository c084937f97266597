"""``entcore structures``, ``entcore accounts`` and ``entcore classes``: the read API on the command line.

Listings stream: ``--jsonl`` prints one JSON object per line as the store is
read, ``--json`` one JSON array written element by element; neither holds the
whole listing in memory.  Without either, a French text listing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import click

from entcore.app import Entcore
from entcore.cli.context import pass_app
from entcore.cli.output import errors_as_failures, fail
from entcore.model.access import AccountAccess, BlockScope
from entcore.model.directory import Profile
from entcore.model.views import AccountState, AccountView, ClassView, MemberRole, StructureView

PARIS = ZoneInfo("Europe/Paris")

#: Profiles as the slides name them.
PROFILE_LABELS = {
    Profile.STUDENT: "élève",
    Profile.RELATIVE: "parent",
    Profile.TEACHER: "enseignant",
    Profile.PERSONNEL: "personnel",
    Profile.GUEST: "invité",
}

_ROLE_LABELS = {
    MemberRole.STUDENT: "élève",
    MemberRole.TEACHER: "enseignant",
    MemberRole.HEAD_TEACHER: "professeur principal",
}


def _json_options(function: Any) -> Any:
    function = click.option(
        "--jsonl",
        "as_jsonl",
        is_flag=True,
        help="Print one JSON object per line, as the store is read (for large stores).",
    )(function)
    return click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")(function)


def _check_output(as_json: bool, as_jsonl: bool) -> None:
    if as_json and as_jsonl:
        raise click.UsageError("give --json or --jsonl, not both")


def _emit(views: Iterable[Any], as_json: bool, as_jsonl: bool) -> bool:
    """Stream ``views`` as JSON lines or as a JSON array; False when neither was asked."""
    if as_jsonl:
        for view in views:
            click.echo(json.dumps(view.to_json(), ensure_ascii=False))
        return True
    if as_json:
        # Element by element: the array is never held whole.
        first = True
        for view in views:
            text = json.dumps(view.to_json(), indent=2, ensure_ascii=False)
            click.echo(("[\n" if first else ",\n") + _indent(text), nl=False)
            first = False
        click.echo("[]" if first else "\n]")
        return True
    return False


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


# -- structures ---------------------------------------------------------------------------------


@click.group("structures")
def structures() -> None:
    """Structures (schools) of the store."""


@structures.command("list")
@_json_options
@pass_app
def structures_list(app: Entcore, as_json: bool, as_jsonl: bool) -> None:
    """List the structures."""
    _check_output(as_json, as_jsonl)
    with errors_as_failures():
        views = app.read.structures()
        if _emit(views, as_json, as_jsonl):
            return
        count = 0
        for view in views:
            count += 1
            click.echo(_structure_line(view))
        if not count:
            click.echo("Aucun établissement.")


def _structure_line(view: StructureView) -> str:
    facts = ", ".join(fact for fact in (view.type, view.academy) if fact)
    return f"{view.uai or '-':<9} {view.name}" + (f" ({facts})" if facts else "")


# -- accounts -----------------------------------------------------------------------------------


@click.group("accounts")
def accounts() -> None:
    """Accounts: students, relatives, teachers, personnels, guests."""


_PROFILE = click.Choice([profile.value for profile in Profile], case_sensitive=False)


@accounts.command("list")
@click.option("--uai", metavar="UAI", help="Only the accounts of this school (relatives included).")
@click.option("--profile", type=_PROFILE, help="Only the accounts of this profile.")
@click.option(
    "--include-disappeared", is_flag=True, help="Also the accounts full imports no longer list."
)
@_json_options
@pass_app
def accounts_list(
    app: Entcore,
    uai: str | None,
    profile: str | None,
    include_disappeared: bool,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """List accounts with their structures, classes, groups, relatives and children."""
    _check_output(as_json, as_jsonl)
    with errors_as_failures():
        views = app.read.accounts(
            uai=uai,
            profile=None if profile is None else Profile(profile),
            include_disappeared=include_disappeared,
        )
        if _emit(views, as_json, as_jsonl):
            return
        count = 0
        for view in views:
            count += 1
            click.echo(_account_line(view))
        click.echo(f"{count} compte{'s' if count > 1 else ''}.")


def _account_line(view: AccountView) -> str:
    classes = ", ".join(
        sorted({m.code for m in view.classes if m.role is MemberRole.STUDENT})
        or sorted({m.code for m in view.classes})
    )
    state = " [disparu]" if view.state is AccountState.DISAPPEARED else ""
    return (
        f"{view.login:<28} {PROFILE_LABELS[view.profile]:<10} {view.display_name}"
        + (f" — {classes}" if classes else "")
        + state
    )


@accounts.command("show")
@click.argument("login")
@click.option(
    "--include-disappeared", is_flag=True, help="Also an account full imports no longer list."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def accounts_show(app: Entcore, login: str, include_disappeared: bool, as_json: bool) -> None:
    """Show the account whose login is LOGIN."""
    with errors_as_failures():
        view = app.read.account(login, include_disappeared=include_disappeared)
    if view is None:
        # The login is not repeated: messages never carry people's data.
        which = "aucun compte" if include_disappeared else "aucun compte actif"
        fail(f"compte introuvable : {which} n'a cet identifiant")
    with errors_as_failures():
        access = app.access.account_access(view)
    if as_json:
        # The read API's view, and how the account signs in and whether it is blocked now.
        data = view.to_json()
        data.update(access.to_json())
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for label, value in [*_account_facts(view), *_access_facts(access)]:
        click.echo(f"{label:>20} : {value}")


_PROVIDER_LABELS = {"educonnect": "EduConnect", "agents": "fédération des agents (académie)"}


def _access_facts(access: AccountAccess) -> list[tuple[str, str]]:
    ways = []
    if access.provider is not None:
        ways.append(_PROVIDER_LABELS.get(access.provider, access.provider))
    elif access.federated:
        ways.append("fédération d'identité")
    if access.local_sign_in:
        ways.append("mot de passe ENT")
    facts = [("Connexion", ", ".join(ways) or "aucune")]
    refusal = access.blocked
    if refusal is None:
        facts.append(("Accès", "ouvert"))
        return facts
    where = (
        "toute la plateforme"
        if refusal.scope is BlockScope.PLATFORM
        else "établissement" + ("s " if len(refusal.uais) > 1 else " ") + ", ".join(refusal.uais)
    )
    end = (
        f", jusqu'au {refusal.until.astimezone(PARIS).strftime('%d/%m/%Y %H:%M')}"
        if refusal.until
        else ""
    )
    facts.append(("Accès", f"bloqué ({where}{end}) — « {refusal.message} »"))
    return facts


def _account_facts(view: AccountView) -> list[tuple[str, str]]:
    facts = [
        ("Identifiant", view.login),
        ("Jointure", view.external_id),
        ("Profil", PROFILE_LABELS[view.profile]),
        ("Nom", view.last_name),
        ("Prénom", view.first_name),
        ("Date de naissance", view.birth_date.strftime("%d/%m/%Y") if view.birth_date else "-"),
        ("État", "actif" if view.state is AccountState.ACTIVE else "disparu"),
        (
            "Établissements",
            ", ".join(f"{ref.uai or ref.external_id} {ref.name}" for ref in view.structures) or "-",
        ),
    ]
    if view.functions:
        facts.append(
            (
                "Fonctions",
                ", ".join(
                    f"{f.code} {f.discipline_label or f.label}".strip() for f in view.functions
                ),
            )
        )
    if view.classes:
        facts.append(
            (
                "Classes",
                ", ".join(f"{m.code} ({_ROLE_LABELS[m.role]})" for m in view.classes),
            )
        )
    if view.groups:
        facts.append(
            ("Groupes", ", ".join(f"{m.code} ({_ROLE_LABELS[m.role]})" for m in view.groups))
        )
    if view.teachings:
        facts.append(
            ("Enseignements", ", ".join(f"{t.code} {t.subject or '-'}" for t in view.teachings))
        )
    if view.mef:
        facts.append(("MEF", view.mef))
    if view.relatives:
        facts.append(
            (
                "Responsables",
                ", ".join(
                    f"{r.display_name or r.external_id} ({r.relationship.value})"
                    for r in view.relatives
                ),
            )
        )
    if view.children:
        facts.append(("Enfants", ", ".join(c.display_name or c.external_id for c in view.children)))
    return facts


# -- classes ------------------------------------------------------------------------------------


@click.group("classes")
def classes() -> None:
    """Classes with their students and teachers."""


@classes.command("list")
@click.option("--uai", metavar="UAI", required=True, help="The school.")
@click.option(
    "--include-disappeared", is_flag=True, help="Also the members full imports no longer list."
)
@_json_options
@pass_app
def classes_list(
    app: Entcore, uai: str, include_disappeared: bool, as_json: bool, as_jsonl: bool
) -> None:
    """List a school's classes with their students and teachers."""
    _check_output(as_json, as_jsonl)
    with errors_as_failures():
        views = app.read.classes(uai=uai, include_disappeared=include_disappeared)
        if _emit(views, as_json, as_jsonl):
            return
        count = 0
        for view in views:
            count += 1
            click.echo(_class_text(view))
        if not count:
            click.echo("Aucune classe.")


def _class_text(view: ClassView) -> str:
    students = len(view.students)
    lines = [
        f"{view.code}{f' ({view.label})' if view.label else ''} : {students} élève{'s' if students > 1 else ''}"
    ]
    for teacher in view.teachers:
        role = " (professeur principal)" if teacher.role is MemberRole.HEAD_TEACHER else ""
        subjects = f" — {', '.join(teacher.subjects)}" if teacher.subjects else ""
        lines.append(f"    {teacher.display_name}{role}{subjects}")
    return "\n".join(lines)
