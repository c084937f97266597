"""The cahier de textes' sessions in the store: planning an import's changes, applying them, listing.

Sessions are judged against the import's *cutoff*, its reference time plus the
clearance delay: a session starting before it has started and is never
created, modified nor deleted.  After the cutoff, a planned session whose key
is new is created; one whose key is stored is updated in place when its
content, status or kind changed (its row, id and key stay, so what is attached
to it survives); a stored session no longer planned is soft-deleted.

What a session holds is resolved against the directory once per course
composition (:class:`ContentResolver`) and stored once per distinct content
(``session_contents``); a session's fingerprint is its content digest, status
and kind, so an unchanged session costs a string comparison.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from attrs import define, field, frozen
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from entcore.store.timetable_schema import ContentLink, ContentRow, SessionRow
from entcore.timetable.expand import (
    ACTIVE,
    CANCELLED,
    EXCEPTIONAL,
    PARIS,
    REPLACEMENT,
    PlannedSession,
    SessionContent,
)
from entcore.timetable.reconcile import NEW_GROUP, DirectoryView, Resolution

CHUNK = 500
DELETED = "deleted"
WEEKLY = ("replacements", "cancellations", "exceptional_courses")

#: A resolved person or class: (directory id, login or code, timetable name).
Entry = tuple[int | None, str | None, str]


def weekly_category(status: str, kind: str) -> str | None:
    """Which weekly figure a session counts in: replacements, cancellations, exceptional courses."""
    if status == CANCELLED:
        return "cancellations"
    if status == ACTIVE and kind == REPLACEMENT:
        return "replacements"
    if status == ACTIVE and kind == EXCEPTIONAL:
        return "exceptional_courses"
    return None


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@frozen
class Materialised:
    """A resolved content as written: its columns, its filter links and its digest."""

    row: dict[str, Any]
    links: list[tuple[str, int]]
    digest: str


@frozen
class Resolved:
    """A session content with directory ids."""

    subject_code: str | None
    subject_label: str | None
    teachers: tuple[Entry, ...]
    """``(account id, login, name)``."""
    classes: tuple[Entry, ...]
    """``(class id, directory code, timetable name)``."""
    groups: tuple[tuple[int | str | None, str | None, str], ...]
    """``(group id or new:<key>, directory code, timetable name)``."""
    rooms: tuple[str, ...]
    importable: bool
    """At least one class or group is known (or to be created)."""

    def materialise(self, new_groups: dict[str, int]) -> Materialised:
        """Columns, links and digest, with the ids of the groups the validation creates."""
        groups = tuple(
            (new_groups[g[len(NEW_GROUP) :]] if isinstance(g, str) else g, code, name)
            for g, code, name in self.groups
        )
        digest = hashlib.blake2b(
            repr(
                (
                    self.subject_code,
                    self.subject_label,
                    self.teachers,
                    self.classes,
                    groups,
                    self.rooms,
                )
            ).encode(),
            digest_size=16,
        ).hexdigest()
        row = {
            "digest": digest,
            "subject_code": self.subject_code,
            "subject_label": self.subject_label,
            "teachers": [
                {"id": i, "login": login, "name": name} for i, login, name in self.teachers
            ],
            "classes": [{"id": i, "code": code, "name": name} for i, code, name in self.classes],
            "groups": [{"id": i, "code": code, "name": name} for i, code, name in groups],
            "rooms": list(self.rooms),
        }
        links = [("teacher", i) for i, _, _ in self.teachers if i is not None]
        links += [("class", i) for i, _, _ in self.classes if i is not None]
        links += [("group", i) for i, _, _ in groups if isinstance(i, int)]
        return Materialised(row, list(dict.fromkeys(links)), digest)


class ContentResolver:
    """Resolves session contents against a reconciliation, once per content object."""

    def __init__(self, view: DirectoryView, resolution: Resolution):
        self._view = view
        self._resolution = resolution
        self._cache: dict[int, tuple[SessionContent, Resolved, str]] = {}
        self._materialised: dict[int, tuple[SessionContent, Materialised]] = {}

    def resolve(self, content: SessionContent) -> tuple[Resolved, str]:
        """The resolved content and its digest (a placeholder digest for groups to create)."""
        cached = self._cache.get(id(content))
        if cached is not None and cached[0] is content:
            return cached[1], cached[2]
        view, resolution = self._view, self._resolution
        teachers: list[Entry] = []
        for key, name in zip(content.teachers, content.teacher_names, strict=True):
            account = view.staff.get(resolution.teachers.get(key, -1))
            teachers.append((account.id, account.login, name) if account else (None, None, name))
        classes: list[Entry] = []
        for key, name in zip(content.classes, content.class_names, strict=True):
            entity = view.classes.get(resolution.classes.get(key, -1))
            classes.append((entity.id, entity.code, name) if entity else (None, None, name))
        groups: list[tuple[int | str | None, str | None, str]] = []
        for key, name in zip(content.groups, content.group_names, strict=True):
            target = resolution.groups.get(key)
            if isinstance(target, str):
                groups.append((target, name, name))
            elif target is not None and target in view.groups:
                groups.append((target, view.groups[target].code, name))
            else:
                groups.append((None, None, name))
        resolved = Resolved(
            subject_code=content.subject_code,
            subject_label=content.subject_label,
            teachers=tuple(teachers),
            classes=tuple(classes),
            groups=tuple(groups),
            rooms=content.room_names,
            importable=any(c[0] is not None for c in classes)
            or any(g[0] is not None for g in groups),
        )
        # Groups to create get a placeholder id: such a content never equals a stored one.
        placeholders = {g[len(NEW_GROUP) :]: -1 for g, _, _ in groups if isinstance(g, str)}
        digest = resolved.materialise(placeholders).digest
        self._cache[id(content)] = (content, resolved, digest)
        return resolved, digest

    def materialised(self, content: SessionContent, new_groups: dict[str, int]) -> Materialised:
        """:meth:`Resolved.materialise` of ``content``, computed once per content during an apply."""
        cached = self._materialised.get(id(content))
        if cached is None or cached[0] is not content:
            resolved, _ = self.resolve(content)
            cached = (content, resolved.materialise(new_groups))
            self._materialised[id(content)] = cached
        return cached[1]


def importable_sessions(
    sessions: Iterable[PlannedSession], resolver: ContentResolver
) -> tuple[list[tuple[PlannedSession, str]], Counter[str]]:
    """Sessions with a known audience and their content digests; sessions left out, by course."""
    kept: list[tuple[PlannedSession, str]] = []
    left_out: Counter[str] = Counter()
    last: SessionContent | None = None
    importable, digest = False, ""
    for session in sessions:
        # Consecutive sessions of a course share their content: resolve once per run.
        if session.content is not last:
            last = session.content
            resolved, digest = resolver.resolve(last)
            importable = resolved.importable
        if importable:
            kept.append((session, digest))
        else:
            left_out[session.course] += 1
    return kept, left_out


@define
class SessionPlan:
    """The session changes of one import."""

    cutoff: datetime
    creates: list[PlannedSession] = field(factory=list)
    updates: list[tuple[int, PlannedSession]] = field(factory=list)
    deletes: list[int] = field(factory=list)
    unchanged: int = 0
    earliest: datetime | None = None
    """Start of the earliest session this plan writes."""
    future: Counter[str] = field(factory=Counter)
    """Weekly figures of the planned sessions after the cutoff."""


def fingerprint(digest: str, session: PlannedSession) -> str:
    """A session's fingerprint: its content digest, status and kind."""
    return f"{digest}:{session.status}:{session.kind}"


def load_future(
    connection: Connection, structure_id: int, cutoff: datetime
) -> dict[str, tuple[Any, ...]]:
    """Stored sessions of the structure starting at or after ``cutoff``, by key.

    Values are plain tuples ``(id, fingerprint, status, kind, school_year)``:
    a lycée has a hundred thousand of them.
    """
    rows = connection.execute(
        select(
            SessionRow.key,
            SessionRow.id,
            SessionRow.fingerprint,
            SessionRow.status,
            SessionRow.kind,
            SessionRow.school_year,
        ).where(SessionRow.structure_id == structure_id, SessionRow.start_at >= cutoff)
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def stored_weekly(
    connection: Connection,
    structure_id: int,
    school_year: str,
    cutoff: datetime,
    future: dict[str, tuple[Any, ...]],
) -> tuple[Counter[str], Counter[str]]:
    """Weekly figures of the stored sessions of the year: all of them, and those before ``cutoff``.

    ``future`` holds the stored sessions after the cutoff (:func:`load_future`),
    so only the past ones are counted by the database.
    """
    rows = connection.execute(
        select(SessionRow.status, SessionRow.kind, func.count())
        .where(
            SessionRow.structure_id == structure_id,
            SessionRow.school_year == school_year,
            SessionRow.status != DELETED,
            SessionRow.start_at < cutoff,
        )
        .group_by(SessionRow.status, SessionRow.kind)
    )
    before: Counter[str] = Counter()
    for status, kind, count in rows:
        category = weekly_category(status, kind)
        if category is not None:
            before[category] += count
    everything = Counter(before)
    for _, _, status, kind, year in future.values():
        category = weekly_category(status, kind) if year == school_year else None
        if category is not None:
            everything[category] += 1
    return everything, before


def plan_sessions(
    connection: Connection,
    planned: Iterable[tuple[PlannedSession, str]],
    cutoff: datetime,
    stored: dict[str, tuple[Any, ...]],
) -> SessionPlan:
    """Compare importable planned sessions (with their content digests) with ``stored`` ones.

    ``stored`` are the stored sessions after the cutoff, from :func:`load_future`.
    """
    plan = SessionPlan(cutoff=cutoff)
    starts: list[datetime] = []
    seen: set[str] = set()
    future = plan.future
    for session, digest in planned:
        if session.start < cutoff:
            continue
        key = session.key
        seen.add(key)
        category = weekly_category(session.status, session.kind)
        if category is not None:
            future[category] += 1
        row = stored.get(key)
        if row is None:
            plan.creates.append(session)
        elif row[2] == DELETED or row[1] != fingerprint(digest, session):
            plan.updates.append((row[0], session))
        else:
            plan.unchanged += 1
            continue
        starts.append(session.start)
    plan.deletes = [row[0] for key, row in stored.items() if key not in seen and row[2] != DELETED]
    for chunk in chunks(plan.deletes):
        first = connection.execute(
            select(func.min(SessionRow.start_at)).where(SessionRow.id.in_(chunk))
        ).scalar_one()
        starts.append(first)
    plan.earliest = min(starts, default=None)
    return plan


def _store_contents(
    connection: Connection,
    structure_id: int,
    contents: dict[str, Materialised],
    now: datetime,
) -> dict[str, int]:
    """Ids of the contents (by digest), inserting those the structure does not have yet."""
    ids: dict[str, int] = {}
    digests = sorted(contents)
    for chunk in chunks(digests):
        ids.update(
            (digest, content_id)
            for digest, content_id in connection.execute(
                select(ContentRow.digest, ContentRow.id).where(
                    ContentRow.structure_id == structure_id, ContentRow.digest.in_(chunk)
                )
            )
        )
    missing = [digest for digest in digests if digest not in ids]
    if not missing:
        return ids
    connection.execute(
        insert(ContentRow),
        [{**contents[d].row, "structure_id": structure_id, "created_at": now} for d in missing],
    )
    created: dict[str, int] = {}
    for chunk in chunks(missing):
        created.update(
            (digest, content_id)
            for digest, content_id in connection.execute(
                select(ContentRow.digest, ContentRow.id).where(
                    ContentRow.structure_id == structure_id, ContentRow.digest.in_(chunk)
                )
            )
        )
    links = [
        {"content_id": created[d], "kind": kind, "target_id": target}
        for d in missing
        for kind, target in contents[d].links
    ]
    if links:
        connection.execute(insert(ContentLink), links)
    ids.update(created)
    return ids


def apply_sessions(
    connection: Connection,
    plan: SessionPlan,
    resolver: ContentResolver,
    *,
    structure_id: int,
    school_year: str,
    import_id: int,
    new_groups: dict[str, int],
    now: datetime,
) -> None:
    """Write the plan on the validation's transaction, then drop the contents no session uses."""
    written: dict[int, Materialised] = {}
    for session in [*plan.creates, *(session for _, session in plan.updates)]:
        if id(session.content) not in written:
            written[id(session.content)] = resolver.materialised(session.content, new_groups)
    content_ids = _store_contents(
        connection, structure_id, {m.digest: m for m in written.values()}, now
    )

    def changes(session: PlannedSession) -> dict[str, Any]:
        content = written[id(session.content)]
        return {
            "content_id": content_ids[content.digest],
            "status": session.status,
            "kind": session.kind,
            "fingerprint": fingerprint(content.digest, session),
            "last_import_id": import_id,
            "updated_at": now,
            "deleted_at": None,
        }

    for batch in chunks(plan.creates, 10000):
        connection.execute(
            insert(SessionRow),
            [
                {
                    **changes(session),
                    "structure_id": structure_id,
                    "key": session.key,
                    "series": session.series,
                    "school_year": school_year,
                    "day": session.date,
                    "start_at": session.start.astimezone(UTC),
                    "end_at": session.end.astimezone(UTC),
                    "first_import_id": import_id,
                    "created_at": now,
                }
                for session in batch
            ],
        )
    if plan.updates:
        connection.execute(
            update(SessionRow).where(SessionRow.id == bindparam("b_id")),
            [{**changes(session), "b_id": session_id} for session_id, session in plan.updates],
        )
    for chunk in chunks(plan.deletes):
        connection.execute(
            update(SessionRow)
            .where(SessionRow.id.in_(chunk))
            .values(status=DELETED, deleted_at=now, updated_at=now, last_import_id=import_id)
        )
    if plan.updates:
        used = select(SessionRow.content_id).where(SessionRow.structure_id == structure_id)
        connection.execute(
            delete(ContentRow).where(
                ContentRow.structure_id == structure_id, ContentRow.id.not_in(used)
            )
        )


def list_sessions(
    connection: Connection,
    structure_id: int,
    *,
    link: tuple[str, int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    """Sessions of a structure, optionally of one class, group or teacher, in time order."""
    query = (
        select(
            SessionRow,
            ContentRow.subject_code,
            ContentRow.subject_label,
            ContentRow.teachers,
            ContentRow.classes,
            ContentRow.groups,
            ContentRow.rooms,
        )
        .join(ContentRow, ContentRow.id == SessionRow.content_id)
        .where(SessionRow.structure_id == structure_id)
    )
    if link is not None:
        kind, target = link
        linked = select(ContentLink.content_id).where(
            ContentLink.kind == kind, ContentLink.target_id == target
        )
        query = query.where(SessionRow.content_id.in_(linked))
    if start is not None:
        query = query.where(SessionRow.end_at > start)
    if end is not None:
        query = query.where(SessionRow.start_at < end)
    if not include_deleted:
        query = query.where(SessionRow.status != DELETED)
    query = query.order_by(SessionRow.start_at, SessionRow.key)
    return [session_json(row) for row in connection.execute(query)]


def session_json(row: Any) -> dict[str, Any]:
    """The JSON object ``entcore timetable sessions --json`` prints for a stored session."""
    return {
        "key": row.key,
        "series": row.series,
        "date": row.day.isoformat(),
        "start": row.start_at.astimezone(PARIS).isoformat(),
        "end": row.end_at.astimezone(PARIS).isoformat(),
        "subject": row.subject_code,
        "subject_label": row.subject_label,
        "teachers": [t["name"] for t in row.teachers],
        "teacher_logins": [t["login"] for t in row.teachers if t["login"]],
        "classes": [c["code"] or c["name"] for c in row.classes],
        "groups": [g["code"] or g["name"] for g in row.groups],
        "rooms": list(row.rooms),
        "status": row.status,
        "kind": row.kind,
        "school_year": row.school_year,
    }


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in Europe/Paris, as an aware instant."""
    return datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
