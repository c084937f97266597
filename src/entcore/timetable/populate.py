"""Piloting mode *timetable*: classes and option groups populated from the timetable.

A validated import in that mode makes the timetable-sourced memberships of the
structure (``class_members``/``group_members`` rows with source ``timetable``)
exactly what the timetable says:

* students: their class memberships, and the composition of each group
  (whole classes, class parts, students listed directly), keeping the
  memberships that have not ended at the import's reference date;
* teachers: every class or group of every course they teach.

Memberships the directory already holds (source ``directory``) are left alone
and do not count as additions; the report counts the classes and groups that
gain a member, and warns about those that lose one.  Nothing here creates an
account or a class; groups to create come from reconciliation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from attrs import define, field
from sqlalchemy import Connection, and_, delete, insert, select, tuple_

from entcore.model.timetable import ItemKind, MembershipKind, Timetable
from entcore.store.schema import ClassMember, Group, GroupMember, SchoolClass
from entcore.timetable.reconcile import NEW_GROUP, Resolution
from entcore.timetable.report import ReportWarning

SOURCE = "timetable"
CHUNK = 500

#: A membership: (class or group id — or ``new:<key>`` for a group to create —, account id, role).
Member = tuple[int | str, int, str]


@define
class MembershipPlan:
    """The timetable-sourced memberships to add and remove."""

    add_classes: set[tuple[int, int, str]] = field(factory=set)
    remove_classes: set[tuple[int, int, str]] = field(factory=set)
    add_groups: set[Member] = field(factory=set)
    remove_groups: set[tuple[int, int, str]] = field(factory=set)
    with_teachers_to_add: int = 0
    with_students_to_add: int = 0
    warnings: list[ReportWarning] = field(factory=list)


def _current(end: date | None, on: date) -> bool:
    # A membership counts unless it has ended: the first import happens before the rentrée.
    return end is None or end >= on


def desired_members(
    snapshot: Timetable, resolution: Resolution, on: date
) -> tuple[set[tuple[int, int, str]], set[Member]]:
    """The class and group memberships the timetable says, with directory ids."""
    classes: set[tuple[int, int, str]] = set()
    groups: set[Member] = set()
    class_students: dict[str, set[int]] = {}
    part_students: dict[str, set[int]] = {}
    for student in snapshot.students:
        account = resolution.students.get(student.key)
        if account is None:
            continue
        for membership in student.memberships:
            if not _current(membership.end, on):
                continue
            if membership.kind is MembershipKind.CLASS:
                class_students.setdefault(membership.key, set()).add(account)
                class_id = resolution.classes.get(membership.key)
                if class_id is not None:
                    classes.add((class_id, account, "student"))
            elif membership.kind is MembershipKind.PART:
                part_students.setdefault(membership.key, set()).add(account)
            else:
                target = resolution.groups.get(membership.key)
                if target is not None:
                    groups.add((target, account, "student"))
    for group in snapshot.groups:
        target = resolution.groups.get(group.key)
        if target is None:
            continue
        members: set[int] = set()
        for key in group.classes:
            members |= class_students.get(key, set())
        for key in group.parts:
            members |= part_students.get(key, set())
        members.update(
            account
            for key in group.students
            if (account := resolution.students.get(key)) is not None
        )
        groups.update((target, account, "student") for account in members)
    for course in snapshot.courses:
        teachers = {
            account
            for item in course.items
            if item.kind is ItemKind.TEACHER
            and item.weeks
            and (account := resolution.teachers.get(item.key)) is not None
        }
        if not teachers:
            continue
        group_targets = {
            target
            for item in course.items
            if item.kind is ItemKind.GROUP
            and item.weeks
            and (target := resolution.groups.get(item.key)) is not None
        }
        if any(item.kind is ItemKind.GROUP and item.weeks for item in course.items):
            groups.update((target, t, "teacher") for target in group_targets for t in teachers)
            continue
        for item in course.items:
            if item.kind is ItemKind.CLASS and item.weeks:
                class_id = resolution.classes.get(item.key)
                if class_id is not None:
                    classes.update((class_id, t, "teacher") for t in teachers)
    return classes, groups


def _existing(
    connection: Connection, structure_id: int
) -> tuple[dict[tuple[int, int, str], set[str]], dict[tuple[int, int, str], set[str]]]:
    """Memberships of the structure's classes and groups, with the sources holding them."""
    classes: dict[tuple[int, int, str], set[str]] = {}
    for row in connection.execute(
        select(ClassMember.class_id, ClassMember.account_id, ClassMember.role, ClassMember.source)
        .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
        .where(SchoolClass.structure_id == structure_id)
    ):
        classes.setdefault((row.class_id, row.account_id, row.role), set()).add(row.source)
    groups: dict[tuple[int, int, str], set[str]] = {}
    for row in connection.execute(
        select(GroupMember.group_id, GroupMember.account_id, GroupMember.role, GroupMember.source)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.structure_id == structure_id)
    ):
        groups.setdefault((row.group_id, row.account_id, row.role), set()).add(row.source)
    return classes, groups


def plan_memberships(
    connection: Connection,
    structure_id: int,
    snapshot: Timetable,
    resolution: Resolution,
    on: date,
    names: dict[tuple[str, int], str],
) -> MembershipPlan:
    """What a validation in *timetable* mode adds and removes.

    ``names`` labels the classes (``("c", id)``) and groups (``("g", id)``) for warnings.
    """
    want_classes, want_groups = desired_members(snapshot, resolution, on)
    have_classes, have_groups = _existing(connection, structure_id)
    plan = MembershipPlan()
    plan.add_classes = {m for m in want_classes if SOURCE not in have_classes.get(m, set())}
    plan.remove_classes = {
        m for m, s in have_classes.items() if SOURCE in s and m not in want_classes
    }
    plan.add_groups = {
        m
        for m in want_groups
        if isinstance(m[0], str) or SOURCE not in have_groups.get((m[0], m[1], m[2]), set())
    }
    plan.remove_groups = {m for m, s in have_groups.items() if SOURCE in s and m not in want_groups}
    # Counted for the report: memberships that no source holds yet, or that no source keeps.
    gains: dict[str, set[int | str]] = {"teacher": set(), "student": set()}
    for target, account, role in plan.add_classes:
        if (target, account, role) not in have_classes:
            gains["student" if role == "student" else "teacher"].add(f"c{target}")
    for group, account, role in plan.add_groups:
        if isinstance(group, str) or (group, account, role) not in have_groups:
            gains["student" if role == "student" else "teacher"].add(f"g{group}")
    plan.with_teachers_to_add = len(gains["teacher"])
    plan.with_students_to_add = len(gains["student"])
    losses: dict[tuple[str, int], dict[str, int]] = {}
    for table, removed, have in (
        ("c", plan.remove_classes, have_classes),
        ("g", plan.remove_groups, have_groups),
    ):
        for target, account, role in removed:
            if have[target, account, role] == {SOURCE}:
                per = losses.setdefault((table, target), {"student": 0, "teacher": 0})
                per["student" if role == "student" else "teacher"] += 1
    for (table, target), per in sorted(losses.items()):
        what = "la classe" if table == "c" else "le groupe"
        name = names.get((table, target), str(target))
        counts = []
        if per["student"]:
            counts.append(f"{per['student']} élève{'s' if per['student'] > 1 else ''}")
        if per["teacher"]:
            counts.append(f"{per['teacher']} enseignant{'s' if per['teacher'] > 1 else ''}")
        plan.warnings.append(
            ReportWarning(
                "members_to_remove",
                f"{' et '.join(counts)} {'seront retirés' if sum(per.values()) > 1 else 'sera retiré'} "
                f"de {what} {name} (absents de l'emploi du temps)",
                {
                    "target": name,
                    "target_kind": "class" if table == "c" else "group",
                    "students": per["student"],
                    "teachers": per["teacher"],
                },
            )
        )
    return plan


def _chunks(rows: list[tuple[int, int, str]]) -> Iterator[list[tuple[int, int, str]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def apply_memberships(
    connection: Connection, plan: MembershipPlan, new_groups: dict[str, int]
) -> None:
    """Write the plan; ``new_groups`` gives the ids of the groups created by this validation."""
    for table, column, removed in (
        (ClassMember, ClassMember.class_id, plan.remove_classes),
        (GroupMember, GroupMember.group_id, plan.remove_groups),
    ):
        for chunk in _chunks(sorted(removed)):
            connection.execute(
                delete(table).where(
                    and_(
                        table.source == SOURCE,
                        tuple_(column, table.account_id, table.role).in_(chunk),
                    )
                )
            )
    if plan.add_classes:
        connection.execute(
            insert(ClassMember),
            [
                {"class_id": c, "account_id": a, "role": r, "source": SOURCE}
                for c, a, r in sorted(plan.add_classes)
            ],
        )
    if plan.add_groups:
        rows = {
            (new_groups[target[len(NEW_GROUP) :]] if isinstance(target, str) else target, a, r)
            for target, a, r in plan.add_groups
        }
        connection.execute(
            insert(GroupMember),
            [
                {"group_id": g, "account_id": a, "role": r, "source": SOURCE}
                for g, a, r in sorted(rows)
            ],
        )
