"""Generate the demo collège's EDT timetable export from its AAF directory feed.

Writes ``src/entcore/demo/edt/Edt_To_ENTCORE_0749901K_Enclair.xml``: a clear
(unencrypted) Index Éducation ``ExportEmploiDuTemps`` file, version 1.1, as EDT
writes it for an ENT (reference note ``timetable.md`` §2.3–2.5).  Run it from the
repository root after changing the tables below or the demo AAF feed::

    .venv/bin/python tools/make_demo_edt.py [--aaf FOLDER] [--output FILE]

The output is deterministic: no randomness, no clock.  ``tests/test_demo_edt.py``
checks that the committed file is exactly what this script writes.

What comes from where
    The AAF feed (parsed with lxml, no DTD, no entity expansion, no network)
    gives the teachers (name, first name, birth date, the classes and groups
    they teach each subject to), the students (name, first name, birth date,
    sex, class, groups) and the subjects.  The tables of this file give the
    weekly timetable of each class, the option groups' courses, the rooms and
    the four special cases.  The script checks that every course's teacher
    teaches that subject to that class or group in the feed, and that every
    teaching of the feed has a course, so both stay in step.

School year 2025-2026, académie de Grenoble (zone A)
    Week 1 starts on Monday 1 September 2025 (``DatePremierJourSemaine1``);
    week *n* starts on that Monday + 7 (*n* − 1) days.  The holidays close:

    ==========================  ==========================  =================
    holiday                     dates (Saturday to Sunday)  school weeks off
    ==========================  ==========================  =================
    Toussaint                   18 Oct – 2 Nov 2025         8 (20 Oct), 9
    Noël                        20 Dec 2025 – 4 Jan 2026    17 (22 Dec), 18
    hiver                       7 – 22 Feb 2026             24 (9 Feb), 25
    printemps                   4 – 19 Apr 2026             32 (6 Apr), 33
    ==========================  ==========================  =================

    Classes end on Friday 3 July 2026, in week 44.  The school weeks are thus
    1–7, 10–16, 19–23, 26–31 and 34–44 (36 weeks): the "annual" mask.  Week A
    and week B alternate over the school weeks, by rank: A = 1, 3, 5, 7, 11, 13…,
    B = 2, 4, 6, 10, 12…  (18 weeks each).  Public holidays that fall on a
    school day (11 November, 1 and 8 May, Ascension, Whit Monday) are not taken
    out of the masks: every weekly course keeps the one annual mask.

Special cases (the import must report them)
    (a) a course placed on class parts only: technology for half of 6B, left
        out by the import (``PART_COURSE``);
    (b) a replacement: VUARCHEX Hélène, a substitute absent from the
        directory, replaces THABUISAZ Justine in one week of October
        (``REPLACEMENT``);
    (c) a cancellation: one week in ``SemainesAnnulation`` (``CANCELLATION``);
    (d) an exceptional course, active in a single week (``EXCEPTIONAL``).
    The group ``6AB ANG G1`` (class parts 6A G1 and 6B G1) exists only in
    the timetable: the import reports it as an option group to create.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple, cast

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
AAF_FOLDER = ROOT / "src" / "entcore" / "demo" / "aaf"
OUTPUT = ROOT / "src" / "entcore" / "demo" / "edt" / "Edt_To_ENTCORE_0749901K_Enclair.xml"

NAMESPACE = "http://www.index-education.com/exportemploidutemps"
VERSION = "1.1"
UAI = "0749901K"
#: The structure's jointure: AAF references read ``8740501$<code>``.
STRUCTURE = "8740501"

# -- the school year ------------------------------------------------------------------------

YEAR_START = date(2025, 9, 1)
YEAR_END = date(2026, 7, 3)
WEEK_1 = date(2025, 9, 1)
#: Holidays, first and last day (académie de Grenoble, zone A).
HOLIDAYS = (
    (date(2025, 10, 18), date(2025, 11, 2)),  # Toussaint: weeks 8-9
    (date(2025, 12, 20), date(2026, 1, 4)),  # Noël: weeks 17-18
    (date(2026, 2, 7), date(2026, 2, 22)),  # hiver: weeks 24-25
    (date(2026, 4, 4), date(2026, 4, 19)),  # printemps: weeks 32-33
)


def week_of(day: date) -> int:
    """The school week of ``day`` (week 1 starts on ``WEEK_1``)."""
    return (day - WEEK_1).days // 7 + 1


def _school_weeks() -> list[int]:
    weeks = []
    for week in range(1, week_of(YEAR_END) + 1):
        monday = WEEK_1 + timedelta(weeks=week - 1)
        friday = monday + timedelta(days=4)
        if not any(first <= monday and friday <= last for first, last in HOLIDAYS):
            weeks.append(week)
    return weeks


#: 1-7, 10-16, 19-23, 26-31, 34-44.
SCHOOL_WEEKS = _school_weeks()
WEEKS = {
    "S": SCHOOL_WEEKS,  # every school week
    "A": SCHOOL_WEEKS[0::2],  # week A: 1, 3, 5, 7, 11, 13...
    "B": SCHOOL_WEEKS[1::2],  # week B: 2, 4, 6, 10, 12...
}


def mask(weeks: Iterable[int]) -> int:
    """EDT week mask: bit *i* set for school week *i*."""
    return sum(1 << week for week in set(weeks))


# -- the time grid ----------------------------------------------------------------------------

MON, TUE, WED, THU, FRI = 1, 2, 3, 4, 5
PLACE_MINUTES = 55
#: Place number → (start, end).  Breaks 09:50-10:05, 11:55-13:30, 15:20-15:35.
PLACES = (
    ("08:00", "08:55"),
    ("08:55", "09:50"),
    ("10:05", "11:00"),
    ("11:00", "11:55"),
    ("13:30", "14:25"),
    ("14:25", "15:20"),
    ("15:35", "16:30"),
    ("16:30", "17:25"),
)
PLACE_AT = {start: number for number, (start, _) in enumerate(PLACES)}

# -- subjects and rooms -----------------------------------------------------------------------

#: EDT code gestion, EDT label, BCN code of the AAF subject.
SUBJECTS = (
    ("FRANC", "FRANCAIS", "020700"),
    ("MATHS", "MATHEMATIQUES", "061300"),
    ("AGL1", "ANGLAIS LV1", "030201"),
    ("ALL2", "ALLEMAND LV2", "030102"),
    ("ESP2", "ESPAGNOL LV2", "030602"),  # in the feed, taught by nobody this year
    ("HIGEO", "HISTOIRE-GEOGRAPHIE", "042100"),
    ("SVT", "SCIENCES VIE & TERRE", "062900"),
    ("PHYCH", "PHYSIQUE-CHIMIE", "062300"),
    ("TECHN", "TECHNOLOGIE", "070800"),
    ("EPS", "ED.PHYSIQUE & SPORT.", "100100"),
    ("ARPLA", "ARTS PLASTIQUES", "090100"),
    ("EDMUS", "EDUCATION MUSICALE", "081300"),
    ("LCALA", "LCA LATIN", "020100"),
    ("VICLA", "VIE DE CLASSE", "008400"),
    ("AP", "ACCOMPAGNEMT. PERSO.", "006600"),
)
BCN = {code: bcn for code, _, bcn in SUBJECTS}

#: Every teacher teaches in their own room (the substitute uses the room of the replaced one).
ROOMS = {
    "DUCRETTAZ": "S101",
    "ROSSETAZ": "S102",
    "BERTHOLLAZ": "S103",
    "FOLLIGUET": "S104",
    "GRANDCLAUDAZ": "S105",
    "HOSTACHAZ": "S106",
    "JACQUEMOUD-VIAL": "S107",
    "LAVOREL-DUMAZ": "LABO SVT",
    "MUGNIERAZ": "LABO PC",
    "PASQUIERAZ": "TECHNO",
    "RUPHYAZ": "GYMNASE",
    "SAUTHIERAZ": "MUSIQUE",
    "THABUISAZ": "ARTS",
}

# -- the weekly timetables --------------------------------------------------------------------


class Lesson(NamedTuple):
    """One weekly course: day, start time, length in places, subject, teacher, weeks."""

    day: int
    start: str
    places: int
    subject: str
    teacher: str
    weeks: str = "S"
    """``S`` every school week, ``A`` week A, ``B`` week B."""


L = Lesson

#: Each class's week (about 26.5 hours; Wednesday afternoon free).  Teachers by last name.
CLASS_WEEKS: dict[str, list[Lesson]] = {
    "6A": [
        L(MON, "08:00", 1, "FRANC", "DUCRETTAZ"),
        L(MON, "08:55", 1, "AGL1", "GRANDCLAUDAZ"),
        L(MON, "10:05", 1, "MATHS", "BERTHOLLAZ"),
        L(MON, "11:00", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(MON, "13:30", 2, "EPS", "RUPHYAZ"),
        L(MON, "15:35", 1, "SVT", "LAVOREL-DUMAZ"),
        L(TUE, "08:00", 1, "MATHS", "BERTHOLLAZ"),
        L(TUE, "08:55", 1, "FRANC", "DUCRETTAZ"),
        L(TUE, "10:05", 1, "TECHN", "PASQUIERAZ"),
        L(TUE, "11:00", 1, "AGL1", "GRANDCLAUDAZ"),
        L(TUE, "13:30", 1, "ARPLA", "THABUISAZ"),  # (b) replaced in week 6
        L(TUE, "14:25", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(TUE, "15:35", 1, "AP", "DUCRETTAZ"),
        L(WED, "08:00", 1, "SVT", "LAVOREL-DUMAZ"),
        L(WED, "08:55", 1, "MATHS", "BERTHOLLAZ"),
        L(WED, "10:05", 1, "FRANC", "DUCRETTAZ"),
        L(THU, "08:00", 2, "EPS", "RUPHYAZ"),
        L(THU, "10:05", 1, "FRANC", "DUCRETTAZ"),
        L(THU, "11:00", 1, "MATHS", "BERTHOLLAZ"),
        L(THU, "13:30", 1, "AGL1", "GRANDCLAUDAZ"),
        L(THU, "14:25", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(FRI, "08:00", 1, "AGL1", "GRANDCLAUDAZ"),
        L(FRI, "08:55", 1, "TECHN", "PASQUIERAZ"),
        L(FRI, "10:05", 1, "EDMUS", "SAUTHIERAZ"),
        L(FRI, "11:00", 1, "VICLA", "DUCRETTAZ", "B"),
    ],
    "6B": [
        L(MON, "08:00", 1, "MATHS", "BERTHOLLAZ"),
        L(MON, "08:55", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(MON, "10:05", 1, "FRANC", "ROSSETAZ"),
        L(MON, "11:00", 1, "AGL1", "GRANDCLAUDAZ"),
        L(MON, "13:30", 1, "SVT", "LAVOREL-DUMAZ"),
        L(MON, "14:25", 1, "TECHN", "PASQUIERAZ"),
        L(MON, "15:35", 1, "ARPLA", "THABUISAZ"),
        L(TUE, "08:00", 1, "FRANC", "ROSSETAZ"),
        L(TUE, "08:55", 1, "MATHS", "BERTHOLLAZ"),
        L(TUE, "10:05", 2, "EPS", "RUPHYAZ"),
        L(TUE, "13:30", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(TUE, "14:25", 1, "AP", "DUCRETTAZ"),
        L(TUE, "15:35", 1, "SVT", "LAVOREL-DUMAZ"),
        L(WED, "08:00", 1, "FRANC", "ROSSETAZ"),
        # WED 08:55: technology in half-class, see PART_COURSE.
        L(WED, "10:05", 1, "AGL1", "GRANDCLAUDAZ"),
        L(WED, "11:00", 1, "MATHS", "BERTHOLLAZ"),
        L(THU, "08:00", 1, "FRANC", "ROSSETAZ"),
        L(THU, "08:55", 1, "MATHS", "BERTHOLLAZ"),
        L(THU, "10:05", 1, "AGL1", "GRANDCLAUDAZ"),
        L(THU, "11:00", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(THU, "13:30", 1, "EDMUS", "SAUTHIERAZ"),
        L(FRI, "08:00", 2, "EPS", "RUPHYAZ"),
        L(FRI, "10:05", 1, "AGL1", "GRANDCLAUDAZ"),
        L(FRI, "11:00", 1, "VICLA", "BERTHOLLAZ", "B"),
    ],
    "5A": [
        L(MON, "08:00", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(MON, "08:55", 1, "FRANC", "DUCRETTAZ"),
        L(MON, "10:05", 1, "AGL1", "GRANDCLAUDAZ"),
        L(MON, "11:00", 1, "MATHS", "FOLLIGUET"),
        L(MON, "13:30", 1, "TECHN", "PASQUIERAZ"),
        L(MON, "14:25", 1, "ALL2", "HOSTACHAZ"),
        L(MON, "15:35", 1, "EDMUS", "SAUTHIERAZ"),
        L(TUE, "08:00", 2, "EPS", "RUPHYAZ"),
        L(TUE, "10:05", 1, "FRANC", "DUCRETTAZ"),
        L(TUE, "11:00", 1, "PHYCH", "MUGNIERAZ"),
        L(TUE, "13:30", 1, "MATHS", "FOLLIGUET"),
        L(TUE, "14:25", 1, "SVT", "LAVOREL-DUMAZ"),
        L(TUE, "15:35", 1, "AGL1", "GRANDCLAUDAZ"),
        L(WED, "08:00", 1, "MATHS", "FOLLIGUET"),
        L(WED, "08:55", 1, "AGL1", "GRANDCLAUDAZ"),
        L(WED, "10:05", 1, "HIGEO", "JACQUEMOUD-VIAL"),  # (c) cancelled in week 12
        L(THU, "08:00", 1, "FRANC", "DUCRETTAZ"),
        L(THU, "08:55", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(THU, "10:05", 1, "ALL2", "HOSTACHAZ"),
        L(THU, "11:00", 1, "ARPLA", "THABUISAZ"),
        L(THU, "13:30", 1, "MATHS", "FOLLIGUET", "A"),
        L(THU, "13:30", 1, "ALL2", "HOSTACHAZ", "B"),
        L(THU, "14:25", 1, "SVT", "LAVOREL-DUMAZ", "A"),
        L(THU, "14:25", 1, "PHYCH", "MUGNIERAZ", "B"),
        L(FRI, "08:00", 1, "FRANC", "DUCRETTAZ"),
        L(FRI, "08:55", 1, "FRANC", "DUCRETTAZ", "A"),
        L(FRI, "08:55", 1, "VICLA", "GRANDCLAUDAZ", "B"),
        L(FRI, "10:05", 1, "EPS", "RUPHYAZ"),
        L(FRI, "11:00", 1, "TECHN", "PASQUIERAZ", "A"),
    ],
    "4A": [
        L(MON, "08:00", 1, "AGL1", "GRANDCLAUDAZ"),
        L(MON, "08:55", 1, "MATHS", "FOLLIGUET"),
        L(MON, "10:05", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(MON, "11:00", 1, "FRANC", "ROSSETAZ"),
        L(MON, "13:30", 1, "ARPLA", "THABUISAZ"),
        L(MON, "14:25", 1, "SVT", "LAVOREL-DUMAZ"),
        L(MON, "15:35", 1, "ALL2", "HOSTACHAZ"),
        L(TUE, "08:00", 1, "TECHN", "PASQUIERAZ"),
        L(TUE, "08:55", 1, "PHYCH", "MUGNIERAZ"),
        L(TUE, "10:05", 1, "AGL1", "GRANDCLAUDAZ"),
        L(TUE, "11:00", 1, "MATHS", "FOLLIGUET"),
        L(TUE, "13:30", 1, "FRANC", "ROSSETAZ"),
        L(TUE, "14:25", 1, "EDMUS", "SAUTHIERAZ"),
        L(TUE, "15:35", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(WED, "08:00", 2, "EPS", "RUPHYAZ"),
        L(WED, "10:05", 1, "MATHS", "FOLLIGUET"),
        L(THU, "08:00", 1, "HIGEO", "JACQUEMOUD-VIAL"),
        L(THU, "08:55", 1, "FRANC", "ROSSETAZ"),
        L(THU, "10:05", 1, "SVT", "LAVOREL-DUMAZ", "A"),
        L(THU, "10:05", 1, "PHYCH", "MUGNIERAZ", "B"),
        L(THU, "11:00", 1, "AGL1", "GRANDCLAUDAZ"),
        L(THU, "13:30", 1, "FRANC", "ROSSETAZ"),
        L(THU, "14:25", 1, "ALL2", "HOSTACHAZ"),
        L(FRI, "08:00", 1, "MATHS", "FOLLIGUET", "A"),
        L(FRI, "08:00", 1, "ALL2", "HOSTACHAZ", "B"),
        L(FRI, "08:55", 1, "FRANC", "ROSSETAZ", "A"),
        L(FRI, "08:55", 1, "VICLA", "ROSSETAZ", "B"),
        L(FRI, "10:05", 1, "TECHN", "PASQUIERAZ", "B"),
        L(FRI, "11:00", 1, "EPS", "RUPHYAZ"),
    ],
}

#: Class parts: each class is split in two halves (students by name: first half G1).
PARTS = ("G1", "G2")

#: Option groups: name → class parts it is made of (the directory's groups list students).
GROUP_PARTS: dict[str, tuple[str, ...]] = {
    # English support for half of each 6e: unknown to the directory.
    "6AB ANG G1": ("6A G1", "6B G1"),
    "CHORALE": (),
    "LATIN": (),
}

#: Option groups' weekly courses.
GROUP_WEEKS: dict[str, list[Lesson]] = {
    "6AB ANG G1": [L(TUE, "16:30", 1, "AGL1", "GRANDCLAUDAZ")],
    "CHORALE": [L(WED, "11:00", 1, "EDMUS", "SAUTHIERAZ")],
    "LATIN": [
        L(MON, "16:30", 1, "LCALA", "ROSSETAZ"),
        L(THU, "15:35", 1, "LCALA", "ROSSETAZ"),
    ],
}

# -- the special cases ------------------------------------------------------------------------

#: (a) Technology for half of 6B on Wednesday 08:55: 6B G1 in week A, 6B G2 in week B.
#: Placed on class parts only (no Classe, no Groupe), so the import leaves it out.
PART_COURSE = ("6B", L(WED, "08:55", 1, "TECHN", "PASQUIERAZ"), {"6B G1": "A", "6B G2": "B"})

#: The substitute: a teacher of the timetable who is not in the directory.
SUBSTITUTE = ("VUARCHEX", "Hélène", date(1996, 4, 22))


class Special(NamedTuple):
    """A special case on one week of the weekly course of ``audience`` on ``day`` at ``start``."""

    audience: str
    day: int
    start: str
    week: int

    def on(self, audience: str, lesson: Lesson) -> bool:
        """Whether ``lesson`` of ``audience`` is the course concerned."""
        return (audience, lesson.day, lesson.start) == (self.audience, self.day, self.start)


#: (b) THABUISAZ Justine is away on Tuesday 7 October 2025 (week 6): the substitute
#: takes her 6A arts lesson (two Professeur with complementary masks).
REPLACEMENT = Special("6A", TUE, "13:30", week_of(date(2025, 10, 7)))
#: (c) 5A history-geography of Wednesday 19 November 2025 (week 12) is cancelled.
CANCELLATION = Special("5A", WED, "10:05", week_of(date(2025, 11, 19)))
#: (d) ...and made up on Friday 28 November 2025 (week 13), 13:30: a one-week course.
EXCEPTIONAL = (
    Special("5A", FRI, "13:30", week_of(date(2025, 11, 28))),
    L(FRI, "13:30", 1, "HIGEO", "JACQUEMOUD-VIAL"),
)

# -- reading the AAF feed ---------------------------------------------------------------------

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
)


@dataclass(frozen=True)
class Person:
    """A teacher or a student of the feed."""

    jointure: str
    last_name: str
    first_name: str
    birth_date: date
    male: bool
    classes: tuple[str, ...]
    """A student's class (``ENTEleveClasses``); a teacher's classes (``ENTAuxEnsClasses``)."""
    groups: tuple[str, ...]
    teachings: frozenset[tuple[str, str]]
    """A teacher's (class or group code, BCN subject code) pairs."""


def _entries(folder: Path, category: str) -> Iterator[dict[str, list[str]]]:
    paths = sorted(folder.glob(f"*_{category}_*.xml"))
    if not paths:
        raise FileNotFoundError(f"no {category} file in {folder}")
    for path in paths:
        root = etree.parse(str(path), _PARSER).getroot()
        for request in root.iter("addRequest"):
            yield {
                str(attr.get("name")): [value.text or "" for value in attr.iter("value")]
                for attr in request.iter("attr")
            }


def _local(values: list[str]) -> tuple[str, ...]:
    # "8740501$6A" -> "6A"; other structures' references are dropped.
    return tuple(v.split("$", 1)[1] for v in values if v.startswith(f"{STRUCTURE}$"))


def _person(entry: dict[str, list[str]]) -> Person:
    day, month, year = entry["ENTPersonDateNaissance"][0].split("/")
    teachings = [
        value.split("$")[1:]
        for value in entry.get("ENTAuxEnsClassesMatieres", [])
        + entry.get("ENTAuxEnsGroupesMatieres", [])
        if value.startswith(f"{STRUCTURE}$")
    ]
    return Person(
        jointure=entry["ENTPersonJointure"][0],
        last_name=entry["sn"][0],
        first_name=entry["givenName"][0],
        birth_date=date(int(year), int(month), int(day)),
        male=entry["personalTitle"][0] == "M.",
        classes=_local(entry.get("ENTEleveClasses", entry.get("ENTAuxEnsClasses", []))),
        groups=_local(entry.get("ENTEleveGroupes", entry.get("ENTAuxEnsGroupes", []))),
        teachings=frozenset((code, subject) for code, subject in teachings),
    )


def read_teachers(folder: Path) -> list[Person]:
    """The feed's teachers (staff with an ENS function), by jointure."""
    return sorted(
        (
            _person(entry)
            for entry in _entries(folder, "PersEducNat")
            if any(f"{STRUCTURE}$ENS$" in value for value in entry.get("ENTPersonFonctions", []))
        ),
        key=lambda person: person.jointure,
    )


def read_students(folder: Path) -> list[Person]:
    """The feed's students, by jointure."""
    return sorted(
        (_person(entry) for entry in _entries(folder, "Eleve")),
        key=lambda person: person.jointure,
    )


def read_subjects(folder: Path) -> set[str]:
    """The feed's BCN subject codes."""
    return {entry["ENTMatJointure"][0] for entry in _entries(folder, "MatiereEducNat")}


# -- checking the tables against the feed -----------------------------------------------------


def _all_lessons() -> list[tuple[str, Lesson]]:
    # Every course of the tables as (class or group, lesson).
    lessons = [(name, lesson) for name, week in CLASS_WEEKS.items() for lesson in week]
    lessons += [(name, lesson) for name, week in GROUP_WEEKS.items() for lesson in week]
    lessons.append(PART_COURSE[:2])
    special, lesson = EXCEPTIONAL
    lessons.append((special.audience, lesson))
    return lessons


def check(teachers: list[Person], students: list[Person], subjects: set[str]) -> None:
    """Raise :class:`ValueError` when the tables disagree with the feed or with themselves."""
    problems = [
        f"subject {code}: BCN {bcn} not in the feed"
        for code, _, bcn in SUBJECTS
        if bcn not in subjects
    ]
    by_name = {teacher.last_name: teacher for teacher in teachers}
    if set(by_name) != set(ROOMS):
        problems.append(f"the feed's teachers {sorted(by_name)} are not the tables'")
    classes = {student.classes[0] for student in students}
    if classes != set(CLASS_WEEKS):
        problems.append(f"the feed's classes {sorted(classes)} are not the tables'")
    groups = {group for student in students for group in student.groups}
    taught: set[tuple[str, str, str]] = set()
    for audience, lesson in _all_lessons():
        if audience not in classes | groups:
            continue  # a group unknown to the directory: nothing to check it against
        teaching = (audience, BCN[lesson.subject])
        teacher = by_name.get(lesson.teacher)
        if teacher is None or teaching not in teacher.teachings:
            problems.append(f"{audience} {lesson.subject}: {lesson.teacher} does not teach it")
        taught.add((lesson.teacher, *teaching))
    for teacher in teachers:
        for audience, bcn in sorted(teacher.teachings):
            if (teacher.last_name, audience, bcn) not in taught:
                problems.append(f"{teacher.last_name} teaches {bcn} to {audience}: no course")
    for special in (REPLACEMENT, CANCELLATION):
        found = [
            lesson
            for lesson in CLASS_WEEKS.get(special.audience, [])
            if special.on(special.audience, lesson)
        ]
        if len(found) != 1 or special.week not in WEEKS[found[0].weeks]:
            problems.append(f"{special}: not exactly one course of that class in that week")
    if problems:
        raise ValueError("the tables are inconsistent:\n  " + "\n  ".join(problems))


# -- writing the export -----------------------------------------------------------------------


def pronote_id(kind: str, person: Person | tuple[str, str, date]) -> str:
    """A deterministic ``IDPN``: 16 upper-case letters and digits."""
    if isinstance(person, Person):
        last, first, birth = person.last_name, person.first_name, person.birth_date
    else:
        last, first, birth = person
    seed = f"entcore-demo|{kind}|{last}|{first}|{birth.isoformat()}".encode()
    return base64.b32encode(hashlib.sha256(seed).digest()).decode()[:16]


def _child(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)


class _Export:
    """The export being built: the Ident of each entity, by name."""

    def __init__(self, teachers: list[Person], students: list[Person]) -> None:
        self.staff = teachers
        self.pupils = students
        # The default namespace: lxml-stubs wrongly refuse the None prefix.
        nsmap = cast("dict[str, str]", {None: NAMESPACE})
        self.root = etree.Element(f"{{{NAMESPACE}}}ExportEmploiDuTemps", nsmap=nsmap)
        self.root.set("Version", VERSION)
        self.root.set("UAI", UAI)
        self.subject_ids = {code: str(n) for n, (code, _, _) in enumerate(SUBJECTS, 1)}
        names = [teacher.last_name for teacher in teachers] + [SUBSTITUTE[0]]
        self.teacher_ids = {name: str(n) for n, name in enumerate(names, 1)}
        self.class_ids = {name: str(n) for n, name in enumerate(CLASS_WEEKS, 1)}
        parts = [f"{name} {part}" for name in CLASS_WEEKS for part in PARTS]
        self.part_ids = {name: str(n) for n, name in enumerate(parts, 1)}
        self.group_ids = {name: str(n) for n, name in enumerate(GROUP_PARTS, 1)}
        self.room_ids = {name: str(n) for n, name in enumerate(dict.fromkeys(ROOMS.values()), 1)}
        self.student_ids = {student.jointure: str(n) for n, student in enumerate(students, 1)}
        self.student_parts = self._split_classes()

    def _split_classes(self) -> dict[str, str]:
        # Jointure -> class part: each class sorted by name, first half in G1.
        parts: dict[str, str] = {}
        for name in CLASS_WEEKS:
            members = sorted(
                (s for s in self.pupils if s.classes[0] == name),
                key=lambda s: (s.last_name, s.first_name, s.jointure),
            )
            half = (len(members) + 1) // 2
            for rank, student in enumerate(members):
                parts[student.jointure] = f"{name} {PARTS[0] if rank < half else PARTS[1]}"
        return parts

    def write(self) -> bytes:
        """The whole export, UTF-8."""
        self.school_year()
        self.grid()
        self.subjects()
        self.teachers()
        self.classes()
        self.groups()
        self.rooms()
        self.students()
        self.courses()
        etree.indent(self.root, space="  ")
        header = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b"<!-- entcore demo data, fictitious: EDT export of the demo college, "
            b"written by tools/make_demo_edt.py from the demo AAF feed. -->\n"
        )
        return header + etree.tostring(self.root, encoding="UTF-8", xml_declaration=False) + b"\n"

    def school_year(self) -> None:
        _child(
            self.root,
            "AnneeScolaire",
            DateDebut=YEAR_START.isoformat(),
            DateFin=YEAR_END.isoformat(),
            DatePremierJourSemaine1=WEEK_1.isoformat(),
        )

    def grid(self) -> None:
        grid = _child(
            self.root,
            "GrilleHoraire",
            NombrePlacesParJour=str(len(PLACES)),
            DureePlace=str(PLACE_MINUTES),
        )
        days = _child(grid, "JoursOuvres")
        for day in (MON, TUE, WED, THU, FRI):
            _child(days, "Jour").text = str(day)
        places = _child(grid, "PlacesParJour")
        for number, (start, end) in enumerate(PLACES):
            _child(
                places,
                "Place",
                Numero=str(number),
                LibelleHeureDebut=f"{start}:00",
                LibelleHeureFin=f"{end}:00",
            )

    def subjects(self) -> None:
        section = _child(self.root, "Matieres")
        for code, label, _ in SUBJECTS:
            _child(section, "Matiere", Ident=self.subject_ids[code], Code=code, Libelle=label)

    def teachers(self) -> None:
        section = _child(self.root, "Professeurs")
        people: list[tuple[str, str, date]] = [
            (t.last_name, t.first_name, t.birth_date) for t in self.staff
        ]
        for last, first, birth in [*people, SUBSTITUTE]:
            _child(
                section,
                "Professeur",
                Ident=self.teacher_ids[last],
                Nom=last,
                Prenom=first,
                DateNaissance=birth.isoformat(),
                IDPN=pronote_id("Professeur", (last, first, birth)),
            )

    def classes(self) -> None:
        section = _child(self.root, "Classes")
        for name in CLASS_WEEKS:
            element = _child(section, "Classe", Ident=self.class_ids[name], Nom=name)
            for part in PARTS:
                part_name = f"{name} {part}"
                _child(element, "PartieDeClasse", Ident=self.part_ids[part_name], Nom=part_name)

    def groups(self) -> None:
        section = _child(self.root, "Groupes")
        for name, parts in GROUP_PARTS.items():
            element = _child(section, "Groupe", Ident=self.group_ids[name], Nom=name)
            for part in parts:
                _child(element, "PartieDeClasse", Ident=self.part_ids[part])
            for student in self.pupils:
                if name in student.groups:
                    _child(element, "Eleve", Ident=self.student_ids[student.jointure])

    def rooms(self) -> None:
        section = _child(self.root, "Salles")
        for name, ident in self.room_ids.items():
            _child(section, "Salle", Ident=ident, Nom=name)

    def students(self) -> None:
        section = _child(self.root, "Eleves")
        period = {"DateEntree": YEAR_START.isoformat(), "DateSortie": YEAR_END.isoformat()}
        for student in self.pupils:
            element = _child(
                section,
                "Eleve",
                Ident=self.student_ids[student.jointure],
                Nom=student.last_name,
                Prenom=student.first_name,
                DateNaissance=student.birth_date.isoformat(),
                Sexe="Masculin" if student.male else "Feminin",
                IDPN=pronote_id("Eleve", student),
            )
            _child(element, "Classe", Ident=self.class_ids[student.classes[0]], **period)
            part = self.student_parts[student.jointure]
            _child(element, "PartieDeClasse", Ident=self.part_ids[part], **period)

    def courses(self) -> None:
        section = _child(self.root, "Cours")
        for name, week in CLASS_WEEKS.items():
            section.append(etree.Comment(f" {name} "))
            for lesson in week:
                weeks = mask(WEEKS[lesson.weeks])
                teachers = {lesson.teacher: weeks}
                cancelled = 0
                if REPLACEMENT.on(name, lesson):
                    section.append(etree.Comment(f" (b) replaced in week {REPLACEMENT.week} "))
                    teachers = {
                        lesson.teacher: weeks & ~(1 << REPLACEMENT.week),
                        SUBSTITUTE[0]: 1 << REPLACEMENT.week,
                    }
                if CANCELLATION.on(name, lesson):
                    section.append(etree.Comment(f" (c) cancelled in week {CANCELLATION.week} "))
                    cancelled = 1 << CANCELLATION.week
                course = self._course(section, lesson, teachers, cancelled)
                self._item(course, "Classe", self.class_ids[name], weeks)
                self._item(course, "Salle", self.room_ids[ROOMS[lesson.teacher]], weeks)

        section.append(etree.Comment(" option groups "))
        for name, week in GROUP_WEEKS.items():
            for lesson in week:
                weeks = mask(WEEKS[lesson.weeks])
                course = self._course(section, lesson, {lesson.teacher: weeks})
                self._item(course, "Groupe", self.group_ids[name], weeks)
                self._item(course, "Salle", self.room_ids[ROOMS[lesson.teacher]], weeks)

        _, lesson, parts = PART_COURSE
        weeks = mask(WEEKS[lesson.weeks])
        section.append(etree.Comment(" (a) on class parts only "))
        course = self._course(section, lesson, {lesson.teacher: weeks})
        for part, alternation in parts.items():
            self._item(course, "PartieDeClasse", self.part_ids[part], mask(WEEKS[alternation]))
        self._item(course, "Salle", self.room_ids[ROOMS[lesson.teacher]], weeks)

        special, lesson = EXCEPTIONAL
        weeks = 1 << special.week
        section.append(etree.Comment(f" (d) exceptional, week {special.week} only "))
        course = self._course(section, lesson, {lesson.teacher: weeks})
        self._item(course, "Classe", self.class_ids[special.audience], weeks)
        self._item(course, "Salle", self.room_ids[ROOMS[lesson.teacher]], weeks)

    def _course(
        self, section: etree._Element, lesson: Lesson, teachers: dict[str, int], cancelled: int = 0
    ) -> etree._Element:
        attributes = {
            "Jour": str(lesson.day),
            "NumeroPlaceDebut": str(PLACE_AT[lesson.start]),
            "NombrePlaces": str(lesson.places),
        }
        if cancelled:
            attributes["SemainesAnnulation"] = str(cancelled)
        course = _child(section, "Cours", **attributes)
        _child(course, "Matiere", Ident=self.subject_ids[lesson.subject])
        for teacher, weeks in teachers.items():
            self._item(course, "Professeur", self.teacher_ids[teacher], weeks)
        return course

    def _item(self, course: etree._Element, tag: str, ident: str, weeks: int) -> None:
        _child(course, tag, Ident=ident, Semaines=str(weeks))


def build(aaf: Path) -> bytes:
    """The export of the demo collège whose AAF feed is in ``aaf``."""
    teachers = read_teachers(aaf)
    students = read_students(aaf)
    check(teachers, students, read_subjects(aaf))
    return _Export(teachers, students).write()


def main(argv: list[str] | None = None) -> int:
    """Command line: write the export."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--aaf", type=Path, default=AAF_FOLDER, help="folder of the demo AAF feed")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write")
    args = parser.parse_args(argv)
    data = build(args.aaf)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
