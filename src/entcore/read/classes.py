"""Class and group views with their members, built a batch of classes (or groups) at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select
from sqlalchemy.orm import aliased

from entcore.model.directory import Profile
from entcore.model.views import ClassView, GroupKind, GroupView, MemberRole, MemberView
from entcore.read.paging import AnySelect
from entcore.store.schema import (
    Account,
    ClassMember,
    Group,
    GroupMember,
    SchoolClass,
    Structure,
    TeachingAssignment,
)

_TEACHING_ROLES = (MemberRole.TEACHER, MemberRole.HEAD_TEACHER)


def class_listing(structure_id: int | None) -> Callable[[int], AnySelect]:
    """The keyset statement factory of the classes (of one structure, or all)."""

    def statement(last: int) -> AnySelect:
        query = (
            select(
                SchoolClass.id,
                Structure.uai,
                Structure.external_id,
                SchoolClass.code,
                SchoolClass.label,
            )
            .join(Structure, Structure.id == SchoolClass.structure_id)
            .where(SchoolClass.id > last)
            .order_by(SchoolClass.id)
        )
        if structure_id is not None:
            query = query.where(SchoolClass.structure_id == structure_id)
        return query

    return statement


def group_listing(structure_id: int | None) -> Callable[[int], AnySelect]:
    """The keyset statement factory of the groups (of one structure, or all)."""

    def statement(last: int) -> AnySelect:
        query = (
            select(
                Group.id,
                Structure.uai,
                Structure.external_id,
                Group.code,
                Group.label,
                Group.kind,
            )
            .join(Structure, Structure.id == Group.structure_id)
            .where(Group.id > last)
            .order_by(Group.id)
        )
        if structure_id is not None:
            query = query.where(Group.structure_id == structure_id)
        return query

    return statement


def build_classes(
    connection: Connection, rows: Sequence[Row[Any]], *, include_disappeared: bool
) -> list[ClassView]:
    """The views of a batch of class rows (from :func:`class_listing`), in their order."""
    ids = [row.id for row in rows]
    members = _members(
        connection,
        ids,
        (ClassMember.class_id, ClassMember.account_id, ClassMember.role),
        TeachingAssignment.class_id,
        include_disappeared,
    )
    views = []
    for row in rows:
        students, teachers = _split(members.get(row.id, []))
        views.append(ClassView(row.uai, row.external_id, row.code, row.label, students, teachers))
    return views


def build_groups(
    connection: Connection, rows: Sequence[Row[Any]], *, include_disappeared: bool
) -> list[GroupView]:
    """The views of a batch of group rows (from :func:`group_listing`), in their order."""
    ids = [row.id for row in rows]
    members = _members(
        connection,
        ids,
        (GroupMember.group_id, GroupMember.account_id, GroupMember.role),
        TeachingAssignment.group_id,
        include_disappeared,
    )
    classes = _classes_of_students(connection, ids, include_disappeared)
    views = []
    for row in rows:
        students, teachers = _split(members.get(row.id, []))
        views.append(
            GroupView(
                row.uai,
                row.external_id,
                row.code,
                row.label,
                GroupKind(row.kind),
                tuple(classes.get(row.id, ())),
                students,
                teachers,
            )
        )
    return views


def _members(
    connection: Connection,
    ids: list[int],
    columns: tuple[Any, Any, Any],
    teaching_target: Any,
    include_disappeared: bool,
) -> dict[int, list[MemberView]]:
    target, account_id, role = columns
    conditions: list[ColumnElement[bool]] = [target.in_(ids)]
    if not include_disappeared:
        conditions.append(Account.disappeared_at.is_(None))
    subjects: dict[tuple[int, int], set[str]] = defaultdict(set)
    for owner, teacher, subject in connection.execute(
        select(teaching_target, TeachingAssignment.account_id, TeachingAssignment.subject_code)
        .where(teaching_target.in_(ids))
        .where(TeachingAssignment.subject_code.is_not(None))
    ):
        subjects[owner, teacher].add(subject)
    statement = (
        select(
            target,
            Account.id,
            role,
            Account.login,
            Account.external_id,
            Account.profile,
            Account.last_name,
            Account.first_name,
            Account.display_name,
        )
        # Directory and timetable memberships alike: one member per (account, role).
        .distinct()
        .join(Account, Account.id == account_id)
        .where(*conditions)
        .order_by(target, Account.display_name, Account.login, role)
    )
    members: dict[int, list[MemberView]] = defaultdict(list)
    for (
        owner,
        account,
        member_role,
        login,
        external_id,
        profile,
        last,
        first,
        display,
    ) in connection.execute(statement):
        role_value = MemberRole(member_role)
        taught = subjects.get((owner, account), set()) if role_value in _TEACHING_ROLES else set()
        members[owner].append(
            MemberView(
                login,
                external_id,
                Profile(profile),
                last,
                first,
                display,
                role_value,
                tuple(sorted(taught)),
            )
        )
    return members


def _split(members: list[MemberView]) -> tuple[tuple[MemberView, ...], tuple[MemberView, ...]]:
    students = tuple(member for member in members if member.role is MemberRole.STUDENT)
    # A head teacher who also teaches the class is listed once, as head teacher.
    teachers: dict[str, MemberView] = {}
    for member in members:
        if member.role not in _TEACHING_ROLES:
            continue
        known = teachers.get(member.login)
        if known is None or member.role is MemberRole.HEAD_TEACHER:
            teachers[member.login] = member
    return students, tuple(teachers.values())


def _classes_of_students(
    connection: Connection, ids: list[int], include_disappeared: bool
) -> dict[int, list[str]]:
    # A group's divisions: the classes of its student members, in the group's structure.
    student = aliased(Account)
    statement = (
        select(GroupMember.group_id, SchoolClass.code)
        .distinct()
        .join(Group, Group.id == GroupMember.group_id)
        .join(ClassMember, ClassMember.account_id == GroupMember.account_id)
        .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
        .join(student, student.id == GroupMember.account_id)
        .where(
            GroupMember.group_id.in_(ids),
            GroupMember.role == MemberRole.STUDENT.value,
            ClassMember.role == MemberRole.STUDENT.value,
            SchoolClass.structure_id == Group.structure_id,
        )
        .order_by(GroupMember.group_id, SchoolClass.code)
    )
    if not include_disappeared:
        statement = statement.where(student.disappeared_at.is_(None))
    classes: dict[int, list[str]] = defaultdict(list)
    for group_id, code in connection.execute(statement):
        classes[group_id].append(code)
    return classes
