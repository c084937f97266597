"""The report's comparison with the structure's previous validated import.

Each import stores a *summary*: its subjects, closures, alternations, teaching
services (with their teachers and whether they are incomplete) and number of
sessions.  The report's counts are the differences between this import's
summary and the last validated one's (an empty summary for a first import):

* subjects by code: added, or modified when the label changed;
* closures by (start, end): added, deleted;
* alternations by week set: added, deleted, or modified when a vanished week
  set and a new one share a name;
* services by (subject, class or group, alternation, modality if any): added, deleted, or
  modified when their teachers or their completeness changed — each with how
  many are (were, for deleted ones) incomplete;
* sessions: the difference in number.
"""

from __future__ import annotations

from typing import Any

from entcore.model.timetable import ItemKind, Timetable
from entcore.timetable.derive import Derived, teacher_token
from entcore.timetable.reconcile import Resolution
from entcore.timetable.report import (
    AlternationCounts,
    ClosureCounts,
    ServiceCounts,
    SessionCounts,
    SubjectCounts,
)


def summarize(
    snapshot: Timetable, derived: Derived, resolution: Resolution, session_count: int
) -> dict[str, Any]:
    """The summary of an import (JSON-ready), what the next import is compared with."""
    subjects = {s.key: s for s in snapshot.subjects}
    teachers = {t.key: t for t in snapshot.teachers}
    classes = {c.key: c.name for c in snapshot.classes}
    groups = {g.key: g.name for g in snapshot.groups}
    parts = {p.key: f"{c.name}/{p.name or p.key}" for c in snapshot.classes for p in c.parts}
    services: dict[str, dict[str, Any]] = {}
    for service in derived.services:
        subject = subjects.get(service.subject or "")
        if service.audience is ItemKind.GROUP:
            target, importable = (
                groups.get(service.target, service.target),
                (service.target in resolution.groups),
            )
        elif service.audience is ItemKind.CLASS:
            target, importable = (
                classes.get(service.target, service.target),
                (service.target in resolution.classes),
            )
        else:
            target, importable = parts.get(service.target, service.target), False
        tokens = sorted(
            teacher_token(teachers[key]) if key in teachers else f"key:{key}"
            for key in service.teachers
        )
        matched = any(key in resolution.teachers for key in service.teachers)
        fields = [
            subject.code if subject else "?",
            service.audience.value,
            target,
            str(service.alternation),
        ]
        if service.modality:
            # Two modalities of one subject for one class are two services (STS).
            fields.append(service.modality)
        key = "|".join(fields)
        entry = services.setdefault(key, {"teachers": [], "incomplete": False})
        entry["teachers"] = sorted(set(entry["teachers"]) | set(tokens))
        entry["incomplete"] = entry["incomplete"] or not (subject and importable and matched)
    return {
        "subjects": {s.code: s.label for s in snapshot.subjects},
        "closures": [[start.isoformat(), end.isoformat()] for start, end in derived.closures],
        "alternations": {str(mask): label for mask, label in derived.alternations.items()},
        "services": services,
        "sessions": session_count,
    }


def compare_subjects(previous: dict[str, str], current: dict[str, str]) -> SubjectCounts:
    """Subjects added, and subjects whose label changed."""
    return SubjectCounts(
        added=sum(1 for code in current if code not in previous),
        modified=sum(
            1 for code, label in current.items() if code in previous and previous[code] != label
        ),
    )


def compare_closures(previous: list[list[str]], current: list[list[str]]) -> ClosureCounts:
    """Closures added and deleted, keyed by (start, end)."""
    before = {tuple(c) for c in previous}
    after = {tuple(c) for c in current}
    return ClosureCounts(added=len(after - before), deleted=len(before - after))


def compare_alternations(previous: dict[str, str], current: dict[str, str]) -> AlternationCounts:
    """Alternations added, modified (a vanished and a new week set of the same name) and deleted."""
    gone = {weeks: label for weeks, label in previous.items() if weeks not in current}
    new = {weeks: label for weeks, label in current.items() if weeks not in previous}
    gone_names: dict[str, int] = {}
    for label in gone.values():
        gone_names[label] = gone_names.get(label, 0) + 1
    modified = 0
    for label in new.values():
        if gone_names.get(label, 0) > 0:
            gone_names[label] -= 1
            modified += 1
    return AlternationCounts(
        added=len(new) - modified, modified=modified, deleted=len(gone) - modified
    )


def compare_services(
    previous: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> ServiceCounts:
    """Services added, modified (teachers or completeness) and deleted, with the incomplete ones."""
    counts = ServiceCounts()
    for key, service in current.items():
        before = previous.get(key)
        if before is None:
            counts.added += 1
            counts.added_incomplete += bool(service["incomplete"])
        elif before != service:
            counts.modified += 1
            counts.modified_incomplete += bool(service["incomplete"])
    for key, service in previous.items():
        if key not in current:
            counts.deleted += 1
            counts.deleted_incomplete += bool(service["incomplete"])
    return counts


def compare(
    previous: dict[str, Any] | None, current: dict[str, Any]
) -> tuple[SubjectCounts, ClosureCounts, AlternationCounts, ServiceCounts, SessionCounts]:
    """The report's change counts between two summaries (``previous`` is ``None`` for a first import)."""
    before = previous or {
        "subjects": {},
        "closures": [],
        "alternations": {},
        "services": {},
        "sessions": 0,
    }
    return (
        compare_subjects(before["subjects"], current["subjects"]),
        compare_closures(before["closures"], current["closures"]),
        compare_alternations(before["alternations"], current["alternations"]),
        compare_services(before["services"], current["services"]),
        SessionCounts(delta=current["sessions"] - before["sessions"]),
    )
