"""Whole feeds: the hand-written 2D, 1D and Delta fixtures, through folders and archives."""

from __future__ import annotations

import shutil
import sys
import tarfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import entcore
from entcore.model import (
    Address,
    ClassPeriod,
    ClassRef,
    Deletion,
    DirectoryItem,
    DirectoryRecord,
    Entry,
    FeedFile,
    FunctionAssignment,
    ImportMode,
    MefRecord,
    MefRef,
    Modification,
    Notice,
    PersonRecord,
    Profile,
    RecordKind,
    Rejection,
    Relationship,
    StructureRecord,
    SubjectRecord,
    Teaching,
    TeachingTarget,
)
from entcore.plugins.aaf import AafSource
from entcore.protocols import DirectoryFeed, DirectorySource, SourceContext
from tests.aaf.conftest import FIXTURES

Reader = Callable[..., list[DirectoryItem]]
Records = Callable[[list[DirectoryItem]], dict[str, DirectoryRecord]]

CLASS = TeachingTarget.CLASS
GROUP = TeachingTarget.GROUP


def _person(records: dict[str, DirectoryRecord], key: str) -> PersonRecord:
    record = records[key]
    assert isinstance(record, PersonRecord)
    return record


def test_source_is_registered_by_the_builtin_plugin() -> None:
    """The core's plugin manager finds the ``aaf`` source through the hook."""
    plugins = entcore.create_plugin_manager(load_entrypoints=False)
    source = plugins.directory_sources().get("aaf")
    assert isinstance(source, AafSource)
    assert isinstance(source, DirectorySource)


def test_importing_the_plugin_loads_no_parser() -> None:
    """The plugin manager imports the package; the parsing modules wait for first use."""
    code = (
        "import sys, entcore.plugins.aaf; "
        "print(any(m.startswith('lxml') or m == 'entcore.plugins.aaf.source' for m in sys.modules))"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_feed_protocol_and_metadata() -> None:
    """The feed lists its files in reading order, its mode and its total size."""
    with AafSource().open([FIXTURES / "2d"], SourceContext()) as feed:
        assert isinstance(feed, DirectoryFeed)
        assert feed.mode is ImportMode.FULL
        assert feed.files[0] == FeedFile(
            "ENTTEST_Complet_20240901_EtabEducNat_0000.xml",
            RecordKind.STRUCTURE,
            ImportMode.FULL,
            0,
        )
        assert [file.kind for file in feed.files] == [
            RecordKind.STRUCTURE,
            RecordKind.SUBJECT,
            RecordKind.MEF,
            RecordKind.RELATIVE,
            RecordKind.STUDENT,
            RecordKind.STUDENT,
            RecordKind.STAFF,
        ]
        assert feed.total_bytes == sum(path.stat().st_size for path in (FIXTURES / "2d").iterdir())


def test_items_come_in_record_kind_order(read_items: Reader) -> None:
    """Structures, subjects, MEFs, relatives, students, staff: references point backwards."""
    kinds = [item.kind for item in read_items(FIXTURES / "2d") if isinstance(item, Entry)]
    order = list(RecordKind)
    assert kinds == sorted(kinds, key=order.index)
    assert len(kinds) == 23


def test_progress_reports_every_byte(read_items: Reader) -> None:
    """``on_progress`` adds up to the feed's ``total_bytes``."""
    seen: list[int] = []
    read_items(FIXTURES / "2d", on_progress=seen.append)
    with AafSource().open([FIXTURES / "2d"], SourceContext()) as feed:
        assert sum(seen) == feed.total_bytes


def test_2d_structures_subjects_and_mefs(read_items: Reader, records: Records) -> None:
    """Structures with address and attachment; labels decoded from entities of any kind."""
    built = records(read_items(FIXTURES / "2d"))
    assert built["91001"] == StructureRecord(
        external_id="91001",
        name="CLG-COLLEGE DES GENTIANES-VILLARD-SUR-TEST",
        uai="0999001A",
        type="COLLEGE",
        academy="GRENOBLE",
        contract="PU",
        ministry="MINISTERE DE L'EDUCATION NATIONALE",
        siret="12345678900011",
        address=Address(("3 route des Gentianes", "BP 12"), "74999", "VILLARD-SUR-TEST"),
        phone="+33 4 50 00 00 01",
        email="ce.0999001a@example.test",
        extra=(
            ("type_code", "340"),
            ("ministry_code", "06"),
            ("basin", "07401$BASSIN DES TESTS"),
            ("academy_code", "008"),
        ),
    )
    segpa = built["91002"]
    assert isinstance(segpa, StructureRecord)
    assert segpa.parents == ("91001",)
    assert segpa.address is None
    assert built["042100"] == SubjectRecord("042100", "HISTOIRE-GÉOGRAPHIE & éducation civique")
    assert built["023200"] == SubjectRecord("023200", "FRANCAIS ET LITTÉRATURE")
    assert built["020Q00"] == SubjectRecord("020Q00", "FRANCAIS LANGUE ETRANGERE")
    # The MEF file has bare CR line ends; labels keep their double spaces.
    assert built["1011000A11A"] == MefRecord(
        "1011000A11A", "5EME BILANGUE ALLEMAND  ANGLAIS", None, "21120010001"
    )


def test_2d_relatives_from_a_latin9_file(read_items: Reader, records: Records) -> None:
    """ISO-8859-15 bytes (é, ê, Œ) are decoded by the declared encoding."""
    built = records(read_items(FIXTURES / "2d"))
    mother = _person(built, "800001")
    assert mother.profile is Profile.RELATIVE
    assert (mother.last_name, mother.first_name, mother.birth_name) == (
        "MARTINOT",
        "Hélène",
        "GRANDVAUX",
    )
    assert mother.other_first_names == ("Hélène", "Marie")
    assert mother.address == Address(
        ("12 impasse des Épicéas",), "74999", "VILLARD-SUR-TEST", "FRANCE"
    )
    assert mother.mobile_phones == ("07 00 00 10 01", "06 00 00 10 01")
    assert mother.extra == (("address_diffusion", "true"),)
    assert _person(built, "800003").last_name == "CŒURDEROY"
    assert _person(built, "800002").birth_date == date(1978, 2, 2)
    assert _person(built, "800004").address is None


def test_2d_students(read_items: Reader, records: Records) -> None:
    """Relatives of both code generations, classes, groups, periods, extra facts."""
    built = records(read_items(FIXTURES / "2d"))
    lea = _person(built, "700001")
    assert lea.profile is Profile.STUDENT
    assert (lea.ine, lea.birth_date, lea.mef) == ("070000000AA", date(2013, 3, 12), "10010012110")
    assert [(r.relative, r.relationship, r.legal, r.in_charge) for r in lea.relatives] == [
        ("800001", Relationship.MOTHER, True, False),
        ("800002", Relationship.FATHER, True, False),  # old code 1, legal "2": still legal
        ("800005", Relationship.FAMILY, False, False),
    ]
    assert lea.relatives[2].contact
    assert lea.classes == (ClassRef("91001", "6A"),)
    assert lea.groups == (ClassRef("91001", "ANG RENF"),)
    assert lea.class_periods == (ClassPeriod("91001", "6A", date(2024, 9, 2)),)
    extra = dict(lea.extra)
    assert extra["accommodation"] == "DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT"
    assert extra["transport"] == "true"
    assert extra["sector"] == "COLLEGE  6EME"
    assert [value for key, value in lea.extra if key == "subject_code"] == ["020700", "030201"]

    noe = _person(built, "700003")
    assert noe.groups == (ClassRef("91001", "ALL LV2"), ClassRef("91001", "ANG RENF"))
    assert noe.class_periods == (
        ClassPeriod("91001", "5A", date(2024, 9, 2)),
        ClassPeriod("91001", "6B", date(2023, 9, 1), date(2024, 7, 5)),
    )
    assert [(r.relationship, r.code, r.legal, r.in_charge) for r in noe.relatives] == [
        (Relationship.MOTHER, "10", True, False),
        (Relationship.TUTOR, "50", False, True),  # new code, legal "2": person in charge
    ]
    assert noe.address == Address(
        ("Chalet Les Crêts", "Hameau du Fier"), "74999", "VILLARD-SUR-TEST", "FRANCE"
    )

    # Chunk 0001 has no XML declaration (UTF-8) and values on their own lines.
    hugo = _person(built, "700002")
    assert hugo.other_first_names == ("Hugo", "Émile")
    assert [r.relationship for r in hugo.relatives] == [Relationship.MOTHER, Relationship.FATHER]
    assert hugo.relatives[1].in_charge and not hugo.relatives[1].legal
    assert hugo.address is not None
    assert hugo.address.lines == ("12 impasse des Épicéas",)
    assert hugo.groups == ()


def test_2d_staff(read_items: Reader, records: Records) -> None:
    """Profiles as the reference decides them; teachings merged and deduplicated."""
    items = read_items(FIXTURES / "2d")
    built = records(items)
    claire = _person(built, "900001")
    assert claire.profile is Profile.TEACHER
    assert claire.teachings == (
        Teaching("91001", CLASS, "6A", "020700"),
        Teaching("91001", CLASS, "5A", "020700"),
        Teaching("91001", GROUP, "ANG RENF", None),
    )
    assert claire.classes == (ClassRef("91001", "6A"), ClassRef("91001", "5A"))
    assert claire.groups == (ClassRef("91001", "ANG RENF"),)
    assert claire.head_teacher_of == (ClassRef("91001", "6A"),)
    assert claire.mefs == (
        MefRef("91001", "10010012110", "6EME"),
        MefRef("91001", "1011000A11A", "5EME BILANGUE ALLEMAND  ANGLAIS"),
    )
    assert claire.functions == (
        FunctionAssignment("91001", "ENS", "ENSEIGNEMENT", "L0202", "LETTRES MODERNES"),
    )
    principal = _person(built, "900002")
    assert principal.profile is Profile.PERSONNEL
    # "&amp;apos;" in the file reads as a plain apostrophe, like "&apos;".
    assert [f.discipline_label for f in principal.functions] == [
        "DIRECTION CHEF D'ETABLISSEMENT",
        "DIRECTION CHEF D'ETABLISSEMENT",
    ]
    assert _person(built, "900003").profile is Profile.TEACHER  # documentation function
    assert _person(built, "900004").profile is Profile.PERSONNEL
    andre = _person(built, "900005")
    assert andre.first_name == "André"
    assert andre.profile is Profile.TEACHER  # ENTPersonCategorieEnseignant=O wins over presence=N
    assert andre.teachings == (
        Teaching("91001", CLASS, "4A", "030201"),
        Teaching("91001", CLASS, "6A", None),
        Teaching("91001", GROUP, "ANG RENF", "030201"),
    )
    (notice,) = [item for item in items if isinstance(item, Notice)]
    assert (
        notice.message
        == "attribut « ENTPersonNouvelAttribut » inconnu ignoré (fichier PersEducNat)"
    )
    assert notice.origin.file == "ENTTEST_Complet_20240901_PersEducNat_0000.xml"
    assert not [item for item in items if isinstance(item, Rejection)]


def test_1d_feed(read_items: Reader, records: Records) -> None:
    """1D names, five-field classes, parental authority, 1D profile rule."""
    items = read_items(FIXTURES / "1d")
    assert not [item for item in items if not isinstance(item, Entry)]
    built = records(items)
    school = built["61001"]
    assert isinstance(school, StructureRecord)
    assert school.name == "E.E.PU-ECOLE DES TILLEULS-VILLARD-SUR-TEST"
    assert school.email == "ce.0999101c@example.test"
    assert school.address == Address(("1 place de la Mairie",), "74999", "VILLARD-SUR-TEST")
    zoe = _person(built, "610001")
    assert (zoe.last_name, zoe.first_name, zoe.title) == ("BURNIER", "Zoé", "Mlle")
    assert zoe.classes == (ClassRef("61001", "CM1A", "CM1 A - Mme JACQUIER"),)
    assert zoe.groups == (ClassRef("61001", "CHORALE", "Chorale du jeudi"),)
    assert [(r.relative, r.relationship, r.code, r.legal) for r in zoe.relatives] == [
        ("610101", Relationship.MOTHER, "10", True),
        ("610102", Relationship.OTHER, "", True),
    ]
    assert dict(zoe.extra)["canteen"] == "true"
    assert dict(zoe.extra)["structure_entry_date"] == "2020-09-01"
    mother = _person(built, "610101")
    assert (mother.home_phone, mother.mobile_phones) == ("04 50 00 61 01", ("06 00 61 01 01",))
    assert _person(built, "610102").work_phone == "04 50 00 99 00"
    assert _person(built, "620001").profile is Profile.TEACHER
    director = _person(built, "620002")
    assert director.profile is Profile.TEACHER
    assert ("direction", "61001") in director.extra
    assert _person(built, "620003").profile is Profile.PERSONNEL


def test_delta_feed(read_items: Reader, records: Records) -> None:
    """Delta files mix additions, modifications and deletions."""
    with AafSource().open([FIXTURES / "delta"], SourceContext()) as feed:
        assert feed.mode is ImportMode.DELTA
        items = list(feed)
    kinds = [type(item).__name__ for item in items]
    assert kinds == [
        "Entry",
        "Notice",
        "Modification",
        "Rejection",
        "Deletion",
        "Modification",
        "Notice",
        "Notice",
        "Notice",
        "Modification",
        "Deletion",
    ]
    student_change = items[2]
    assert isinstance(student_change, Modification)
    assert student_change.changes == (
        ("last_name", "MARTINOT-GRANDVAUX"),
        ("address.city", "ANNECY"),
        ("classes", (ClassRef("91001", "6B"),)),
        ("extra.scholarship_holder", ("true",)),
    )
    rejection = items[3]
    assert isinstance(rejection, Rejection)
    assert rejection.origin.entry_id == "700003"
    deletion = items[4]
    assert isinstance(deletion, Deletion)
    assert (deletion.kind, deletion.external_id) == (RecordKind.STUDENT, "700002")
    staff_change = items[5]
    assert isinstance(staff_change, Modification)
    assert ("profile", Profile.PERSONNEL) in staff_change.changes
    assert ("email", "andre.mollard@example.test") in staff_change.changes
    assert "seule l'opération replace" in items[6].message  # type: ignore[union-attr]
    new_student = _person(records(items), "700004")
    assert new_student.relatives[0].relationship is Relationship.FATHER


def _pack(folder: Path, target: Path) -> Path:
    if target.suffix == ".zip":
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # Store members in reverse order: the feed must still be read in kind order.
            for path in sorted(folder.iterdir(), reverse=True):
                archive.write(path, f"ENT2D.20240901/{path.name}")
    else:
        with tarfile.open(target, "w:gz") as archive:
            for path in sorted(folder.iterdir(), reverse=True):
                archive.add(path, f"ENT2D.20240901/{path.name}")
    return target


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz", ".tgz"])
def test_archives_read_like_folders(
    suffix: str, tmp_path: Path, read_items: Reader, records: Records
) -> None:
    """A zipped or tarred feed gives the same entries as the folder, origins naming members."""
    from_folder = read_items(FIXTURES / "2d")
    archive = _pack(FIXTURES / "2d", tmp_path / f"ENT2D.20240901{suffix}")
    from_archive = read_items(archive)
    assert [(type(i).__name__, getattr(i, "fingerprint", None)) for i in from_archive] == [
        (type(i).__name__, getattr(i, "fingerprint", None)) for i in from_folder
    ]
    assert records(from_archive) == records(from_folder)
    first = from_archive[0]
    assert isinstance(first, Entry)
    assert (
        first.origin.file
        == f"{archive.name}!ENT2D.20240901/ENTTEST_Complet_20240901_EtabEducNat_0000.xml"
    )


def test_feed_can_be_read_twice(read_items: Reader) -> None:
    """Iterating again restarts from the first file."""
    with AafSource().open([FIXTURES / "1d"], SourceContext()) as feed:
        first = [item.external_id for item in feed if isinstance(item, Entry)]
        second = [item.external_id for item in feed if isinstance(item, Entry)]
    assert first == second
    assert len(first) == 7


def test_several_paths_make_one_feed(tmp_path: Path, read_items: Reader) -> None:
    """Paths are merged, then sorted by kind across all of them."""
    students = tmp_path / "students"
    students.mkdir()
    for path in (FIXTURES / "2d").glob("*_Eleve_*.xml"):
        shutil.copy(path, students)
    structures = FIXTURES / "2d" / "ENTTEST_Complet_20240901_EtabEducNat_0000.xml"
    items = read_items(students, structures)
    assert [item.kind for item in items if isinstance(item, Entry)] == [
        RecordKind.STRUCTURE,
        RecordKind.STRUCTURE,
        RecordKind.STUDENT,
        RecordKind.STUDENT,
        RecordKind.STUDENT,
    ]
