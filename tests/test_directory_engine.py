"""The directory engine on in-memory feeds: plan, report, apply, disappearance, deltas, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from entcore.errors import InvalidFileError
from entcore.model import (
    ClassRef,
    Deletion,
    DirectoryItem,
    FeedFile,
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
from entcore.store.schema import Account, ClassMember, ClassSpace, GroupMember, RelativeLinkRow
from entcore.testing import RecordFeed

NOW = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
LAC = StructureRecord("100", "CLG DU LAC", uai="0740001A", academy="GRENOBLE")
MONT = StructureRecord("200", "CLG DU MONT", uai="0740002B", academy="GRENOBLE")


def student(
    key: str, last: str, first: str, structure: str = "100", klass: str = "6A", **more: Any
) -> PersonRecord:
    return PersonRecord(
        key,
        Profile.STUDENT,
        last,
        first,
        birth_date=date(2013, 3, 4),
        structures=(structure,),
        classes=(ClassRef(structure, klass),),
        **more,
    )


def teacher(key: str, last: str, first: str, structure: str = "100", **more: Any) -> PersonRecord:
    return PersonRecord(key, Profile.TEACHER, last, first, structures=(structure,), **more)


def relative(key: str, last: str, first: str) -> PersonRecord:
    return PersonRecord(key, Profile.RELATIVE, last, first)


def school() -> list[Any]:
    return [
        LAC,
        SubjectRecord("061300", "MATHEMATIQUES"),
        student(
            "E1",
            "DUPONT",
            "Léa",
            groups=(ClassRef("100", "LATIN"),),
            relatives=(RelativeLink("R1", Relationship.MOTHER, "10", legal=True, financial=True),),
        ),
        student("E2", "MARTIN", "Hugo", klass="6B"),
        relative("R1", "DUPONT", "Anne"),
        teacher(
            "T1",
            "DURAND",
            "Paul",
            teachings=(
                Teaching("100", TeachingTarget.CLASS, "6A", "061300"),
                Teaching("100", TeachingTarget.GROUP, "LATIN", None),
            ),
            head_teacher_of=(ClassRef("100", "6A"),),
            functions=(FunctionAssignment("100", "ENS", "ENSEIGNEMENT", "L1300", "MATHEMATIQUES"),),
        ),
        PersonRecord(
            "P1",
            Profile.PERSONNEL,
            "BLANC",
            "Sophie",
            structures=("100",),
            functions=(FunctionAssignment("100", "DIR", "DIRECTION"),),
        ),
    ]


def run(
    app: Any,
    items: Any,
    mode: ImportMode = ImportMode.FULL,
    dry_run: bool = False,
    now: datetime = NOW,
    complete: tuple[RecordKind, ...] = (),
    allow_mass_disappearance: bool = True,
) -> Any:
    # These tests' schools are tiny: one absent student is more than the guard's share,
    # which tests of its own cover (test_directory_guard.py).
    return app.directory.run_feed(
        RecordFeed(items, mode, complete),
        source="records",
        dry_run=dry_run,
        now=now,
        allow_mass_disappearance=allow_mass_disappearance,
    )


def counts(report: Any) -> dict[str, dict[str, int]]:
    data = report.to_json()
    return {
        key: {k: v for k, v in data[key].items() if v}
        for key in (
            "structures",
            "subjects",
            "students",
            "relatives",
            "teachers",
            "personnels",
            "classes",
            "groups",
        )
    }


def dump(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare store states."""
    from entcore.store.schema import Base

    with app.store.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_first_import_creates_everything(entcore_app) -> None:
    """Accounts, classes with their spaces, groups, links and memberships are created."""
    report = run(entcore_app, school())
    assert counts(report) == {
        "structures": {"created": 1},
        "subjects": {"created": 1},
        "students": {"created": 2},
        "relatives": {"created": 1},
        "teachers": {"created": 1},
        "personnels": {"created": 1},
        "classes": {"created": 2},
        "groups": {"created": 1},
    }
    stats = entcore_app.stats()
    assert (stats["students"], stats["relatives"], stats["teachers"], stats["personnels"]) == (
        2,
        1,
        1,
        1,
    )
    assert (stats["classes"], stats["class_spaces"], stats["groups"]) == (2, 2, 1)
    with entcore_app.store.connect() as c:
        roles = sorted(
            c.execute(select(ClassMember.role, func.count()).group_by(ClassMember.role)).all()
        )
        assert roles == [("head_teacher", 1), ("student", 2), ("teacher", 1)]
        assert c.execute(select(func.count()).select_from(GroupMember)).scalar() == 2
        link = c.execute(select(RelativeLinkRow)).one()
        assert (link.relative_external_id, link.legal, link.financial) == ("R1", True, True)
        accounts = {row.external_id: row for row in c.execute(select(Account))}
    assert accounts["E1"].login == "lea.dupont"
    assert accounts["E1"].password_hash is None and accounts["E1"].federated
    assert accounts["E1"].display_name == "DUPONT Léa"


def test_second_import_is_all_unchanged_and_writes_nothing(entcore_app) -> None:
    """Re-importing the same feed reports only unchanged entities and leaves every row as it was."""
    run(entcore_app, school())
    before = dump(entcore_app)
    report = run(entcore_app, school(), now=NOW + timedelta(days=1))
    assert not report.has_changes
    assert counts(report) == {
        "structures": {"unchanged": 1},
        "subjects": {"unchanged": 1},
        "students": {"unchanged": 2},
        "relatives": {"unchanged": 1},
        "teachers": {"unchanged": 1},
        "personnels": {"unchanged": 1},
        "classes": {"unchanged": 2},
        "groups": {"unchanged": 1},
    }
    after = dump(entcore_app)
    after.pop("directory_imports"), before.pop("directory_imports")
    assert after == before


def test_dry_run_reports_the_same_and_writes_nothing(entcore_app) -> None:
    """A dry run's report equals the real run's, and the store is untouched."""
    run(entcore_app, school())
    changed = [
        LAC,
        student("E1", "DUPONT", "Léa-Marie"),
        student("E3", "PETIT", "Jules", klass="5A"),
        relative("R1", "DUPONT", "Anne"),
    ]
    before = dump(entcore_app)
    preview = run(entcore_app, changed, dry_run=True)
    assert dump(entcore_app) == before
    real = run(entcore_app, changed)
    preview_json, real_json = preview.to_json(), real.to_json()
    for key in ("dry_run", "id", "started_at", "finished_at"):
        preview_json.pop(key), real_json.pop(key)
    assert preview_json == real_json
    assert real.counts["students"].created == 1 and real.counts["students"].updated == 1
    assert real.counts["students"].disappeared == 1
    assert real.counts["classes"].created == 1


def test_login_is_unique_and_never_changes(entcore_app) -> None:
    """Homonyms get numbered logins; a renamed person keeps the login first given."""
    run(
        entcore_app,
        [
            LAC,
            student("E1", "Dupont", "Léa"),
            student("E2", "DUPONT", "LÉA"),
            student("E3", "D'upont", "Lé a"),
        ],
    )
    run(
        entcore_app,
        [
            LAC,
            student("E1", "Durand", "Léa"),
            student("E2", "DUPONT", "LÉA"),
            student("E3", "D'upont", "Lé a"),
            student("E4", "Dupont", "Lea"),
        ],
    )
    with entcore_app.store.connect() as c:
        logins = dict(c.execute(select(Account.external_id, Account.login)).all())
    assert logins == {
        "E1": "lea.dupont",
        "E2": "lea.dupont2",
        "E3": "lea.dupont3",
        "E4": "lea.dupont4",
    }


def test_disappear_restore_and_delete_after_delay(entcore_app_factory) -> None:
    """Absent accounts of a covered structure disappear, come back restored, and go after the delay."""
    app = entcore_app_factory(environ={"ENTCORE_DIRECTORY_DELETE_AFTER_DAYS": "30"})
    run(app, school())
    without = [item for item in school() if getattr(item, "external_id", None) != "E2"]
    report = run(app, without, now=NOW + timedelta(days=1))
    assert report.counts["students"].disappeared == 1
    assert report.by_structure["0740001A"]["students"].disappeared == 1
    assert app.stats()["students"] == 1 and app.stats()["disappeared"] == 1
    report = run(app, school(), now=NOW + timedelta(days=2))
    assert report.counts["students"].restored == 1
    assert app.stats()["disappeared"] == 0
    run(app, without, now=NOW + timedelta(days=3))
    report = run(app, without, now=NOW + timedelta(days=10))
    assert not report.has_changes
    report = run(app, without, now=NOW + timedelta(days=40))
    assert report.counts["students"].deleted == 1
    assert app.stats()["disappeared"] == 0
    with app.store.connect() as c:
        assert (
            c.execute(
                select(func.count()).select_from(Account).where(Account.external_id == "E2")
            ).scalar()
            == 0
        )


def test_full_import_only_covers_its_structures(entcore_app) -> None:
    """Accounts of a structure the full feed does not list are left alone."""
    run(
        entcore_app,
        [LAC, MONT, student("E1", "DUPONT", "Léa"), student("E9", "NOIR", "Max", structure="200")],
    )
    report = run(entcore_app, [LAC, student("E1", "DUPONT", "Léa")])
    assert report.counts["students"].disappeared == 0
    assert entcore_app.stats()["students"] == 2


def test_relatives_disappear_only_with_a_full_relatives_file(entcore_app) -> None:
    """Relatives are judged only when the full feed has a relatives file, on their children's structures."""
    run(entcore_app, school())
    no_relatives = [
        item for item in school() if getattr(item, "profile", None) is not Profile.RELATIVE
    ]
    report = run(entcore_app, no_relatives)
    assert report.counts["relatives"].disappeared == 0
    report = run(entcore_app, no_relatives, complete=(RecordKind.RELATIVE,))
    assert report.counts["relatives"].disappeared == 1


def test_unknown_structure_rejects_the_record_but_keeps_the_others(entcore_app) -> None:
    """A person attached to an unknown structure is rejected and reported; the rest is imported."""
    report = run(
        entcore_app,
        [LAC, student("E1", "DUPONT", "Léa"), student("E2", "NOIR", "Max", structure="999")],
    )
    assert report.counts["students"].created == 1 and report.counts["students"].rejected == 1
    error = report.errors[0]
    assert error.id == "E2" and "999" in error.reason
    assert entcore_app.stats()["students"] == 1


def test_references_to_unknown_structures_are_dropped_with_a_warning(entcore_app) -> None:
    """A teacher's teaching in an unknown structure is dropped, the teacher kept."""
    record = teacher(
        "T1", "DURAND", "Paul", teachings=(Teaching("999", TeachingTarget.CLASS, "3A", None),)
    )
    report = run(entcore_app, [LAC, record])
    assert report.counts["teachers"].created == 1
    assert "999" in report.warnings[0].reason
    assert entcore_app.stats()["classes"] == 0


def test_rejections_and_duplicates_are_reported(entcore_app) -> None:
    """Source rejections and a second entry with the same key are counted as rejected."""
    items = [
        LAC,
        student("E1", "DUPONT", "Léa"),
        student("E1", "DUPONT", "Léa"),
        Rejection(
            RecordKind.STUDENT,
            "date de naissance invalide : 31/02/2013",
            Origin("ENT_Complet_Eleve_0000.xml", 42, "E7"),
        ),
    ]
    report = run(entcore_app, items)
    assert report.counts["students"].created == 1 and report.counts["students"].rejected == 2
    reasons = {(error.id, error.line) for error in report.errors}
    assert ("E7", 42) in reasons


def test_delta_applies_adds_modifies_and_deletes_only(entcore_app) -> None:
    """A delta leaves absent accounts alone and applies modifications field by field."""
    run(entcore_app, school())
    origin = Origin("ENT_Delta_Eleve_0000.xml", 3, "E1")
    delta = [
        Modification(
            RecordKind.STUDENT, "E1", (("first_name", "Léna"), ("address.city", "ANNECY")), origin
        ),
        Deletion(RecordKind.STUDENT, "E2", Origin("ENT_Delta_Eleve_0000.xml", 9, "E2")),
        student("E3", "PETIT", "Jules"),
        Deletion(RecordKind.STUDENT, "E404", Origin("ENT_Delta_Eleve_0000.xml", 12, "E404")),
    ]
    report = run(entcore_app, delta, mode=ImportMode.DELTA)
    assert counts(report)["students"] == {"created": 1, "updated": 1, "deleted": 1, "rejected": 1}
    assert report.counts["teachers"].disappeared == 0
    with entcore_app.store.connect() as c:
        row = c.execute(select(Account).where(Account.external_id == "E1")).one()
        assert (row.first_name, row.login, row.details["address"]["city"]) == (
            "Léna",
            "lea.dupont",
            "ANNECY",
        )
        # The modified student keeps her class, group and relative.
        assert (
            c.execute(
                select(func.count())
                .select_from(ClassMember)
                .where(ClassMember.account_id == row.id)
            ).scalar()
            == 1
        )
        assert (
            c.execute(
                select(func.count())
                .select_from(RelativeLinkRow)
                .where(RelativeLinkRow.student_id == row.id)
            ).scalar()
            == 1
        )
    assert entcore_app.stats()["students"] == 2


def test_structure_matched_on_uai_adopts_the_new_key(entcore_app) -> None:
    """A structure arriving under a new key but a known UAI is the same structure."""
    run(entcore_app, [LAC, student("E1", "DUPONT", "Léa")])
    renamed = StructureRecord("100-NEW", "COLLEGE DU LAC", uai="0740001A")
    report = run(entcore_app, [renamed, student("E1", "DUPONT", "Léa", structure="100-NEW")])
    assert report.counts["structures"].updated == 1
    assert entcore_app.stats()["structures"] == 1 and entcore_app.stats()["classes"] == 1


def test_class_label_updates_and_spaces(entcore_app) -> None:
    """A class label change is an update; every class has exactly one space."""
    run(
        entcore_app,
        [
            LAC,
            PersonRecord(
                "E1",
                Profile.STUDENT,
                "A",
                "B",
                birth_date=date(2015, 1, 1),
                structures=("100",),
                classes=(ClassRef("100", "CM1", "CM1 A"),),
            ),
        ],
    )
    report = run(
        entcore_app,
        [
            LAC,
            PersonRecord(
                "E1",
                Profile.STUDENT,
                "A",
                "B",
                birth_date=date(2015, 1, 1),
                structures=("100",),
                classes=(ClassRef("100", "CM1", "CM1 Bleu"),),
                title="M.",
            ),
        ],
    )
    assert report.counts["classes"].updated == 1
    with entcore_app.store.connect() as c:
        assert c.execute(select(func.count()).select_from(ClassSpace)).scalar() == 1


class BrokenFeed:
    """A feed whose second file turns out to be malformed halfway through."""

    mode = ImportMode.FULL
    files = (
        FeedFile("a.xml", RecordKind.STRUCTURE, ImportMode.FULL),
        FeedFile("b.xml", RecordKind.STUDENT, ImportMode.FULL),
    )

    def __iter__(self) -> Iterator[DirectoryItem]:
        yield from RecordFeed([LAC, *(student(f"E{i}", "NOM", f"P{i}") for i in range(1500))])
        raise InvalidFileError("b.xml", "XML mal formé : balise non fermée", 1234)

    def close(self) -> None:
        pass


def test_malformed_file_aborts_and_leaves_the_store_unchanged(entcore_app) -> None:
    """An error in the middle of the feed rolls back everything already applied."""
    run(entcore_app, school())
    before = dump(entcore_app)
    with pytest.raises(InvalidFileError, match=r"b.xml:1234"):
        entcore_app.directory.run_feed(BrokenFeed(), source="records")
    assert dump(entcore_app) == before
