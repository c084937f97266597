"""The synthesized minimal export of timetable.md §10.2, read into a snapshot."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from entcore import FormatContext
from entcore.model import (
    ClassPart,
    CourseItem,
    ItemKind,
    MembershipKind,
    StudentMembership,
    Timetable,
    weeks_of,
)

from entcore_edt import EdtFormat

MINIMAL = Path(__file__).parent / "fixtures" / "edt_minimal.xml"
ANNUAL = 35132630760702
ANNUAL_WEEKS = [
    *range(1, 8),
    *range(10, 17),
    *range(19, 26),
    *range(28, 34),
    *range(36, 45),
]
FORTNIGHTLY = 11693629941930


@pytest.fixture(scope="module")
def timetable() -> Timetable:
    return EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml"))


def sessions(timetable: Timetable, index: int) -> list[date]:
    """Dates of a course's sessions, by the snapshot's documented semantics."""
    course = timetable.courses[index]
    active = 0
    for item in course.items:
        active |= item.weeks
    active &= ~course.cancelled_weeks
    year = timetable.school_year
    return [
        date.fromordinal(year.monday(week).toordinal() + course.day - 1)
        for week in weeks_of(active)
    ]


def test_school_year_uai_and_provenance(timetable: Timetable) -> None:
    """The year, the school and the format come from AnneeScolaire and the root."""
    assert timetable.format == "edt"
    assert timetable.uai == "0999999X"
    assert timetable.school_year.start == date(2024, 9, 2)
    assert timetable.school_year.end == date(2025, 7, 4)
    assert timetable.school_year.first_monday == date(2024, 9, 2)
    assert timetable.software is None
    assert timetable.generated_at is None


def test_core_derived_parts_are_left_empty(timetable: Timetable) -> None:
    """Closures, alternations and services are derived by the core for EDT."""
    assert timetable.closures == ()
    assert timetable.alternations == ()
    assert timetable.services is None


def test_annual_mask_spells_the_documented_weeks() -> None:
    """35132630760702 is weeks 1–7, 10–16, 19–25, 28–33 and 36–44 (36 weeks)."""
    assert list(weeks_of(ANNUAL)) == ANNUAL_WEEKS
    assert len(ANNUAL_WEEKS) == 36


def test_subjects(timetable: Timetable) -> None:
    """Matieres become subjects keyed by Ident, with code gestion and label."""
    assert [(s.key, s.code, s.label) for s in timetable.subjects] == [
        ("1", "MATHS", "MATHEMATIQUES"),
        ("2", "AGL1", "ANGLAIS LV1"),
        ("3", "EPS", "ED.PHYSIQUE & SPORT."),
    ]


def test_teachers(timetable: Timetable) -> None:
    """Professeurs keep IDPN, IDSTS and birth date."""
    martin, durand, petit = timetable.teachers
    assert (martin.key, martin.last_name, martin.first_name) == ("1", "MARTIN", "Claire")
    assert martin.birth_date == date(1980, 3, 12)
    assert martin.pronote_id == "AAAABBBBCCCCDDDD"
    assert martin.sts_id is None
    assert (durand.sts_id, durand.pronote_id, durand.birth_date) == (
        "8949",
        "EEEEFFFFGGGGHHHH",
        None,
    )
    assert petit.first_name == "Léa"
    assert not any(t.personnel for t in timetable.teachers)


def test_classes_groups_rooms(timetable: Timetable) -> None:
    """Classes carry their parts; group 1 is parts 11 and 21; rooms are named."""
    six_a, six_b = timetable.classes
    assert (six_a.key, six_a.name) == ("1", "6A")
    assert six_a.parts == (ClassPart("11"), ClassPart("12"))
    assert (six_b.key, six_b.name) == ("2", "6B")
    assert six_b.parts == (ClassPart("21"), ClassPart("22"))
    (group,) = timetable.groups
    assert (group.key, group.name) == ("1", "6AB ANGL G1")
    assert group.parts == ("11", "21")
    assert group.classes == ()
    assert group.students == ()
    assert [(r.key, r.name) for r in timetable.rooms] == [("1", "S101"), ("2", "GYMNASE")]


def test_students_and_memberships(timetable: Timetable) -> None:
    """Students keep IDPN, birth date and their dated class and part memberships."""
    dupont, bernard = timetable.students
    year = (date(2024, 9, 2), date(2025, 7, 4))
    assert (dupont.key, dupont.last_name, dupont.first_name) == ("1", "DUPONT", "Lucas")
    assert dupont.birth_date == date(2013, 5, 14)
    assert dupont.pronote_id == "NNNNPPPPQQQQRRRR"
    assert dupont.ine is None
    assert dupont.memberships == (
        StudentMembership(MembershipKind.CLASS, "1", *year),
        StudentMembership(MembershipKind.PART, "11", *year),
    )
    assert bernard.first_name == "Inès"
    assert bernard.memberships == (
        StudentMembership(MembershipKind.CLASS, "2", *year),
        StudentMembership(MembershipKind.PART, "22", *year),
    )


def test_course_times_come_from_the_grid(timetable: Timetable) -> None:
    """Start of the first place, end of the last one; the break is kept."""
    assert [(c.day, c.start, c.end) for c in timetable.courses] == [
        (1, time(8, 0), time(9, 50)),
        (2, time(10, 5), time(11, 0)),
        (4, time(10, 5), time(11, 55)),
        (5, time(11, 0), time(11, 55)),
    ]


def test_replacement_is_two_teacher_items(timetable: Timetable) -> None:
    """Teacher 1 has the annual mask without week 3, teacher 3 only week 3."""
    course = timetable.courses[0]
    assert course.subject == "1"
    assert course.cancelled_weeks == 0
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "1", 35132630760694),
        CourseItem(ItemKind.TEACHER, "3", 8),
        CourseItem(ItemKind.CLASS, "1", ANNUAL),
        CourseItem(ItemKind.ROOM, "1", ANNUAL),
    )
    assert list(weeks_of(course.items[0].weeks)) == [w for w in ANNUAL_WEEKS if w != 3]
    assert list(weeks_of(course.items[1].weeks)) == [3]
    dates = sessions(timetable, 0)
    assert len(dates) == 36
    assert dates[0] == date(2024, 9, 2)
    assert dates[-1] == date(2025, 6, 30)
    assert date(2024, 9, 16) in dates


def test_fortnightly_course_with_a_cancelled_week(timetable: Timetable) -> None:
    """SemainesAnnulation=32 cancels week 5; 17 of the 18 fortnightly weeks remain."""
    course = timetable.courses[1]
    assert course.subject == "2"
    assert course.cancelled_weeks == 32
    assert list(weeks_of(course.cancelled_weeks)) == [5]
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "2", FORTNIGHTLY),
        CourseItem(ItemKind.GROUP, "1", FORTNIGHTLY),
        CourseItem(ItemKind.ROOM, "1", FORTNIGHTLY),
    )
    assert list(weeks_of(FORTNIGHTLY)) == [
        *(1, 3, 5, 7, 11, 13, 15, 19, 21, 23, 25, 29, 31, 33, 37, 39, 41, 43)
    ]
    dates = sessions(timetable, 1)
    assert len(dates) == 17
    assert dates[0] == date(2024, 9, 3)
    assert date(2024, 10, 1) not in dates


def test_class_part_course_keeps_its_part_item(timetable: Timetable) -> None:
    """The course placed on part 12 is kept with a PART item: the core decides."""
    course = timetable.courses[2]
    assert course.subject == "3"
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "2", ANNUAL),
        CourseItem(ItemKind.PART, "12", ANNUAL),
        CourseItem(ItemKind.ROOM, "2", ANNUAL),
    )


def test_exceptional_week_two_course(timetable: Timetable) -> None:
    """Mask 4 is week 2 only: Friday 2024-09-13, 11:00–11:55, class 6B."""
    course = timetable.courses[3]
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "1", 4),
        CourseItem(ItemKind.CLASS, "2", 4),
    )
    assert sessions(timetable, 3) == [date(2024, 9, 13)]


def test_course_keys_are_unique_and_deterministic(timetable: Timetable) -> None:
    """Parsing the same file again gives the same keys."""
    keys = [c.key for c in timetable.courses]
    assert len(set(keys)) == len(keys)
    again = EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml"))
    assert [c.key for c in again.courses] == keys
    assert again == timetable
