"""The synthesized export of the timetable reference note (§10.3) parses exactly as described."""

from __future__ import annotations

import importlib.metadata
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from entcore_udt import UdtFormat
from udt_support import MEMBER_ORDER, parse, reference_members

import entcore
from entcore.model import (
    Closure,
    Course,
    ItemKind,
    MembershipKind,
    StudentMembership,
    Timetable,
    weeks_of,
)


@pytest.fixture
def timetable(reference_archive: Path) -> Timetable:
    return parse(reference_archive)


def items(course: Course) -> dict[tuple[ItemKind, str], list[int]]:
    return {(item.kind, item.key): list(weeks_of(item.weeks)) for item in course.items}


def test_committed_archive_holds_the_member_files(reference_archive: Path) -> None:
    """The .zip and the member files beside it are the same bytes."""
    with zipfile.ZipFile(reference_archive) as archive:
        assert archive.namelist() == list(MEMBER_ORDER)
        assert {name: archive.read(name) for name in MEMBER_ORDER} == reference_members()


def test_members_use_several_encodings() -> None:
    """One member is really Latin-9, one UTF-8 with a BOM and no declaration."""
    teachers = reference_members()["UDCal_04.xml"]
    assert teachers.startswith(b'<?xml version="1.0" encoding="ISO-8859-15"?>')
    assert "LEFÈVRE-CŒUR".encode("iso-8859-15") in teachers
    assert b"\xbc" in teachers  # Œ, absent from Latin-1
    students = reference_members()["UDCal_10.xml"]
    assert students.startswith(b"\xef\xbb\xbf<eleves>")


def test_school_year_and_identity(timetable: Timetable) -> None:
    """Week 1 is Monday 2024-09-02 (ISO week 36 of debut_eleve's year); UAI and time come from the name."""
    assert timetable.format == "udt"
    assert timetable.uai == "0999999X"
    assert timetable.software == "UnDeuxTemps"
    assert timetable.generated_at is not None
    assert timetable.generated_at.replace(tzinfo=None) == datetime(2024, 8, 30, 12, 0, 0)
    assert timetable.generated_at.utcoffset() is not None
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2024, 9, 2),
        date(2025, 7, 4),
        date(2024, 9, 2),
    )
    assert year.label == "2024-2025"


def test_closures_are_explicit(timetable: Timetable) -> None:
    """Each fermeture is a closure."""
    assert timetable.closures == (
        Closure(date(2024, 10, 19), date(2024, 11, 3)),
        Closure(date(2024, 12, 21), date(2025, 1, 5)),
    )
    assert timetable.alternations == ()
    assert timetable.services is None


def test_maths_course(timetable: Timetable) -> None:
    """Fiches 101+102 merge into Monday 08:00-09:00; P02 co-teaches in week 1 and replaces P01 in week 2."""
    maths = [course for course in timetable.courses if course.subject == "MATHS"]
    assert len(maths) == 1
    course = maths[0]
    assert (course.day, course.start, course.end) == (1, time(8, 0), time(9, 0))
    assert items(course) == {
        (ItemKind.TEACHER, "P01"): [1],
        (ItemKind.TEACHER, "P02"): [1, 2],
        (ItemKind.CLASS, "6A"): [1, 2],
        (ItemKind.ROOM, "S101"): [1, 2],
    }


def test_english_course_is_for_the_group_only(timetable: Timetable) -> None:
    """English goes to group 6A_ANG_G1, Tuesday 08:00-09:00, with no class item."""
    english = [course for course in timetable.courses if course.subject == "AGL1"]
    assert len(english) == 1
    course = english[0]
    assert (course.day, course.start, course.end) == (2, time(8, 0), time(9, 0))
    group = next(g for g in timetable.groups if g.name == "6A_ANG_G1")
    assert items(course) == {
        (ItemKind.TEACHER, "P02"): [1, 2],
        (ItemKind.GROUP, group.key): [1, 2],
        (ItemKind.ROOM, "S101"): [1, 2],
    }


def test_nothing_from_week_3(timetable: Timetable) -> None:
    """Without UDCal_12_38.xml, weeks >= 3 (ISO >= 38) have no course at all."""
    assert len(timetable.courses) == 2
    active = 0
    for course in timetable.courses:
        for item in course.items:
            active |= item.weeks
    assert list(weeks_of(active)) == [1, 2]


def test_reference_tables(timetable: Timetable) -> None:
    """Rooms, subjects, classes and teachers keep the UDT codes; epj is the directory id."""
    assert [(r.key, r.name) for r in timetable.rooms] == [("S101", "Salle 101")]
    assert [(s.key, s.label, s.national_code) for s in timetable.subjects] == [
        ("MATHS", "MATHEMATIQUES", "061300"),
        ("AGL1", "ANGLAIS LV1", "030201"),
    ]
    assert [(c.key, c.name, c.label) for c in timetable.classes] == [
        ("6A", "6A", "6EME A"),
        ("6B", "6B", "6EME B"),
    ]
    teachers = {t.key: t for t in timetable.teachers}
    assert set(teachers) == {"P01", "P02", "P03"}
    assert teachers["P01"].directory_id == "2397000"
    assert teachers["P01"].birth_date == date(1980, 3, 12)
    assert teachers["P02"].birth_date is None
    assert (teachers["P03"].last_name, teachers["P03"].first_name) == ("LEFÈVRE-CŒUR", "Zoé")


def test_groups_and_regroupement(timetable: Timetable) -> None:
    """G9 (empty code_sts) is skipped; R1 is 6A's group G1 plus the whole of 6B."""
    assert [(g.key, g.name, g.classes, g.students) for g in timetable.groups] == [
        ("gpe:101", "6A_ANG_G1", (), ("E1",)),
        ("rgpmt:201", "6AB_ANGL", ("6B",), ("E1",)),
    ]


def test_student_memberships(timetable: Timetable) -> None:
    """E1 joins 6A_ANG_G1 for the whole year and, through R1, the regroupement 6AB_ANGL."""
    (student,) = timetable.students
    assert (student.key, student.last_name, student.first_name, student.birth_date) == (
        "E1",
        "DUPONT",
        "Lucas",
        date(2013, 5, 14),
    )
    whole_year = (date(2024, 9, 2), date(2025, 7, 4))
    assert student.memberships == (
        StudentMembership(MembershipKind.GROUP, "gpe:101", *whole_year),
        StudentMembership(MembershipKind.GROUP, "rgpmt:201", *whole_year),
    )


def test_notices(timetable: Timetable) -> None:
    """The skipped group G9 is reported; nothing else was left out."""
    assert [(n.kind, n.message) for n in timetable.notices] == [
        ("group_skipped", "groupe « G9 » de 6A ignoré : pas de code STS"),
    ]


def test_sniff(reference_archive: Path) -> None:
    """The reference archive is recognised from its zip directory."""
    head = reference_archive.read_bytes()[:64]
    assert UdtFormat().sniff(reference_archive, head, {})


def test_entry_point_registers_the_format() -> None:
    """The distribution declares udt = entcore_udt, and the hook adds the udt format."""
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="entcore")}
    assert points.get("udt") == "entcore_udt"
    plugins = entcore.create_plugin_manager(builtins=False, load=["udt"])
    fmt = plugins.timetable_formats().get("udt")
    assert isinstance(fmt, UdtFormat)
    assert isinstance(fmt, entcore.TimetableFormat)
    assert plugins.timetable_formats().owner("udt").distribution == "entcore-udt"
