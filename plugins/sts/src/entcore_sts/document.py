"""Streaming an STS-Web file (``sts_emp`` or ``emp_sts``) into its raw content.

Both files share their vocabulary (``PARAMETRES``, ``DIVISIONS``, ``GROUPES``,
``SERVICES``...), so one reader handles both; the root says which one it is.
Each unit (a subject, an individual, a division, a group, an alternance, a
room) is handled when its end tag is read and then dropped, so memory stays
flat.  Elements are recognised by local name and by the name of their parent,
never by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from entcore import InvalidFileError, safexml
from entcore.model import (
    ItemKind,
    TimetableClass,
    TimetableRoom,
    TimetableSubject,
    TimetableTeacher,
)
from entcore_sts.values import (
    UAI,
    add_duration,
    parse_date,
    parse_day,
    parse_duration,
    parse_hhmm,
    parse_optional_date,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date, time

    from lxml import etree

#: Root of the STS-Web export read by timetable software (``sts_emp_<UAI>_<year>.xml``).
STS_EMP = "STS_EDT"
#: Root of the file timetable software sends back to STS-Web (``emp_sts_<UAI>_<year>.xml``).
EMP_STS = "EDT_STS"
ROOTS = (STS_EMP, EMP_STS)

#: What one file may make the parser hold (see :class:`entcore.safexml.Limits`).
#: Real files nest about a dozen levels and weigh a few MiB; sections the reader
#: does not need (nomenclatures...) are held until the end of the file, hence the
#: room, and the size cap bounds the text they hold.
LIMITS = safexml.Limits(max_depth=24, max_children=50_000, max_pending=300_000, max_bytes=64 << 20)


@dataclass(frozen=True, slots=True)
class RawCourse:
    """A ``COURS`` of a teacher in a service."""

    alternation: str
    day: int
    start: time
    end: time
    room: str
    line: int | None


@dataclass(slots=True)
class RawTeacher:
    """An ``ENSEIGNANT`` of a service and its courses."""

    ident: str
    courses: list[RawCourse] = field(default_factory=list)


@dataclass(slots=True)
class RawService:
    """A ``SERVICE`` of a division or a group."""

    subject: str
    audience: ItemKind
    target: str
    modality: str | None = None
    teachers: list[RawTeacher] = field(default_factory=list)


@dataclass(slots=True)
class RawAlternation:
    """An ``ALTERNANCE``: its label and the Mondays of its weeks."""

    code: str
    label: str
    week_starts: list[date]


@dataclass(slots=True)
class RawGroup:
    """A ``GROUPE``: its label and the divisions it draws from."""

    code: str
    label: str
    classes: list[str]


@dataclass(slots=True)
class StsDocument:
    """Everything read from one file, before the school year is known."""

    root: str
    name: str
    uai: str | None = None
    year: str | None = None
    """``ANNEE_SCOLAIRE@ANNEE``: the rentrée year."""
    year_start: date | None = None
    year_end: date | None = None
    subjects: dict[str, TimetableSubject] = field(default_factory=dict)
    teachers: dict[str, TimetableTeacher] = field(default_factory=dict)
    classes: dict[str, TimetableClass] = field(default_factory=dict)
    groups: dict[str, RawGroup] = field(default_factory=dict)
    rooms: dict[str, TimetableRoom] = field(default_factory=dict)
    alternations: dict[str, RawAlternation] = field(default_factory=dict)
    services: list[RawService] = field(default_factory=list)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _line(element: etree._Element) -> int | None:
    # lxml-stubs mistypes sourceline; it is an int, or None for built elements.
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (child for child in element if _local(child.tag) == name)


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next(_children(element, name), None)


def _text(element: etree._Element | None, *path: str) -> str:
    """Trimmed text of the descendant at ``path`` (child names), ``""`` when absent or empty."""
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else ""


def _attribute(element: etree._Element, name: str) -> str:
    return str(element.get(name) or "").strip()


class _Reader:
    def __init__(self, document: StsDocument):
        self.document = document

    def error(self, element: etree._Element, reason: str) -> InvalidFileError:
        return InvalidFileError(
            self.document.name, f"élément « {_local(element.tag)} » : {reason}", _line(element)
        )

    def handle(self, element: etree._Element, parent: str) -> bool:
        """Take in ``element`` if it is a unit of the file; True when it can be dropped."""
        name = _local(element.tag)
        try:
            handler = _HANDLERS.get((parent, name)) or _HANDLERS.get(("*", name))
            if handler is None:
                return False
            handler(self, element)
        except ValueError as error:
            raise self.error(element, str(error)) from None
        return True

    def uaj(self, element: etree._Element) -> None:
        # sts_emp carries the UAI as an attribute, emp_sts as text.
        candidates = (_attribute(element, "CODE"), (element.text or "").strip())
        self.document.uai = next((c.upper() for c in candidates if UAI.match(c.upper())), None)

    def school_year(self, element: etree._Element) -> None:
        self.document.year = _attribute(element, "ANNEE") or None
        self.document.year_start = parse_optional_date(_text(element, "DATE_DEBUT"))
        self.document.year_end = parse_optional_date(_text(element, "DATE_FIN"))

    def subject(self, element: etree._Element) -> None:
        code = _attribute(element, "CODE")
        if not code or code in self.document.subjects:
            return
        management = _text(element, "CODE_GESTION")
        label = next(
            (
                text
                for text in (
                    _text(element, "LIBELLE_LONG"),
                    _text(element, "LIBELLE_COURT"),
                    _text(element, "LIBELLE_EDITION"),
                )
                if text
            ),
            management or code,
        )
        self.document.subjects[code] = TimetableSubject(
            key=code, code=management or code, label=label, national_code=code
        )

    def individual(self, element: etree._Element) -> None:
        ident = _attribute(element, "ID")
        if not ident or ident in self.document.teachers:
            return
        function = _text(element, "FONCTION")
        self.document.teachers[ident] = TimetableTeacher(
            key=ident,
            last_name=_text(element, "NOM_USAGE") or _text(element, "NOM_PATRONYMIQUE"),
            first_name=_text(element, "PRENOM"),
            birth_date=parse_optional_date(_text(element, "DATE_NAISSANCE")),
            sts_id=ident,
            # Local individuals may lack FONCTION; only a stated non-teaching one counts.
            personnel=bool(function) and function != "ENS",
        )

    def division(self, element: etree._Element) -> None:
        code = _attribute(element, "CODE")
        if not code:
            return
        label = _text(element, "LIBELLE_LONG") or _text(element, "LIBELLE_COURT") or None
        known = self.document.classes.get(code)
        if known is None or (label and not known.label):
            self.document.classes[code] = TimetableClass(key=code, name=code, label=label)
        self.services(element, ItemKind.CLASS, code)

    def group(self, element: etree._Element) -> None:
        code = _attribute(element, "CODE")
        if not code:
            return
        group = self.document.groups.get(code)
        if group is None:
            # An empty <LIBELLE_LONG/> is common: the code is then the label.
            label = _text(element, "LIBELLE_LONG") or _text(element, "LIBELLE_COURT") or code
            group = self.document.groups[code] = RawGroup(code, label, [])
        for belonging in _children(element, "DIVISIONS_APPARTENANCE"):
            for division in _children(belonging, "DIVISION_APPARTENANCE"):
                division_code = _attribute(division, "CODE")
                if division_code and division_code not in group.classes:
                    group.classes.append(division_code)
        self.services(element, ItemKind.GROUP, code)

    def services(self, element: etree._Element, audience: ItemKind, target: str) -> None:
        for services in _children(element, "SERVICES"):
            for service in _children(services, "SERVICE"):
                subject = _attribute(service, "CODE_MATIERE")
                if not subject:
                    raise self.error(service, "attribut CODE_MATIERE absent")
                raw = RawService(
                    subject, audience, target, _attribute(service, "CODE_MOD_COURS") or None
                )
                for teachers in _children(service, "ENSEIGNANTS"):
                    for teacher in _children(teachers, "ENSEIGNANT"):
                        ident = _attribute(teacher, "ID")
                        if ident:
                            raw.teachers.append(RawTeacher(ident, list(self.courses(teacher))))
                self.document.services.append(raw)

    def courses(self, teacher: etree._Element) -> Iterator[RawCourse]:
        for attached in _children(teacher, "COURS_RATTACHES"):
            for course in _children(attached, "COURS"):
                try:
                    start = parse_hhmm(_text(course, "HEURE_DEBUT"))
                    end = add_duration(start, parse_duration(_text(course, "DUREE")))
                    alternation = _text(course, "CODE_ALTERNANCE")
                    if not alternation:
                        raise ValueError("CODE_ALTERNANCE absent")
                    yield RawCourse(
                        alternation=alternation,
                        day=parse_day(_text(course, "JOUR")),
                        start=start,
                        end=end,
                        room=_text(course, "CODE_SALLE"),
                        line=_line(course),
                    )
                except ValueError as error:
                    raise self.error(course, str(error)) from None

    def alternation(self, element: etree._Element) -> None:
        code = _attribute(element, "CODE")
        if not code or code in self.document.alternations:
            return
        label = _text(element, "LIBELLE_LONG") or _text(element, "LIBELLE_COURT") or code
        starts = []
        for weeks in _children(element, "SEMAINES"):
            for week in _children(weeks, "DATE_DEBUT_SEMAINE"):
                try:
                    starts.append(parse_date((week.text or "").strip()))
                except ValueError as error:
                    raise self.error(week, str(error)) from None
        self.document.alternations[code] = RawAlternation(code, label, starts)

    def room(self, element: etree._Element) -> None:
        code = _attribute(element, "CODE")
        if code and code not in self.document.rooms:
            name = _text(element, "LIBELLE_LONG") or _text(element, "LIBELLE") or code
            self.document.rooms[code] = TimetableRoom(key=code, name=name)


# (parent, element) → handler; "*" matches any parent (the parent of
# SALLES_COURS is undocumented, GEPI looks for SALLE_COURS anywhere).
_HANDLERS = {
    ("PARAMETRES", "UAJ"): _Reader.uaj,
    ("PARAMETRES", "ANNEE_SCOLAIRE"): _Reader.school_year,
    ("MATIERES", "MATIERE"): _Reader.subject,
    ("INDIVIDUS", "INDIVIDU"): _Reader.individual,
    ("DIVISIONS", "DIVISION"): _Reader.division,
    ("GROUPES", "GROUPE"): _Reader.group,
    ("ALTERNANCES", "ALTERNANCE"): _Reader.alternation,
    ("*", "SALLE_COURS"): _Reader.room,
}


def read_document(stream: IO[bytes], name: str) -> StsDocument:
    """Read an STS-Web file; raises :class:`~entcore.InvalidFileError` for anything else."""
    document: StsDocument | None = None
    reader: _Reader | None = None
    for event, element in safexml.iterparse(stream, name, events=("start", "end"), limits=LIMITS):
        if document is None:
            root = _local(element.tag)
            if root not in ROOTS:
                raise InvalidFileError(
                    name,
                    f"élément racine « {root} » inattendu : un fichier STS-Web commence par "
                    f"{STS_EMP} (sts_emp) ou {EMP_STS} (emp_sts)",
                    _line(element),
                )
            document = StsDocument(root=root, name=name)
            reader = _Reader(document)
        if event != "end" or reader is None:
            continue
        parent = element.getparent()
        if parent is None:
            continue
        if reader.handle(element, _local(parent.tag)):
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    if document is None:
        raise InvalidFileError(name, "document XML vide")
    return document
