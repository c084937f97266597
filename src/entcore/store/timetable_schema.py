"""The timetable tables, on the store's declarative base.

They live in the store, not in :mod:`entcore.timetable`, so that the store (and
its migrations) never imports an engine: layers import downwards only.

``timetable_imports``
    One row per import: pending until validated or cancelled.  It keeps what a
    validation needs to re-plan exactly what the preview showed (the snapshot,
    the reference time and the state marker), the report, and the summary later
    imports are compared with.
``timetable_mappings``
    Manual reconciliations (*rapprochements*) of timetable classes, groups and
    teachers with directory classes, groups and accounts, per structure.
``timetable_identities``
    Links learnt by validated imports: a Pronote or STS id matched to an account
    (so that later imports match by id first), a timetable group key to the
    directory group the timetable created for it.
``sessions``, ``session_contents`` and ``session_content_links``
    The cahier de textes' dated sessions.  ``key`` is stable across imports of
    an unchanged course, so that what is attached to a session survives them.
    What a session holds (subject, teachers, classes, groups, rooms) is stored
    once per distinct content, and ``session_content_links`` indexes the
    matched classes, groups and teachers of each content for the
    ``--class/--group/--teacher`` filters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from entcore.store.schema import Base


class TimetableImport(Base):
    """A timetable import: its inputs, its report, and what it was previewed against."""

    __tablename__ = "timetable_imports"
    __table_args__ = (
        Index("ix_timetable_imports_structure_status", "structure_id", "status"),
        # Import numbers are shown to users: never reuse one after old reports are purged.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    uai: Mapped[str]
    format: Mapped[str]
    status: Mapped[str]
    """``pending``, ``validated`` or ``cancelled``."""
    file_name: Mapped[str]
    file_digest: Mapped[str]
    """SHA-256 of the imported file, hexadecimal."""
    school_year: Mapped[str]
    reference_time: Mapped[datetime]
    """The instant sessions are judged against: started sessions are never touched."""
    as_of: Mapped[bool]
    """True when the reference time was given (replay of an archived export)."""
    new_year: Mapped[bool]
    snapshot: Mapped[dict[str, Any]]
    """The parsed :class:`~entcore.model.Timetable`, as JSON."""
    report: Mapped[dict[str, Any]]
    summary: Mapped[dict[str, Any]]
    """Subjects, closures, alternations, services and session count, for the next import's diff."""
    marker: Mapped[dict[str, Any]]
    """The state of the store the preview was computed against."""
    created_at: Mapped[datetime]
    validated_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class TimetableMapping(Base):
    """A manual reconciliation: a timetable class, group or teacher → a directory entity."""

    __tablename__ = "timetable_mappings"
    __table_args__ = (UniqueConstraint("structure_id", "kind", "source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    kind: Mapped[str]
    """``class``, ``group`` or ``teacher``."""
    source: Mapped[str]
    """The timetable's name (or, for a teacher, a Pronote/STS id), as given."""
    source_key: Mapped[str]
    """``source`` normalised (case, accents, spaces, hyphens, apostrophes)."""
    target_id: Mapped[int]
    """Id of the directory class, group or account."""
    target: Mapped[str]
    """The directory class or group code, or the account login, as resolved."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TimetableIdentity(Base):
    """A link a validated import learnt between a timetable identifier and a directory entity."""

    __tablename__ = "timetable_identities"
    __table_args__ = (UniqueConstraint("structure_id", "kind", "scheme", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    kind: Mapped[str]
    """``teacher``, ``student`` or ``group``."""
    scheme: Mapped[str]
    """``pronote``, ``sts`` (people) or ``key`` (a group's key in the timetable)."""
    value: Mapped[str]
    target_id: Mapped[int]
    """Id of the account or group."""
    origin: Mapped[str]
    """``matched`` (found in the directory) or ``created`` (a group the timetable created)."""
    import_id: Mapped[int]
    created_at: Mapped[datetime]


class ContentRow(Base):
    """What sessions hold — subject, teachers, classes, groups, rooms — stored once per distinct content.

    Every session of a weekly course usually has the same content, so a
    structure has a few thousand contents for a hundred thousand sessions;
    contents are never modified (a change makes a new one) and the ones no
    session uses any more are removed by the validation that orphaned them.
    """

    __tablename__ = "session_contents"
    __table_args__ = (UniqueConstraint("structure_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    digest: Mapped[str]
    """Digest of everything below: equal digests, equal contents."""
    subject_code: Mapped[str | None]
    subject_label: Mapped[str | None]
    teachers: Mapped[list[Any]]
    """``[{"id", "login", "name"}]``; ``id`` and ``login`` are null for unmatched teachers."""
    classes: Mapped[list[Any]]
    """``[{"id", "code", "name"}]``: directory id and code when matched, timetable name."""
    groups: Mapped[list[Any]]
    rooms: Mapped[list[Any]]
    created_at: Mapped[datetime]


class ContentLink(Base):
    """A matched class, group or teacher of a session content (for the session filters)."""

    __tablename__ = "session_content_links"
    __table_args__ = (Index("ix_session_content_links_kind_target", "kind", "target_id"),)

    content_id: Mapped[int] = mapped_column(
        ForeignKey("session_contents.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(primary_key=True)
    """``class``, ``group`` or ``teacher``."""
    target_id: Mapped[int] = mapped_column(primary_key=True)


class SessionRow(Base):
    """A dated session of the cahier de textes."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("structure_id", "key"),
        Index("ix_sessions_structure_start", "structure_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    key: Mapped[str]
    """Series key and date: stable while the course is unchanged."""
    series: Mapped[str]
    school_year: Mapped[str]
    day: Mapped[date]
    """Local (Europe/Paris) date."""
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    content_id: Mapped[int] = mapped_column(ForeignKey("session_contents.id"), index=True)
    status: Mapped[str]
    """``active``, ``cancelled`` or ``deleted``."""
    kind: Mapped[str]
    """``regular``, ``replacement`` or ``exceptional``."""
    fingerprint: Mapped[str]
    """Content digest, status and kind: equal fingerprints mean nothing to update."""
    first_import_id: Mapped[int]
    last_import_id: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
