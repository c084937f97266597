"""Preview equals reality: the dry run's report is the real run's, at every feed size and order.

The planner never reads what earlier batches of the same import wrote, so a key
repeated past the first batch, a student repeated as staff, a relative absent
from its file but present in another, or a structure deleted before its people
are read, are all counted the same with and without ``--dry-run``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from entcore.directory import engine
from entcore.model import (
    ClassRef,
    Deletion,
    FunctionAssignment,
    ImportMode,
    Modification,
    Origin,
    PersonRecord,
    Profile,
    RecordKind,
    Rejection,
    Relationship,
    RelativeLink,
    StructureRecord,
    SubjectRecord,
    Teaching,
    TeachingTarget,
)
from entcore.store.schema import Account
from entcore.testing import RecordFeed
from tests.test_directory_engine import dump

NOW = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
SCHOOLS = [
    StructureRecord(f"S{n}", f"COLLEGE {n}", uai=f"07400{n:02d}A", academy="GRENOBLE")
    for n in range(3)
]


def pupil(n: int, school: int = 0, **more: Any) -> PersonRecord:
    return PersonRecord(
        f"E{n:05d}",
        Profile.STUDENT,
        f"ELEVE{n}",
        "Léa",
        birth_date=date(2012, 1, 1),
        structures=(f"S{school}",),
        classes=(ClassRef(f"S{school}", f"{6 + n % 4}{'ABC'[n % 3]}", f"Classe {n % 12}"),),
        groups=(ClassRef(f"S{school}", f"G{n % 5}"),) if n % 2 else (),
        relatives=(RelativeLink(f"R{n:05d}", Relationship.MOTHER, "10", legal=True),),
        **more,
    )


def parent(n: int) -> PersonRecord:
    return PersonRecord(f"R{n:05d}", Profile.RELATIVE, f"PARENT{n}", "Anne")


def staff(n: int, school: int = 0, teaching: bool = True, key: str | None = None) -> PersonRecord:
    structure = f"S{school}"
    if teaching:
        return PersonRecord(
            key or f"T{n:05d}",
            Profile.TEACHER,
            f"PROF{n}",
            "Paul",
            structures=(structure,),
            functions=(FunctionAssignment(structure, "ENS", "ENSEIGNEMENT", "L1300", "MATHS"),),
            teachings=(
                Teaching(structure, TeachingTarget.CLASS, f"{6 + n % 4}A", "061300"),
                Teaching(structure, TeachingTarget.GROUP, f"G{n % 5}", "061300"),
            ),
        )
    return PersonRecord(
        key or f"P{n:05d}", Profile.PERSONNEL, f"AGENT{n}", "Marc", structures=(structure,)
    )


def comparable(report: Any) -> dict[str, Any]:
    data = report.to_json()
    for key in ("dry_run", "id", "started_at", "finished_at"):
        data.pop(key)
    return data


def preview_then_real(
    app: Any,
    items: list[Any],
    *,
    mode: ImportMode = ImportMode.FULL,
    complete: tuple[RecordKind, ...] = (),
    now: datetime = NOW,
    allow: bool = False,
) -> Any:
    """Run ``items`` as a dry run, then for real; assert the reports are equal; the real one."""

    def run(dry_run: bool) -> Any:
        return app.directory.run_feed(
            RecordFeed(items, mode, complete),
            source="records",
            dry_run=dry_run,
            now=now,
            allow_mass_disappearance=allow,
        )

    before = dump(app)
    preview = run(True)
    assert dump(app) == before, "a dry run wrote to the store"
    real = run(False)
    assert comparable(preview) == comparable(real)
    return real


def duplicates(report: Any) -> list[tuple[str, str]]:
    return sorted((error.id, error.reason) for error in report.errors if "double" in error.reason)


def test_staff_key_repeated_past_the_first_batch_at_real_size(entcore_app) -> None:
    """1,500 staff (batch size 1,000): a teacher repeated at entry 1,200 is a teacher's duplicate."""
    assert engine.BATCH_SIZE == 1000
    people = [staff(n) for n in range(1500)]
    people.insert(1200, staff(5))
    report = preview_then_real(entcore_app, [*SCHOOLS, *people])
    assert report.counts["teachers"].created == 1500
    assert report.counts["teachers"].rejected == 1
    assert report.counts["personnels"].rejected == 0
    assert duplicates(report) == [("T00005", "entrée en double dans l'import (déjà lue plus haut)")]
    # Again on the populated store: the same feed is all unchanged, the duplicate still a teacher's.
    again = preview_then_real(entcore_app, [*SCHOOLS, *people], now=NOW + timedelta(days=1))
    assert again.counts["teachers"].unchanged == 1500 and again.counts["teachers"].rejected == 1
    assert not again.has_changes


def test_student_key_repeated_as_staff_at_real_size(entcore_app) -> None:
    """A student key read again in the staff file, past the first batch, is a student's duplicate."""
    pupils = [pupil(n) for n in range(1100)]
    people = [staff(n) for n in range(1100)]
    people.insert(1050, staff(9, key="E01070"))
    items = [*SCHOOLS, *map(parent, range(1100)), *pupils, *people]
    report = preview_then_real(entcore_app, items)
    assert report.counts["students"].rejected == 1
    assert report.counts["teachers"].rejected == 0 and report.counts["personnels"].rejected == 0
    assert duplicates(report) == [("E01070", "entrée en double dans l'import (déjà lue plus haut)")]


@pytest.mark.parametrize("batch", [1, 3, 7, 50])
def test_every_batch_size_gives_the_same_report(
    entcore_app, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Repeats within and across files, in feeds of many batches, first import and re-import."""
    monkeypatch.setattr(engine, "BATCH_SIZE", batch)
    first = [
        *SCHOOLS,
        SubjectRecord("061300", "MATHEMATIQUES"),
        SubjectRecord("061300", "MATHEMATIQUES"),
        *map(parent, range(40)),
        parent(3),
        *(pupil(n, school=n % 3) for n in range(40)),
        pupil(7),
        *(staff(n, school=n % 3, teaching=n % 4 != 0) for n in range(20)),
        staff(2),
        staff(50, key="E00011"),
        staff(51, key="R00012"),
    ]
    report = preview_then_real(entcore_app, first)
    assert report.counts["students"].created == 40
    assert report.counts["relatives"].created == 40
    assert report.counts["teachers"].created + report.counts["personnels"].created == 20
    # Duplicates are counted where their first reading was: R00012 read again as staff is a
    # relative's, E00011 a student's, T00002 a teacher's.
    assert report.counts["subjects"].rejected == 1
    assert report.counts["relatives"].rejected == 2
    assert report.counts["students"].rejected == 2
    assert report.counts["teachers"].rejected == 1 and report.counts["personnels"].rejected == 0
    assert [error.id for error in report.errors] == [
        "061300",
        "R00003",
        "E00007",
        "T00002",
        "E00011",
        "R00012",
    ]
    second = [
        *SCHOOLS,
        SubjectRecord("061300", "MATHEMATIQUES"),
        # R00005 leaves the relatives file but comes back as a teacher; R00006 only leaves.
        *(parent(n) for n in range(40) if n not in (5, 6)),
        *(pupil(n, school=n % 3, email=f"e{n}@example.org") for n in range(2, 40)),
        pupil(45, school=1),
        pupil(3),
        *(staff(n, school=n % 3, teaching=n % 4 != 0) for n in range(20)),
        # E00001 leaves the student file and comes back as a teacher.
        staff(60, key="R00005"),
        staff(61, key="E00001"),
    ]
    report = preview_then_real(entcore_app, second, now=NOW + timedelta(days=1), allow=True)
    assert report.counts["students"].disappeared == 1  # E00000
    assert report.counts["students"].updated == 38 and report.counts["students"].created == 1
    assert report.counts["relatives"].disappeared == 2  # R00005 and R00006, judged first
    assert report.counts["teachers"].updated == 2  # R00005 and E00001, teachers now
    assert report.counts["teachers"].unchanged + report.counts["personnels"].unchanged == 20
    assert duplicates(report) == [("E00003", "entrée en double dans l'import (déjà lue plus haut)")]
    with entcore_app.store.connect() as connection:
        state = {
            key: (profile, gone is not None)
            for key, profile, gone in connection.execute(
                select(Account.external_id, Account.profile, Account.disappeared_at)
            )
        }
    assert state["R00005"] == state["E00001"] == (Profile.TEACHER.value, False)
    assert state["R00006"] == (Profile.RELATIVE.value, True)
    assert state["E00000"] == (Profile.STUDENT.value, True)


def test_deltas_and_deleted_structures_give_the_same_report(
    entcore_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delta deletes a structure, then modifies, deletes and repeats people across batches."""
    monkeypatch.setattr(engine, "BATCH_SIZE", 4)
    preview_then_real(
        entcore_app,
        [*SCHOOLS, *map(parent, range(12)), *(pupil(n, school=n % 3) for n in range(12))],
        allow=True,
    )
    origin = Origin("delta.xml", 1, "x")
    delta = [
        Deletion(RecordKind.STRUCTURE, "S2", origin),
        Rejection(RecordKind.STRUCTURE, "entrée illisible", origin),
        Modification(RecordKind.STUDENT, "E00000", (("last_name", "MODIFIE"),), origin),
        Modification(RecordKind.STUDENT, "E00000", (("last_name", "ENCORE"),), origin),
        Deletion(RecordKind.STUDENT, "E00001", origin),
        Deletion(RecordKind.STUDENT, "E00001", origin),
        Modification(RecordKind.STUDENT, "E99999", (("last_name", "X"),), origin),
        pupil(20, school=2),  # its structure is deleted by this very delta
        pupil(21, school=1),
        pupil(21, school=1),
    ]
    report = preview_then_real(entcore_app, delta, mode=ImportMode.DELTA)
    assert report.counts["structures"].deleted == 1
    assert report.counts["students"].updated == 1 and report.counts["students"].deleted == 1
    assert report.counts["students"].created == 1 and report.counts["students"].rejected == 5
    assert report.counts["structures"].rejected == 1
    with entcore_app.store.connect() as connection:
        rows = connection.execute(select(Account.external_id, Account.last_name)).all()
    names = {row.external_id: row.last_name for row in rows}
    assert names["E00000"] == "MODIFIE" and "E00001" not in names and "E00020" not in names


def test_relative_deleted_then_read_as_staff(entcore_app_factory, monkeypatch) -> None:
    """A relative gone past the delay is deleted when its file ends; read again as staff, it is new."""
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    app = entcore_app_factory(environ={"ENTCORE_DIRECTORY_DELETE_AFTER_DAYS": "30"})
    pupils = [pupil(n) for n in range(4)]
    preview_then_real(app, [*SCHOOLS, *map(parent, range(4)), *pupils])
    without = [*SCHOOLS, *(parent(n) for n in range(4) if n != 2), *pupils]
    report = preview_then_real(app, without, now=NOW + timedelta(days=1), allow=True)
    assert report.counts["relatives"].disappeared == 1
    report = preview_then_real(
        app, [*without, staff(7, key="R00002")], now=NOW + timedelta(days=60), allow=True
    )
    assert report.counts["relatives"].deleted == 1
    assert report.counts["teachers"].created == 1 and report.counts["teachers"].updated == 0


@pytest.mark.parametrize("seed", range(4))
def test_any_order_within_files_gives_the_same_report(
    entcore_app, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Entries shuffled within their files, repeats included, in batches of five."""
    import random

    monkeypatch.setattr(engine, "BATCH_SIZE", 5)
    shuffle = random.Random(seed).shuffle
    relatives = [*map(parent, range(30)), parent(4), parent(29)]
    pupils = [*(pupil(n, school=n % 3) for n in range(30)), pupil(0), pupil(17, school=1)]
    people = [*(staff(n, school=n % 3, teaching=n % 3 != 0) for n in range(15))]
    people += [staff(40, key="E00003"), staff(41, key="R00008"), staff(4)]
    for items in (relatives, pupils, people):
        shuffle(items)
    report = preview_then_real(entcore_app, [*SCHOOLS, *relatives, *pupils, *people])
    assert report.counts["relatives"].rejected == 3  # R00004, R00029, R00008
    assert report.counts["students"].rejected == 3  # E00000, E00017, E00003
    assert report.counts["teachers"].rejected + report.counts["personnels"].rejected == 1
    again = [*SCHOOLS, *relatives[3:], *pupils[4:], *people[2:]]
    shuffle(again)
    preview_then_real(entcore_app, again, now=NOW + timedelta(days=1), allow=True)
