"""What the core derives from a snapshot when the format leaves it implicit.

EDT exports name no closure, alternation nor teaching service: everything is in
the week masks of the course items (reference note §2.4 and §7).  This module
reads them, course by course, once per import:

* a course's **compositions**: which of its items are active together, and in
  which weeks (a replacement is a composition whose teachers differ);
* its **regular teachers**, the teacher set active in most of its weeks;
* **exceptional courses**: active in very few weeks compared with the school
  year (a one-off course), they match no alternation;
* **alternations**: the distinct week sets of the other courses; a week set
  that is a more common one minus a week or two is that alternation with
  *dropped* weeks, which count as cancellations;
* **school weeks** (the union of the alternations) and **closures**, the
  maximal runs of weeks without school between the first and last school week;
* **teaching services**: (subject, class or group, alternation) → regular teachers.

Explicit closures, alternations and services of the snapshot (UDT, STS) are
used as they are.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from datetime import date, timedelta

from attrs import frozen

from entcore.model.timetable import Course, ItemKind, Timetable, TimetableTeacher, weeks_of

#: A course with at most this many weeks may be exceptional...
EXCEPTIONAL_MAX_WEEKS = 2
#: ...when the school year has at least this many times more school weeks.
EXCEPTIONAL_RATIO = 4
#: A week set folds into a more common alternation it lacks at most this many weeks of.
FOLD_MAX_WEEKS = 2

_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """``text`` for loose comparison: no accents, lower case, no spaces, hyphens or apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub("", stripped.lower())


def teacher_token(teacher: TimetableTeacher) -> str:
    """A teacher's identity that does not depend on the directory: an id of the export, or the name."""
    if teacher.pronote_id:
        return f"pn:{teacher.pronote_id}"
    if teacher.sts_id:
        return f"sts:{teacher.sts_id}"
    if teacher.directory_id:
        return f"dir:{teacher.directory_id}"
    return f"nm:{normalise(teacher.last_name)}/{normalise(teacher.first_name)}"


def popcount(mask: int) -> int:
    """Number of weeks in ``mask``."""
    return mask.bit_count()


@frozen
class CourseShape:
    """How one course spreads over the weeks."""

    scheduled: int
    """Weeks in which at least one item is active (bit *i* = week *i*)."""
    cancelled: int
    """Scheduled weeks in which the whole course is cancelled."""
    compositions: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    """``(item indices, weeks)``: which items are active together, and when."""
    regular: tuple[int, ...]
    """Item indices of the composition of most weeks (the course as it normally is)."""
    regular_teachers: frozenset[str]
    """Keys of the teacher set active in most weeks."""
    exceptional: bool
    alternation: int
    """Week set of the course's alternation (0 for an exceptional or empty course)."""
    dropped: int
    """Weeks of the alternation the course lacks: cancellations."""


@frozen
class ServiceView:
    """A teaching service, derived or explicit, with snapshot keys."""

    subject: str | None
    audience: ItemKind
    """CLASS, GROUP, or PART for a course placed on class parts only."""
    target: str
    alternation: int
    teachers: frozenset[str]
    modality: str | None = None
    """Teaching modality when the export gives it (STS ``CODE_MOD_COURS``)."""


@frozen
class Derived:
    """Everything :func:`derive` reads out of a snapshot."""

    shapes: tuple[CourseShape, ...]
    """One per course of the snapshot, in the same order."""
    school_weeks: int
    closures: tuple[tuple[date, date], ...]
    alternations: dict[int, str]
    """Week set → French name."""
    services: tuple[ServiceView, ...]


def year_mask(snapshot: Timetable) -> int:
    """Weeks 1 to the school year's last week."""
    return ((1 << (snapshot.school_year.week_count + 1)) - 1) & ~1


def _compositions(course: Course, scheduled: int) -> dict[tuple[int, ...], list[int]]:
    items = course.items
    masks = {item.weeks for item in items if item.weeks & scheduled}
    active = tuple(i for i, item in enumerate(items) if item.weeks & scheduled)
    if len(masks) == 1:
        # The common case: every item has the same weeks.
        return {active: list(weeks_of(scheduled))}
    found: dict[tuple[int, ...], list[int]] = {}
    for week in weeks_of(scheduled):
        bit = 1 << week
        found.setdefault(tuple(i for i in active if items[i].weeks & bit), []).append(week)
    return found


def _shape_parts(
    course: Course, scheduled: int
) -> tuple[dict[tuple[int, ...], list[int]], tuple[int, ...], frozenset[str]]:
    compositions = _compositions(course, scheduled)
    cancelled = course.cancelled_weeks
    teachers_weeks: Counter[frozenset[str]] = Counter()
    first_week: dict[frozenset[str], int] = {}
    best: tuple[int, int] | None = None
    regular: tuple[int, ...] = ()
    for indices, weeks in compositions.items():
        count = sum(1 for week in weeks if not cancelled >> week & 1) or len(weeks)
        rank = (count, -weeks[0])
        if best is None or rank > best:
            best, regular = rank, indices
        teachers = frozenset(
            course.items[i].key for i in indices if course.items[i].kind is ItemKind.TEACHER
        )
        teachers_weeks[teachers] += count
        first_week[teachers] = min(first_week.get(teachers, weeks[0]), weeks[0])
    regular_teachers = max(
        teachers_weeks, key=lambda t: (teachers_weeks[t], -first_week[t]), default=frozenset()
    )
    return compositions, regular, regular_teachers


def _fold(counts: Counter[int], explicit: dict[int, str]) -> tuple[list[int], dict[int, int]]:
    """Accepted alternations, and the week sets folded into one of them."""
    accepted = list(explicit)
    folded: dict[int, int] = {}
    for mask in sorted(counts, key=lambda m: (-counts[m], -popcount(m), m)):
        if mask in explicit:
            continue
        best: tuple[int, int, int] | None = None
        target = 0
        for candidate in accepted:
            if candidate == mask or candidate & mask != mask:
                continue
            extra = popcount(candidate & ~mask)
            more_common = candidate in explicit or counts.get(candidate, 0) > counts[mask]
            if extra <= FOLD_MAX_WEEKS and more_common:
                rank = (extra, -counts.get(candidate, 0), candidate)
                if best is None or rank < best:
                    best, target = rank, candidate
        if best is None:
            accepted.append(mask)
        else:
            folded[mask] = target
    return accepted, folded


def _ranges(weeks: list[int]) -> str:
    parts: list[str] = []
    start = previous = weeks[0]
    for week in [*weeks[1:], None]:
        if week is not None and week == previous + 1:
            previous = week
            continue
        if previous - start > 1:
            parts.append(f"{start} à {previous}")
        else:
            parts.extend(str(w) for w in range(start, previous + 1))
        if week is not None:
            start = previous = week
    return ", ".join(parts)


def alternation_label(weeks: int, school_weeks: int) -> str:
    """A French name for a week set, by comparison with the school weeks.

    ``Toutes les semaines``, ``Semaine A`` / ``Semaine B`` (every other school
    week), ``Semaine 2 sur 3``, ``Toutes les semaines sauf la semaine 5``,
    ``Semaines 1 à 16``, ``Semaine 3``, or the list of week ranges.
    """
    if weeks == school_weeks:
        return "Toutes les semaines"
    ranked = list(weeks_of(school_weeks))
    listed = list(weeks_of(weeks))
    if weeks & ~school_weeks == 0 and listed:
        for cycle in (2, 3, 4):
            if len(ranked) < 2 * cycle:
                break
            for rank in range(cycle):
                if listed == ranked[rank::cycle]:
                    if cycle == 2:
                        return "Semaine A" if rank == 0 else "Semaine B"
                    return f"Semaine {rank + 1} sur {cycle}"
        missing = list(weeks_of(school_weeks & ~weeks))
        if len(missing) == 1 and len(ranked) > 3:
            return f"Toutes les semaines sauf la semaine {missing[0]}"
        if 1 < len(missing) <= 3 and len(ranked) > 6:
            names = ", ".join(str(w) for w in missing[:-1]) + f" et {missing[-1]}"
            return f"Toutes les semaines sauf les semaines {names}"
        first, last = ranked.index(listed[0]), ranked.index(listed[-1])
        if len(listed) > 1 and listed == ranked[first : last + 1]:
            return f"Semaines {listed[0]} à {listed[-1]}"
    if len(listed) == 1:
        return f"Semaine {listed[0]}"
    return f"Semaines {_ranges(listed)}" if listed else "Aucune semaine"


def _closures(snapshot: Timetable, school_weeks: int) -> tuple[tuple[date, date], ...]:
    if snapshot.closures:
        return tuple(sorted({(c.start, c.end) for c in snapshot.closures}))
    weeks = list(weeks_of(school_weeks))
    year = snapshot.school_year
    closures = []
    for before, after in itertools.pairwise(weeks):
        if after > before + 1:
            closures.append((year.monday(before + 1), year.monday(after - 1) + timedelta(days=6)))
    return tuple(closures)


def _audience(course: Course) -> tuple[ItemKind, list[str]] | None:
    groups = [item.key for item in course.items if item.kind is ItemKind.GROUP and item.weeks]
    if groups:
        return ItemKind.GROUP, groups
    classes = [item.key for item in course.items if item.kind is ItemKind.CLASS and item.weeks]
    if classes:
        return ItemKind.CLASS, classes
    parts = [item.key for item in course.items if item.kind is ItemKind.PART and item.weeks]
    if parts:
        return ItemKind.PART, parts
    return None


def _services(snapshot: Timetable, shapes: list[CourseShape]) -> tuple[ServiceView, ...]:
    if snapshot.services is not None:
        codes = {alternation.code: alternation.weeks for alternation in snapshot.alternations}
        return tuple(
            ServiceView(
                subject=service.subject,
                audience=service.audience,
                target=service.target,
                alternation=codes.get(service.alternation or "", 0),
                teachers=frozenset(service.teachers),
                modality=service.modality,
            )
            for service in snapshot.services
        )
    merged: dict[tuple[str | None, ItemKind, str, int], set[str]] = {}
    for course, shape in zip(snapshot.courses, shapes, strict=True):
        if shape.exceptional or not shape.scheduled:
            continue
        audience = _audience(course)
        if audience is None:
            continue
        kind, targets = audience
        for target in dict.fromkeys(targets):
            key = (course.subject, kind, target, shape.alternation)
            merged.setdefault(key, set()).update(shape.regular_teachers)
    return tuple(
        ServiceView(subject, kind, target, alternation, frozenset(teachers))
        for (subject, kind, target, alternation), teachers in merged.items()
    )


def derive(snapshot: Timetable) -> Derived:
    """Read a snapshot's courses into shapes, alternations, closures and services."""
    valid = year_mask(snapshot)
    partial: list[
        tuple[int, int, dict[tuple[int, ...], list[int]], tuple[int, ...], frozenset[str]]
    ] = []
    every_week = 0
    for course in snapshot.courses:
        scheduled = 0
        for item in course.items:
            scheduled |= item.weeks
        scheduled &= valid
        every_week |= scheduled
        compositions, regular, regular_teachers = (
            _shape_parts(course, scheduled) if scheduled else ({}, (), frozenset())
        )
        partial.append(
            (scheduled, course.cancelled_weeks & scheduled, compositions, regular, regular_teachers)
        )
    year_weeks = popcount(every_week)

    def exceptional(scheduled: int) -> bool:
        count = popcount(scheduled)
        return 0 < count <= EXCEPTIONAL_MAX_WEEKS and count * EXCEPTIONAL_RATIO <= year_weeks

    explicit = {alt.weeks & valid: alt.label for alt in snapshot.alternations if alt.weeks & valid}
    counts: Counter[int] = Counter(
        scheduled for scheduled, *_ in partial if scheduled and not exceptional(scheduled)
    )
    accepted, folded = _fold(counts, explicit)
    used = {folded.get(mask, mask) for mask in counts}
    school_weeks = 0
    for mask in used:
        school_weeks |= mask
    if not school_weeks:
        for mask in explicit:
            school_weeks |= mask
    alternations = {
        mask: explicit.get(mask) or alternation_label(mask, school_weeks)
        for mask in accepted
        if mask in used or mask in explicit
    }
    shapes = []
    for scheduled, cancelled, compositions, regular, regular_teachers in partial:
        is_exceptional = exceptional(scheduled)
        alternation = 0 if is_exceptional or not scheduled else folded.get(scheduled, scheduled)
        shapes.append(
            CourseShape(
                scheduled=scheduled,
                cancelled=cancelled,
                compositions=tuple((k, tuple(v)) for k, v in compositions.items()),
                regular=regular,
                regular_teachers=regular_teachers,
                exceptional=is_exceptional,
                alternation=alternation,
                dropped=alternation & ~scheduled,
            )
        )
    return Derived(
        shapes=tuple(shapes),
        school_weeks=school_weeks,
        closures=_closures(snapshot, school_weeks),
        alternations=alternations,
        services=_services(snapshot, shapes),
    )
