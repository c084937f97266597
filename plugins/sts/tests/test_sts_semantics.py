"""STS semantics beyond the reference files: encodings, empty elements, services, courses, years."""

from __future__ import annotations

from datetime import date

import pytest
from entcore_sts.school_year import decide, school_week_monday
from sts_support import WriteFile, latin9, parse

from entcore import InvalidFileError
from entcore.model import ItemKind, TeachingService, weeks_of


def emp_sts(structure: str, alternances: str | None = None, uaj: str = "0999999X") -> str:
    if alternances is None:
        alternances = (
            '<ALTERNANCE CODE="Q1"><LIBELLE_COURT>SEM A</LIBELLE_COURT><SEMAINES>'
            "<DATE_DEBUT_SEMAINE>2024-09-02</DATE_DEBUT_SEMAINE>"
            "<DATE_DEBUT_SEMAINE>2024-09-16</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>"
            '<ALTERNANCE CODE="Q2"><LIBELLE_LONG>Semaine B</LIBELLE_LONG><SEMAINES>'
            "<DATE_DEBUT_SEMAINE>2024-09-09</DATE_DEBUT_SEMAINE>"
            "<DATE_DEBUT_SEMAINE>2024-09-23</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>"
        )
    return (
        f"<EDT_STS><PARAMETRES><UAJ>{uaj}</UAJ></PARAMETRES><DONNEES>"
        f"<ALTERNANCES>{alternances}</ALTERNANCES>"
        f"<STRUCTURE>{structure}</STRUCTURE></DONNEES></EDT_STS>"
    )


def cours(alternance: str, day: str = "2", start: str = "1000", length: str = "0100") -> str:
    return (
        f"<COURS><CODE_ALTERNANCE>{alternance}</CODE_ALTERNANCE><JOUR>{day}</JOUR>"
        f"<HEURE_DEBUT>{start}</HEURE_DEBUT><DUREE>{length}</DUREE>"
        "<CODE_SALLE>S102</CODE_SALLE></COURS>"
    )


def teacher(ident: str, *courses: str) -> str:
    attached = f"<COURS_RATTACHES>{''.join(courses)}</COURS_RATTACHES>" if courses else ""
    return f'<ENSEIGNANT TYPE="epp" ID="{ident}">{attached}</ENSEIGNANT>'


def sts_emp(data: str, year: str = "") -> str:
    return (
        '<STS_EDT><PARAMETRES><UAJ CODE="0999999X"/>'
        f"{year}</PARAMETRES><DONNEES>{data}</DONNEES></STS_EDT>"
    )


def test_latin9_characters_that_latin1_lacks(write_file: WriteFile) -> None:
    """Œ, œ and € (0xBC, 0xBD, 0xA4) decode as Latin-9."""
    data = latin9(
        sts_emp(
            '</DONNEES><NOMENCLATURES><MATIERES><MATIERE CODE="999999">'
            "<CODE_GESTION>OENO</CODE_GESTION><LIBELLE_LONG>Œnologie et cœur à 5 €</LIBELLE_LONG>"
            "</MATIERE></MATIERES></NOMENCLATURES><DONNEES>"
        )
    )
    assert b"\xbc" in data and b"\xbd" in data and b"\xa4" in data
    (subject,) = parse(write_file(data)).subjects
    assert (subject.key, subject.code, subject.label) == (
        "999999",
        "OENO",
        "Œnologie et cœur à 5 €",
    )


def test_empty_elements(write_file: WriteFile) -> None:
    """An empty LIBELLE_LONG falls back on the code; empty SEXE and names are harmless."""
    data = latin9(
        sts_emp(
            '<INDIVIDUS><INDIVIDU ID="12" TYPE="local"><SEXE/><NOM_USAGE/>'
            "<NOM_PATRONYMIQUE>DUPRÉ</NOM_PATRONYMIQUE><PRENOM>Loïc</PRENOM>"
            "<FONCTION>DIR</FONCTION></INDIVIDU></INDIVIDUS>"
            '<STRUCTURE><GROUPES><GROUPE CODE="3LAT"><LIBELLE_LONG/>'
            "<DIVISIONS_APPARTENANCE/></GROUPE></GROUPES></STRUCTURE>"
        )
    )
    timetable = parse(write_file(data))
    (individual,) = timetable.teachers
    assert (individual.last_name, individual.first_name, individual.personnel) == (
        "DUPRÉ",
        "Loïc",
        True,
    )
    (group,) = timetable.groups
    assert (group.label, group.classes) == ("3LAT", ())


def test_services_by_alternance(write_file: WriteFile) -> None:
    """Teachers are grouped by the alternances of their courses; one without courses has none."""
    structure = (
        '<DIVISIONS><DIVISION CODE="5A"><SERVICES><SERVICE CODE_MATIERE="061300"><ENSEIGNANTS>'
        + teacher("100", cours("Q1"))
        + teacher("200", cours("Q2"))
        + teacher("300")
        + "</ENSEIGNANTS></SERVICE></SERVICES></DIVISION></DIVISIONS>"
    )
    timetable = parse(write_file(latin9(emp_sts(structure)), name="emp_sts_0999999X_2024.xml"))
    assert timetable.services == (
        TeachingService("061300", ItemKind.CLASS, "5A", ("100",), "Q1"),
        TeachingService("061300", ItemKind.CLASS, "5A", ("200",), "Q2"),
        TeachingService("061300", ItemKind.CLASS, "5A", ("300",), None),
    )
    (course,) = timetable.courses
    assert {(i.kind, i.key): list(weeks_of(i.weeks)) for i in course.items} == {
        (ItemKind.TEACHER, "100"): [1, 3],
        (ItemKind.TEACHER, "200"): [2, 4],
        (ItemKind.CLASS, "5A"): [1, 2, 3, 4],
        (ItemKind.ROOM, "S102"): [1, 2, 3, 4],
    }
    assert {t.key for t in timetable.teachers} == {"100", "200", "300"}


def test_group_courses_and_modalities(write_file: WriteFile) -> None:
    """A group's course has a group item; services differing by modality stay apart."""
    structure = (
        '<GROUPES><GROUPE CODE="5AB_ESP"><LIBELLE_LONG>ESPAGNOL</LIBELLE_LONG>'
        '<DIVISIONS_APPARTENANCE><DIVISION_APPARTENANCE CODE="5A"/>'
        '<DIVISION_APPARTENANCE CODE="5B"/></DIVISIONS_APPARTENANCE><SERVICES>'
        '<SERVICE CODE_MATIERE="030602" CODE_MOD_COURS="CG"><ENSEIGNANTS>'
        + teacher("100", cours("Q1", day="5", start="1400", length="0055"))
        + '</ENSEIGNANTS></SERVICE><SERVICE CODE_MATIERE="030602" CODE_MOD_COURS="TD">'
        "<ENSEIGNANTS>"
        + teacher("101", cours("Q1", day="5", start="1400", length="0055"))
        + "</ENSEIGNANTS></SERVICE></SERVICES></GROUPE></GROUPES>"
    )
    timetable = parse(write_file(latin9(emp_sts(structure)), name="x.xml"))
    assert timetable.services == (
        TeachingService("030602", ItemKind.GROUP, "5AB_ESP", ("100",), "Q1", "CG"),
        TeachingService("030602", ItemKind.GROUP, "5AB_ESP", ("101",), "Q1", "TD"),
    )
    (course,) = timetable.courses
    assert (course.day, course.start.isoformat(), course.end.isoformat()) == (
        5,
        "14:00:00",
        "14:55:00",
    )
    assert {(i.kind, i.key) for i in course.items} == {
        (ItemKind.TEACHER, "100"),
        (ItemKind.TEACHER, "101"),
        (ItemKind.GROUP, "5AB_ESP"),
        (ItemKind.ROOM, "S102"),
    }
    # Classes named only by the group get an entry of their own.
    assert [c.key for c in timetable.classes] == ["5A", "5B"]


def test_uai_from_the_file_name(write_file: WriteFile) -> None:
    """Without a usable UAJ, the name sts_emp_<UAI>_<année>.xml gives the UAI."""
    data = latin9(emp_sts("", uaj=""))
    timetable = parse(write_file(data, name="emp_sts_0777777z_2024.xml"))
    assert timetable.uai == "0777777Z"


def test_uai_that_cannot_be_determined(write_file: WriteFile) -> None:
    """No UAJ and no conventional name: refused in French."""
    with pytest.raises(InvalidFileError, match="UAI introuvable"):
        parse(write_file(latin9(emp_sts("", uaj="")), name="export.xml"))


def test_year_from_the_file_name(write_file: WriteFile) -> None:
    """Neither ANNEE_SCOLAIRE nor alternances: the name's year gives 1 September-31 August."""
    timetable = parse(
        write_file(latin9(emp_sts("", alternances="")), name="emp_sts_0999999X_2025.xml")
    )
    year = timetable.school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2025, 9, 1),
        date(2026, 8, 31),
        date(2025, 9, 1),
    )


def test_year_that_cannot_be_determined(write_file: WriteFile) -> None:
    """With nothing to date the file, it is refused."""
    with pytest.raises(InvalidFileError, match="année scolaire introuvable"):
        parse(write_file(latin9(emp_sts("", alternances="")), name="export.xml"))


def test_year_from_annee_alone(write_file: WriteFile) -> None:
    """ANNEE without dates gives the administrative year."""
    data = latin9(sts_emp("", year='<ANNEE_SCOLAIRE ANNEE="2026"/>'))
    year = parse(write_file(data, name="x.xml")).school_year
    assert (year.start, year.end, year.first_monday) == (
        date(2026, 9, 1),
        date(2027, 8, 31),
        date(2026, 8, 31),
    )


@pytest.mark.parametrize(
    ("first_day", "monday"),
    [
        (date(2024, 9, 1), date(2024, 9, 2)),  # Sunday: the next Monday
        (date(2024, 8, 31), date(2024, 9, 2)),  # Saturday: the next Monday
        (date(2026, 9, 1), date(2026, 8, 31)),  # Tuesday: its own week
        (date(2025, 9, 1), date(2025, 9, 1)),  # Monday
    ],
)
def test_school_week_monday(first_day: date, monday: date) -> None:
    """Week 1 is the school week the first day opens."""
    assert school_week_monday(first_day) == monday


def test_decide_prefers_alternances_for_week_one() -> None:
    """With alternances, week 1 is their first Monday even beside ANNEE_SCOLAIRE dates."""
    year = decide(date(2024, 9, 1), date(2025, 8, 31), [date(2024, 9, 4), date(2024, 9, 9)], 2024)
    assert year is not None
    assert (year.start, year.end, year.first_monday) == (
        date(2024, 9, 1),
        date(2025, 8, 31),
        date(2024, 9, 2),
    )
    assert decide(None, None, [], None) is None


def test_doctype_is_accepted(write_file: WriteFile) -> None:
    """The DOCTYPE a Java importer re-adds does not stop parsing."""
    body = '<!DOCTYPE STS_EDT SYSTEM "sts_emp.dtd">\n' + sts_emp("")
    assert parse(write_file(latin9(body))).uai == "0999999X"


def test_utf16_document(write_file: WriteFile) -> None:
    """A document in another encoding XML can detect is read too."""
    body = '<?xml version="1.0" encoding="UTF-16"?>\n' + sts_emp("")
    path = write_file(body.encode("utf-16"))
    assert parse(path).uai == "0999999X"


def test_declaration_is_honoured(write_file: WriteFile) -> None:
    """UTF-8 declared is read as UTF-8."""
    body = sts_emp(
        '<INDIVIDUS><INDIVIDU ID="1"><NOM_USAGE>ÉLOÏSE</NOM_USAGE></INDIVIDU></INDIVIDUS>'
    )
    path = write_file(('<?xml version="1.0" encoding="UTF-8"?>' + body).encode())
    assert parse(path).teachers[0].last_name == "ÉLOÏSE"


def test_references_missing_from_described_tables(write_file: WriteFile) -> None:
    """sts_emp has INDIVIDUS and MATIERES: an id or code missing from them is added and reported."""
    data = latin9(
        sts_emp(
            '<INDIVIDUS><INDIVIDU ID="1"><NOM_USAGE>A</NOM_USAGE></INDIVIDU></INDIVIDUS>'
            '<STRUCTURE><DIVISIONS><DIVISION CODE="4A"><SERVICES>'
            '<SERVICE CODE_MATIERE="061300"><ENSEIGNANTS><ENSEIGNANT ID="77"/></ENSEIGNANTS>'
            "</SERVICE></SERVICES></DIVISION></DIVISIONS></STRUCTURE>"
        ).replace(
            "<DONNEES>",
            '<NOMENCLATURES><MATIERES><MATIERE CODE="030201"/></MATIERES></NOMENCLATURES><DONNEES>',
        )
    )
    timetable = parse(write_file(data))
    assert [(n.kind, n.message) for n in timetable.notices] == [
        ("entity_added", "matière « 061300 » absente de MATIERES : ajoutée"),
        ("entity_added", "enseignant STS 77 absent de INDIVIDUS : ajouté"),
    ]
    assert {t.key for t in timetable.teachers} == {"1", "77"}
