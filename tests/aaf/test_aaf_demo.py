"""The demo collège feed: it parses cleanly, is internally consistent, and matches its README."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from entcore.demo import aaf_feed
from entcore.model import (
    Entry,
    MefRecord,
    PersonRecord,
    Profile,
    RecordKind,
    StructureRecord,
    SubjectRecord,
    TeachingTarget,
)
from entcore.plugins.aaf import AafSource
from entcore.protocols import SourceContext

README = Path(aaf_feed()).parent / "README.md"


@pytest.fixture(scope="module")
def demo() -> dict[tuple[RecordKind, str], object]:
    records: dict[tuple[RecordKind, str], object] = {}
    with AafSource().open([aaf_feed()], SourceContext()) as feed:
        for item in feed:
            assert isinstance(item, Entry), item  # no notice, no rejection
            records[(item.kind, item.external_id)] = item.build()
    return records


def _people(demo: dict[tuple[RecordKind, str], object], profile: Profile) -> list[PersonRecord]:
    return [r for r in demo.values() if isinstance(r, PersonRecord) and r.profile is profile]


def test_feed_folder_and_file_names() -> None:
    """``aaf_feed()`` is the folder of six rectorat-named files, one per category."""
    folder = aaf_feed()
    assert folder.is_dir()
    assert sorted(path.name for path in folder.iterdir()) == [
        f"ENT2D.20250901_Complet_20250901_{category}_0000.xml"
        for category in sorted(
            ["EtabEducNat", "MatiereEducNat", "MefEducNat", "PersRelEleve", "Eleve", "PersEducNat"]
        )
    ]


def test_counts(demo: dict[tuple[RecordKind, str], object]) -> None:
    """One collège, 15 subjects, 10 MEFs, 51 relatives, 40 students, 19 staff."""
    assert Counter(kind for kind, _ in demo) == {
        RecordKind.STRUCTURE: 1,
        RecordKind.SUBJECT: 15,
        RecordKind.MEF: 10,
        RecordKind.RELATIVE: 51,
        RecordKind.STUDENT: 40,
        RecordKind.STAFF: 19,
    }
    (structure,) = [r for r in demo.values() if isinstance(r, StructureRecord)]
    assert (structure.external_id, structure.uai) == ("8740501", "0749901K")
    assert len(_people(demo, Profile.TEACHER)) == 14  # 13 teachers and the documentalist
    assert len(_people(demo, Profile.PERSONNEL)) == 5


def test_references_resolve(demo: dict[tuple[RecordKind, str], object]) -> None:
    """Every structure, relative, subject, MEF, class and group referenced exists."""
    subjects = {r.code for r in demo.values() if isinstance(r, SubjectRecord)}
    mefs = {r.code for r in demo.values() if isinstance(r, MefRecord)}
    relatives = {r.external_id for r in _people(demo, Profile.RELATIVE)}
    students = _people(demo, Profile.STUDENT)
    classes = {ref.code for student in students for ref in student.classes}
    groups = {ref.code for student in students for ref in student.groups}
    assert classes == {"6A", "6B", "5A", "4A"}
    assert groups == {"LATIN", "CHORALE"}
    assert Counter(student.classes[0].code for student in students) == {
        "6A": 10,
        "6B": 10,
        "5A": 10,
        "4A": 10,
    }
    referenced: set[str] = set()
    for student in students:
        assert student.structures == ("8740501",)
        assert student.mef in mefs
        assert student.birth_date is not None
        assert 1 <= len(student.relatives) <= 2
        assert all(link.legal for link in student.relatives)
        referenced.update(link.relative for link in student.relatives)
    assert referenced == relatives  # no orphan relative, no missing one
    staff = [
        r
        for r in demo.values()
        if isinstance(r, PersonRecord) and r.profile.value in ("Teacher", "Personnel")
    ]
    for person in staff:
        assert person.birth_date is not None
        for teaching in person.teachings:
            assert teaching.structure == "8740501"
            assert teaching.subject in subjects
            known = classes if teaching.target is TeachingTarget.CLASS else groups
            assert teaching.code in known
        for mef in person.mefs:
            assert mef.code in mefs
    heads = Counter(ref.code for person in staff for ref in person.head_teacher_of)
    assert heads == {"6A": 1, "6B": 1, "5A": 1, "4A": 1}


def test_readme_teacher_table_matches_the_feed(demo: dict[tuple[RecordKind, str], object]) -> None:
    """The README table the EDT demo is built from lists exactly the feed's teachers."""
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in README.read_text(encoding="utf-8").splitlines()
        if re.match(r"\| 33000\d\d \|", line)
    ]
    assert len(rows) == 13
    for jointure, title, last, first, birth, _subjects, classes, groups, head in rows:
        record = demo[(RecordKind.STAFF, jointure)]
        assert isinstance(record, PersonRecord)
        assert record.profile is Profile.TEACHER
        assert (record.title, record.last_name, record.first_name) == (title, last, first)
        assert record.birth_date is not None
        assert record.birth_date.strftime("%d/%m/%Y") == birth
        taught = {t.code for t in record.teachings if t.target is TeachingTarget.CLASS}
        assert taught == {code.strip() for code in classes.split(",") if code.strip()}
        in_groups = {t.code for t in record.teachings if t.target is TeachingTarget.GROUP}
        assert in_groups == {code.strip() for code in groups.split(",") if code.strip()}
        assert {ref.code for ref in record.head_teacher_of} == {head} - {""}
