"""Access blocking: close the ENT to a profile, for one structure or the whole platform.

Reached as ``app.access`` (:attr:`entcore.Entcore.access`).  The rules:

- a platform block of a profile refuses every account of that profile;
- a structure block refuses an account of the profile only when *every*
  structure of the account blocks it (a teacher in two schools keeps access
  while one of them is open); an account's structures are those it is
  attached to or holds a function in, and, for a relative, its children's;
  an account with no structure is refused by platform blocks only;
- a block whose end (``until``) has come is no longer in force: :meth:`check`
  ignores it at once, and it is removed and recorded as ``expire`` in the
  history (dated at its end, by ``entcore``) by the next write or the next
  :meth:`status` or :meth:`history` call — never on the check's path, which
  stays read-only;
- every change is recorded in an append-only history: who, when, what.

The check reads the store on every call (two indexed queries, no cache), so
that every process serving the ENT sees a block the moment it is committed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from entcore.access import queries
from entcore.access.rules import federation_of
from entcore.errors import EntcoreError, NotFound
from entcore.model.access import (
    DEFAULT_BLOCK_MESSAGE,
    AccountAccess,
    BlockAction,
    BlockEvent,
    BlockScope,
    BlockView,
    Refusal,
)
from entcore.model.directory import Profile
from entcore.model.views import AccountState, AccountView
from entcore.store import Store
from entcore.store.access_schema import AccessBlock, AccessBlockEvent
from entcore.store.schema import Structure, utcnow

PARIS = ZoneInfo("Europe/Paris")

#: Longest message accepted: it is shown on a page, not a letter.
MAX_MESSAGE = 500
#: Longest operator name accepted.
MAX_BY = 200
#: Who the history names for an expiry.
EXPIRY_AUTHOR = "entcore"


class InvalidBlock(EntcoreError):
    """A block refused before anything was written: bad message, end already past, unknown profile."""


class AccessService:
    """Blocks per structure (or platform) and profile, their history, and the check of an account.

    :param store: the store.
    :param local_profiles: the profiles that may sign in with an ENT password
        (setting ``[auth] local_profiles``), for :meth:`account_access`.
    :param clock: the current instant, aware; tests pass a fixed one.
    """

    def __init__(
        self,
        store: Store,
        *,
        local_profiles: frozenset[Profile] = frozenset({Profile.GUEST}),
        clock: Callable[[], datetime] = utcnow,
    ):
        self._store = store
        self._local = local_profiles
        self._clock = clock

    # -- changes ----------------------------------------------------------------------------

    def block(
        self,
        uai: str | None,
        profile: Profile | str,
        message: str | None = None,
        until: datetime | date | None = None,
        *,
        by: str,
    ) -> BlockView:
        """Close the ENT to ``profile`` in the structure ``uai`` (``None``: the whole platform).

        :param message: the French message shown to the users concerned; the
            default one (:data:`~entcore.model.access.DEFAULT_BLOCK_MESSAGE`) when omitted.
        :param until: when the block ends: an aware instant, or a day (access
            reopens at midnight, Europe/Paris, that day); it must be to come.
            ``None``: until :meth:`unblock`.
        :param by: who blocks (recorded in the history).

        Blocking again replaces the message and the end of the block in force.
        Raises :class:`~entcore.NotFound` for an unknown UAI and
        :class:`InvalidBlock` for a bad message, author, profile or end.
        """
        now = self._clock()
        kind = profile_of(profile)
        text = _message(message)
        author = _author(by)
        end = _until(until, now)
        with self._store.connect() as connection:
            for attempt in (1, 2):
                try:
                    with connection.begin():
                        structure_id = _structure_id(connection, uai)
                        self._expire(connection, now)
                        return _set_block(
                            connection, structure_id, uai, kind, text, end, now, author
                        )
                except IntegrityError:
                    # Another process set the same block between our read and our insert:
                    # read again, and change the row it wrote.
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def unblock(self, uai: str | None, profile: Profile | str, *, by: str) -> BlockView | None:
        """Lift the block of ``profile`` in the structure ``uai`` (``None``: the platform's).

        Returns the block lifted, or ``None`` when none was in force (nothing
        is recorded then).  Raises :class:`~entcore.NotFound` for an unknown UAI.
        """
        now = self._clock()
        kind = profile_of(profile)
        author = _author(by)
        with self._store.connect() as connection, connection.begin():
            structure_id = _structure_id(connection, uai)
            self._expire(connection, now)
            block = connection.execute(
                select(*_COLUMNS).where(*_key(structure_id, kind))
            ).one_or_none()
            if block is None:
                return None
            connection.execute(delete(AccessBlock).where(AccessBlock.id == block.id))
            view = _view(block, uai)
            _record(connection, BlockAction.UNBLOCK, view, at=now, by=author)
            return view

    # -- reading ----------------------------------------------------------------------------

    def status(self, uai: str | None = None) -> list[BlockView]:
        """The blocks in force: every one, or those that apply to the structure ``uai``.

        With ``uai``, the structure's blocks and the platform's (both apply to
        its accounts).  Platform blocks first, then by UAI and profile.  Blocks
        past their end are recorded as expired first.  Raises
        :class:`~entcore.NotFound` for an unknown UAI.
        """
        now = self._clock()
        with self._store.connect() as connection, connection.begin():
            structure_id = _structure_id(connection, uai)
            self._expire(connection, now)
            statement = select(*_COLUMNS, Structure.uai).outerjoin(
                Structure, Structure.id == AccessBlock.structure_id
            )
            if structure_id is not None:
                statement = statement.where(
                    (AccessBlock.structure_id == structure_id) | AccessBlock.structure_id.is_(None)
                )
            rows = connection.execute(statement).all()
        views = [_view(row, row.uai) for row in rows]
        return sorted(views, key=lambda v: (v.uai is not None, v.uai or "", v.profile.value))

    def history(self, uai: str | None = None) -> list[BlockEvent]:
        """Every recorded change, oldest first; with ``uai``, those of that structure only.

        The history outlives structures: an unknown UAI gives the changes
        recorded under it, if any.
        """
        now = self._clock()
        with self._store.connect() as connection, connection.begin():
            self._expire(connection, now)
            statement = select(*AccessBlockEvent.__table__.columns).order_by(AccessBlockEvent.id)
            if uai is not None:
                statement = statement.where(AccessBlockEvent.uai == uai)
            events = connection.execute(statement).all()
        return [
            BlockEvent(
                at=event.at,
                action=BlockAction(event.action),
                uai=event.uai,
                profile=Profile(event.profile),
                message=event.message,
                until=event.until,
                since=event.since,
                by=event.by,
            )
            for event in events
        ]

    def check(self, login: str) -> Refusal | None:
        """Why the account ``login`` may not use the ENT now, or ``None`` when it may.

        Called at every way in and on every request of an open session: two
        indexed queries, nothing written.  An unknown (or disappeared) login
        gives ``None``: refusing it is the sign-in's business, not blocking's.
        """
        now = self._clock()
        with self._store.connect() as connection:
            account = queries.account_of(connection, login)
            if account is None:
                return None
            rows = queries.applying_blocks(connection, account, now)
        return refusal_of(rows)

    def account_access(self, account: AccountView) -> AccountAccess:
        """How ``account`` signs in (federation, password) and whether it is blocked now."""
        return AccountAccess(
            federated=account.federated,
            provider=federation_of(account.profile, account.federated),
            local_sign_in=account.profile in self._local,
            blocked=self.check(account.login) if account.state is AccountState.ACTIVE else None,
        )

    # -- expiry -----------------------------------------------------------------------------

    def _expire(self, connection: Connection, now: datetime) -> None:
        """Remove the blocks whose end has come, recording each as ``expire`` at its end."""
        rows = connection.execute(
            select(*_COLUMNS, Structure.uai)
            .outerjoin(Structure, Structure.id == AccessBlock.structure_id)
            .where(AccessBlock.until.is_not(None), AccessBlock.until <= now)
        ).all()
        for block in rows:
            gone = connection.execute(delete(AccessBlock).where(AccessBlock.id == block.id))
            # Another process expiring the same block at once deleted it first: it records it.
            if gone.rowcount == 1:
                view = _view(block, block.uai)
                _record(connection, BlockAction.EXPIRE, view, at=block.until, by=EXPIRY_AUTHOR)


# -- the rule -----------------------------------------------------------------------------------


def refusal_of(rows: Sequence[Any]) -> Refusal | None:
    """The refusal the rows of :func:`entcore.access.queries.applying_blocks` mean, if any."""
    platform = [row for row in rows if row.structure_id is None]
    if platform:
        row = platform[0]
        return Refusal(row.message or DEFAULT_BLOCK_MESSAGE, BlockScope.PLATFORM, (), row.until)
    mine = [row for row in rows if row.structure_id is not None]
    if not mine or any(row.block_id is None for row in mine):
        return None
    # The block that ends first is the one whose end reopens access: show it.
    first = min(
        mine,
        key=lambda row: (
            row.until is None,
            0.0 if row.until is None else row.until.timestamp(),
            row.uai or "",
        ),
    )
    uais = tuple(sorted({row.uai for row in mine if row.uai is not None}))
    return Refusal(first.message or DEFAULT_BLOCK_MESSAGE, BlockScope.STRUCTURE, uais, first.until)


def profile_of(value: Profile | str) -> Profile:
    """A :class:`~entcore.model.Profile` from itself or its value, whatever the case."""
    if isinstance(value, Profile):
        return value
    for profile in Profile:
        if profile.value.lower() == str(value).strip().lower():
            return profile
    names = ", ".join(profile.value for profile in Profile)
    raise InvalidBlock(f"profil inconnu : attendu l'un de {names}")


# -- helpers ------------------------------------------------------------------------------------


def _message(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    if len(text) > MAX_MESSAGE:
        raise InvalidBlock(f"message trop long : {MAX_MESSAGE} caractères au plus")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise InvalidBlock("message invalide : caractères de contrôle refusés")
    return text


def _author(value: str) -> str:
    text = " ".join(str(value).split())
    if not text or len(text) > MAX_BY or any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidBlock(f"auteur invalide : un nom de 1 à {MAX_BY} caractères est attendu")
    return text


def _until(value: datetime | date | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidBlock("date de fin sans fuseau horaire")
        end = value
    else:
        end = datetime.combine(value, time(0), tzinfo=PARIS)
    if end <= now:
        raise InvalidBlock("date de fin déjà passée : un blocage doit finir dans le futur")
    return end.astimezone(now.tzinfo)


def _structure_id(connection: Connection, uai: str | None) -> int | None:
    if uai is None:
        return None
    structure_id = connection.execute(
        select(Structure.id).where(Structure.uai == uai)
    ).scalar_one_or_none()
    if structure_id is None:
        raise NotFound(f"établissement inconnu : UAI {uai}")
    return int(structure_id)


def _key(structure_id: int | None, profile: Profile) -> tuple[Any, ...]:
    where = (
        AccessBlock.structure_id.is_(None)
        if structure_id is None
        else AccessBlock.structure_id == structure_id
    )
    return (where, AccessBlock.profile == profile.value)


def _set_block(
    connection: Connection,
    structure_id: int | None,
    uai: str | None,
    profile: Profile,
    message: str | None,
    until: datetime | None,
    now: datetime,
    by: str,
) -> BlockView:
    values = {"message": message, "until": until, "since": now, "by": by}
    changed = connection.execute(
        update(AccessBlock).where(*_key(structure_id, profile)).values(**values)
    )
    if changed.rowcount == 0:
        connection.execute(
            insert(AccessBlock).values(structure_id=structure_id, profile=profile.value, **values)
        )
    view = BlockView(uai=uai, profile=profile, message=message, until=until, since=now, by=by)
    _record(connection, BlockAction.BLOCK, view, at=now, by=by)
    return view


#: The columns a :class:`~entcore.model.BlockView` is built from.
_COLUMNS = (
    AccessBlock.id,
    AccessBlock.profile,
    AccessBlock.message,
    AccessBlock.until,
    AccessBlock.since,
    AccessBlock.by,
)


def _view(block: Any, uai: str | None) -> BlockView:
    return BlockView(
        uai=uai,
        profile=Profile(block.profile),
        message=block.message,
        until=block.until,
        since=block.since,
        by=block.by,
    )


def _record(
    connection: Connection, action: BlockAction, view: BlockView, *, at: datetime, by: str
) -> None:
    connection.execute(
        insert(AccessBlockEvent).values(
            at=at,
            action=action.value,
            uai=view.uai,
            profile=view.profile.value,
            message=view.message,
            until=view.until,
            since=None if action is BlockAction.BLOCK else view.since,
            by=by,
        )
    )
