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

from sqlalchemy import Connection, Row, and_, bindparam, null, or_, select, union, union_all
from sqlalchemy.orm import aliased

from entcore.model.directory import Profile
from entcore.store.access_schema import AccessBlock
from entcore.store.schema import Account, AccountStructure, RelativeLinkRow, Structure


def _account_statement() -> Any:
    return select(Account.id, Account.external_id, Account.profile).where(
        Account.login == bindparam("login"), Account.disappeared_at.is_(None)
    )


def in_force(now: Any) -> Any:
    """Blocks without an end, or whose end is still to come (``now``: an instant or a bind parameter)."""
    return or_(AccessBlock.until.is_(None), AccessBlock.until > now)


def _structures(relative: bool) -> Any:
    """The ids of an account's structures, as a subquery with one column ``structure_id``.

    An account's structures are those it is attached to or holds a function
    in; a relative's are also (in the feeds: only) those of its active
    children, as the read API counts a structure's accounts.
    """
    # An account attached to a structure and holding a function there has two rows.
    own = (
        select(AccountStructure.structure_id.label("structure_id"))
        .where(AccountStructure.account_id == bindparam("account_id"))
        .distinct()
    )
    if not relative:
        return own.subquery("own")
    child = aliased(Account)
    children = (
        select(AccountStructure.structure_id.label("structure_id"))
        .join(RelativeLinkRow, RelativeLinkRow.student_id == AccountStructure.account_id)
        .join(child, child.id == AccountStructure.account_id)
        .where(
            RelativeLinkRow.relative_external_id == bindparam("external_id"),
            child.disappeared_at.is_(None),
        )
    )
    return union(own, children).subquery("mine")


def _blocks_statement(relative: bool) -> Any:
    mine = _structures(relative)
    now = bindparam("now", type_=AccessBlock.until.type)
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
                AccessBlock.profile == bindparam("profile"),
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
        AccessBlock.profile == bindparam("profile"),
        in_force(now),
    )
    return union_all(per_structure, platform)


# Built once: the check runs on every request, and building a statement costs more than
# running it (SQLAlchemy then finds the compiled form in its cache).
_ACCOUNT = _account_statement()
_BLOCKS = _blocks_statement(relative=False)
_RELATIVE_BLOCKS = _blocks_statement(relative=True)


def account_of(connection: Connection, login: str) -> Row[int, str, str] | None:
    """The active account with ``login``: its id, external id and profile; ``None`` if none."""
    row: Row[int, str, str] | None = connection.execute(_ACCOUNT, {"login": login}).one_or_none()
    return row


def applying_blocks(
    connection: Connection, account: Row[int, str, str], now: datetime
) -> Sequence[Row[Any]]:
    """Rows ``(structure_id, uai, block_id, message, until)`` for the account's structures and the platform.

    One row per structure of the account, with ``block_id`` null when that
    structure does not block the account's profile; and one row with a null
    ``structure_id`` when the platform blocks it.
    """
    id_, external_id, profile = account
    statement = _RELATIVE_BLOCKS if profile == Profile.RELATIVE.value else _BLOCKS
    parameters = {"account_id": id_, "profile": profile, "now": now}
    if profile == Profile.RELATIVE.value:
        parameters["external_id"] = external_id
    return connection.execute(statement, parameters).all()
