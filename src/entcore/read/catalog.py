"""Structures and the national nomenclatures (subjects, MEFs) as views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from entcore.model.views import MefView, StructureView, SubjectView
from entcore.read.accounts import address_of
from entcore.read.paging import AnySelect
from entcore.store.schema import (
    Account,
    AccountStructure,
    Group,
    Mef,
    SchoolClass,
    Structure,
    Subject,
    TeachingAssignment,
)

STRUCTURE_COLUMNS = (
    Structure.id,
    Structure.external_id,
    Structure.uai,
    Structure.name,
    Structure.type,
    Structure.academy,
    Structure.details,
    Structure.school_year,
)


def structure_listing(last: int) -> AnySelect:
    """The keyset statement of every structure."""
    return select(*STRUCTURE_COLUMNS).where(Structure.id > last).order_by(Structure.id)


def structure_view(row: Row[Any]) -> StructureView:
    """The view of a row selected with :data:`STRUCTURE_COLUMNS`."""
    details = row.details or {}
    return StructureView(
        external_id=row.external_id,
        uai=row.uai,
        name=row.name,
        type=row.type,
        academy=row.academy,
        contract=details.get("contract"),
        phone=details.get("phone"),
        email=details.get("email"),
        address=address_of(details.get("address")),
        parents=tuple(details.get("parents") or ()),
        school_year=row.school_year,
    )


def build_structures(_connection: Connection, rows: Sequence[Row[Any]]) -> list[StructureView]:
    """The views of a batch of structure rows."""
    return [structure_view(row) for row in rows]


def subject_listing(structure_id: int | None) -> Callable[[int], AnySelect]:
    """Every subject, or those taught to a class or group of one structure."""

    def statement(last: int) -> AnySelect:
        query = select(Subject.id, Subject.code, Subject.label).where(Subject.id > last)
        if structure_id is not None:
            taught = (
                select(TeachingAssignment.subject_code)
                .outerjoin(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
                .outerjoin(Group, Group.id == TeachingAssignment.group_id)
                .where(
                    or_(
                        SchoolClass.structure_id == structure_id,
                        Group.structure_id == structure_id,
                    )
                )
            )
            query = query.where(Subject.code.in_(taught))
        return query.order_by(Subject.id)

    return statement


def build_subjects(_connection: Connection, rows: Sequence[Row[Any]]) -> list[SubjectView]:
    """The views of a batch of subject rows."""
    return [SubjectView(row.code, row.label) for row in rows]


def mef_listing(structure_id: int | None) -> Callable[[int], AnySelect]:
    """Every MEF, or those of the active students attached to one structure."""

    def statement(last: int) -> AnySelect:
        query = select(Mef.id, Mef.code, Mef.label, Mef.attachment, Mef.statistical).where(
            Mef.id > last
        )
        if structure_id is not None:
            followed = (
                select(Account.mef)
                .join(AccountStructure, AccountStructure.account_id == Account.id)
                .where(
                    AccountStructure.structure_id == structure_id,
                    Account.disappeared_at.is_(None),
                    Account.mef.is_not(None),
                )
            )
            query = query.where(Mef.code.in_(followed))
        return query.order_by(Mef.id)

    return statement


def build_mefs(_connection: Connection, rows: Sequence[Row[Any]]) -> list[MefView]:
    """The views of a batch of MEF rows."""
    return [MefView(row.code, row.label, row.attachment, row.statistical) for row in rows]
