"""The clear-export reader: newer elements, scoping, grid labels, keys, hostile and broken input."""

from __future__ import annotations

import io
import logging
from datetime import date, time
from pathlib import Path

import pytest
from entcore import FormatContext, InvalidFileError
from entcore.model import (
    ClassPart,
    CourseItem,
    ItemKind,
    MembershipKind,
    StudentMembership,
    Timetable,
    weeks_of,
)

from entcore_edt import EdtFormat, ExportReader, read_export

NEWER = Path(__file__).parent / "fixtures" / "edt_newer.xml"
MINIMAL = Path(__file__).parent / "fixtures" / "edt_minimal.xml"

NS = "http://www.index-education.com/exportemploidutemps"
YEAR = (
    '<AnneeScolaire DateDebut="2024-09-02" DateFin="2025-07-04" '
    'DatePremierJourSemaine1="2024-09-02"/>'
)
GRID = (
    '<GrilleHoraire NombrePlacesParJour="2" DureePlace="55"><PlacesParJour>'
    '<Place Numero="0" LibelleHeureDebut="08:00:00" LibelleHeureFin="08:55:00"/>'
    '<Place Numero="1" LibelleHeureDebut="09:00:00" LibelleHeureFin="09:55:00"/>'
    "</PlacesParJour></GrilleHoraire>"
)
COURSE = (
    '<Cours Jour="{day}" NumeroPlaceDebut="0" NombrePlaces="1"><Matiere Ident="1"/>'
    '<Professeur Ident="1" Semaines="{weeks}"/></Cours>'
)


def export(body: str, *, year: str = YEAR, grid: str = GRID, prolog: str = "") -> bytes:
    """A clear export with ``body`` after the year and the grid."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<ExportEmploiDuTemps xmlns="{NS}" Version="1.1" UAI="0999999X">\n'
        f"{year}\n{grid}\n{body}\n</ExportEmploiDuTemps>\n"
    ).encode()


def courses(*courses: str) -> str:
    return "<Cours>" + "".join(courses) + "</Cours>"


def parse(tmp_path: Path, data: bytes, name: str = "export.xml") -> Timetable:
    path = tmp_path / name
    path.write_bytes(data)
    return EdtFormat().parse(path, FormatContext(name))


@pytest.fixture(scope="module")
def newer() -> Timetable:
    return EdtFormat().parse(NEWER, FormatContext("edt_newer.xml"))


# -- newer exports ------------------------------------------------------------------------


def test_personnel_are_teachers_with_prefixed_keys(newer: Timetable) -> None:
    """Personnel (listed or directly under the root) get keys P<Ident>, apart from teachers."""
    assert [(t.key, t.last_name, t.personnel) for t in newer.teachers] == [
        ("1", "ROUX", False),
        ("P1", "FAURE", True),
        ("P2", "GIRARD", True),
    ]
    assert newer.teachers[0].sts_id == "12345"
    assert newer.teachers[1].birth_date == date(1975, 2, 28)
    assert newer.teachers[1].pronote_id == "FFFFAAAAUUUURRRR"


def test_nested_clashing_names_are_not_entities(newer: Timetable) -> None:
    """Classe/Professeur inside Mef and Cours inside Absence are skipped."""
    assert [c.key for c in newer.classes] == ["1"]
    assert "99" not in {t.key for t in newer.teachers}
    assert len(newer.courses) == 3


def test_class_parts_keep_their_names(newer: Timetable) -> None:
    """PartieDeClasse@Nom, when present, names the part; ProfesseurPrincipal is ignored."""
    assert newer.classes[0].parts == (ClassPart("1", "2NDE1 G1"), ClassPart("2", "2NDE1 G2"))


def test_group_members(newer: Timetable) -> None:
    """A group lists whole classes, parts and students listed directly."""
    (group,) = newer.groups
    assert (group.classes, group.parts, group.students) == (("1",), ("2",), ("2",))


def test_student_ids_and_open_membership(newer: Timetable) -> None:
    """NumeroNational is the INE; a membership without DateSortie has no end."""
    robert, thomas = newer.students
    assert robert.ine == "123456789AB"
    assert robert.pronote_id == "ZZZZOOOOEEEERRRR"
    assert robert.memberships == (
        StudentMembership(MembershipKind.CLASS, "1", date(2025, 9, 1), date(2026, 7, 3)),
        StudentMembership(MembershipKind.PART, "1", date(2025, 9, 1), date(2026, 1, 31)),
    )
    assert thomas.ine is None
    assert thomas.memberships == (
        StudentMembership(MembershipKind.CLASS, "1", date(2026, 1, 5), None),
    )


def test_equipment_is_listed(newer: Timetable) -> None:
    """Materiel becomes equipment that EQUIPMENT course items refer to."""
    assert [(item.key, item.name) for item in newer.equipment] == [("1", "VIDEOPROJECTEUR 1")]
    keys = {
        item.key
        for course in newer.courses
        for item in course.items
        if item.kind is ItemKind.EQUIPMENT
    }
    assert keys == {"1"}


def test_course_items_of_every_kind(newer: Timetable) -> None:
    """Personnel, Materiel and Eleve become items; SemainesInclusion stands for Semaines.

    Etiquette and Periode are not items, and an item without weeks is dropped.
    """
    course = newer.courses[0]
    assert course.cancelled_weeks == 4
    assert course.items == (
        CourseItem(ItemKind.TEACHER, "1", 30),
        CourseItem(ItemKind.TEACHER, "P1", 2),
        CourseItem(ItemKind.GROUP, "1", 30),
        CourseItem(ItemKind.ROOM, "1", 30),
        CourseItem(ItemKind.EQUIPMENT, "1", 8),
        CourseItem(ItemKind.STUDENT, "1", 16),
    )
    assert newer.courses[2].items == (
        CourseItem(ItemKind.TEACHER, "P2", 6),
        CourseItem(ItemKind.CLASS, "1", 6),
    )


def test_subject_only_course_is_kept_without_items(newer: Timetable) -> None:
    """A course with only a Matiere stays in the snapshot; the core ignores it."""
    course = newer.courses[1]
    assert (course.subject, course.items, course.day) == ("2", (), 3)


def test_time_labels_in_every_spelling(newer: Timetable) -> None:
    """HHhMM, HH:MM, xs:time with zone; a missing end is start + DureePlace."""
    assert [(c.start, c.end) for c in newer.courses] == [
        (time(8, 0), time(10, 0)),
        (time(10, 15), time(11, 15)),
        (time(13, 30), time(14, 30)),
    ]


def test_course_off_the_grid_is_skipped_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    """A course ending on a place the grid lacks is left out, logged and listed."""
    reader = ExportReader("edt_newer.xml")
    with caplog.at_level(logging.WARNING, logger="entcore_edt"), NEWER.open("rb") as handle:
        timetable = reader.read(handle)
    assert len(timetable.courses) == 3
    assert len(reader.skipped) == 1
    skipped = reader.skipped[0]
    assert skipped.line == 93
    assert "place de fin 4 absente" in skipped.reason
    assert [(notice.kind, "ligne 93" in notice.message) for notice in timetable.notices] == [
        ("course_skipped", True)
    ]
    assert "edt_newer.xml:93: cours ignoré" in caplog.text


def test_reader_can_be_reused() -> None:
    """A second read starts afresh."""
    reader = ExportReader("edt_newer.xml")
    with NEWER.open("rb") as handle:
        first = reader.read(handle)
    with NEWER.open("rb") as handle:
        second = reader.read(handle)
    assert first == second
    assert len(reader.skipped) == 1


def test_read_export_accepts_unbuffered_streams() -> None:
    """read_export takes any binary stream, e.g. bytes in memory."""
    timetable = read_export(io.BytesIO(MINIMAL.read_bytes()), "edt_minimal.xml")
    assert timetable == EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml"))


# -- grid, days, keys ---------------------------------------------------------------------


def test_sections_in_any_order(tmp_path: Path) -> None:
    """Courses before the grid are still resolved against it."""
    data = export(courses(COURSE.format(day=1, weeks=2)), year="", grid="").replace(
        b"</ExportEmploiDuTemps>", f"{GRID}{YEAR}</ExportEmploiDuTemps>".encode()
    )
    (course,) = parse(tmp_path, data).courses
    assert (course.start, course.end) == (time(8, 0), time(8, 55))


def test_week_one_starting_midweek(tmp_path: Path) -> None:
    """When week 1 starts on a Wednesday, days and masks are re-based on its Monday.

    Jour 1 is then Wednesday of the same week; Jour 6 is the next Monday, so its
    weeks move one week later.
    """
    year = (
        '<AnneeScolaire DateDebut="2024-09-04" DateFin="2025-07-04" '
        'DatePremierJourSemaine1="2024-09-04"/>'
    )
    body = courses(COURSE.format(day=1, weeks=6), COURSE.format(day=6, weeks=6))
    timetable = parse(tmp_path, export(body, year=year))
    assert timetable.school_year.first_monday == date(2024, 9, 2)
    wednesday, monday = timetable.courses
    assert (wednesday.day, list(weeks_of(wednesday.items[0].weeks))) == (3, [1, 2])
    assert (monday.day, list(weeks_of(monday.items[0].weeks))) == (1, [2, 3])


def test_course_keys_follow_content_not_position(tmp_path: Path) -> None:
    """Reordering courses keeps their keys; identical courses get -2; a change changes the key."""
    one, two = COURSE.format(day=1, weeks=6), COURSE.format(day=2, weeks=6)
    keys = [c.key for c in parse(tmp_path, export(courses(one, two))).courses]
    swapped = [c.key for c in parse(tmp_path, export(courses(two, one))).courses]
    assert swapped == keys[::-1]
    twice = [c.key for c in parse(tmp_path, export(courses(one, one))).courses]
    assert twice == [keys[0], f"{keys[0]}-2"]
    changed = COURSE.format(day=1, weeks=14)
    assert parse(tmp_path, export(courses(changed))).courses[0].key not in keys


def test_bit_zero_is_cleared(tmp_path: Path) -> None:
    """Bit 0 ("week 0") means nothing: Semaines="3" is week 1 only."""
    body = courses(COURSE.format(day=1, weeks=3).replace(">", ' SemainesAnnulation="1">', 1))
    (course,) = parse(tmp_path, export(body)).courses
    assert (course.items[0].weeks, course.cancelled_weeks) == (2, 0)


def test_place_running_past_midnight_has_no_end(tmp_path: Path) -> None:
    """start + DureePlace past midnight is no end: the course is skipped, not wrapped."""
    grid = (
        '<GrilleHoraire DureePlace="90"><PlacesParJour>'
        '<Place Numero="0" LibelleHeureDebut="23:00"/></PlacesParJour></GrilleHoraire>'
    )
    assert parse(tmp_path, export(courses(COURSE.format(day=1, weeks=2)), grid=grid)).courses == ()


# -- hostile and broken input -------------------------------------------------------------


def test_internal_entities_are_refused(tmp_path: Path) -> None:
    """A DOCTYPE declaring entities (billion laughs family) is refused before parsing."""
    prolog = (
        '<!DOCTYPE ExportEmploiDuTemps [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    )
    data = export('<Salles><Salle Ident="1" Nom="&b;"/></Salles>', prolog=prolog)
    with pytest.raises(InvalidFileError, match="entités"):
        parse(tmp_path, data)


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    """Neither an external DTD nor a SYSTEM entity is read: the marker never shows.

    The reference the unread DTD might have declared is an error naming the
    line, never a value read cut short.
    """
    marker = tmp_path / "marker.txt"
    marker.write_text("SECRET-MARKER-42")
    (tmp_path / "ext.dtd").write_text(f'<!ENTITY xxe SYSTEM "{marker.as_uri()}">')
    data = export(
        '<Salles><Salle Ident="1" Nom="&xxe;"/></Salles>',
        prolog='<!DOCTYPE ExportEmploiDuTemps SYSTEM "ext.dtd">\n',
    )
    with pytest.raises(InvalidFileError, match="entité « xxe » non définie") as caught:
        parse(tmp_path, data)
    assert caught.value.line is not None
    assert "SECRET-MARKER" not in str(caught.value)
    inline = export(
        '<Salles><Salle Ident="1" Nom="&xxe;"/></Salles>',
        prolog=f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{marker.as_uri()}">]>\n',
    )
    with pytest.raises(InvalidFileError, match="entités"):
        parse(tmp_path, inline)


def test_truncated_file_names_the_line(tmp_path: Path) -> None:
    """A cut file is an InvalidFileError with a line number."""
    data = MINIMAL.read_bytes()
    with pytest.raises(InvalidFileError, match="XML mal formé") as caught:
        parse(tmp_path, data[: len(data) // 2])
    assert caught.value.line is not None
    assert caught.value.line > 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "fichier vide"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "XML mal formé"),
        (bytes(range(256)) * 4, "XML mal formé"),
        (b'<?xml version="1.0"?>\n<STS_EDT><PARAMETRES/></STS_EDT>', "racine inattendue"),
        (b"<ExportEmploiDuTemps UAI='0999999X'/>", "racine inattendue"),
    ],
    ids=["empty", "zip", "random", "other-xml", "no-namespace"],
)
def test_foreign_files_are_invalid(tmp_path: Path, data: bytes, reason: str) -> None:
    """Files that are not EDT exports fail with a one-line reason, never a traceback."""
    with pytest.raises(InvalidFileError, match=reason):
        parse(tmp_path, data)


@pytest.mark.parametrize(
    ("body", "year", "reason", "line"),
    [
        (courses(COURSE.format(day=1, weeks="1e3")), YEAR, "Semaines invalide « 1e3 »", 5),
        (courses(COURSE.format(day=1, weeks="-2")), YEAR, "Semaines invalide", 5),
        (courses(COURSE.format(day=9, weeks=2)), YEAR, "Jour invalide : 9", 5),
        (
            courses(COURSE.format(day=1, weeks=2).replace(">", ' SemainesAnnulation="x">', 1)),
            YEAR,
            "SemainesAnnulation invalide « x » sur Cours",
            5,
        ),
        (
            courses(COURSE.format(day=1, weeks="2x").replace("Semaines=", "SemainesInclusion=")),
            YEAR,
            "SemainesInclusion invalide « 2x » sur Professeur",
            5,
        ),
        ('<Salles><Salle Nom="S1"/></Salles>', YEAR, "Ident manquant sur Salle", 5),
        (
            "",
            YEAR.replace("2025-07-04", "2025-07-32"),
            "DateFin invalide « 2025-07-32 »",
            3,
        ),
        ("", "", "AnneeScolaire absente", None),
    ],
    ids=["mask", "negative-mask", "day", "cancelled", "inclusion", "ident", "date", "no-year"],
)
def test_malformed_values_are_invalid(
    tmp_path: Path, body: str, year: str, reason: str, line: int | None
) -> None:
    """Malformed values name the attribute, the element and the line."""
    with pytest.raises(InvalidFileError, match=reason) as caught:
        parse(tmp_path, export(body, year=year))
    assert caught.value.line == line


def test_malformed_time_label(tmp_path: Path) -> None:
    """A place label that is not a time is an error naming it."""
    grid = GRID.replace('LibelleHeureDebut="09:00:00"', 'LibelleHeureDebut="neuf heures"')
    with pytest.raises(InvalidFileError, match="LibelleHeureDebut invalide « neuf heures »"):
        parse(tmp_path, export("", grid=grid))


def test_missing_uai(tmp_path: Path) -> None:
    """An export that does not say its school is refused."""
    data = export("").replace(b' UAI="0999999X"', b"")
    with pytest.raises(InvalidFileError, match="UAI"):
        parse(tmp_path, data)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A clear file starting with a UTF-8 byte-order mark reads normally."""
    timetable = parse(tmp_path, b"\xef\xbb\xbf" + MINIMAL.read_bytes())
    assert timetable == EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml"))
