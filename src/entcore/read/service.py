"""The read API: what integrators and connectors read from the store.

Reached as ``app.read`` (:attr:`entcore.Entcore.read`).  Listings are
iterators that read the store in batches (keyset pagination, see
:mod:`entcore.read.paging`): memory holds one batch, whatever the number of
accounts, and each batch costs a fixed number of queries.  Filters are checked
when the listing is called (an unknown UAI raises :class:`~entcore.NotFound`
at once), rows are read as the iterator is consumed.

Active accounts only unless ``include_disappeared=True``; the same holds for
the members of classes and groups and for the relatives and children of an
account.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from sqlalchemy import ColumnElement, func, select

from entcore.errors import NotFound
from entcore.model.directory import Profile
from entcore.model.views import (
    AccountView,
    ClassView,
    GroupView,
    MefView,
    StructureView,
    SubjectView,
)
from entcore.read import accounts as account_queries
from entcore.read import catalog
from entcore.read import classes as class_queries
from entcore.read.paging import DEFAULT_BATCH_SIZE, check_batch_size, keyset
from entcore.store import Store
from entcore.store.schema import Account, Structure


class ReadService:
    """Typed, streaming reads of structures, accounts, classes, groups, subjects and MEFs.

    :param store: the store to read.
    :param academy_prefix: the directory's ``academy_prefix`` setting, to name
        the structures that feed facts (teachers' MEFs) give by their feed key.
    """

    def __init__(self, store: Store, *, academy_prefix: str = ""):
        self._store = store
        self._prefix = academy_prefix

    # -- structures -------------------------------------------------------------------------

    def structures(self, *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[StructureView]:
        """Every structure, in the order they were first imported."""
        return keyset(
            self._store,
            catalog.structure_listing,
            catalog.build_structures,
            check_batch_size(batch_size),
        )

    def structure(self, uai: str) -> StructureView | None:
        """The structure with this UAI, or ``None``."""
        with self._store.connect() as connection:
            row = connection.execute(
                select(*catalog.STRUCTURE_COLUMNS).where(Structure.uai == uai)
            ).one_or_none()
        return None if row is None else catalog.structure_view(row)

    # -- accounts ---------------------------------------------------------------------------

    def accounts(
        self,
        *,
        uai: str | None = None,
        profile: Profile | Iterable[Profile] | None = None,
        include_disappeared: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[AccountView]:
        """Accounts with their structures, functions, classes, groups, relatives and children.

        :param uai: only the accounts of this structure: those attached to it or
            holding a function there, and the relatives of its students.
            Raises :class:`~entcore.NotFound` when no structure has this UAI.
        :param profile: only accounts of this profile (or of these profiles).
        :param include_disappeared: also the accounts that full imports no
            longer list (their :attr:`~entcore.model.AccountView.state` says so).
        :param batch_size: accounts read per batch.

        Accounts come in the order they were created; the filters combine.
        """
        conditions = account_queries.filters(
            structure_id=None if uai is None else self._structure_id(uai),
            profiles=_profiles(profile),
            include_disappeared=include_disappeared,
        )
        return keyset(
            self._store,
            account_queries.listing(conditions),
            partial(
                account_queries.build_accounts,
                prefix=self._prefix,
                include_disappeared=include_disappeared,
            ),
            check_batch_size(batch_size),
        )

    def account(self, login: str, *, include_disappeared: bool = False) -> AccountView | None:
        """The account with this login, or ``None``."""
        return self._one(Account.login == login, include_disappeared)

    def account_by_external_id(
        self, external_id: str, *, include_disappeared: bool = False
    ) -> AccountView | None:
        """The account with this jointure (the feed's external id, académie prefix included), or ``None``."""
        return self._one(Account.external_id == external_id, include_disappeared)

    def accounts_by_email(
        self, email: str, *, include_disappeared: bool = False
    ) -> tuple[AccountView, ...]:
        """The accounts with this e-mail, compared without case (agents' academic e-mail), oldest first."""
        statement = (
            select(*account_queries.COLUMNS)
            .where(func.lower(Account.email) == email.strip().lower())
            .order_by(Account.id)
        )
        if not include_disappeared:
            statement = statement.where(Account.disappeared_at.is_(None))
        with self._store.connect() as connection:
            rows = connection.execute(statement).all()
            views = account_queries.build_accounts(
                connection, rows, prefix=self._prefix, include_disappeared=include_disappeared
            )
        return tuple(views)

    def _one(self, condition: ColumnElement[bool], include_disappeared: bool) -> AccountView | None:
        statement = select(*account_queries.COLUMNS).where(condition)
        if not include_disappeared:
            statement = statement.where(Account.disappeared_at.is_(None))
        with self._store.connect() as connection:
            rows = connection.execute(statement).all()
            views = account_queries.build_accounts(
                connection, rows, prefix=self._prefix, include_disappeared=include_disappeared
            )
        return views[0] if views else None

    # -- classes and groups -----------------------------------------------------------------

    def classes(
        self,
        *,
        uai: str | None = None,
        include_disappeared: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[ClassView]:
        """Classes (of one structure, or all) with their students and teachers.

        Teachers carry the subjects they teach in the class.  Raises
        :class:`~entcore.NotFound` when no structure has the UAI.
        """
        structure_id = None if uai is None else self._structure_id(uai)
        return keyset(
            self._store,
            class_queries.class_listing(structure_id),
            partial(class_queries.build_classes, include_disappeared=include_disappeared),
            check_batch_size(batch_size),
        )

    def groups(
        self,
        *,
        uai: str | None = None,
        include_disappeared: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[GroupView]:
        """Groups (of one structure, or all) with their students, teachers and the classes of their students."""
        structure_id = None if uai is None else self._structure_id(uai)
        return keyset(
            self._store,
            class_queries.group_listing(structure_id),
            partial(class_queries.build_groups, include_disappeared=include_disappeared),
            check_batch_size(batch_size),
        )

    # -- nomenclatures ----------------------------------------------------------------------

    def subjects(
        self, *, uai: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> Iterator[SubjectView]:
        """Every subject of the nomenclature; with ``uai``, those taught to the structure's classes and groups."""
        structure_id = None if uai is None else self._structure_id(uai)
        return keyset(
            self._store,
            catalog.subject_listing(structure_id),
            catalog.build_subjects,
            check_batch_size(batch_size),
        )

    def mefs(
        self, *, uai: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> Iterator[MefView]:
        """Every MEF of the nomenclature; with ``uai``, those of the structure's active students."""
        structure_id = None if uai is None else self._structure_id(uai)
        return keyset(
            self._store,
            catalog.mef_listing(structure_id),
            catalog.build_mefs,
            check_batch_size(batch_size),
        )

    # -- helpers ----------------------------------------------------------------------------

    def _structure_id(self, uai: str) -> int:
        with self._store.connect() as connection:
            structure_id = connection.execute(
                select(Structure.id).where(Structure.uai == uai)
            ).scalar_one_or_none()
        if structure_id is None:
            raise NotFound(f"établissement inconnu : UAI {uai}")
        return structure_id


def _profiles(profile: Profile | Iterable[Profile] | None) -> frozenset[Profile] | None:
    if profile is None:
        return None
    if isinstance(profile, str):
        return frozenset({Profile(profile)})
    return frozenset(Profile(value) for value in profile)
