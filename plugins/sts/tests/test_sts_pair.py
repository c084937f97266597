"""An ``sts_emp`` and its ``emp_sts`` read as one export, and what the user gave (UAI, year)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from entcore_sts import StsFormat
from entcore_sts.format import PAIR_SOFTWARE
from sts_support import EMP_STS, STS_EMP, WriteFile, latin9, parse

import entcore
from entcore import FormatContext, InvalidFileError
from entcore.model import ItemKind, Timetable


def parse_pair(*paths: Path, **context: object) -> Timetable:
    names = tuple(path.name for path in paths)
    return StsFormat().parse_files(
        list(paths),
        FormatContext(names[0], filenames=names, **context),  # type: ignore[arg-type]
    )


def test_the_format_reads_several_files() -> None:
    """The sts format is a MultiFileTimetableFormat."""
    assert isinstance(StsFormat(), entcore.MultiFileTimetableFormat)


@pytest.mark.parametrize("order", ["sts_emp first", "emp_sts first"])
def test_pair_names_teachers_of_emp_sts(order: str) -> None:
    """Teachers of emp_sts get the names of sts_emp; services and courses are emp_sts's."""
    paths = (STS_EMP, EMP_STS) if order == "sts_emp first" else (EMP_STS, STS_EMP)
    timetable = parse_pair(*paths)
    alone = parse(EMP_STS)
    assert timetable.software == PAIR_SOFTWARE
    assert (timetable.uai, timetable.school_year.label) == ("0999999X", "2024-2025")
    teachers = {t.key: t for t in timetable.teachers}
    martin = teachers["8949"]
    assert (martin.last_name, martin.first_name, martin.birth_date, martin.sts_id) == (
        "MARTIN",
        "CLAIRE",
        date(1980, 3, 12),
        "8949",
    )
    assert martin.display_name == "MARTIN CLAIRE"
    # emp_sts alone knows the teacher by the id only.
    assert {t.key: t.display_name for t in alone.teachers} == {"8949": "STS 8949"}
    # The timetable is emp_sts's: its courses, alternances and services.
    assert timetable.courses == alone.courses
    assert timetable.alternations == alone.alternations
    assert timetable.services == alone.services
    # Week 1 is still the first week of the alternances; dates are sts_emp's.
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2024, 9, 1),
        date(2025, 8, 31),
        date(2024, 9, 2),
    )
    # The subjects' labels come from sts_emp's nomenclature.
    subjects = {s.key: s for s in timetable.subjects}
    assert (subjects["061300"].code, subjects["061300"].label) == ("MATHS", "MATHEMATIQUES")
    assert {g.key: g.classes for g in timetable.groups} == {"6AB_ANGL": ("6A", "6B")}
    assert timetable.notices == ()
    assert any(
        item.kind is ItemKind.TEACHER and item.key == "8949"
        for course in timetable.courses
        for item in course.items
    )


def test_one_path_is_parse() -> None:
    """parse_files of one path is parse."""
    assert parse_pair(EMP_STS) == parse(EMP_STS)


def test_a_teacher_missing_from_individus(write_file: WriteFile) -> None:
    """A teacher of emp_sts that sts_emp does not describe is added under its id, and said so."""
    described = write_file(
        latin9(
            '<STS_EDT><PARAMETRES><UAJ CODE="0999999X"/><ANNEE_SCOLAIRE ANNEE="2024"/>'
            "</PARAMETRES><DONNEES><INDIVIDUS>"
            '<INDIVIDU ID="1"><NOM_USAGE>UN</NOM_USAGE><PRENOM>A</PRENOM></INDIVIDU>'
            "</INDIVIDUS></DONNEES></STS_EDT>"
        )
    )
    timetable = parse_pair(described, EMP_STS)
    assert {t.key: t.display_name for t in timetable.teachers} == {"1": "UN A", "8949": "STS 8949"}
    assert [n.message for n in timetable.notices] == [
        "enseignant STS 8949 absent de INDIVIDUS : ajouté"
    ]


def test_two_files_of_the_same_kind(write_file: WriteFile) -> None:
    """Two sts_emp (or two emp_sts) are no pair."""
    copy = write_file(STS_EMP.read_bytes(), name="sts_emp_copie.xml")
    with pytest.raises(InvalidFileError) as refused:
        parse_pair(STS_EMP, copy)
    assert str(refused.value) == (
        "sts_emp_copie.xml: deux fichiers sts_emp : une paire se compose d'un sts_emp "
        "(racine STS_EDT) et d'un emp_sts (racine EDT_STS)"
    )
    other = write_file(EMP_STS.read_bytes(), name="emp_sts_copie.xml")
    with pytest.raises(InvalidFileError, match="deux fichiers emp_sts"):
        parse_pair(EMP_STS, other)


def test_three_files(write_file: WriteFile) -> None:
    """At most a pair."""
    third = write_file(EMP_STS.read_bytes(), name="third.xml")
    with pytest.raises(InvalidFileError) as refused:
        parse_pair(STS_EMP, EMP_STS, third)
    assert str(refused.value) == (
        "third.xml: 3 fichiers STS-Web donnés : un import en prend un seul, "
        "ou la paire sts_emp + emp_sts"
    )


def test_pair_of_two_schools(write_file: WriteFile) -> None:
    """The UAI of each file (or of its name) must be the same."""
    other = write_file(
        EMP_STS.read_bytes().replace(b"0999999X", b"0888888Y"), name="emp_sts_0888888Y_2024.xml"
    )
    with pytest.raises(InvalidFileError) as refused:
        parse_pair(STS_EMP, other)
    assert str(refused.value) == (
        "emp_sts_0888888Y_2024.xml: ce fichier concerne l'établissement 0888888Y, "
        "le sts_emp sts_emp_0999999X_2024.xml l'établissement 0999999X"
    )


def test_pair_of_two_years(write_file: WriteFile) -> None:
    """An emp_sts of another year than its sts_emp is refused."""
    later = write_file(
        EMP_STS.read_bytes().replace(b"2024-", b"2025-").replace(b"2025-0", b"2026-0"),
        name="emp_sts.xml",
    )
    with pytest.raises(InvalidFileError, match=r"couvre l'année scolaire 2025-2026, le sts_emp"):
        parse_pair(STS_EMP, later)


def test_pair_in_a_file_that_is_not_sts(write_file: WriteFile) -> None:
    """A foreign file among the pair is refused by its own name."""
    foreign = write_file(b"<root/>", name="autre.xml")
    with pytest.raises(InvalidFileError, match=r"^autre\.xml.*élément racine « root »"):
        parse_pair(STS_EMP, foreign)


EMP_STS_ANONYMOUS = (
    "<EDT_STS><DONNEES><STRUCTURE><DIVISIONS><DIVISION CODE='6A'><SERVICES>"
    "<SERVICE CODE_MATIERE='061300'><ENSEIGNANTS><ENSEIGNANT ID='12345'/>"
    "</ENSEIGNANTS></SERVICE></SERVICES></DIVISION></DIVISIONS></STRUCTURE></DONNEES></EDT_STS>"
)


def test_uai_and_year_given_by_the_user(write_file: WriteFile) -> None:
    """A file that tells neither its school nor its year takes those of the import, and says so."""
    path = write_file(latin9(EMP_STS_ANONYMOUS), name="export.xml")
    timetable = StsFormat().parse(
        path, FormatContext("export.xml", uai="0999999X", school_year="2024-2025")
    )
    assert (timetable.uai, timetable.school_year.label) == ("0999999X", "2024-2025")
    assert [n.message for n in timetable.notices] == [
        "UAI absent du fichier et de son nom : 0999999X, celui de l'import, est retenu",
        "année scolaire absente du fichier et de son nom : 2024-2025, celle de l'import, est retenue",
    ]
    assert {t.key: t.display_name for t in timetable.teachers} == {"12345": "STS 12345"}


def test_the_file_wins_over_what_the_user_gave() -> None:
    """The UAI and year of the file are kept (the core then refuses a mismatch); no notice."""
    timetable = StsFormat().parse(
        STS_EMP, FormatContext(STS_EMP.name, uai="0888888Y", school_year="2030-2031")
    )
    assert (timetable.uai, timetable.school_year.label) == ("0999999X", "2024-2025")
    assert timetable.notices == ()


def test_nothing_given_nothing_in_the_file(write_file: WriteFile) -> None:
    """Without the user's UAI or year either, the message says what was looked for."""
    path = write_file(latin9(EMP_STS_ANONYMOUS), name="export.xml")
    with pytest.raises(InvalidFileError, match=r"UAI introuvable : .*, ni --uai$"):
        StsFormat().parse(path, FormatContext("export.xml"))
    with pytest.raises(
        InvalidFileError, match=r"année scolaire introuvable : .*, ni --school-year$"
    ):
        StsFormat().parse(path, FormatContext("export.xml", uai="0999999X"))
