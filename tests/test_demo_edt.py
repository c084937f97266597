"""The demo collège's EDT export: reproducible, and consistent with the demo AAF feed.

The export is written by ``tools/make_demo_edt.py``; these tests read it back
with the EDT plugin's reader (when installed) and compare it with the AAF feed
read by the AAF plugin, so that the two demo sources describe one collège.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, time, timedelta
from itertools import combinations
from pathlib import Path

import pytest

from entcore.demo import aaf_feed, edt_export
from entcore.model import (
    Course,
    Entry,
    ItemKind,
    MembershipKind,
    PersonRecord,
    Profile,
    TeachingTarget,
    Timetable,
    weeks_of,
)
from entcore.plugins.aaf import AafSource
from entcore.protocols import SourceContext

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "make_demo_edt.py"
README = Path(aaf_feed()).parent / "README.md"

#: 2025-2026, académie de Grenoble (zone A): weeks 8-9, 17-18, 24-25 and 32-33 are holidays.
SCHOOL_WEEKS = [*range(1, 8), *range(10, 17), *range(19, 24), *range(26, 32), *range(34, 45)]
EVERY = sum(1 << week for week in SCHOOL_WEEKS)
WEEK_A = sum(1 << week for week in SCHOOL_WEEKS[0::2])
WEEK_B = sum(1 << week for week in SCHOOL_WEEKS[1::2])
HOLIDAYS = [
    (date(2025, 10, 18), date(2025, 11, 2)),
    (date(2025, 12, 20), date(2026, 1, 4)),
    (date(2026, 2, 7), date(2026, 2, 22)),
    (date(2026, 4, 4), date(2026, 4, 19)),
]
#: EDT code gestion → national (BCN) subject code of the AAF feed.
NATIONAL = {
    "FRANC": "020700",
    "MATHS": "061300",
    "AGL1": "030201",
    "ALL2": "030102",
    "ESP2": "030602",
    "HIGEO": "042100",
    "SVT": "062900",
    "PHYCH": "062300",
    "TECHN": "070800",
    "EPS": "100100",
    "ARPLA": "090100",
    "EDMUS": "081300",
    "LCALA": "020100",
    "VICLA": "008400",
    "AP": "006600",
}
SUBSTITUTE = ("VUARCHEX", "Hélène")
NEW_GROUP = "6AB ANG G1"


# -- the two sources ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people() -> list[PersonRecord]:
    """Teachers and students of the demo AAF feed."""
    found: list[PersonRecord] = []
    with AafSource().open([aaf_feed()], SourceContext()) as feed:
        for item in feed:
            assert isinstance(item, Entry), item
            record = item.build()
            if isinstance(record, PersonRecord) and record.profile in (
                Profile.TEACHER,
                Profile.STUDENT,
            ):
                found.append(record)
    return found


@pytest.fixture(scope="module")
def teachers(people: list[PersonRecord]) -> list[PersonRecord]:
    """The 13 teachers (the documentalist teaches nothing)."""
    return [p for p in people if p.profile is Profile.TEACHER and p.teachings]


@pytest.fixture(scope="module")
def students(people: list[PersonRecord]) -> list[PersonRecord]:
    """The 40 students."""
    return [p for p in people if p.profile is Profile.STUDENT]


@pytest.fixture(scope="module")
def timetable() -> Timetable:
    """The export read by the EDT plugin's reader; skipped when the plugin is absent."""
    pytest.importorskip("entcore_edt")
    from entcore_edt.reader import ExportReader

    reader = ExportReader(edt_export().name)
    with edt_export().open("rb") as source:
        snapshot = reader.read(source)
    assert reader.skipped == []
    return snapshot


class Names:
    """Snapshot keys → names."""

    def __init__(self, timetable: Timetable) -> None:
        self.subjects = {s.key: s.code for s in timetable.subjects}
        self.teachers = {t.key: t.last_name for t in timetable.teachers}
        self.classes = {c.key: c.name for c in timetable.classes}
        self.parts = {p.key: p.name or "" for c in timetable.classes for p in c.parts}
        self.groups = {g.key: g.name for g in timetable.groups}
        self.rooms = {r.key: r.name for r in timetable.rooms}

    def items(self, course: Course, kind: ItemKind) -> dict[str, int]:
        """Names of the course's items of ``kind`` → weeks."""
        names = {
            ItemKind.TEACHER: self.teachers,
            ItemKind.CLASS: self.classes,
            ItemKind.PART: self.parts,
            ItemKind.GROUP: self.groups,
            ItemKind.ROOM: self.rooms,
        }[kind]
        return {names[i.key]: i.weeks for i in course.items if i.kind is kind}


def scheduled(course: Course) -> int:
    """Weeks in which at least one item of ``course`` is active."""
    weeks = 0
    for item in course.items:
        weeks |= item.weeks
    return weeks


def session_day(timetable: Timetable, course: Course, week: int) -> date:
    return timetable.school_year.monday(week) + timedelta(days=course.day - 1)


# -- the file and its generator -----------------------------------------------------------------


def test_export_ships_in_the_package() -> None:
    """``edt_export()`` is a small UTF-8 file named as EDT names ENT exports."""
    path = edt_export()
    assert path.name == "Edt_To_ENTCORE_0749901K_Enclair.xml"
    assert path.parent.name == "edt"
    data = path.read_bytes()
    assert len(data) < 200_000
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert b'xmlns="http://www.index-education.com/exportemploidutemps"' in data
    assert b'Version="1.1" UAI="0749901K"' in data
    data.decode("utf-8")


def test_generator_reproduces_the_committed_file(tmp_path: Path) -> None:
    """Running the generator again writes the committed file byte for byte."""
    output = tmp_path / "export.xml"
    subprocess.run(
        [sys.executable, str(TOOL), "--aaf", str(aaf_feed()), "--output", str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == edt_export().read_bytes()


# -- the export against the directory -----------------------------------------------------------


def test_school_year_and_grid(timetable: Timetable) -> None:
    """2025-2026 from Monday 1 September; 55-minute places; Wednesday afternoon free."""
    assert timetable.format == "edt"
    assert timetable.uai == "0749901K"
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2025, 9, 1),
        date(2026, 7, 3),
        date(2025, 9, 1),
    )
    starts = {time(8, 0), time(8, 55), time(10, 5), time(11, 0), time(13, 30), time(14, 25)}
    starts |= {time(15, 35), time(16, 30)}
    for course in timetable.courses:
        assert 1 <= course.day <= 5
        assert course.start in starts
        assert course.end <= time(17, 25)
        if course.day == 3:
            assert course.end <= time(12, 0)


def test_holidays_are_the_weeks_missing_from_the_annual_mask(timetable: Timetable) -> None:
    """Weeks 8-9, 17-18, 24-25 and 32-33 are off: exactly the zone A holidays."""
    year = timetable.school_year
    off = [week for week in range(1, 45) if week not in SCHOOL_WEEKS]
    assert off == [8, 9, 17, 18, 24, 25, 32, 33]
    for week in range(1, 45):
        monday = year.monday(week)
        closed = any(first <= monday <= last for first, last in HOLIDAYS)
        assert closed is (week in off), week
    assert year.monday(44) <= year.end < year.monday(45)
    masks = {scheduled(course) for course in timetable.courses}
    assert {EVERY, WEEK_A, WEEK_B} <= masks
    assert len(list(weeks_of(WEEK_A))) == len(list(weeks_of(WEEK_B))) == 18


def test_teachers_match_the_directory(timetable: Timetable, teachers: list[PersonRecord]) -> None:
    """The 13 teachers with their exact names and birth dates, plus one substitute."""
    exported = {(t.last_name, t.first_name, t.birth_date) for t in timetable.teachers}
    directory = {(t.last_name, t.first_name, t.birth_date) for t in teachers}
    assert len(directory) == 13
    extra = exported - directory
    assert [(last, first) for last, first, _ in extra] == [SUBSTITUTE]
    assert exported - extra == directory
    ids = [t.pronote_id or "" for t in timetable.teachers]
    assert all(re.fullmatch(r"[A-Z0-9]{16}", pronote_id) for pronote_id in ids)
    assert len(set(ids)) == len(ids) == 14


def test_students_match_the_directory(timetable: Timetable, students: list[PersonRecord]) -> None:
    """The 40 students with their names, birth dates, class and one class part of it."""
    names = Names(timetable)
    directory = {(s.last_name, s.first_name, s.birth_date): s.classes[0].code for s in students}
    assert len(directory) == len(timetable.students) == 40
    part_class = {p.key: c.name for c in timetable.classes for p in c.parts}
    for student in timetable.students:
        identity = (student.last_name, student.first_name, student.birth_date)
        (membership,) = [m for m in student.memberships if m.kind is MembershipKind.CLASS]
        (part,) = [m for m in student.memberships if m.kind is MembershipKind.PART]
        assert names.classes[membership.key] == directory[identity]
        assert part_class[part.key] == directory[identity]
        for period in (membership, part):
            assert (period.start, period.end) == (date(2025, 9, 1), date(2026, 7, 3))
        assert re.fullmatch(r"[A-Z0-9]{16}", student.pronote_id or "")


def test_classes_and_groups_match_the_directory(
    timetable: Timetable, students: list[PersonRecord]
) -> None:
    """Four classes of two parts; LATIN and CHORALE list the directory's members; one new group."""
    assert [c.name for c in timetable.classes] == ["6A", "6B", "5A", "4A"]
    for school_class in timetable.classes:
        assert [p.name for p in school_class.parts] == [
            f"{school_class.name} G1",
            f"{school_class.name} G2",
        ]
    names = Names(timetable)
    by_key = {s.key: (s.last_name, s.first_name, s.birth_date) for s in timetable.students}
    groups = {g.name: g for g in timetable.groups}
    assert sorted(groups) == sorted(["LATIN", "CHORALE", NEW_GROUP])
    for name in ("LATIN", "CHORALE"):
        members = {by_key[key] for key in groups[name].students}
        expected = {
            (s.last_name, s.first_name, s.birth_date)
            for s in students
            if name in {g.code for g in s.groups}
        }
        assert members == expected
        assert groups[name].classes == groups[name].parts == ()
    new = groups[NEW_GROUP]
    assert [names.parts[key] for key in new.parts] == ["6A G1", "6B G1"]
    assert new.students == new.classes == ()
    assert NEW_GROUP not in {g.code for s in students for g in s.groups}


def test_courses_follow_the_directory_teachings(
    timetable: Timetable, teachers: list[PersonRecord]
) -> None:
    """Who teaches what to which class or group is what the directory says, both ways."""
    names = Names(timetable)
    teachings = {t.last_name: {(x.code, x.subject) for x in t.teachings} for t in teachers}
    taught: set[tuple[str, str, str]] = set()
    for course in timetable.courses:
        subject = NATIONAL[names.subjects[course.subject or ""]]
        audiences = [*names.items(course, ItemKind.CLASS), *names.items(course, ItemKind.GROUP)]
        for teacher in names.items(course, ItemKind.TEACHER):
            if teacher == SUBSTITUTE[0]:
                continue
            for audience in audiences:
                if audience == NEW_GROUP:
                    continue
                assert (audience, subject) in teachings[teacher], (teacher, audience, subject)
                taught.add((teacher, audience, subject))
    expected = {(t, a, s) for t, pairs in teachings.items() for a, s in pairs}
    assert taught == expected
    assert {x.target for t in teachers for x in t.teachings} == {
        TeachingTarget.CLASS,
        TeachingTarget.GROUP,
    }


def test_weekly_hours(timetable: Timetable) -> None:
    """About 26 hours a week per class (fortnightly courses count half)."""
    names = Names(timetable)
    hours: dict[str, float] = defaultdict(float)
    school_weeks = len(SCHOOL_WEEKS)
    for course in timetable.courses:
        weeks = len(list(weeks_of(scheduled(course))))
        if weeks < 2:
            continue  # the exceptional course
        length = (course.end.hour * 60 + course.end.minute) - (
            course.start.hour * 60 + course.start.minute
        )
        places = round(length / 55)
        for name in names.items(course, ItemKind.CLASS):
            hours[name] += places * weeks / school_weeks
    assert dict(hours) == {"6A": 26.5, "6B": 25.5, "5A": 26.5, "4A": 26.5}


def test_nobody_is_in_two_places_at_once(timetable: Timetable) -> None:
    """In every week, no teacher, room or student has two overlapping courses."""
    in_class: dict[str, set[str]] = defaultdict(set)
    in_part: dict[str, set[str]] = defaultdict(set)
    for student in timetable.students:
        for membership in student.memberships:
            target = in_class if membership.kind is MembershipKind.CLASS else in_part
            target[membership.key].add(student.key)
    in_group: dict[str, set[str]] = {}
    for group in timetable.groups:
        members = set(group.students)
        for part in group.parts:
            members |= in_part[part]
        for school_class in group.classes:
            members |= in_class[school_class]
        in_group[group.key] = members
    who = {ItemKind.CLASS: in_class, ItemKind.PART: in_part, ItemKind.GROUP: in_group}

    booked: dict[tuple[int, int], list[tuple[Course, set[str]]]] = defaultdict(list)
    for course in timetable.courses:
        for week in weeks_of(scheduled(course) & ~course.cancelled_weeks):
            busy: set[str] = set()
            for item in course.items:
                if not item.weeks >> week & 1:
                    continue
                if item.kind in who:
                    busy |= {f"student {key}" for key in who[item.kind][item.key]}
                else:
                    busy.add(f"{item.kind.value} {item.key}")
            booked[week, course.day].append((course, busy))
    for (week, day), courses in booked.items():
        for (first, first_busy), (second, second_busy) in combinations(courses, 2):
            if first.start < second.end and second.start < first.end:
                clash = first_busy & second_busy
                assert not clash, (week, day, first.start, second.start, clash)


# -- the four special cases ---------------------------------------------------------------------


def test_course_on_class_parts_only(timetable: Timetable) -> None:
    """(a) One course has only class parts for audience: 6B technology in half-class."""
    names = Names(timetable)
    on_parts = [
        c
        for c in timetable.courses
        if {i.kind for i in c.items} & {ItemKind.CLASS, ItemKind.GROUP, ItemKind.PART}
        == {ItemKind.PART}
    ]
    (course,) = on_parts
    assert names.subjects[course.subject or ""] == "TECHN"
    assert (course.day, course.start) == (3, time(8, 55))
    assert names.items(course, ItemKind.PART) == {"6B G1": WEEK_A, "6B G2": WEEK_B}
    assert names.items(course, ItemKind.TEACHER) == {"PASQUIERAZ": EVERY}


def test_replacement_in_october(timetable: Timetable) -> None:
    """(b) The substitute replaces THABUISAZ in 6A on Tuesday 7 October 2025 (week 6)."""
    names = Names(timetable)
    (course,) = [
        c for c in timetable.courses if len([i for i in c.items if i.kind is ItemKind.TEACHER]) > 1
    ]
    week = 6
    assert names.items(course, ItemKind.TEACHER) == {
        "THABUISAZ": EVERY & ~(1 << week),
        SUBSTITUTE[0]: 1 << week,
    }
    assert names.items(course, ItemKind.CLASS) == {"6A": EVERY}
    assert session_day(timetable, course, week) == date(2025, 10, 7)
    assert course.start == time(13, 30)
    assert course.cancelled_weeks == 0


def test_cancelled_week(timetable: Timetable) -> None:
    """(c) 5A history-geography of Wednesday 19 November 2025 (week 12) is cancelled."""
    names = Names(timetable)
    (course,) = [c for c in timetable.courses if c.cancelled_weeks]
    assert course.cancelled_weeks == 1 << 12
    assert scheduled(course) == EVERY
    assert names.subjects[course.subject or ""] == "HIGEO"
    assert names.items(course, ItemKind.CLASS) == {"5A": EVERY}
    assert session_day(timetable, course, 12) == date(2025, 11, 19)
    assert course.start == time(10, 5)


def test_exceptional_course(timetable: Timetable) -> None:
    """(d) One course is active in week 13 only: Friday 28 November 2025, 13:30, 5A."""
    names = Names(timetable)
    (course,) = [c for c in timetable.courses if len(list(weeks_of(scheduled(c)))) == 1]
    assert scheduled(course) == 1 << 13
    assert all(item.weeks == 1 << 13 for item in course.items)
    assert names.subjects[course.subject or ""] == "HIGEO"
    assert names.items(course, ItemKind.CLASS) == {"5A": 1 << 13}
    assert session_day(timetable, course, 13) == date(2025, 11, 28)
    assert course.start == time(13, 30)
    others = [c for c in timetable.courses if c is not course]
    assert {scheduled(c) for c in others} == {EVERY, WEEK_A, WEEK_B}


def test_readme_counts(timetable: Timetable) -> None:
    """The counts of the README's EDT section are those of the file."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## EDT export") :]
    table = dict(re.findall(r"^\| ([^|]+?) \| (\d+) \|$", section, re.MULTILINE))
    assert {key: int(value) for key, value in table.items()} == {
        "subjects": len(timetable.subjects),
        "teachers": len(timetable.teachers),
        "classes": len(timetable.classes),
        "class parts": sum(len(c.parts) for c in timetable.classes),
        "groups": len(timetable.groups),
        "rooms": len(timetable.rooms),
        "students": len(timetable.students),
        "courses": len(timetable.courses),
    }
