"""A connector-style plugin written against the read API only: a school library's borrowers.

A CDI's library software (BCDI, e-sidoc) lends only to the *borrowers* it has
imported, and signs them in through the ENT's CAS with the ENT login.  This
plugin

* registers a connector whose release policy reads an account's public fields;
* after every committed directory import, writes for each school the
  borrowers file: its students with their class and their relatives, one CSV
  per UAI in the folder the ``[library] outbox`` setting names.

It uses only entcore's public API (``entcore`` and ``entcore.model``) and
reads the store only through ``app.read``: no SQL, no store tables.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import entcore
from entcore.model import AccountState, AccountView, MemberRole, Profile

SETTINGS = entcore.SettingsSection(
    "library",
    (
        entcore.Setting(
            "outbox", str, "", "Folder receiving one borrowers file per school (off when empty)."
        ),
    ),
    "School library borrowers (test plugin).",
)

COLUMNS = ("login", "nom", "prenom", "date_naissance", "classe", "responsables")


class LibraryConnector:
    """Releases the login as principal, the profile and the classes (the borrower's section)."""

    name = "library"
    label = "Bibliothèque du CDI"

    def release(self, account: Mapping[str, object]) -> Mapping[str, Sequence[str]]:
        classes = account.get("classes") or []
        assert isinstance(classes, list)
        return {
            "uid": [str(account["login"])],
            "profile": [str(account["profile"])],
            "classes": sorted({str(c["code"]) for c in classes if c["role"] == "student"}),
        }


def borrower(student: AccountView, uai: str) -> dict[str, str]:
    """One row of the borrowers file: the student, their class in ``uai``, their relatives."""
    classes = [c.code for c in student.classes if c.uai == uai and c.role is MemberRole.STUDENT]
    relatives = [
        f"{relative.display_name} ({relative.relationship.value})"
        for relative in student.relatives
        if relative.state is AccountState.ACTIVE and relative.display_name
    ]
    return {
        "login": student.login,
        "nom": student.last_name,
        "prenom": student.first_name,
        "date_naissance": student.birth_date.strftime("%d/%m/%Y") if student.birth_date else "",
        "classe": ",".join(classes),
        "responsables": "; ".join(relatives),
    }


def borrowers(app: entcore.Entcore, uai: str) -> Iterator[dict[str, str]]:
    """The school's students with their class and relatives, streamed from the read API."""
    for student in app.read.accounts(uai=uai, profile=Profile.STUDENT):
        yield borrower(student, uai)


def write_borrowers(app: entcore.Entcore, uai: str, out: TextIO) -> int:
    """Write the borrowers file of ``uai`` to ``out``; the number of borrowers."""
    writer = csv.DictWriter(out, COLUMNS, delimiter=";")
    writer.writeheader()
    count = 0
    for row in borrowers(app, uai):
        writer.writerow(row)
        count += 1
    return count


@entcore.hookimpl
def entcore_register_settings(registry: entcore.SettingsRegistry) -> None:
    registry.add(SETTINGS)


@entcore.hookimpl
def entcore_register_connectors(registry: entcore.ConnectorRegistry) -> None:
    registry.add(LibraryConnector())


@entcore.hookimpl
def entcore_directory_applied(app: entcore.Entcore, report: entcore.DirectoryReport) -> None:
    """Refresh every school's borrowers file after an import."""
    outbox = app.settings.section(SETTINGS)["outbox"]
    if not outbox:
        return
    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    for structure in app.read.structures():
        if structure.uai is None:
            continue
        with (folder / f"{structure.uai}.csv").open("w", encoding="utf-8", newline="") as out:
            write_borrowers(app, structure.uai, out)
