"""Readers of UDT's reference tables: rooms, teachers, subjects, grid, classes, students, groups.

Each reader streams one ``UDCal_NN.xml`` member (a missing member is an empty
table) and returns its rows keyed by UDT code, in file order.  Rows without
their code are skipped: nothing else can refer to them.  The first row of a
duplicated code wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from entcore.model import TimetableClass, TimetableRoom, TimetableSubject, TimetableTeacher
from entcore_udt.reader import Row, rows
from entcore_udt.values import bcn_subject, number_key, parse_hour, parse_int, parse_optional_date

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date, time

    from entcore_udt.archive import UdtArchive

ROOMS = "UDCal_03.xml"
TEACHERS = "UDCal_04.xml"
SUBJECTS = "UDCal_05.xml"
HALF_SEQUENCES = "UDCal_07.xml"
CLASSES = "UDCal_08.xml"
STUDENTS = "UDCal_10.xml"
FICHES = "UDCal_11.xml"
REGROUPEMENTS = "UDCal_13.xml"
GROUPS = "UDCal_19.xml"
MEMBERSHIPS = "UDCal_21.xml"


def member_rows(archive: UdtArchive, member: str, *tags: str) -> Iterator[Row]:
    """The ``tags`` elements of ``member``; nothing when the archive lacks it."""
    found = archive.find(member)
    if found is None:
        return iter(())
    return rows(archive, found, tags)


def read_rooms(archive: UdtArchive) -> dict[str, TimetableRoom]:
    """``salle`` rows: code → room named ``nom`` (the code when empty)."""
    rooms: dict[str, TimetableRoom] = {}
    for row in member_rows(archive, ROOMS, "salle"):
        code = row["code"]
        if code and code not in rooms:
            rooms[code] = TimetableRoom(key=code, name=row["nom"] or code)
    return rooms


def read_teachers(archive: UdtArchive) -> dict[str, TimetableTeacher]:
    """``prof`` rows: code → teacher; ``epj`` (the AAF jointure) becomes ``directory_id``."""
    teachers: dict[str, TimetableTeacher] = {}
    for row in member_rows(archive, TEACHERS, "prof"):
        code = row["code"]
        if not code or code in teachers:
            continue
        birth = row.parsed(parse_optional_date, row["date_naissance"])
        teachers[code] = TimetableTeacher(
            key=code,
            last_name=row["nom"],
            first_name=row["prenom"],
            birth_date=birth,
            directory_id=row["epj"] or None,
        )
    return teachers


def read_subjects(archive: UdtArchive) -> dict[str, TimetableSubject]:
    """``mat`` rows: code → subject.

    The BCN code is ``code_gep1`` (else ``code``) when it has the shape of one.
    """
    subjects: dict[str, TimetableSubject] = {}
    for row in member_rows(archive, SUBJECTS, "mat"):
        code = row["code"]
        if code and code not in subjects:
            subjects[code] = TimetableSubject(
                key=code,
                code=code,
                label=row["libelle"] or code,
                national_code=bcn_subject(row["code_gep1"], code),
            )
    return subjects


def read_classes(archive: UdtArchive) -> dict[str, TimetableClass]:
    """``div`` rows: the code is both the key and the name matched with the directory."""
    classes: dict[str, TimetableClass] = {}
    for row in member_rows(archive, CLASSES, "div"):
        code = row["code"]
        if code and code not in classes:
            classes[code] = TimetableClass(key=code, name=code, label=row["libelle"] or None)
    return classes


SlotKey = tuple[str, int, str]
"""(day, half-sequence number, site), numbers compared by value."""


def read_half_sequences(archive: UdtArchive) -> dict[SlotKey, tuple[time, time]]:
    """``demi_seq`` rows: (``code_jour``, ``code``, ``code_site``) → (start, end)."""
    slots: dict[SlotKey, tuple[time, time]] = {}
    for row in member_rows(archive, HALF_SEQUENCES, "demi_seq"):
        number = row.parsed(parse_int, row["code"], "numéro de demi-séquence", 0)
        key = (number_key(row["code_jour"]), number, number_key(row["code_site"]))
        start = row.parsed(parse_hour, row["hre_deb"])
        end = row.parsed(parse_hour, row["hre_fin"])
        if end <= start:
            raise row.error(
                f"demi-séquence de {row['hre_deb']} à {row['hre_fin']} : fin avant début"
            )
        slots.setdefault(key, (start, end))
    return slots


@dataclass(frozen=True, slots=True)
class Fiche:
    """A timetable cell: a day and a half-sequence at a site, with its times."""

    code: str
    day: int
    """ISO weekday, 1 = Monday."""
    sequence: int
    site: str
    start: time
    end: time


def read_fiches(
    archive: UdtArchive, slots: dict[SlotKey, tuple[time, time]]
) -> tuple[dict[str, Fiche], dict[str, str]]:
    """``fiche`` rows: code → cell, its times taken from its half-sequence.

    A fiche whose half-sequence the grid lacks cannot be placed; it is
    returned apart, code → reason, so that the lines in it are reported.
    """
    fiches: dict[str, Fiche] = {}
    unplaced: dict[str, str] = {}
    for row in member_rows(archive, FICHES, "fiche"):
        code = row["code"]
        if not code or code in fiches or code in unplaced:
            continue
        day = row.parsed(parse_int, row["jour"], "jour", 1, 7)
        sequence = row.parsed(parse_int, row["demi_seq"], "demi-séquence", 0)
        site = number_key(row["site"])
        times = slots.get((str(day), sequence, site))
        if times is None and not site:
            # A fiche without a site fits the grid of the only site defining that cell.
            matches = [t for (d, s, _), t in slots.items() if (d, s) == (str(day), sequence)]
            times = matches[0] if len(matches) == 1 else None
        if times is None:
            unplaced[code] = (
                f"demi-séquence {sequence} du jour {day} (site « {site} ») "
                f"absente de {HALF_SEQUENCES}"
            )
            continue
        fiches[code] = Fiche(code, day, sequence, site, *times)
    return fiches, unplaced


@dataclass(frozen=True, slots=True)
class Student:
    """An ``eleve`` row."""

    code: str
    last_name: str
    first_name: str
    birth_date: date | None


def read_students(archive: UdtArchive) -> dict[str, Student]:
    """``eleve`` rows: code → student (``naissance`` is a French date)."""
    students: dict[str, Student] = {}
    for row in member_rows(archive, STUDENTS, "eleve"):
        code = row["code"]
        if code and code not in students:
            birth = row.parsed(parse_optional_date, row["naissance"])
            students[code] = Student(code, row["nom"], row["prenom"], birth)
    return students


@dataclass(frozen=True, slots=True)
class Group:
    """A ``gpe`` row kept as an option group."""

    key: str
    name: str
    label: str | None
    division: str
    code: str


@dataclass(slots=True)
class Groups:
    """The kept groups, found by (class code, group code) or by UDT id."""

    by_code: dict[tuple[str, str], Group] = field(default_factory=dict)
    by_id: dict[str, Group] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(class code, group code) of groups without STS code."""

    def find(self, division: str, code: str, ident: str = "") -> Group | None:
        """The group ``code`` of class ``division``, else the group with UDT id ``ident``."""
        return self.by_code.get((division, code)) or (self.by_id.get(ident) if ident else None)


def read_groups(archive: UdtArchive) -> Groups:
    """``gpe`` rows.

    A group whose ``code_sts`` is present but empty is not an STS group and is
    skipped (as entcore does); without the attribute at all the name falls
    back to ``code_div`` + ``code``.  The key is the UDT ``id`` when present,
    which stays the same across exports when the STS code is renamed.
    """
    groups = Groups()
    for row in member_rows(archive, GROUPS, "gpe"):
        code, division, ident = row["code"], row["code_div"], row["id"]
        if not code:
            continue
        if row.has("code_sts") and not row["code_sts"]:
            groups.skipped.append((division, code))
            continue
        if (division, code) in groups.by_code:
            continue
        key = f"gpe:{ident}" if ident else f"gpe:{division}/{code}"
        name = row["code_sts"] or f"{division}{code}"
        group = Group(key, name, row["libelle"] or row["nom"] or None, division, code)
        groups.by_code[(division, code)] = group
        if ident:
            groups.by_id.setdefault(ident, group)
    return groups


@dataclass(slots=True)
class Regroupement:
    """The ``rgpmt`` rows sharing one code: whole classes and class groups."""

    code: str
    key: str
    name: str
    classes: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)
    """(class code, group code) of member groups, kept or not as option groups."""


def read_regroupements(archive: UdtArchive) -> dict[str, Regroupement]:
    """``rgpmt`` rows grouped by code; a row with an empty ``code_gpe`` adds a whole class."""
    regroupements: dict[str, Regroupement] = {}
    for row in member_rows(archive, REGROUPEMENTS, "rgpmt"):
        code = row["code"]
        if not code:
            continue
        regroupement = regroupements.get(code)
        if regroupement is None:
            key = f"rgpmt:{row['id']}" if row["id"] else f"rgpmt:{code}"
            regroupement = regroupements[code] = Regroupement(code, key, row["nom"] or code)
        division, group = row["code_div"], row["code_gpe"]
        if group and (division, group) not in regroupement.groups:
            regroupement.groups.append((division, group))
        elif not group and division and division not in regroupement.classes:
            regroupement.classes.append(division)
    return regroupements


@dataclass(frozen=True, slots=True)
class Membership:
    """An ``ele_gpe`` row: a student in a class (no group) or a class group, for some ISO weeks."""

    student: str
    division: str
    group: str
    iso_weeks: int


def read_memberships(archive: UdtArchive) -> list[Membership]:
    """``ele_gpe`` rows; an empty ``semaines`` is 0 (the whole year)."""
    memberships = []
    for row in member_rows(archive, MEMBERSHIPS, "ele_gpe"):
        if not row["ele"]:
            continue
        mask = row.parsed(parse_int, row["semaines"] or "0", "masque de semaines", 0)
        memberships.append(Membership(row["ele"], row["code_div"], row["gpe"], mask))
    return memberships
