"""Reading a clear ``ExportEmploiDuTemps`` into a :class:`~entcore.model.Timetable`.

The export is streamed: each entity is converted when its end tag is reached,
then dropped from the tree, so memory stays flat whatever the file size.

Scoping
    An entity is recognised by its *position*, not only its name: the list
    ``<Cours>`` and its items ``<Cours>`` share a name, a ``<Classe>`` is an
    entity under ``<Classes>`` but a reference under ``<Eleve>`` or ``<Groupe>``,
    and newer exports nest elements with clashing names inside ``Mef``,
    ``Absence``, ``Ressource`` or ``Etiquette``.  Only the children of the
    known lists (``Matieres/Matiere``, ``Cours/Cours``...) are read as entities;
    everything else is skipped with its whole subtree.

Keys
    ``Ident`` is unique per entity type only, so each type's keys are its
    ``Ident`` strings.  Teachers and non-teaching staff share the snapshot's
    teacher list, so staff keys are prefixed: ``Personnel Ident="4"`` has key
    ``P4`` (``Ident`` is numeric, so no teacher key can start with ``P``).
    The export has no course identifier; a course's key is a digest of its
    content (see :func:`course_key`).

Weeks and days
    Masks are kept as EDT writes them (bit *i* = school week *i*, the
    snapshot's convention), except the meaningless bit 0, which is cleared.
    ``Jour`` counts from ``DatePremierJourSemaine1``; when that date is not a
    Monday (never seen), the snapshot's ``first_monday`` is the Monday before
    it and the days and masks of the courses that fall into the next calendar
    week are shifted accordingly.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import date, datetime, time, timedelta
from typing import IO, TYPE_CHECKING, TypeVar, cast

from attrs import frozen
from entcore import InvalidFileError, safexml
from entcore.model import (
    ClassPart,
    Course,
    CourseItem,
    ItemKind,
    MembershipKind,
    SchoolYear,
    StudentMembership,
    Timetable,
    TimetableClass,
    TimetableEquipment,
    TimetableGroup,
    TimetableNotice,
    TimetableRoom,
    TimetableStudent,
    TimetableSubject,
    TimetableTeacher,
)
from lxml import etree

from entcore_edt.detect import EXPORT_NAMESPACE, EXPORT_ROOT, HEAD_SIZE, require_root, source_line

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

#: The snapshot's ``format``.
FORMAT_NAME = "edt"

#: Prefix of non-teaching staff keys among the teachers.
PERSONNEL_PREFIX = "P"

_NS = f"{{{EXPORT_NAMESPACE}}}"
_EXPECTED = f"export EDT en clair (ExportEmploiDuTemps, {EXPORT_NAMESPACE})"

ANNEE_SCOLAIRE = f"{_NS}AnneeScolaire"
GRILLE_HORAIRE = f"{_NS}GrilleHoraire"
PLACE = f"{_NS}Place"
MATIERE = f"{_NS}Matiere"
PROFESSEUR = f"{_NS}Professeur"
PERSONNEL = f"{_NS}Personnel"
CLASSE = f"{_NS}Classe"
PARTIE = f"{_NS}PartieDeClasse"
GROUPE = f"{_NS}Groupe"
SALLE = f"{_NS}Salle"
MATERIEL = f"{_NS}Materiel"
ELEVE = f"{_NS}Eleve"
COURS = f"{_NS}Cours"

#: Course children that are resources, and what they designate.
ITEM_KINDS: dict[str, ItemKind] = {
    PROFESSEUR: ItemKind.TEACHER,
    PERSONNEL: ItemKind.TEACHER,
    CLASSE: ItemKind.CLASS,
    PARTIE: ItemKind.PART,
    GROUPE: ItemKind.GROUP,
    SALLE: ItemKind.ROOM,
    MATERIEL: ItemKind.EQUIPMENT,
    ELEVE: ItemKind.STUDENT,
}

# HH:MM, HH:MM:SS (xs:time, possibly with fractions and a zone) and HHhMM.
_TIME = re.compile(
    r"\s*(\d{1,2})\s*(?::\s*(\d{2})(?::(\d{2})(?:[.,]\d+)?)?|[hH]\s*(\d{2})?)"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?\s*"
)

#: What a clear export may make the parser hold (see :class:`entcore.safexml.Limits`).
#: Exports nest six levels at most and the reader drops each item once read, so
#: only a hostile file comes near these.  A lycée's export weighs a few MiB; the
#: size cap is the one decrypted payloads have.
LIMITS = safexml.Limits(max_depth=16, max_children=10_000, max_pending=50_000, max_bytes=64 << 20)

#: Most entities (subjects, teachers, classes, groups, rooms, equipment,
#: students, courses) in one export.  A large cité scolaire has a few thousand
#: students and ten thousand-odd courses.
MAX_ENTITIES = 100_000

#: Most digits in a number: places and days are small, week masks hold one bit
#: per week of the year (a 64-bit number has at most 20 digits).
_MAX_DIGITS = 20

_Element = etree._Element
_T = TypeVar("_T")


@frozen
class SkippedCourse:
    """A course left out of the snapshot, and why."""

    line: int | None
    """Line of its ``<Cours>`` in the clear export."""
    reason: str
    """French, one line."""


@frozen
class _Place:
    start: time
    end: time | None


@frozen
class _RawCourse:
    # A course as read, resolved against the grid once the whole file is read
    # (so that the order of the sections does not matter).
    line: int | None
    day: int
    first_place: int
    places: int
    subject: str | None
    items: tuple[tuple[ItemKind, str, int], ...]
    cancelled: int


def course_key(
    *,
    day: int,
    first_place: int,
    places: int,
    subject: str | None,
    cancelled: int,
    items: tuple[tuple[ItemKind, str, int], ...],
) -> str:
    """The key of a course: 16 hex digits of a digest of everything it holds.

    ``Jour``, ``NumeroPlaceDebut``, ``NombrePlaces``, the subject, the
    cancelled weeks and the items with their weeks (in any order) — so the same
    course keeps its key from one export to the next, wherever EDT writes it in
    the file, and a changed course gets a new one.  The reader suffixes
    identical courses of one file with ``-2``, ``-3``... in file order.
    """
    parts = [str(day), str(first_place), str(places), subject or "", str(cancelled)]
    parts.extend(sorted(f"{kind.value}:{key}:{weeks}" for kind, key, weeks in items))
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


class ExportReader:
    """Reads clear exports; after :meth:`read`, :attr:`skipped` lists the courses it left out."""

    def __init__(self, name: str):
        self.name = name
        """The file name used in errors."""
        self.skipped: list[SkippedCourse] = []
        """Courses the last snapshot leaves out (their places are missing from the grid)."""
        self._reset()
        self._top: dict[str, Callable[[_Element], None]] = {
            ANNEE_SCOLAIRE: self._school_year,
            GRILLE_HORAIRE: self._grid,
            # Staff and equipment may also come as direct children of the root.
            PERSONNEL: self._personnel,
            MATERIEL: self._equipment_item,
        }
        self._items: dict[tuple[str, str], Callable[[_Element], None]] = {
            (f"{_NS}Matieres", MATIERE): self._subject,
            (f"{_NS}Professeurs", PROFESSEUR): self._teacher,
            (f"{_NS}Personnels", PERSONNEL): self._personnel,
            (f"{_NS}Classes", CLASSE): self._class,
            (f"{_NS}Groupes", GROUPE): self._group,
            (f"{_NS}Salles", SALLE): self._room,
            (f"{_NS}Materiels", MATERIEL): self._equipment_item,
            (f"{_NS}Eleves", ELEVE): self._student,
            (COURS, COURS): self._course,
        }

    # -- driving ----------------------------------------------------------------------------

    def read(
        self,
        source: IO[bytes],
        *,
        software: str | None = None,
        generated_at: datetime | None = None,
        uai: str | None = None,
    ) -> Timetable:
        """The snapshot of the export read from ``source`` (binary, at its start).

        ``software``, ``generated_at`` and ``uai`` come from the container when
        the export was encrypted; ``uai`` is checked against the export's own.
        """
        self._reset()
        stream = _buffered(source)
        head = stream.peek(HEAD_SIZE)[:HEAD_SIZE]
        root = require_root(head, self.name, (EXPORT_ROOT,), _EXPECTED)
        own_uai = (root.attributes.get("UAI") or "").strip()
        if uai and own_uai and uai.strip().upper() != own_uai.upper():
            raise InvalidFileError(
                self.name,
                f"UAI incohérent : le conteneur indique {uai.strip()}, l'export {own_uai}",
            )
        school = own_uai or (uai or "").strip()
        if not school:
            raise InvalidFileError(self.name, "UAI de l'établissement absent de l'export")

        items, top = self._items, self._top
        read = 0
        for _, element in safexml.iterparse(stream, self.name, limits=LIMITS):
            parent = element.getparent()
            if parent is None:
                continue
            grandparent = parent.getparent()
            if grandparent is None:
                # A child of the root: a section, or AnneeScolaire/GrilleHoraire.
                handler = top.get(element.tag)
                if handler is not None:
                    handler(element)
                    read += 1
                _drop(element, parent)
            elif grandparent.getparent() is None:
                # A child of a section.  Unknown pairs stay until their section
                # ends only in the sections read whole (GrilleHoraire); elsewhere
                # they are dropped at once, so that an unknown list costs nothing.
                handler = items.get((parent.tag, element.tag))
                if handler is not None:
                    handler(element)
                    read += 1
                    _drop(element, parent)
                elif parent.tag not in top:
                    _drop(element, parent)
            else:
                continue
            if read > MAX_ENTITIES:
                raise InvalidFileError(
                    self.name,
                    f"export refusé : plus de {MAX_ENTITIES} entités (cours, élèves...)",
                    source_line(element),
                )

        if self._year is None:
            raise InvalidFileError(self.name, "AnneeScolaire absente : année scolaire inconnue")
        start, end, first_day = self._year
        first_monday = first_day - timedelta(days=first_day.weekday())
        courses = self._resolve_courses(first_day.weekday())
        return Timetable(
            format=FORMAT_NAME,
            uai=school,
            school_year=SchoolYear(start=start, end=end, first_monday=first_monday),
            software=software,
            generated_at=generated_at,
            subjects=tuple(self._subjects),
            teachers=tuple(self._teachers),
            classes=tuple(self._classes),
            groups=tuple(self._groups),
            rooms=tuple(self._rooms),
            equipment=tuple(self._equipment),
            students=tuple(self._students),
            courses=courses,
            notices=tuple(
                TimetableNotice(
                    "course_skipped",
                    f"cours ligne {skipped.line} non importé : {skipped.reason}"
                    if skipped.line
                    else f"cours non importé : {skipped.reason}",
                )
                for skipped in self.skipped
            ),
        )

    def _reset(self) -> None:
        self.skipped = []
        self._year: tuple[date, date, date] | None = None
        self._places: dict[int, _Place] = {}
        self._subjects: list[TimetableSubject] = []
        self._teachers: list[TimetableTeacher] = []
        self._classes: list[TimetableClass] = []
        self._groups: list[TimetableGroup] = []
        self._rooms: list[TimetableRoom] = []
        self._equipment: list[TimetableEquipment] = []
        self._students: list[TimetableStudent] = []
        self._courses: list[_RawCourse] = []

    # -- top-level elements -----------------------------------------------------------------

    def _school_year(self, element: _Element) -> None:
        self._year = (
            self._required(self._date, element, "DateDebut"),
            self._required(self._date, element, "DateFin"),
            self._required(self._date, element, "DatePremierJourSemaine1"),
        )

    def _grid(self, element: _Element) -> None:
        duration = self._integer(element, "DureePlace")
        for place in element.iter(PLACE):
            number = self._required(self._integer, place, "Numero")
            start = self._required(self._time, place, "LibelleHeureDebut")
            end = self._time(place, "LibelleHeureFin")
            if end is None and duration:
                moment = datetime.combine(date.min, start) + timedelta(minutes=duration)
                # A place running past midnight has no usable end.
                end = moment.time() if moment.date() == date.min else None
            self._places[number] = _Place(start, end)

    # -- list items -------------------------------------------------------------------------

    def _subject(self, element: _Element) -> None:
        self._subjects.append(
            TimetableSubject(
                key=self._ident(element),
                code=element.get("Code", ""),
                label=element.get("Libelle", ""),
            )
        )

    def _teacher(self, element: _Element) -> None:
        self._teachers.append(self._person(element, self._ident(element), personnel=False))

    def _personnel(self, element: _Element) -> None:
        key = PERSONNEL_PREFIX + self._ident(element)
        self._teachers.append(self._person(element, key, personnel=True))

    def _person(self, element: _Element, key: str, *, personnel: bool) -> TimetableTeacher:
        return TimetableTeacher(
            key=key,
            last_name=element.get("Nom", ""),
            first_name=element.get("Prenom", ""),
            birth_date=self._date(element, "DateNaissance"),
            pronote_id=element.get("IDPN") or None,
            sts_id=element.get("IDSTS") or None,
            personnel=personnel,
        )

    def _class(self, element: _Element) -> None:
        parts = tuple(
            ClassPart(key=self._ident(child), name=child.get("Nom") or None)
            for child in element
            if child.tag == PARTIE
        )
        # ProfesseurPrincipal children have no home in the snapshot.
        self._classes.append(
            TimetableClass(key=self._ident(element), name=element.get("Nom", ""), parts=parts)
        )

    def _group(self, element: _Element) -> None:
        classes: list[str] = []
        parts: list[str] = []
        students: list[str] = []
        targets = {CLASSE: classes, PARTIE: parts, ELEVE: students}
        for child in element:
            target = targets.get(child.tag)
            if target is not None:
                target.append(self._ident(child))
        self._groups.append(
            TimetableGroup(
                key=self._ident(element),
                name=element.get("Nom", ""),
                classes=tuple(classes),
                parts=tuple(parts),
                students=tuple(students),
            )
        )

    def _room(self, element: _Element) -> None:
        self._rooms.append(TimetableRoom(key=self._ident(element), name=element.get("Nom", "")))

    def _equipment_item(self, element: _Element) -> None:
        self._equipment.append(
            TimetableEquipment(key=self._ident(element), name=element.get("Nom", ""))
        )

    def _student(self, element: _Element) -> None:
        memberships = []
        for child in element:
            if child.tag == CLASSE:
                kind = MembershipKind.CLASS
            elif child.tag == PARTIE:
                kind = MembershipKind.PART
            else:
                continue
            memberships.append(
                StudentMembership(
                    kind=kind,
                    key=self._ident(child),
                    start=self._date(child, "DateEntree"),
                    end=self._date(child, "DateSortie"),
                )
            )
        self._students.append(
            TimetableStudent(
                key=self._ident(element),
                last_name=element.get("Nom", ""),
                first_name=element.get("Prenom", ""),
                birth_date=self._date(element, "DateNaissance"),
                ine=element.get("NumeroNational") or None,
                pronote_id=element.get("IDPN") or None,
                memberships=tuple(memberships),
            )
        )

    def _course(self, element: _Element) -> None:
        subject: str | None = None
        items: list[tuple[ItemKind, str, int]] = []
        for child in element:
            tag = child.tag
            if tag == MATIERE:
                subject = self._ident(child)
                continue
            kind = ITEM_KINDS.get(tag)
            if kind is None:
                # Etiquette, Periode, comments: not resources.
                continue
            # Newer exports may write SemainesInclusion instead of Semaines.
            attribute = "Semaines" if child.get("Semaines") else "SemainesInclusion"
            weeks = child.get(attribute)
            if weeks is None:
                # Without weeks an item never takes part in a session.
                continue
            key = self._ident(child)
            if tag == PERSONNEL:
                key = PERSONNEL_PREFIX + key
            items.append((kind, key, self._mask(child, attribute, weeks)))
        cancelled = element.get("SemainesAnnulation")
        day = self._required(self._integer, element, "Jour")
        if not 1 <= day <= 7:
            raise InvalidFileError(
                self.name, f"Jour invalide : {day} (attendu 1 à 7)", source_line(element)
            )
        self._courses.append(
            _RawCourse(
                line=source_line(element),
                day=day,
                first_place=self._required(self._integer, element, "NumeroPlaceDebut"),
                places=self._required(self._integer, element, "NombrePlaces"),
                subject=subject,
                items=tuple(items),
                cancelled=self._mask(element, "SemainesAnnulation", cancelled) if cancelled else 0,
            )
        )

    # -- courses against the grid -----------------------------------------------------------

    def _resolve_courses(self, first_weekday: int) -> tuple[Course, ...]:
        courses: list[Course] = []
        occurrences: dict[str, int] = {}
        for raw in self._courses:
            last = raw.first_place + raw.places - 1
            start = self._places.get(raw.first_place)
            end = self._places.get(last)
            if raw.places < 1 or start is None or end is None or end.end is None:
                self._skip(raw, last)
                continue
            # Jour counts from DatePremierJourSemaine1; see the module docstring.
            offset = first_weekday + raw.day - 1
            shift = offset // 7
            key = course_key(
                day=raw.day,
                first_place=raw.first_place,
                places=raw.places,
                subject=raw.subject,
                cancelled=raw.cancelled,
                items=raw.items,
            )
            seen = occurrences.get(key, 0) + 1
            occurrences[key] = seen
            courses.append(
                Course(
                    key=key if seen == 1 else f"{key}-{seen}",
                    subject=raw.subject,
                    day=offset % 7 + 1,
                    start=start.start,
                    end=end.end,
                    items=tuple(
                        CourseItem(kind, item_key, weeks << shift)
                        for kind, item_key, weeks in raw.items
                    ),
                    cancelled_weeks=raw.cancelled << shift,
                )
            )
        return tuple(courses)

    def _skip(self, raw: _RawCourse, last: int) -> None:
        if raw.places < 1:
            reason = f"cours ignoré : NombrePlaces = {raw.places}"
        elif raw.first_place not in self._places:
            reason = f"cours ignoré : place de début {raw.first_place} absente de la grille horaire"
        elif last not in self._places:
            reason = f"cours ignoré : place de fin {last} absente de la grille horaire"
        else:
            reason = f"cours ignoré : place de fin {last} sans heure de fin ni DureePlace"
        self.skipped.append(SkippedCourse(raw.line, reason))
        log.warning("%s:%s: %s", self.name, raw.line, reason)

    # -- attribute values -------------------------------------------------------------------

    def _ident(self, element: _Element) -> str:
        value = element.get("Ident")
        if not value:
            raise InvalidFileError(
                self.name, f"attribut Ident manquant sur {_local(element)}", source_line(element)
            )
        return value.strip()

    def _required(
        self, read: Callable[[_Element, str], _T | None], element: _Element, name: str
    ) -> _T:
        value = read(element, name)
        if value is None:
            raise self._invalid(element, name, element.get(name))
        return value

    def _integer(self, element: _Element, name: str) -> int | None:
        value = element.get(name)
        if value is None or not value.strip():
            return None
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
            raise self._invalid(element, name, value)
        return int(text)

    def _mask(self, element: _Element, name: str, value: str) -> int:
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
            raise self._invalid(element, name, value)
        # Bit 0 would be a "week 0" before DatePremierJourSemaine1: it means
        # nothing in EDT and the snapshot reserves it, so it is cleared.
        return int(text) & ~1

    def _date(self, element: _Element, name: str) -> date | None:
        value = element.get(name)
        if value is None or not value.strip():
            return None
        try:
            # xs:date may carry a zone ("2024-09-02+02:00"); the day is what counts.
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise self._invalid(element, name, value) from None

    def _time(self, element: _Element, name: str) -> time | None:
        value = element.get(name)
        if value is None or not value.strip():
            return None
        match = _TIME.fullmatch(value)
        if match is not None:
            hours, minutes, seconds, h_minutes = match.groups()
            try:
                return time(int(hours), int(minutes or h_minutes or 0), int(seconds or 0))
            except ValueError:
                pass
        raise self._invalid(element, name, value)

    def _invalid(self, element: _Element, name: str, value: str | None) -> InvalidFileError:
        # A hostile value may be megabytes long: the message shows its start.
        shown = "absent" if value is None else f"invalide « {_shortened(value)} »"
        return InvalidFileError(
            self.name, f"{name} {shown} sur {_local(element)}", source_line(element)
        )


def read_export(
    source: IO[bytes],
    name: str,
    *,
    software: str | None = None,
    generated_at: datetime | None = None,
    uai: str | None = None,
) -> Timetable:
    """The snapshot of a clear ``ExportEmploiDuTemps`` read from ``source``.

    Shorthand for ``ExportReader(name).read(...)`` when the skipped courses
    are not needed (they are logged as warnings of this module's logger).
    """
    return ExportReader(name).read(source, software=software, generated_at=generated_at, uai=uai)


def _buffered(source: IO[bytes]) -> io.BufferedReader:
    # The root is read from a peek at the head, without consuming it.
    if isinstance(source, io.BufferedReader):
        return source
    return io.BufferedReader(cast("io.RawIOBase", source), HEAD_SIZE)


def _drop(element: _Element, parent: _Element) -> None:
    # Free what has been read: the element's subtree and the siblings before it.
    element.clear()
    while element.getprevious() is not None:
        del parent[0]


def _shortened(value: str) -> str:
    return value if len(value) <= 40 else f"{value[:40]}…"


def _local(element: _Element) -> str:
    return str(element.tag).rpartition("}")[2]
