"""The access-blocking tables, on the store's declarative base.

They live in the store, not in :mod:`entcore.access`, so that the store (and
its migrations) never imports an engine: layers import downwards only.

``access_blocks``
    The blocks in force: a profile closed for one structure, or for the whole
    platform (``structure_id`` null).  At most one row per (structure,
    profile) and one per profile for the platform: two partial unique indexes,
    because a plain unique constraint treats every null ``structure_id`` as
    distinct on both SQLite and PostgreSQL.  Blocks are checked on every
    request of an open session; these two indexes serve that lookup (by
    structure and profile, and by profile for the platform).
``access_block_events``
    Append-only history of every change: a block set or changed, a block
    lifted, a block that reached its end date.  The structure is kept as its
    UAI text, so that the history outlives the structure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from entcore.store.schema import Base


class AccessBlock(Base):
    """A profile closed for one structure, or for the platform when ``structure_id`` is null."""

    __tablename__ = "access_blocks"
    __table_args__ = (
        Index(
            "uq_access_blocks_structure_profile",
            "structure_id",
            "profile",
            unique=True,
            sqlite_where=text("structure_id IS NOT NULL"),
            postgresql_where=text("structure_id IS NOT NULL"),
        ),
        Index(
            "uq_access_blocks_platform_profile",
            "profile",
            unique=True,
            sqlite_where=text("structure_id IS NULL"),
            postgresql_where=text("structure_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[int | None] = mapped_column(
        ForeignKey("structures.id", ondelete="CASCADE")
    )
    """The blocked structure; null for the whole platform."""
    profile: Mapped[str]
    """A :class:`~entcore.model.Profile` value."""
    message: Mapped[str | None]
    """The French message shown to the users concerned; null for the default one."""
    until: Mapped[datetime | None]
    """The instant the block ends (no longer in force from then on); null: until lifted."""
    since: Mapped[datetime]
    """When the block was set (or last changed)."""
    by: Mapped[str]
    """Who set it (an operator's name)."""


class AccessBlockEvent(Base):
    """One change of the blocks: ``block``, ``unblock`` or ``expire``, with the block's values."""

    __tablename__ = "access_block_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    """When the change took effect (for ``expire``: the block's end)."""
    action: Mapped[str]
    """``block`` (set or changed), ``unblock`` (lifted) or ``expire`` (reached its end)."""
    uai: Mapped[str | None] = mapped_column(index=True)
    """The structure's UAI; null for the platform."""
    profile: Mapped[str]
    message: Mapped[str | None]
    until: Mapped[datetime | None]
    since: Mapped[datetime | None]
    """When the block concerned was set (``unblock`` and ``expire``: the block that ended)."""
    by: Mapped[str]
    """Who made the change; ``entcore`` for an expiry."""
