"""Piloting mode: in *timetable* mode validated imports populate classes and option groups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import attrs
from sqlalchemy import select

from entcore import Entcore
from entcore.model import MembershipKind, StudentMembership, TimetableGroup
from entcore.store.schema import Account, ClassMember, Group, GroupMember, SchoolClass
from tests.timetable.builders import (
    UAI,
    make_app,
    minimal_directory,
    minimal_snapshot,
    populate,
    replace_course,
    snapshot_file,
)

Factory = Callable[..., Entcore]
AUGUST = date(2024, 8, 30)


def members(app: Entcore, source: str = "timetable") -> set[tuple[str, str, str]]:
    """``(class or group code, login, role)`` of the memberships held by ``source``."""
    with app.store.connect() as connection:
        classes = connection.execute(
            select(SchoolClass.code, Account.login, ClassMember.role)
            .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
            .join(Account, Account.id == ClassMember.account_id)
            .where(ClassMember.source == source)
        ).all()
        groups = connection.execute(
            select(Group.code, Account.login, GroupMember.role)
            .join(Group, Group.id == GroupMember.group_id)
            .join(Account, Account.id == GroupMember.account_id)
            .where(GroupMember.source == source)
        ).all()
    return {tuple(row) for row in [*classes, *groups]}  # type: ignore[misc]


def test_timetable_mode_populates_classes_and_groups(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """Groups are created, students and teachers added; a re-import adds nothing; removals are reported."""
    app = make_app(entcore_app_factory, records=minimal_directory(with_group=False))
    app.timetable.set_mode(UAI, "timetable")
    path = snapshot_file(tmp_path, minimal_snapshot())
    report = app.timetable.import_file(path, UAI, as_of=AUGUST)
    assert report.groups_to_create == 1 and report.groups_to_rename == 0
    assert report.option_groups.imported == 1
    assert report.classes_and_groups_with_teachers_to_add == 3  # 6A, 6B and the new group
    assert (
        report.classes_and_groups_with_students_to_add == 1
    )  # the new group: 6A and 6B had theirs
    assert members(app) == set()
    app.timetable.validate(report.id)
    with app.store.connect() as connection:
        group = connection.execute(select(Group).where(Group.code == "6AB ANGL G1")).one()
    assert (group.label, group.kind) == ("6AB ANGL G1", "option")
    assert members(app) == {
        ("6A", "lucas.dupont", "student"),
        ("6B", "ines.bernard", "student"),
        ("6A", "claire.martin", "teacher"),
        ("6A", "lea.petit", "teacher"),
        ("6B", "claire.martin", "teacher"),
        ("6AB ANGL G1", "lucas.dupont", "student"),
        ("6AB ANGL G1", "paul.durand", "teacher"),
    }
    assert len(app.timetable.sessions(UAI, group_code="6AB ANGL G1")) == 18

    again = app.timetable.import_file(path, UAI, as_of=AUGUST)
    assert (
        again.groups_to_create,
        again.classes_and_groups_with_teachers_to_add,
        again.classes_and_groups_with_students_to_add,
    ) == (0, 0, 0)
    assert not [w for w in again.warnings if w.kind == "members_to_remove"]
    app.timetable.cancel(again.id)

    # The group is renamed in the timetable and MARTIN no longer teaches 6B.
    snapshot = minimal_snapshot()
    renamed = attrs.evolve(snapshot.groups[0], name="6AB ANGLAIS G1")
    changed = replace_course(attrs.evolve(snapshot, groups=(renamed,)), "maths-6b-once", None)
    report = app.timetable.import_file(
        snapshot_file(tmp_path, changed, "v2.json"), UAI, as_of=AUGUST
    )
    assert report.groups_to_rename == 1 and report.groups_to_create == 0
    (removal,) = [w for w in report.warnings if w.kind == "members_to_remove"]
    assert (
        removal.message == "1 enseignant sera retiré de la classe 6B (absents de l'emploi du temps)"
    )
    assert removal.details == {"target": "6B", "target_kind": "class", "students": 0, "teachers": 1}
    app.timetable.validate(report.id)
    with app.store.connect() as connection:
        assert connection.execute(select(Group.code).where(Group.id == group.id)).scalar_one() == (
            "6AB ANGLAIS G1"
        )
    assert ("6B", "claire.martin", "teacher") not in members(app)
    assert ("6AB ANGLAIS G1", "lucas.dupont", "student") in members(app)
    assert len(app.timetable.sessions(UAI, group_code="6AB ANGLAIS G1")) == 18

    # A directory import manages its own memberships only.
    records = minimal_directory(with_group=False)
    records[4] = attrs.evolve(records[4], first_name="Lucas-Marie")
    populate(app, records)
    assert ("6AB ANGLAIS G1", "lucas.dupont", "student") in members(app)
    assert ("6A", "lucas.dupont", "student") in members(app, "directory")


def test_group_composition_and_direct_students(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """Whole classes, class parts and students listed directly all join a group; ended memberships don't."""
    app = make_app(entcore_app_factory, records=minimal_directory(with_group=False))
    app.timetable.set_mode(UAI, "timetable")
    snapshot = minimal_snapshot()
    bernard = snapshot.students[1]
    left = attrs.evolve(
        bernard,
        memberships=(
            StudentMembership(MembershipKind.CLASS, "2", date(2024, 9, 2), date(2024, 8, 1)),
        ),
    )
    snapshot = attrs.evolve(
        snapshot,
        students=(snapshot.students[0], left),
        groups=(
            *snapshot.groups,
            TimetableGroup("2", "6B LATIN", classes=("2",)),
            TimetableGroup("3", "CHORALE", students=("1",)),
        ),
    )
    report = app.timetable.import_file(snapshot_file(tmp_path, snapshot), UAI, as_of=AUGUST)
    assert report.groups_to_create == 3
    app.timetable.validate(report.id)
    found = members(app)
    assert ("CHORALE", "lucas.dupont", "student") in found
    assert not [m for m in found if m[0] == "6B LATIN"], "BERNARD left 6B before the reference date"
    assert ("6B", "ines.bernard", "student") not in found


def test_directory_mode_writes_no_membership(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """In directory mode the timetable only feeds the cahier de textes."""
    app = make_app(entcore_app_factory, records=minimal_directory(with_group=False))
    report = app.timetable.import_file(
        snapshot_file(tmp_path, minimal_snapshot()), UAI, as_of=AUGUST
    )
    assert report.groups_to_create == 0 and report.option_groups.not_imported == 1
    assert report.classes_and_groups_with_teachers_to_add == 0
    (unknown,) = [w for w in report.warnings if w.kind == "unknown_group"]
    assert "6AB ANGL G1" in unknown.message and "pilotage" in unknown.message
    app.timetable.validate(report.id)
    assert members(app) == set()
    with app.store.connect() as connection:
        assert connection.execute(select(Group.code)).all() == []
    assert app.stats()["sessions"] == 36 + 1
