"""The synthesized files of the timetable reference note (§10.4, §10.5) parse as described."""

from __future__ import annotations

import importlib.metadata
from datetime import date, time
from pathlib import Path

import pytest
from entcore_sts import StsFormat
from sts_support import EMP_STS, STS_EMP, parse, sniff

import entcore
from entcore.model import ItemKind, TeachingService, weeks_of

NOTE = Path(__file__).resolve().parents[3].parent / "shared/docs/reference/timetable.md"

# 2024-2025, zone C: every week from 2024-09-02 (week 1) to 2025-06-30 (week
# 44) except Toussaint (8-9), Noël (17-18), hiver (25-26) and printemps (33-34).
HEBDO = [w for w in range(1, 45) if w not in {8, 9, 17, 18, 25, 26, 33, 34}]


def note_block(heading: str) -> str:
    text = NOTE.read_text(encoding="utf-8")
    start = text.index("```xml\n", text.index(heading)) + len("```xml\n")
    return text[start : text.index("```\n", start)]


@pytest.mark.skipif(
    not NOTE.exists(), reason="the reference note (../shared) is not beside the repo"
)
def test_fixtures_are_the_note_byte_for_byte() -> None:
    """Both files are the note's blocks in ISO-8859-15; emp_sts only fills in the weekly list."""
    assert STS_EMP.read_bytes() == note_block("### 10.4 `sts_emp`").encode("iso-8859-15")
    weeks = "".join(
        f"<DATE_DEBUT_SEMAINE>{date.fromordinal(date(2024, 9, 2).toordinal() + 7 * (w - 1))}"
        "</DATE_DEBUT_SEMAINE>"
        for w in HEBDO[2:]
    )
    expected = note_block("### 10.5 `emp_sts`").replace("<!-- … one per week … -->", weeks)
    assert EMP_STS.read_bytes() == expected.encode("iso-8859-15")


def test_fixtures_are_latin9() -> None:
    """é is the single byte 0xE9."""
    assert "Mathématiques".encode("iso-8859-15") in STS_EMP.read_bytes()
    assert b"\xc3\xa9" not in STS_EMP.read_bytes()


def test_sts_emp_identity_and_year() -> None:
    """UAI from UAJ@CODE; the year from ANNEE_SCOLAIRE, week 1 the Monday after Sunday 1 September."""
    timetable = parse(STS_EMP)
    assert (timetable.format, timetable.uai, timetable.software) == (
        "sts",
        "0999999X",
        "STS-Web (sts_emp)",
    )
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2024, 9, 1),
        date(2025, 8, 31),
        date(2024, 9, 2),
    )
    assert year.label == "2024-2025"
    assert timetable.courses == ()
    assert timetable.alternations == ()


def test_sts_emp_entities() -> None:
    """Subjects by BCN code, individuals by STS id (the local one without birth date), classes, groups."""
    timetable = parse(STS_EMP)
    assert [(s.key, s.code, s.label, s.national_code) for s in timetable.subjects] == [
        ("061300", "MATHS", "MATHEMATIQUES", "061300"),
        ("030201", "AGL1", "ANGLAIS LV1", "030201"),
    ]
    teachers = {t.key: t for t in timetable.teachers}
    martin, local = teachers["8949"], teachers["3506"]
    assert (martin.last_name, martin.first_name, martin.birth_date, martin.sts_id) == (
        "MARTIN",
        "CLAIRE",
        date(1980, 3, 12),
        "8949",
    )
    assert (local.last_name, local.first_name, local.birth_date, local.sts_id) == (
        "REMPLACANTE",
        "ANNE",
        None,
        "3506",
    )
    assert not martin.personnel
    assert not local.personnel
    assert [c.key for c in timetable.classes] == ["6A", "6B"]
    (group,) = timetable.groups
    assert (group.key, group.name, group.label, group.classes) == (
        "6AB_ANGL",
        "6AB_ANGL",
        "6EME ANGLAIS G1",
        ("6A", "6B"),
    )


def test_sts_emp_services() -> None:
    """6B's maths service has no teacher (incomplete); the group's English is taught by 3506."""
    assert parse(STS_EMP).services == (
        TeachingService("061300", ItemKind.CLASS, "6A", ("8949",), modality="CG"),
        TeachingService("061300", ItemKind.CLASS, "6B", (), modality="CG"),
        TeachingService("030201", ItemKind.GROUP, "6AB_ANGL", ("3506",), modality="CG"),
    )


def test_emp_sts_identity_and_year() -> None:
    """UAI from UAJ text; the year spans the alternances, week 1 their first Monday."""
    timetable = parse(EMP_STS)
    assert (timetable.uai, timetable.software) == ("0999999X", "EDT→STS (emp_sts)")
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2024, 9, 2),
        date(2025, 7, 6),
        date(2024, 9, 2),
    )
    assert year.label == "2024-2025"


def test_emp_sts_alternations() -> None:
    """HEBDO has the 36 listed weeks; Q1 is weeks of 2024-09-02 and 2024-09-16."""
    alternations = {a.code: a for a in parse(EMP_STS).alternations}
    assert alternations["H"].label == "Toutes les semaines"
    assert list(weeks_of(alternations["H"].weeks)) == HEBDO
    assert alternations["Q1"].label == "Semaine A"
    assert list(weeks_of(alternations["Q1"].weeks)) == [1, 3]


def test_emp_sts_course() -> None:
    """Monday 08:00-09:50 (DUREE 0150), room S101, teacher 8949, class 6A, in alternance H's weeks."""
    timetable = parse(EMP_STS)
    (course,) = timetable.courses
    assert (course.subject, course.day, course.start, course.end) == (
        "061300",
        1,
        time(8, 0),
        time(9, 50),
    )
    hebdo = next(a.weeks for a in timetable.alternations if a.code == "H")
    assert {(i.kind, i.key, i.weeks) for i in course.items} == {
        (ItemKind.TEACHER, "8949", hebdo),
        (ItemKind.CLASS, "6A", hebdo),
        (ItemKind.ROOM, "S101", hebdo),
    }
    assert [(r.key, r.name) for r in timetable.rooms] == [("S101", "S101")]


def test_emp_sts_services_and_teachers() -> None:
    """The service carries its alternance; the teacher is known by STS id only."""
    timetable = parse(EMP_STS)
    assert timetable.services == (
        TeachingService("061300", ItemKind.CLASS, "6A", ("8949",), "H", "CG"),
    )
    (teacher,) = timetable.teachers
    assert (teacher.key, teacher.sts_id, teacher.last_name) == ("8949", "8949", "")
    assert [(s.key, s.national_code) for s in timetable.subjects] == [("061300", "061300")]


def test_reference_files_leave_nothing_out() -> None:
    """Neither reference file needs a notice (emp_sts's teachers are known by id alone)."""
    assert parse(STS_EMP).notices == ()
    assert parse(EMP_STS).notices == ()


def test_sniff_both_roots() -> None:
    """Both reference files are recognised."""
    assert sniff(STS_EMP)
    assert sniff(EMP_STS)


def test_the_anagram_mistake(tmp_path: Path) -> None:
    """An emp_sts saved under an sts_emp name is read for what it is, and says so."""
    swapped = tmp_path / "sts_emp_0999999X_2024.xml"
    swapped.write_bytes(EMP_STS.read_bytes())
    assert sniff(swapped)
    assert parse(swapped).software == "EDT→STS (emp_sts)"


def test_entry_point_registers_the_format() -> None:
    """The distribution declares sts = entcore_sts, and the hook adds the sts format."""
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="entcore")}
    assert points.get("sts") == "entcore_sts"
    plugins = entcore.create_plugin_manager(builtins=False, load=["sts"])
    fmt = plugins.timetable_formats().get("sts")
    assert isinstance(fmt, StsFormat)
    assert isinstance(fmt, entcore.TimetableFormat)
    assert plugins.timetable_formats().owner("sts").distribution == "entcore-sts"
