"""Session expansion: the weekly courses of a snapshot as dated sessions (reference note §8).

A course has a session in school week *w* when at least one of its items is
active in *w*; the session holds the items active that week.  Its date is
``first_monday + (w − 1)·7 + (day − 1)`` and its times are Europe/Paris wall
clock, composed with :mod:`zoneinfo` so that they stay right across daylight
saving changes.  Weeks run from 1 to the year's last week; dates outside the
school year are skipped.

Audience: groups win over classes; class parts are never an audience, so a
course placed only on class parts has no session and is *left out*.

Each session is *active* or *cancelled* (a week of the course's
``cancelled_weeks``, or a week dropped from its alternation), and of kind
*regular*, *replacement* (its teachers differ from the course's regular ones)
or *exceptional* (a course of very few weeks).

Keys: the **series key** digests the subject code, the sorted audience names,
the sorted teacher identities (of the course's regular composition), the day
and the times, so it is the same from one import to the next while the course
is unchanged; the **session key** is the series key and the date.

This module does not look at the directory: :func:`expand_sessions` is a pure
function of the snapshot, usable by plugin test suites.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from attrs import frozen

from entcore.model.timetable import Course, ItemKind, Timetable, weeks_of
from entcore.timetable.derive import Derived, derive, teacher_token

PARIS = ZoneInfo("Europe/Paris")

ACTIVE = "active"
CANCELLED = "cancelled"
REGULAR = "regular"
REPLACEMENT = "replacement"
EXCEPTIONAL = "exceptional"

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@frozen
class SessionContent:
    """What a session holds, shared by all the sessions of one course composition."""

    subject: str | None
    """Key of the subject in the snapshot."""
    subject_code: str | None
    subject_label: str | None
    teachers: tuple[str, ...]
    teacher_names: tuple[str, ...]
    classes: tuple[str, ...]
    class_names: tuple[str, ...]
    groups: tuple[str, ...]
    group_names: tuple[str, ...]
    rooms: tuple[str, ...]
    room_names: tuple[str, ...]


@frozen
class PlannedSession:
    """One dated session of a course; snapshot keys, no directory ids."""

    key: str
    series: str
    course: str
    """Key of the course in the snapshot."""
    date: date
    start: datetime
    """Aware, Europe/Paris."""
    end: datetime
    status: str
    """``active`` or ``cancelled``."""
    kind: str
    """``regular``, ``replacement`` or ``exceptional``."""
    content: SessionContent

    @property
    def subject_code(self) -> str | None:
        """The subject's code."""
        return self.content.subject_code

    @property
    def teachers(self) -> tuple[str, ...]:
        """Keys of the teachers."""
        return self.content.teachers

    @property
    def teacher_names(self) -> tuple[str, ...]:
        """``NOM Prénom`` of the teachers."""
        return self.content.teacher_names

    @property
    def classes(self) -> tuple[str, ...]:
        """Keys of the classes (empty when groups are the audience)."""
        return self.content.classes

    @property
    def class_names(self) -> tuple[str, ...]:
        """Names of the classes."""
        return self.content.class_names

    @property
    def groups(self) -> tuple[str, ...]:
        """Keys of the groups."""
        return self.content.groups

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the groups."""
        return self.content.group_names

    @property
    def rooms(self) -> tuple[str, ...]:
        """Keys of the rooms."""
        return self.content.rooms

    @property
    def room_names(self) -> tuple[str, ...]:
        """Names of the rooms."""
        return self.content.room_names


@frozen
class LeftOutCourse:
    """A course that yields no session, and why."""

    course: str
    reason: str
    """``class_part`` (placed on class parts only) or ``no_audience`` (no class nor group)."""
    description: str
    """The course in French: subject, day, times, teachers."""
    classes: tuple[str, ...] = ()
    """Name of the class of each class part (aligned with :attr:`parts`)."""
    parts: tuple[str, ...] = ()
    """Names (or keys) of the class parts."""


@frozen
class Expansion:
    """The sessions of a snapshot, the courses left out, and what was derived on the way."""

    sessions: tuple[PlannedSession, ...]
    left_out: tuple[LeftOutCourse, ...]
    derived: Derived


class CourseNames:
    """Lookups from snapshot keys to names, built once per expansion."""

    def __init__(self, snapshot: Timetable):
        self.subjects = {s.key: s for s in snapshot.subjects}
        self.teachers = {t.key: t for t in snapshot.teachers}
        self.classes = {c.key: c.name for c in snapshot.classes}
        self.groups = {g.key: g.name for g in snapshot.groups}
        self.rooms = {r.key: r.name for r in snapshot.rooms}
        self.part_class: dict[str, tuple[str, str]] = {
            part.key: (cls.name, part.name or part.key)
            for cls in snapshot.classes
            for part in cls.parts
        }

    def teacher_name(self, key: str) -> str:
        teacher = self.teachers.get(key)
        return teacher.display_name if teacher else key

    def token(self, key: str) -> str:
        teacher = self.teachers.get(key)
        return teacher_token(teacher) if teacher else f"key:{key}"


def describe_course(course: Course, names: CourseNames) -> str:
    """``MATHEMATIQUES (MATHS), lundi 08:00–09:50, MARTIN Claire``."""
    subject = names.subjects.get(course.subject or "")
    what = f"{subject.label} ({subject.code})" if subject else "matière inconnue"
    day = DAY_NAMES[course.day - 1] if 1 <= course.day <= 7 else f"jour {course.day}"
    teachers = sorted(
        {names.teacher_name(i.key) for i in course.items if i.kind is ItemKind.TEACHER}
    )
    text = f"{what}, {day} {course.start:%H:%M}–{course.end:%H:%M}"
    return f"{text}, {', '.join(teachers)}" if teachers else text


def _content(course: Course, indices: tuple[int, ...], names: CourseNames) -> SessionContent | None:
    """The session content of a composition, or ``None`` when it has no audience."""
    items = [course.items[i] for i in indices]
    groups = tuple(dict.fromkeys(i.key for i in items if i.kind is ItemKind.GROUP))
    classes = (
        () if groups else tuple(dict.fromkeys(i.key for i in items if i.kind is ItemKind.CLASS))
    )
    if not groups and not classes:
        return None
    teachers = tuple(dict.fromkeys(i.key for i in items if i.kind is ItemKind.TEACHER))
    rooms = tuple(dict.fromkeys(i.key for i in items if i.kind is ItemKind.ROOM))
    subject = names.subjects.get(course.subject or "")
    return SessionContent(
        subject=course.subject,
        subject_code=subject.code if subject else None,
        subject_label=subject.label if subject else None,
        teachers=teachers,
        teacher_names=tuple(names.teacher_name(k) for k in teachers),
        classes=classes,
        class_names=tuple(names.classes.get(k, k) for k in classes),
        groups=groups,
        group_names=tuple(names.groups.get(k, k) for k in groups),
        rooms=rooms,
        room_names=tuple(names.rooms.get(k, k) for k in rooms),
    )


def series_key(
    subject_code: str | None,
    audience: list[str],
    tokens: list[str],
    day: int,
    start: time,
    end: time,
) -> str:
    """The series key: 16 hex digits of a digest of what identifies a weekly course."""
    text = "|".join(
        (
            subject_code or "",
            ",".join(sorted(audience)),
            ",".join(sorted(tokens)),
            str(day),
            start.isoformat("minutes"),
            end.isoformat("minutes"),
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _left_out(course: Course, names: CourseNames) -> LeftOutCourse | None:
    if not any(item.weeks for item in course.items):
        # Only a subject (common in real exports): nothing to import, nothing to say.
        return None
    parts = [i.key for i in course.items if i.kind is ItemKind.PART and i.weeks]
    description = describe_course(course, names)
    if parts:
        located = [names.part_class.get(key, ("?", key)) for key in dict.fromkeys(parts)]
        return LeftOutCourse(
            course=course.key,
            reason="class_part",
            description=description,
            classes=tuple(cls for cls, _ in located),
            parts=tuple(part for _, part in located),
        )
    return LeftOutCourse(course=course.key, reason="no_audience", description=description)


def expand(snapshot: Timetable, derived: Derived | None = None) -> Expansion:
    """Every session of the snapshot's courses, and the courses that yield none."""
    derived = derived or derive(snapshot)
    names = CourseNames(snapshot)
    year = snapshot.school_year
    first, last = year.start, year.end
    sessions: list[PlannedSession] = []
    left_out: list[LeftOutCourse] = []
    used_keys: dict[str, int] = {}
    # Mondays by week number: every week a mask can hold (the year mask bounds them).
    mondays = [year.first_monday + timedelta(weeks=week - 1) for week in range(year.week_count + 2)]
    for course, shape in zip(snapshot.courses, derived.shapes, strict=True):
        contents: dict[tuple[int, ...], SessionContent | None] = {
            indices: _content(course, indices, names) for indices, _ in shape.compositions
        }
        if not any(content is not None for content in contents.values()):
            missing = _left_out(course, names)
            if missing is not None:
                left_out.append(missing)
            continue
        regular = contents.get(shape.regular)
        if regular is None:
            # The most common composition has no audience: name the series after
            # the composition with an audience that has the most weeks.
            indices = max(
                (c for c in shape.compositions if contents[c[0]] is not None),
                key=lambda c: (len(c[1]), -c[1][0]),
            )[0]
            regular = contents[indices]
            assert regular is not None
        series = series_key(
            regular.subject_code,
            list(regular.group_names or regular.class_names),
            [names.token(k) for k in shape.regular_teachers],
            course.day,
            course.start,
            course.end,
        )
        regular_teachers = shape.regular_teachers
        weeks: list[tuple[int, SessionContent, str]] = []
        cancelled = shape.cancelled
        for indices, composition_weeks in shape.compositions:
            content = contents[indices]
            if content is None:
                continue
            weeks.extend(
                (week, content, CANCELLED if cancelled >> week & 1 else ACTIVE)
                for week in composition_weeks
            )
        for week in weeks_of(shape.dropped):
            weeks.append((week, regular, CANCELLED))
        if len(shape.compositions) > 1 or shape.dropped:
            weeks.sort(key=lambda entry: entry[0])
        kinds: dict[int, str] = {}
        offset = timedelta(days=course.day - 1)
        start, end = course.start, course.end
        for week, content, status in weeks:
            day = mondays[week] + offset
            if day < first or day > last:
                continue
            kind = kinds.get(id(content))
            if kind is None:
                if shape.exceptional:
                    kind = EXCEPTIONAL
                elif frozenset(content.teachers) != regular_teachers:
                    kind = REPLACEMENT
                else:
                    kind = REGULAR
                kinds[id(content)] = kind
            key = f"{series}-{day:%Y%m%d}"
            if key in used_keys:
                # Two courses identical but for their rooms on the same day.
                used_keys[key] += 1
                key = f"{key}-{used_keys[key]}"
            else:
                used_keys[key] = 1
            sessions.append(
                PlannedSession(
                    key,
                    series,
                    course.key,
                    day,
                    datetime.combine(day, start, tzinfo=PARIS),
                    datetime.combine(day, end, tzinfo=PARIS),
                    status,
                    kind,
                    content,
                )
            )
    return Expansion(sessions=tuple(sessions), left_out=tuple(left_out), derived=derived)


def expand_sessions(snapshot: Timetable) -> list[PlannedSession]:
    """The dated sessions of ``snapshot`` (active and cancelled), course by course, week by week.

    Pure: no store, no directory.  Courses placed only on class parts, or on no
    class nor group, yield none (:func:`expand` also says which and why).
    """
    return list(expand(snapshot).sessions)
