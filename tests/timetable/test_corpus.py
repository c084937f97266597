"""Acceptance on the real EDT exports of the corpus (laclasse.com samples), through the EDT plugin.

The directory is built from the files' own people, classes and groups, as the
académie's feed would hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from entcore import Entcore, FormatContext, ImportRefused, InvalidFileError
from entcore.model import (
    ClassRef,
    MembershipKind,
    PersonRecord,
    Profile,
    StructureRecord,
    Timetable,
)
from entcore.timetable.derive import normalise
from tests.timetable.builders import populate

pytestmark = pytest.mark.corpus

Factory = Callable[..., Entcore]
STRUCTURE = "COLLEGE-0134567A"
CURRENT = "Edt_To_LaclasseCom_0134567A_Enclair.xml"
PREVIOUS = "Edt_To_LaclasseCom_0134567A_Enclair_lislble.xml"


@pytest.fixture
def edt() -> Any:
    return pytest.importorskip("entcore_edt")


@pytest.fixture
def samples(corpus: Path) -> Path:
    folder = corpus / "timetable" / "laclasse-service-cahiertextes"
    if not (folder / CURRENT).is_file():
        pytest.skip(f"EDT samples not found in {folder}")
    return folder


def parse(edt: Any, path: Path) -> Timetable:
    snapshot: Timetable = edt.EdtFormat().parse(path, FormatContext(path.name))
    return snapshot


def people(snapshots: Iterable[Timetable]) -> list[Any]:
    """Directory records of the teachers, students, classes and groups of ``snapshots``."""
    records: dict[str, Any] = {}
    uai = ""
    for snapshot in snapshots:
        uai = snapshot.uai
        class_names = {c.key: c.name for c in snapshot.classes}
        for teacher in snapshot.teachers:
            key = f"T-{normalise(teacher.last_name)}-{normalise(teacher.first_name)}"
            records[key] = PersonRecord(
                key,
                Profile.TEACHER,
                teacher.last_name,
                teacher.first_name,
                birth_date=teacher.birth_date,
                structures=(STRUCTURE,),
            )
        for student in snapshot.students:
            key = f"E-{student.pronote_id or normalise(student.last_name + student.first_name)}"
            classes = {m.key for m in student.memberships if m.kind is MembershipKind.CLASS}
            parts = {m.key for m in student.memberships if m.kind is MembershipKind.PART}
            groups = [
                g.name
                for g in snapshot.groups
                if set(g.classes) & classes or set(g.parts) & parts or student.key in g.students
            ]
            known = records.get(key)
            refs = {ClassRef(STRUCTURE, class_names[k]) for k in classes}
            group_refs = {ClassRef(STRUCTURE, name) for name in groups}
            if known is not None:
                refs |= set(known.classes)
                group_refs |= set(known.groups)
            records[key] = PersonRecord(
                key,
                Profile.STUDENT,
                student.last_name,
                student.first_name,
                birth_date=student.birth_date,
                structures=(STRUCTURE,),
                classes=tuple(sorted(refs, key=repr)),
                groups=tuple(sorted(group_refs, key=repr)),
            )
    return [StructureRecord(STRUCTURE, "COLLEGE INDEX EDUCATION", uai=uai), *records.values()]


def test_report_matches_the_file_and_reimport_changes_nothing(
    entcore_app_factory: Factory, edt: Any, samples: Path
) -> None:
    """Subjects, teachers, classes and groups counted as in the file; the same file again: no change."""
    path = samples / CURRENT
    snapshot = parse(edt, path)
    app = entcore_app_factory([edt])
    populate(app, people([snapshot]))
    report = app.timetable.import_file(path, snapshot.uai, as_of=date(2013, 8, 30))
    assert report.format == "edt" and report.school_year == "2013-2014"
    assert (
        (report.subjects.added, report.subjects.modified) == (len(snapshot.subjects), 0) == (25, 0)
    )
    assert (
        (report.teachers.imported, report.teachers.not_imported)
        == (len(snapshot.teachers), 0)
        == (31, 0)
    )
    assert (
        (report.classes.imported, report.classes.not_imported)
        == (len(snapshot.classes), 0)
        == (16, 0)
    )
    assert (
        (report.option_groups.imported, report.option_groups.not_imported)
        == (len(snapshot.groups), 0)
        == (48, 0)
    )
    assert report.closure_periods.added == 4
    assert report.sessions.delta > 10000
    assert report.teaching_services.added > 0 and report.teaching_services.added_incomplete == 0
    assert {w.kind for w in report.warnings} == {"teacher_matched_by_name"}, (
        "the file gives no birth dates"
    )
    validated = app.timetable.validate(report.id)
    assert app.stats()["sessions"] == report.sessions.delta
    again = app.timetable.import_file(path, snapshot.uai, as_of=date(2013, 8, 30))
    data = again.to_json()
    for section in ("subjects", "closure_periods", "alternations", "teaching_services", "sessions"):
        assert set(data[section].values()) == {0}, section
    assert {k: v["delta"] for k, v in data["weekly"].items()} == dict.fromkeys(data["weekly"], 0)
    assert [
        t.total
        for t in (
            again.weekly.replacements,
            again.weekly.cancellations,
            again.weekly.exceptional_courses,
        )
    ] == [
        t.total
        for t in (
            validated.weekly.replacements,
            validated.weekly.cancellations,
            validated.weekly.exceptional_courses,
        )
    ]
    assert (again.classes, again.option_groups, again.teachers) == (
        report.classes,
        report.option_groups,
        report.teachers,
    )
    assert again.warnings == [], "teachers are now matched by the Pronote ids learnt at validation"


def test_new_year_reports_the_differences_and_restarts_totals(
    entcore_app_factory: Factory, edt: Any, samples: Path
) -> None:
    """2012-2013 validated, then 2013-2014 with --new-year: differences, totals of the new year only."""
    old, new = parse(edt, samples / PREVIOUS), parse(edt, samples / CURRENT)
    app = entcore_app_factory([edt])
    populate(app, people([old, new]))
    first = app.timetable.import_file(samples / PREVIOUS, old.uai, as_of=date(2012, 8, 31))
    assert first.school_year == "2012-2013"
    app.timetable.validate(first.id)
    with pytest.raises(ImportRefused, match="--new-year"):
        app.timetable.import_file(samples / CURRENT, new.uai, as_of=date(2013, 8, 30))
    report = app.timetable.import_file(
        samples / CURRENT, new.uai, as_of=date(2013, 8, 30), new_year=True
    )
    assert report.school_year == "2013-2014"
    old_subjects = {s.code: s.label for s in old.subjects}
    new_subjects = {s.code: s.label for s in new.subjects}
    assert report.subjects.added == len(new_subjects.keys() - old_subjects.keys())
    assert report.subjects.modified == sum(
        1
        for code, label in new_subjects.items()
        if code in old_subjects and old_subjects[code] != label
    )
    assert report.closure_periods.added > 0 and report.closure_periods.deleted > 0
    assert (
        report.sessions.delta
        == app.timetable.import_file(
            samples / CURRENT, new.uai, as_of=date(2013, 8, 30), new_year=True
        ).sessions.delta
    )
    # Running totals restart: nothing of 2013-2014 is stored yet, so each total is its own gap.
    for tally in (
        report.weekly.replacements,
        report.weekly.cancellations,
        report.weekly.exceptional_courses,
    ):
        assert tally.total == tally.delta
    assert report.weekly.exceptional_courses.total > 0
    sessions_2012 = app.stats()["sessions"]
    validated = app.timetable.validate(report.id)
    assert validated.status == "validated"
    assert app.stats()["sessions"] == sessions_2012 + report.sessions.delta + first.sessions.delta
    before_rentree = app.timetable.sessions(new.uai, end=date(2013, 8, 31))
    assert {s["school_year"] for s in before_rentree} == {"2012-2013"}


@pytest.mark.parametrize("name", ["Edt_To_LaclasseCom_0134567A.xml", "damaged"])
def test_undecryptable_or_corrupt_exports_leave_nothing_pending(
    entcore_app_factory: Factory, edt: Any, samples: Path, tmp_path: Path, name: str
) -> None:
    """An encrypted export for another partner, or a truncated one: one line, nothing stored."""
    snapshot = parse(edt, samples / CURRENT)
    app = entcore_app_factory([edt])
    populate(app, people([snapshot]))
    if name == "damaged":
        data = (samples / CURRENT).read_bytes()
        path = tmp_path / CURRENT
        path.write_bytes(data[: len(data) // 2])
    else:
        path = samples / name
    with pytest.raises(InvalidFileError) as raised:
        app.timetable.import_file(path, snapshot.uai)
    assert path.name in str(raised.value) and "\n" not in str(raised.value)
    assert app.timetable.reports(snapshot.uai) == []
    assert app.stats()["timetable_imports"] == 0
