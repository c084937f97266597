"""The queries of the access check: an account, its structures, the blocks that apply to it.

:func:`account_of` and :func:`applying_blocks` are the two indexed queries
:meth:`~entcore.access.AccessService.check` runs on every request of an open
session: the account by its unique login, then, in one statement, the
account's structures each joined to its block of the profile (if any) and the
platform's block of the profile.  No query reads more rows than the account
has structures, plus one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, null, or_, select, union, union_all
from sqlalchemy.orm import aliased

from entcore.model.directory import Profile
from entcore.store.access_schema import AccessBlock
from entcore.store.schema import Account, AccountStructure, RelativeLinkRow, Structure


def account_of(connection: Connection, login: str) -> Row[int, str, str] | None:
    """The active account with ``login``: its id, external id and profile; ``None`` if none."""
    return connection.execute(
        select(Account.id, Account.external_id, Account.profile).where(
            Account.login == login, Account.disappeared_at.is_(None)
        )
    ).one_or_none()


def in_force(now: datetime) -> Any:
    """Blocks without an end, or whose end is still to come."""
    return or_(AccessBlock.until.is_(None), AccessBlock.until > now)


def structures_of(account_id: int, external_id: str, profile: str) -> Any:
    """The ids of an account's structures, as a selectable with one column ``structure_id``.

    An account's structures are those it is attached to or holds a function
    in; a relative's are also (in the feeds: only) those of its active
    children, as the read API counts a structure's accounts.
    """
    # An account attached to a structure and holding a function there has two rows.
    own = (
        select(AccountStructure.structure_id.label("structure_id"))
        .where(AccountStructure.account_id == account_id)
        .distinct()
    )
    if profile != Profile.RELATIVE.value:
        return own.subquery("own")
    child = aliased(Account)
    children = (
        select(AccountStructure.structure_id.label("structure_id"))
        .join(RelativeLinkRow, RelativeLinkRow.student_id == AccountStructure.account_id)
        .join(child, child.id == AccountStructure.account_id)
        .where(RelativeLinkRow.relative_external_id == external_id, child.disappeared_at.is_(None))
    )
    return union(own, children).subquery("mine")


def applying_blocks(
    connection: Connection, account: Row[int, str, str], now: datetime
) -> Sequence[Row[Any]]:
    """Rows ``(structure_id, uai, block_id, message, until)`` for the account's structures and the platform.

    One row per structure of the account, with ``block_id`` null when that
    structure does not block the account's profile; and one row with a null
    ``structure_id`` when the platform blocks it.
    """
    mine = structures_of(account.id, account.external_id, account.profile)
    per_structure = (
        select(
            mine.c.structure_id,
            Structure.uai,
            AccessBlock.id.label("block_id"),
            AccessBlock.message,
            AccessBlock.until,
        )
        .join(Structure, Structure.id == mine.c.structure_id)
        .outerjoin(
            AccessBlock,
            and_(
                AccessBlock.structure_id == mine.c.structure_id,
                AccessBlock.profile == account.profile,
                in_force(now),
            ),
        )
    )
    platform = select(
        null().label("structure_id"),
        null().label("uai"),
        AccessBlock.id.label("block_id"),
        AccessBlock.message,
        AccessBlock.until,
    ).where(
        AccessBlock.structure_id.is_(None),
        AccessBlock.profile == account.profile,
        in_force(now),
    )
    return connection.execute(union_all(per_structure, platform)).all()
