"""Rebuilding weekly courses from UDT fiche lines (``ligfiche``) and co-teaching (``coens``).

A ``ligfiche`` puts one class (or group, or regroupement), subject, teacher and
room in one fiche, i.e. one half-sequence of one day.  Lines of the same class,
subject, teacher and audience in consecutive half-sequences of a day form one
run (entcore merges them the same way, but loses a lone half-sequence; here a
single line makes a course too).

The theoretical file and each weekly file are added with the weeks they stand
for; runs with the same audience (the class, or the group whichever class
names it), subject, day and times are one
:class:`~entcore.model.Course` whose items carry the union of their weeks, so a
replacement teacher in a weekly file is a second teacher item active that week
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from entcore.model import Course, CourseItem, ItemKind
from entcore_udt.notices import COURSE_SKIPPED, COURSE_WITHOUT_AUDIENCE, ROWS_IGNORED, Notices
from entcore_udt.reader import rows

if TYPE_CHECKING:
    from datetime import time

    from entcore_udt.archive import UdtArchive
    from entcore_udt.tables import Fiche

#: Theoretical lines; ``UDCal_12_WW.xml`` holds week WW's actual lines.
LINES = "UDCal_12.xml"
#: Theoretical co-teaching; ``UDCal_23_WW.xml`` holds week WW's.
COTEACHING = "UDCal_23.xml"

_ITEM_ORDER = {kind: rank for rank, kind in enumerate(ItemKind)}


@dataclass(frozen=True, slots=True)
class Line:
    """A ``ligfiche`` row."""

    code: str
    fiche: str
    division: str
    subject: str
    teacher: str
    regroupement: str
    """``rgpmt``, empty when the row has none (UDT writes ``0``)."""
    group: str
    group_id: str
    room: str
    file: str
    line: int | None


def read_lines(archive: UdtArchive, member: str, notices: Notices) -> list[Line]:
    """The ``ligfiche`` rows of ``member`` that name a class (entcore ignores the others)."""
    lines = []
    without_class = 0
    for row in rows(archive, member, ("ligfiche",)):
        if not row["div"]:
            without_class += 1
            continue
        regroupement = "" if row["rgpmt"] in ("", "0") else row["rgpmt"]
        lines.append(
            Line(
                code=row["code"],
                fiche=row["fic"],
                division=row["div"],
                subject=row["mat"],
                teacher=row["prof"],
                regroupement=regroupement,
                group=row["gpe"],
                group_id=row["idgpe"],
                room=row["salle"],
                file=row.file,
                line=row.line,
            )
        )
    if without_class:
        notices.add(
            ROWS_IGNORED,
            f"{member} : {without_class} ligne(s) de fiche sans classe (div) ignorée(s)",
        )
    return lines


Coteachers = Mapping[str, Sequence[tuple[str, str]]]
"""``lignefic`` → [(``prof``, ``epj``)] of its co-teachers."""


def read_coteachers(archive: UdtArchive, member: str) -> dict[str, list[tuple[str, str]]]:
    """The ``coens`` rows of ``member``, by the fiche line they add a teacher to."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows(archive, member, ("coens",)):
        if row["lignefic"] and (row["prof"] or row["epj"]):
            found.setdefault(row["lignefic"], []).append((row["prof"], row["epj"]))
    return found


class _Placed(NamedTuple):
    line: Line
    fiche: Fiche


Audience = tuple[ItemKind, str]


@dataclass(slots=True)
class _CourseDraft:
    subject: str
    day: int
    start: time
    end: time
    items: dict[tuple[ItemKind, str], int] = field(default_factory=dict)

    def add(self, kind: ItemKind, key: str, weeks: int) -> None:
        self.items[kind, key] = self.items.get((kind, key), 0) | weeks


class CourseBuilder:
    """Accumulates fiche lines, file by file, into courses.

    :param fiches: the fiches by code, with their times.
    :param unplaced: fiches that cannot be placed, with the reason.
    :param notices: where skipped lines are reported.
    :param audience: the class or group item of a line, ``None`` when the
        line's group is not an importable group.
    :param teacher: the teacher key for a ``prof`` code.
    :param coteacher: the teacher key for a ``coens`` (``prof``, ``epj``) pair.
    :param room: the room key for a ``salle`` code.
    :param subject: the subject key for a ``mat`` code.
    """

    def __init__(
        self,
        fiches: Mapping[str, Fiche],
        unplaced: Mapping[str, str],
        notices: Notices,
        *,
        audience: Callable[[Line], Audience | None],
        teacher: Callable[[str], str],
        coteacher: Callable[[str, str], str],
        room: Callable[[str], str],
        subject: Callable[[str], str],
    ):
        self._fiches = fiches
        self._unplaced = unplaced
        self._notices = notices
        self._audience = audience
        self._teacher = teacher
        self._coteacher = coteacher
        self._room = room
        self._subject = subject
        self._drafts: dict[tuple[str, ...], _CourseDraft] = {}

    def add(self, lines: Iterable[Line], coteachers: Coteachers, weeks: int) -> None:
        """Add the lines of one file, active in ``weeks``, with that file's co-teaching."""
        if not weeks:
            return
        series: dict[tuple[str, ...], list[_Placed]] = {}
        for line in lines:
            fiche = self._fiches.get(line.fiche)
            if fiche is None:
                reason = self._unplaced.get(line.fiche) or f"fiche « {line.fiche} » inconnue"
                self._notices.add(
                    COURSE_SKIPPED,
                    f"ligne de fiche « {line.code} » ({line.file}, ligne {line.line}) "
                    f"non importée : {reason}",
                )
                continue
            key = (line.division, line.subject, line.teacher, line.regroupement, line.group or "_")
            series.setdefault(key, []).append(_Placed(line, fiche))
        for placed in series.values():
            placed.sort(key=lambda p: (p.fiche.day, p.fiche.site, p.fiche.sequence, p.line.code))
            for run in _consecutive(placed):
                self._add_run(run, coteachers, weeks)

    def _add_run(self, run: list[_Placed], coteachers: Coteachers, weeks: int) -> None:
        first, last = run[0], run[-1]
        audience = self._audience(first.line)
        # A group or regroupement is the audience whichever class's line names
        # it, so lines of several classes for one regroupement make one course.
        line = first.line
        audience_part = (
            f"{audience[0]}:{audience[1]}"
            if audience
            else f"?:{line.division}/{line.regroupement}/{line.group}"
        )
        identity = (
            audience_part,
            line.subject,
            str(first.fiche.day),
            first.fiche.start.isoformat("minutes"),
            last.fiche.end.isoformat("minutes"),
        )
        draft = self._drafts.get(identity)
        if draft is None:
            subject = self._subject(first.line.subject) if first.line.subject else ""
            draft = _CourseDraft(subject, first.fiche.day, first.fiche.start, last.fiche.end)
            self._drafts[identity] = draft
        if first.line.teacher:
            draft.add(ItemKind.TEACHER, self._teacher(first.line.teacher), weeks)
        # entcore takes the co-teachers of the course's first line.
        for prof, epj in coteachers.get(first.line.code, ()):
            draft.add(ItemKind.TEACHER, self._coteacher(prof, epj), weeks)
        if audience:
            draft.add(*audience, weeks)
        else:
            self._notices.add(
                COURSE_WITHOUT_AUDIENCE,
                f"cours {line.subject} de {line.division}, jour {first.fiche.day} "
                f"{first.fiche.start:%H:%M}-{last.fiche.end:%H:%M} : le groupe "
                f"« {line.group or line.group_id} » n'est pas un groupe STS, "
                "cours sans classe ni groupe",
            )
        # A room booked in any half-sequence of the course is one of its rooms.
        for placed in run:
            if placed.line.room:
                draft.add(ItemKind.ROOM, self._room(placed.line.room), weeks)

    def courses(self) -> tuple[Course, ...]:
        """The courses built so far, by day and time."""
        built = []
        for identity, draft in self._drafts.items():
            items = tuple(
                CourseItem(kind, key, weeks)
                for (kind, key), weeks in sorted(
                    draft.items.items(), key=lambda entry: (_ITEM_ORDER[entry[0][0]], entry[0][1])
                )
                if weeks
            )
            if not items:
                continue
            audience, subject, day, start, end = identity
            built.append(
                Course(
                    key=f"{subject}|{audience}|{day}|{start}-{end}",
                    subject=draft.subject or None,
                    day=draft.day,
                    start=draft.start,
                    end=draft.end,
                    items=items,
                )
            )
        return tuple(
            sorted(built, key=lambda course: (course.day, course.start, course.end, course.key))
        )


def _consecutive(placed: list[_Placed]) -> Iterable[list[_Placed]]:
    """Runs of lines in consecutive half-sequences of the same day and site.

    entcore reads the fiche index from the first three characters of the line
    code; the fiche's own day and half-sequence say the same thing without
    relying on how codes are laid out.
    """
    run: list[_Placed] = []
    for item in placed:
        if run:
            previous = run[-1].fiche
            same_cell = (item.fiche.day, item.fiche.site) == (previous.day, previous.site)
            if same_cell and item.fiche.sequence == previous.sequence:
                # The same half-sequence listed twice adds nothing but its room.
                run.append(item)
                continue
            if same_cell and item.fiche.sequence == previous.sequence + 1:
                run.append(item)
                continue
            yield run
        run = [item]
    if run:
        yield run
