"""The canonical timetable: what a timetable format reads out of an export.

Every :class:`~entcore.protocols.TimetableFormat` turns its file into one
:class:`Timetable` snapshot.  The snapshot keeps the identifiers of the source
(EDT ``Ident``, UDT ``code``, STS ``ID``) as string *keys*; references between
entities of the snapshot use those keys.  Matching with the directory, the
report and the expansion into dated sessions are the core's job.

Weeks
    All week sets are integer bit masks relative to the school year's
    :attr:`SchoolYear.first_monday`: bit *i* (value ``1 << i``) set means "active
    in school week *i*", week 1 being the week that starts on ``first_monday``.
    Bit 0 is unused.  This is EDT's own convention; UDT (ISO weeks) and STS
    (week-start dates) convert with :meth:`SchoolYear.week_of`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from attrs import field, frozen

from entcore.schoolyear import school_year_starting


@frozen
class SchoolYear:
    """The school year the export covers."""

    start: date
    end: date
    first_monday: date
    """Monday of school week 1."""

    @property
    def label(self) -> str:
        """``2024-2025`` for a year that starts in 2024 (the rentrée year).

        See :func:`entcore.schoolyear.school_year_starting`: a start in July or
        August opens the year of the coming rentrée.
        """
        return school_year_starting(self.start)

    @property
    def week_count(self) -> int:
        """Number of school weeks from week 1 to the week containing :attr:`end`."""
        return max(1, (self.end - self.first_monday).days // 7 + 1)

    def week_of(self, day: date) -> int:
        """School week number (1-based) of ``day``; may be < 1 before week 1."""
        return (day - self.first_monday).days // 7 + 1

    def monday(self, week: int) -> date:
        """Monday of school week ``week``."""
        return self.first_monday + timedelta(weeks=week - 1)


def weeks_of(mask: int) -> Iterator[int]:
    """The week numbers set in ``mask``, in increasing order."""
    week = 0
    while mask:
        if mask & 1:
            yield week
        mask >>= 1
        week += 1


def mask_of(weeks: Iterator[int] | list[int] | set[int] | tuple[int, ...]) -> int:
    """The mask with exactly ``weeks`` set."""
    mask = 0
    for week in weeks:
        if week >= 1:
            mask |= 1 << week
    return mask


@frozen
class TimetableSubject:
    """A subject as the timetable software names it."""

    key: str
    code: str
    """The *code gestion* (EDT ``Code``, UDT ``code``, STS ``CODE_GESTION``)."""
    label: str
    national_code: str | None = None
    """Six-character BCN code when the export gives it."""


@frozen
class TimetableTeacher:
    """A teacher or another member of staff who appears in courses."""

    key: str
    last_name: str
    first_name: str
    birth_date: date | None = None
    pronote_id: str | None = None
    """Pronote/EDT identifier (EDT ``IDPN``)."""
    sts_id: str | None = None
    """STS-Web individual id (EDT ``IDSTS``, STS ``INDIVIDU@ID``)."""
    directory_id: str | None = None
    """The directory's own key when the export carries it (UDT ``epj``)."""
    personnel: bool = False
    """True for non-teaching staff (EDT ``Personnel``)."""

    @property
    def display_name(self) -> str:
        """How messages and reports name the teacher: ``NOM Prénom``, else by an id of the export.

        A real ``emp_sts`` names its teachers only by their STS id (their names
        are in ``sts_emp``): such a teacher is ``STS 12345``, not an empty name.
        """
        name = f"{self.last_name} {self.first_name}".strip()
        if name:
            return name
        if self.sts_id:
            return f"STS {self.sts_id}"
        if self.pronote_id:
            return f"Pronote {self.pronote_id}"
        if self.directory_id:
            return f"annuaire {self.directory_id}"
        return f"code {self.key}"


@frozen
class ClassPart:
    """A part of a class (EDT ``PartieDeClasse``)."""

    key: str
    name: str | None = None


@frozen
class TimetableClass:
    """A class (*division*)."""

    key: str
    name: str
    """The name used to match a directory class (EDT ``Nom``, UDT ``div@code``, STS ``DIVISION@CODE``)."""
    label: str | None = None
    parts: tuple[ClassPart, ...] = ()


@frozen
class TimetableGroup:
    """An option group: a union of whole classes, class parts and individual students."""

    key: str
    name: str
    """The name used to match a directory group."""
    label: str | None = None
    classes: tuple[str, ...] = ()
    """Keys of whole classes in the group."""
    parts: tuple[str, ...] = ()
    """Keys of class parts in the group."""
    students: tuple[str, ...] = ()
    """Keys of students listed directly in the group."""


@frozen
class TimetableRoom:
    """A room."""

    key: str
    name: str


@frozen
class TimetableEquipment:
    """A piece of equipment booked by courses (EDT ``Materiel``)."""

    key: str
    name: str


@frozen
class TimetableNotice:
    """Something the format left out of the snapshot, for the import report."""

    kind: str
    """A short machine-readable kind, e.g. ``course_skipped``."""
    message: str
    """What and why, in French, naming the course or entity."""


class MembershipKind(enum.StrEnum):
    """What a student belongs to."""

    CLASS = "class"
    PART = "part"
    GROUP = "group"


@frozen
class StudentMembership:
    """A student's membership of a class, class part or group, with its period."""

    kind: MembershipKind
    key: str
    start: date | None = None
    end: date | None = None


@frozen
class TimetableStudent:
    """A student as the timetable software knows them."""

    key: str
    last_name: str
    first_name: str
    birth_date: date | None = None
    ine: str | None = None
    pronote_id: str | None = None
    memberships: tuple[StudentMembership, ...] = ()


class ItemKind(enum.StrEnum):
    """What a course item designates."""

    TEACHER = "teacher"
    CLASS = "class"
    PART = "part"
    GROUP = "group"
    ROOM = "room"
    EQUIPMENT = "equipment"
    STUDENT = "student"


@frozen
class CourseItem:
    """A resource of a course and the weeks it takes part in it."""

    kind: ItemKind
    key: str
    weeks: int
    """Week mask (see the module docstring)."""


@frozen
class Course:
    """A weekly course: a subject at a time of day, its resources and their weeks.

    A session happens in week *w* when at least one item is active in *w* and *w*
    is not in :attr:`cancelled_weeks`; the session holds the items active that week.
    """

    key: str
    """Stable identifier of the course in the export (its position when the export has none)."""
    subject: str | None
    """Key of the subject."""
    day: int
    """ISO weekday, 1 = Monday."""
    start: time
    end: time
    items: tuple[CourseItem, ...] = ()
    cancelled_weeks: int = 0
    """Weeks in which the whole course is cancelled (EDT ``SemainesAnnulation``)."""


@frozen
class Closure:
    """A period when the school is closed (holidays)."""

    start: date
    end: date
    label: str | None = None


@frozen
class Alternation:
    """A named week pattern (STS ``ALTERNANCE``)."""

    code: str
    label: str
    weeks: int


@frozen
class TeachingService:
    """Who teaches a subject to a class or a group (*service d'enseignement*)."""

    subject: str
    """Key of the subject."""
    audience: ItemKind
    """:attr:`ItemKind.CLASS` or :attr:`ItemKind.GROUP`."""
    target: str
    """Key of the class or group."""
    teachers: tuple[str, ...] = ()
    """Keys of the teachers; empty for an incomplete service."""
    alternation: str | None = None
    modality: str | None = None
    """Teaching modality (STS ``CODE_MOD_COURS``: ``CG`` for a general course...)."""


@frozen
class Timetable:
    """The snapshot of one timetable export."""

    format: str
    """Name of the format that read it (``edt``, ``udt``, ``sts``...)."""
    uai: str
    """The school the export says it is for."""
    school_year: SchoolYear
    software: str | None = None
    generated_at: datetime | None = None
    subjects: tuple[TimetableSubject, ...] = ()
    teachers: tuple[TimetableTeacher, ...] = ()
    classes: tuple[TimetableClass, ...] = ()
    groups: tuple[TimetableGroup, ...] = ()
    rooms: tuple[TimetableRoom, ...] = ()
    equipment: tuple[TimetableEquipment, ...] = ()
    students: tuple[TimetableStudent, ...] = ()
    courses: tuple[Course, ...] = ()
    closures: tuple[Closure, ...] = ()
    """Explicit closures; when empty the core derives them from the courses' weeks."""
    alternations: tuple[Alternation, ...] = ()
    """Explicit alternations; when empty the core derives them from the courses' weeks."""
    services: tuple[TeachingService, ...] | None = field(default=None)
    """Explicit teaching services; when ``None`` the core derives them from the courses."""
    notices: tuple[TimetableNotice, ...] = ()
    """What the format had to leave out (a course whose grid places are missing...)."""
