"""An import's plan: everything a validation writes, and the report computed from it.

:func:`build_plan` reads the store (the structure's directory, mappings, learnt
links, previous validated import, stored sessions and memberships) and the
snapshot, and decides every change; the preliminary report is computed from
those decisions.  :func:`apply_plan` writes them, on the validation's
transaction.  A validation rebuilds the plan from the same inputs — the stored
snapshot, reference time, and a store in the state recorded by
:func:`state_marker` — so it applies exactly what the preview reported.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from attrs import define, frozen
from sqlalchemy import Connection, delete, func, insert, select, tuple_, update

from entcore.model.timetable import Timetable
from entcore.store.schema import DirectoryImport, Group, Structure
from entcore.store.timetable_schema import TimetableIdentity, TimetableImport, TimetableMapping
from entcore.timetable.derive import derive
from entcore.timetable.diff import compare, summarize
from entcore.timetable.expand import PARIS, CourseNames, Expansion, describe_course, expand
from entcore.timetable.populate import MembershipPlan, apply_memberships, plan_memberships
from entcore.timetable.reconcile import DirectoryView, Resolution, reconcile
from entcore.timetable.report import (
    ImportedCounts,
    ReportWarning,
    Tally,
    TimetableReport,
    WeeklyCounts,
)
from entcore.timetable.sessions import (
    WEEKLY,
    ContentResolver,
    SessionPlan,
    apply_sessions,
    chunks,
    importable_sessions,
    load_future,
    plan_sessions,
    stored_weekly,
)

VALIDATED = "validated"


@frozen
class StructureState:
    """The structure an import is for."""

    id: int
    external_id: str
    uai: str
    name: str
    mode: str
    school_year: str | None

    @classmethod
    def load(cls, connection: Connection, structure_id: int) -> StructureState:
        """Read the structure row."""
        row = connection.execute(
            select(
                Structure.id,
                Structure.external_id,
                Structure.uai,
                Structure.name,
                Structure.timetable_mode,
                Structure.school_year,
            ).where(Structure.id == structure_id)
        ).one()
        return cls(
            row.id, row.external_id, row.uai or "", row.name, row.timetable_mode, row.school_year
        )


@frozen
class PlanContext:
    """What a plan is built from besides the store: the file's facts and the reference time."""

    snapshot: Timetable
    format_name: str
    """The registered format that read the file."""
    file_name: str
    reference: datetime
    """Aware instant sessions are judged against."""
    clearance: timedelta
    as_of: bool
    prefix: str
    """The directory's académie prefix of external ids."""

    @property
    def cutoff(self) -> datetime:
        """Sessions starting before this instant have started."""
        return self.reference + self.clearance


@define
class ImportPlan:
    """The decisions of one import and its report."""

    report: TimetableReport
    summary: dict[str, Any]
    resolution: Resolution
    expansion: Expansion
    sessions: SessionPlan
    memberships: MembershipPlan | None
    resolver: ContentResolver


def last_validated(connection: Connection, structure_id: int) -> tuple[int, dict[str, Any]] | None:
    """Id and summary of the structure's last validated import."""
    row = connection.execute(
        select(TimetableImport.id, TimetableImport.summary)
        .where(TimetableImport.structure_id == structure_id, TimetableImport.status == VALIDATED)
        .order_by(TimetableImport.id.desc())
        .limit(1)
    ).first()
    return (row.id, row.summary) if row else None


def state_marker(connection: Connection, structure_id: int, clearance: timedelta) -> dict[str, Any]:
    """What a plan depends on besides its inputs; a validation refuses if it changed."""
    previous = last_validated(connection, structure_id)
    directory = connection.execute(select(func.max(DirectoryImport.id))).scalar_one_or_none()
    mappings = connection.execute(
        select(TimetableMapping.kind, TimetableMapping.source_key, TimetableMapping.target_id)
        .where(TimetableMapping.structure_id == structure_id)
        .order_by(TimetableMapping.kind, TimetableMapping.source_key)
    ).all()
    structure = StructureState.load(connection, structure_id)
    return {
        "last_validated": previous[0] if previous else None,
        "directory_import": directory,
        "mappings": hashlib.sha256(repr([tuple(m) for m in mappings]).encode()).hexdigest(),
        "mode": structure.mode,
        "school_year": structure.school_year,
        "clearance_minutes": int(clearance.total_seconds() // 60),
    }


def _warnings(
    context: PlanContext, expansion: Expansion, resolution: Resolution, unimportable: Counter[str]
) -> list[ReportWarning]:
    """What the report says was left out or matched loosely, and why.

    In order: what the format itself left out (its notices), courses without
    an importable audience, courses without a known subject, then the
    reconciliation's warnings.
    """
    snapshot = context.snapshot
    names = CourseNames(snapshot)
    warnings = [
        ReportWarning(notice.kind, notice.message, {"source": context.format_name})
        for notice in snapshot.notices
    ]
    for left in expansion.left_out:
        if left.reason == "class_part":
            by_class: dict[str, list[str]] = {}
            for cls, part in zip(left.classes, left.parts, strict=True):
                by_class.setdefault(cls, []).append(part)
            located = " ; ".join(
                f"classe {cls}, partie{'s' if len(parts) > 1 else ''} {' et '.join(parts)}"
                for cls, parts in by_class.items()
            )
            warnings.append(
                ReportWarning(
                    "class_part_course",
                    f"cours non importé : {left.description} — placé sur une partie de classe "
                    f"({located}) ; générez des groupes pour les parties de classe dans le logiciel "
                    "d'emploi du temps (EDT : « Générer des groupes pour Pronote ») puis réimportez",
                    {
                        "course": left.course,
                        "description": left.description,
                        "classes": list(dict.fromkeys(left.classes)),
                        "parts": list(left.parts),
                    },
                )
            )
        else:
            warnings.append(
                ReportWarning(
                    "no_audience_course",
                    f"cours non importé : {left.description} — ni classe ni groupe",
                    {"course": left.course, "description": left.description},
                )
            )
    subjects = {s.key for s in snapshot.subjects}
    courses = {c.key: c for c in snapshot.courses}
    with_sessions = {session.course for session in expansion.sessions}
    unknown_subject = {
        c.key for c in snapshot.courses if c.key in with_sessions and c.subject not in subjects
    }
    for key in sorted(unknown_subject):
        description = describe_course(courses[key], names)
        warnings.append(
            ReportWarning(
                "unknown_subject",
                f"cours sans matière connue : {description} — ses séances sont importées sans matière",
                {"course": key, "description": description},
            )
        )
    for key, count in sorted(unimportable.items()):
        description = describe_course(courses[key], names)
        warnings.append(
            ReportWarning(
                "unmatched_audience_course",
                f"cours non importé : {description} — aucune de ses classes ni aucun de ses groupes "
                f"n'est connu de l'annuaire ({count} séance{'s' if count > 1 else ''})",
                {"course": key, "description": description, "sessions": count},
            )
        )
    return [*warnings, *resolution.warnings]


def build_plan(
    connection: Connection,
    structure: StructureState,
    context: PlanContext,
    *,
    report_id: int | None = None,
) -> ImportPlan:
    """Decide every change of an import against the store as it is, and report them."""
    snapshot = context.snapshot
    view = DirectoryView.load(connection, structure.id, context.prefix)
    resolution = reconcile(view, snapshot, structure.mode, structure.uai)
    derived = derive(snapshot)
    expansion = expand(snapshot, derived)
    resolver = ContentResolver(view, resolution)
    importable, unimportable = importable_sessions(expansion.sessions, resolver)
    active = sum(1 for session, _ in importable if session.status == "active")
    summary = summarize(snapshot, derived, resolution, active)
    previous = last_validated(connection, structure.id)
    subjects, closures, alternations, services, sessions = compare(
        previous[1] if previous else None, summary
    )
    cutoff = context.cutoff
    stored = load_future(connection, structure.id, cutoff)
    session_plan = plan_sessions(connection, importable, cutoff, stored)
    year = snapshot.school_year.label
    before, past = stored_weekly(connection, structure.id, year, cutoff, stored)
    after = past + session_plan.future
    weekly = WeeklyCounts(*(Tally(after[k] - before[k], after[k]) for k in WEEKLY))
    memberships: MembershipPlan | None = None
    if structure.mode == "timetable":
        names: dict[tuple[str, int], str] = {("c", e.id): e.code for e in view.classes.values()}
        names.update({("g", e.id): e.code for e in view.groups.values()})
        reference_day = context.reference.astimezone(PARIS).date()
        memberships = plan_memberships(
            connection, structure.id, snapshot, resolution, reference_day, names
        )
    warnings = _warnings(context, expansion, resolution, unimportable)
    if memberships is not None:
        warnings.extend(memberships.warnings)

    def imported(keys: list[str], matched: dict[str, Any]) -> ImportedCounts:
        found = sum(1 for key in keys if key in matched)
        return ImportedCounts(imported=found, not_imported=len(keys) - found)

    report = TimetableReport(
        uai=structure.uai,
        format=context.format_name,
        file_name=context.file_name,
        school_year=year,
        id=report_id,
        subjects=subjects,
        closure_periods=closures,
        alternations=alternations,
        teaching_services=services,
        sessions=sessions,
        classes=imported([c.key for c in snapshot.classes], resolution.classes),
        option_groups=imported([g.key for g in snapshot.groups], resolution.groups),
        teachers=imported([t.key for t in snapshot.teachers], resolution.teachers),
        groups_to_create=len(resolution.creates),
        groups_to_rename=len(resolution.renames),
        classes_and_groups_with_teachers_to_add=memberships.with_teachers_to_add
        if memberships
        else 0,
        classes_and_groups_with_students_to_add=memberships.with_students_to_add
        if memberships
        else 0,
        weekly=weekly,
        warnings=warnings,
        as_of=context.reference.astimezone(PARIS).isoformat() if context.as_of else None,
    )
    return ImportPlan(report, summary, resolution, expansion, session_plan, memberships, resolver)


def _learn(
    connection: Connection,
    structure_id: int,
    links: list[tuple[str, str, str, int, str]],
    import_id: int,
    now: datetime,
) -> None:
    """Upsert learnt links ``(kind, scheme, value, target id, origin)``."""
    unique = {(k, s, v): (t, o) for k, s, v, t, o in links}
    keys = sorted(unique)
    for chunk in chunks(keys):
        connection.execute(
            delete(TimetableIdentity).where(
                TimetableIdentity.structure_id == structure_id,
                tuple_(
                    TimetableIdentity.kind, TimetableIdentity.scheme, TimetableIdentity.value
                ).in_(list(chunk)),
            )
        )
    if keys:
        connection.execute(
            insert(TimetableIdentity),
            [
                {
                    "structure_id": structure_id,
                    "kind": k,
                    "scheme": s,
                    "value": v,
                    "target_id": unique[k, s, v][0],
                    "origin": unique[k, s, v][1],
                    "import_id": import_id,
                    "created_at": now,
                }
                for k, s, v in keys
            ],
        )


def apply_plan(
    connection: Connection,
    structure: StructureState,
    plan: ImportPlan,
    *,
    import_id: int,
    now: datetime,
) -> None:
    """Write ``plan`` on the caller's transaction (groups, links, sessions, memberships)."""
    resolution = plan.resolution
    new_groups: dict[str, int] = {}
    if resolution.creates:
        ids = (
            connection.execute(
                insert(Group).returning(Group.id, sort_by_parameter_order=True),
                [
                    {
                        "structure_id": structure.id,
                        "code": name,
                        "label": name,
                        "kind": "option",
                        "created_at": now,
                    }
                    for _, name in resolution.creates
                ],
            )
            .scalars()
            .all()
        )
        new_groups = {
            key: group_id for (key, _), group_id in zip(resolution.creates, ids, strict=True)
        }
    for _, group_id, name in resolution.renames:
        connection.execute(update(Group).where(Group.id == group_id).values(code=name, label=name))
    links = [(k, s, v, t, "matched") for k, s, v, t in resolution.links]
    links += [("group", "key", key, group_id, "created") for key, group_id in new_groups.items()]
    _learn(connection, structure.id, links, import_id, now)
    apply_sessions(
        connection,
        plan.sessions,
        plan.resolver,
        structure_id=structure.id,
        school_year=plan.report.school_year,
        import_id=import_id,
        new_groups=new_groups,
        now=now,
    )
    if plan.memberships is not None:
        apply_memberships(connection, plan.memberships, new_groups)
    connection.execute(
        update(Structure)
        .where(Structure.id == structure.id)
        .values(school_year=plan.report.school_year)
    )


def reference_instant(value: datetime) -> datetime:
    """``value`` as an aware UTC instant (naive values are Europe/Paris wall clock)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)
