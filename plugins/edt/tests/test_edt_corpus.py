"""The real EDT/PRONOTE samples of the shared corpus (laclasse.com fixtures)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from entcore import FormatContext, InvalidFileError
from entcore.model import CourseItem, ItemKind, Timetable, weeks_of

from entcore_edt import EdtFormat

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.corpus

CLEAR = "Edt_To_LaclasseCom_0134567A_Enclair.xml"
CLEAR_2012 = "Edt_To_LaclasseCom_0134567A_Enclair_lislble.xml"
CONTAINERS = ["Edt_To_LaclasseCom_0134567A.xml", "Edt_To_LaclasseCom_0134567A_indented.xml"]


def parse(path: Path, **settings: object) -> Timetable:
    return EdtFormat().parse(path, FormatContext(path.name, settings))


@pytest.fixture(scope="module")
def timetable(corpus: Path) -> Timetable:
    return parse(corpus / CLEAR)


def test_counts(timetable: Timetable) -> None:
    """Entity counts match the corpus README."""
    assert len(timetable.subjects) == 25
    assert len([t for t in timetable.teachers if not t.personnel]) == 31
    assert len(timetable.teachers) == 31
    assert len(timetable.classes) == 16
    assert sum(len(c.parts) for c in timetable.classes) == 77
    assert len(timetable.groups) == 48
    assert len(timetable.rooms) == 24
    assert len(timetable.students) == 426
    assert len(timetable.courses) == 704


def test_school_year_and_uai(timetable: Timetable) -> None:
    """2013-09-03 → 2014-08-31, week 1 on Monday 2013-09-02, school 0134567A."""
    assert timetable.uai == "0134567A"
    assert timetable.school_year.start == date(2013, 9, 3)
    assert timetable.school_year.end == date(2014, 8, 31)
    assert timetable.school_year.first_monday == date(2013, 9, 2)


def test_first_course_matches_the_worked_example(timetable: Timetable) -> None:
    """Wednesday 12:00–13:00, ATRAV, teacher 2, group 53, room 15503: 36 sessions."""
    course = timetable.courses[0]
    subjects = {s.key: s for s in timetable.subjects}
    assert subjects[course.subject or ""].code == "ATRAV"
    assert (course.day, course.start, course.end) == (3, time(12, 0), time(13, 0))
    mask = 35132630760702
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "2", mask),
        CourseItem(ItemKind.GROUP, "53", mask),
        CourseItem(ItemKind.ROOM, "15503", mask),
    )
    groups = {g.key: g for g in timetable.groups}
    assert groups["53"].name == "3ATRAVGR.1"
    rooms = {r.key: r for r in timetable.rooms}
    assert rooms["15503"].name == "11"
    year = timetable.school_year
    dates = [year.monday(week) + timedelta(days=course.day - 1) for week in weeks_of(mask)]
    assert len(dates) == 36
    assert dates[0] == date(2013, 9, 4)
    assert dates[-1] == date(2014, 7, 2)


def test_references_resolve(timetable: Timetable) -> None:
    """Keys used by courses, groups and students are those of the snapshot's entities."""
    keys = {
        ItemKind.TEACHER: {t.key for t in timetable.teachers},
        ItemKind.GROUP: {g.key for g in timetable.groups},
        ItemKind.ROOM: {r.key for r in timetable.rooms},
        ItemKind.CLASS: {c.key for c in timetable.classes},
        ItemKind.PART: {p.key for c in timetable.classes for p in c.parts},
    }
    subjects = {s.key for s in timetable.subjects}
    for course in timetable.courses:
        assert course.subject in subjects
        for item in course.items:
            assert item.key in keys[item.kind]
    for group in timetable.groups:
        assert set(group.parts) <= keys[ItemKind.PART]
    # The sample's students are in class part 30, which no class declares: the
    # reader keeps references as written and leaves judging them to the core.
    undeclared = {
        membership.key
        for student in timetable.students
        for membership in student.memberships
        if membership.key not in keys[ItemKind(membership.kind.value)]
    }
    assert undeclared == {"30"}
    assert sum(1 for c in timetable.courses if not c.items) == 100
    assert len({c.key for c in timetable.courses}) == 704


def test_previous_year_export(corpus: Path) -> None:
    """The tab-indented 2012-2013 export parses too."""
    previous = parse(corpus / CLEAR_2012)
    assert previous.uai == "0134567A"
    assert previous.school_year.start == date(2012, 9, 4)
    assert previous.school_year.first_monday == date(2012, 9, 3)
    assert len(previous.subjects) == 25
    assert len(previous.courses) > 600


@pytest.mark.parametrize("name", CONTAINERS)
def test_containers_with_our_own_key(corpus: Path, tmp_path: Path, name: str) -> None:
    """As LaclasseCom but with our key, the block does not open: a clean key error."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(InvalidFileError, match="clé invalide : la clé du partenaire LaclasseCom"):
        parse(corpus / name, partner="LaclasseCom", private_key=pem)


@pytest.mark.parametrize("name", CONTAINERS)
def test_containers_without_our_partner(corpus: Path, name: str) -> None:
    """As ENTCORE-TEST, the file has no block for us: the error lists its partners."""
    with pytest.raises(InvalidFileError) as caught:
        parse(corpus / name, partner="ENTCORE-TEST", private_key="unused.pem")
    reason = caught.value.reason
    assert "« ENTCORE-TEST »" in reason
    assert "partenaires du fichier : INDEXEDUCATION, LaclasseCom" in reason


def test_sniff_recognises_every_sample(corpus: Path) -> None:
    """Containers and clear exports are recognised; the schemas and notes are not."""
    fmt = EdtFormat()
    verdicts = {
        path.name: fmt.sniff(path, path.read_bytes()[:512], {})
        for path in sorted(corpus.iterdir())
        if path.is_file()
    }
    assert verdicts == {
        "ConteneurExportChiffre.xsd": False,
        "Edt_To_LaclasseCom_0134567A.xml": True,
        "Edt_To_LaclasseCom_0134567A_Enclair.xml": True,
        "Edt_To_LaclasseCom_0134567A_Enclair_lislble.xml": True,
        "Edt_To_LaclasseCom_0134567A_indented.xml": True,
        "ExportEmploiDuTemps.xsd": False,
        "README.md": False,
    }
