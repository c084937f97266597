"""Snapshots and directories the timetable tests share.

:func:`minimal_snapshot` is the synthesized EDT export of the reference note
§10.2 as the EDT plugin must read it (2024-2025, week 1 = Monday 2024-09-02,
holidays at weeks 8–9, 17–18, 26–27 and 34–35).  :func:`minimal_directory`
is a directory holding its people, classes and group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, time
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import MetaData, select

from entcore import Entcore
from entcore.model import (
    ClassPart,
    ClassRef,
    Course,
    CourseItem,
    ItemKind,
    MembershipKind,
    PersonRecord,
    Profile,
    SchoolYear,
    StructureRecord,
    StudentMembership,
    TeachingService,
    Timetable,
    TimetableClass,
    TimetableGroup,
    TimetableRoom,
    TimetableStudent,
    TimetableSubject,
    TimetableTeacher,
    mask_of,
)
from entcore.testing import RecordFeed
from tests.timetable import snapshot_format
from tests.timetable.snapshot_format import write_snapshot

UAI = "0999999X"
STRUCTURE = "ST1"
YEAR = SchoolYear(start=date(2024, 9, 2), end=date(2025, 7, 4), first_monday=date(2024, 9, 2))
ANNUAL = 35132630760702
ANNUAL_WEEKS = [*range(1, 8), *range(10, 17), *range(19, 26), *range(28, 34), *range(36, 45)]
FORTNIGHTLY = 11693629941930


def item(kind: ItemKind, key: str, weeks: int) -> CourseItem:
    return CourseItem(kind, key, weeks)


def minimal_snapshot(**changes: Any) -> Timetable:
    """The snapshot of §10.2; keyword arguments replace fields."""
    member = {"start": date(2024, 9, 2), "end": date(2025, 7, 4)}
    snapshot = Timetable(
        format=snapshot_format.NAME,
        uai=UAI,
        school_year=YEAR,
        subjects=(
            TimetableSubject("1", "MATHS", "MATHEMATIQUES"),
            TimetableSubject("2", "AGL1", "ANGLAIS LV1"),
            TimetableSubject("3", "EPS", "ED.PHYSIQUE & SPORT."),
        ),
        teachers=(
            TimetableTeacher("1", "MARTIN", "Claire", date(1980, 3, 12), "AAAABBBBCCCCDDDD"),
            TimetableTeacher("2", "DURAND", "Paul", None, "EEEEFFFFGGGGHHHH", "8949"),
            TimetableTeacher("3", "PETIT", "Léa", None, "JJJJKKKKLLLLMMMM"),
        ),
        classes=(
            TimetableClass("1", "6A", parts=(ClassPart("11"), ClassPart("12"))),
            TimetableClass("2", "6B", parts=(ClassPart("21"), ClassPart("22"))),
        ),
        groups=(TimetableGroup("1", "6AB ANGL G1", parts=("11", "21")),),
        rooms=(TimetableRoom("1", "S101"), TimetableRoom("2", "GYMNASE")),
        students=(
            TimetableStudent(
                "1",
                "DUPONT",
                "Lucas",
                date(2013, 5, 14),
                pronote_id="NNNNPPPPQQQQRRRR",
                memberships=(
                    StudentMembership(MembershipKind.CLASS, "1", **member),
                    StudentMembership(MembershipKind.PART, "11", **member),
                ),
            ),
            TimetableStudent(
                "2",
                "BERNARD",
                "Inès",
                date(2013, 11, 2),
                pronote_id="SSSSTTTTVVVVWWWW",
                memberships=(
                    StudentMembership(MembershipKind.CLASS, "2", **member),
                    StudentMembership(MembershipKind.PART, "22", **member),
                ),
            ),
        ),
        courses=(
            Course(
                "maths-6a",
                "1",
                1,
                time(8, 0),
                time(9, 50),
                items=(
                    item(ItemKind.TEACHER, "1", 35132630760694),
                    item(ItemKind.TEACHER, "3", 8),
                    item(ItemKind.CLASS, "1", ANNUAL),
                    item(ItemKind.ROOM, "1", ANNUAL),
                ),
            ),
            Course(
                "english-group",
                "2",
                2,
                time(10, 5),
                time(11, 0),
                cancelled_weeks=32,
                items=(
                    item(ItemKind.TEACHER, "2", FORTNIGHTLY),
                    item(ItemKind.GROUP, "1", FORTNIGHTLY),
                    item(ItemKind.ROOM, "1", FORTNIGHTLY),
                ),
            ),
            Course(
                "eps-part",
                "3",
                4,
                time(10, 5),
                time(11, 55),
                items=(
                    item(ItemKind.TEACHER, "2", ANNUAL),
                    item(ItemKind.PART, "12", ANNUAL),
                    item(ItemKind.ROOM, "2", ANNUAL),
                ),
            ),
            Course(
                "maths-6b-once",
                "1",
                5,
                time(11, 0),
                time(11, 55),
                items=(
                    item(ItemKind.TEACHER, "1", 4),
                    item(ItemKind.CLASS, "2", 4),
                ),
            ),
        ),
    )
    return attrs.evolve(snapshot, **changes)


STS_YEAR = SchoolYear(start=date(2024, 9, 1), end=date(2025, 8, 31), first_monday=date(2024, 9, 2))


def sts_emp_snapshot() -> Timetable:
    """§10.4: services only; the 6B maths service has no teacher."""
    return Timetable(
        format="sts",
        uai="0999999X",
        school_year=STS_YEAR,
        subjects=(
            TimetableSubject("061300", "MATHS", "MATHEMATIQUES", "061300"),
            TimetableSubject("030201", "AGL1", "ANGLAIS LV1", "030201"),
        ),
        teachers=(
            TimetableTeacher("8949", "MARTIN", "CLAIRE", date(1980, 3, 12), sts_id="8949"),
            TimetableTeacher("3506", "REMPLACANTE", "ANNE", sts_id="3506"),
        ),
        classes=(TimetableClass("6A", "6A"), TimetableClass("6B", "6B")),
        groups=(TimetableGroup("6AB_ANGL", "6AB_ANGL", "6EME ANGLAIS G1", classes=("6A", "6B")),),
        services=(
            TeachingService("061300", ItemKind.CLASS, "6A", ("8949",)),
            TeachingService("061300", ItemKind.CLASS, "6B", ()),
            TeachingService("030201", ItemKind.GROUP, "6AB_ANGL", ("3506",)),
        ),
    )


def replace_course(snapshot: Timetable, key: str, course: Course | None) -> Timetable:
    """``snapshot`` with course ``key`` replaced (or removed when ``course`` is None)."""
    courses = [c for c in snapshot.courses if c.key != key]
    if course is not None:
        courses.append(course)
    return attrs.evolve(snapshot, courses=tuple(courses))


def weeks(*numbers: int) -> int:
    return mask_of(list(numbers))


def teacher(
    external_id: str, last: str, first: str, birth: date | None = None, structure: str = STRUCTURE
) -> PersonRecord:
    return PersonRecord(
        external_id, Profile.TEACHER, last, first, birth_date=birth, structures=(structure,)
    )


def student(
    external_id: str,
    last: str,
    first: str,
    birth: date,
    classes: Sequence[str],
    groups: Sequence[str] = (),
    structure: str = STRUCTURE,
) -> PersonRecord:
    return PersonRecord(
        external_id,
        Profile.STUDENT,
        last,
        first,
        birth_date=birth,
        structures=(structure,),
        classes=tuple(ClassRef(structure, code) for code in classes),
        groups=tuple(ClassRef(structure, code) for code in groups),
    )


def minimal_directory(*, with_group: bool = True, extra: Iterable[PersonRecord] = ()) -> list[Any]:
    """The people of §10.2 in a directory: DURAND's external id is his STS id."""
    return [
        StructureRecord(STRUCTURE, "COLLEGE DE TEST", uai=UAI),
        teacher("T-MARTIN", "MARTIN", "Claire", date(1980, 3, 12)),
        teacher("8949", "DURAND", "Paul", date(1975, 1, 20)),
        teacher("T-PETIT", "PETIT", "Léa", date(1990, 6, 1)),
        student(
            "E-DUPONT",
            "DUPONT",
            "Lucas",
            date(2013, 5, 14),
            ["6A"],
            ["6AB ANGL G1"] if with_group else [],
        ),
        student("E-BERNARD", "BERNARD", "Inès", date(2013, 11, 2), ["6B"]),
        *extra,
    ]


def populate(app: Entcore, records: Iterable[Any]) -> None:
    """Run a directory import of ``records``."""
    app.directory.run_feed(RecordFeed(list(records)), source="records")


def make_app(
    factory: Callable[..., Entcore],
    *plugins: object,
    records: Iterable[Any] | None = None,
    **options: Any,
) -> Entcore:
    """An application with the test format (and ``plugins``) on a directory of ``records``."""
    app = factory([snapshot_format, *plugins], **options)
    populate(app, minimal_directory() if records is None else records)
    return app


def snapshot_file(tmp_path: Path, snapshot: Timetable, name: str = "export.json") -> Path:
    return write_snapshot(tmp_path / name, snapshot)


def dump_tables(app: Entcore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: to check that something changed nothing."""
    metadata = MetaData()
    with app.store.connect() as connection:
        metadata.reflect(connection)
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in sorted(metadata.tables.items())
        }
