"""The read API's classes, groups, structures, subjects and MEFs."""

from __future__ import annotations

from entcore.app import Entcore
from entcore.model import GroupKind, MemberRole, Profile
from tests.read.conftest import DEMO_UAI, load, school_records


def test_demo_classes_with_members_and_teachers(demo_app: Entcore) -> None:
    """Each demo class lists its ten students and its teachers once, with their subjects."""
    classes = {view.code: view for view in demo_app.read.classes(uai=DEMO_UAI)}
    assert sorted(classes) == ["4A", "5A", "6A", "6B"]
    six_a = classes["6A"]
    assert six_a.uai == DEMO_UAI and six_a.structure == "8740501"
    assert len(six_a.students) == 10
    assert all(
        m.profile is Profile.STUDENT and m.role is MemberRole.STUDENT for m in six_a.students
    )
    assert "lucas.bocquerand" in {m.login for m in six_a.students}
    teachers = {m.login: m for m in six_a.teachers}
    assert len(teachers) == len(six_a.teachers), "each teacher once"
    assert teachers["melanie.ducrettaz"].role is MemberRole.HEAD_TEACHER
    assert teachers["melanie.ducrettaz"].subjects == ("006600", "008400", "020700")
    assert teachers["nadege.berthollaz"].role is MemberRole.TEACHER
    assert teachers["nadege.berthollaz"].subjects == ("061300",)
    assert sum(len(view.students) for view in classes.values()) == 40


def test_demo_groups_with_their_divisions(demo_app: Entcore) -> None:
    """Groups list their students, teachers and the classes their students come from."""
    groups = {view.code: view for view in demo_app.read.groups(uai=DEMO_UAI)}
    assert sorted(groups) == ["CHORALE", "LATIN"]
    latin = groups["LATIN"]
    assert latin.kind is GroupKind.OPTION
    assert latin.classes == ("4A", "5A")
    assert len(latin.students) == 9
    assert [(m.login, m.subjects) for m in latin.teachers] == [("antoine.rossetaz", ("020100",))]


def test_demo_structures_subjects_and_mefs(demo_app: Entcore) -> None:
    """The structure with its facts; subjects taught there; MEFs of its students."""
    [college] = list(demo_app.read.structures())
    assert college.uai == DEMO_UAI and college.type == "COLLEGE" and college.contract == "PU"
    assert college.address is not None and college.address.postal_code == "74999"
    assert demo_app.read.structure(DEMO_UAI) == college
    assert demo_app.read.structure("0000000X") is None
    taught = {view.code for view in demo_app.read.subjects(uai=DEMO_UAI)}
    assert len(taught) == 14 and "020100" in taught
    assert len(list(demo_app.read.subjects())) == 15
    mefs = [view.code for view in demo_app.read.mefs(uai=DEMO_UAI)]
    assert mefs == ["10010012110", "10110001110", "10210001110"]
    assert len(list(demo_app.read.mefs())) == 10


def test_classes_of_two_schools(records_app: Entcore) -> None:
    """Classes are per school; all schools without a UAI filter."""
    college = {view.code: view for view in records_app.read.classes(uai="0000001A")}
    assert sorted(college) == ["6A", "6B"]
    assert len(college["6A"].students) == 10 and len(college["6B"].students) == 10
    assert [(m.external_id, m.role) for m in college["6A"].teachers] == [
        ("T0001", MemberRole.HEAD_TEACHER)
    ]
    assert [(m.external_id, m.role) for m in college["6B"].teachers] == [
        ("T0001", MemberRole.TEACHER)
    ]
    everywhere = [(view.uai, view.code) for view in records_app.read.classes()]
    assert sorted(everywhere) == [("0000001A", "6A"), ("0000001A", "6B"), ("0000002B", "2A")]
    assert [v.code for v in records_app.read.subjects(uai="0000002B")] == ["061300"]
    assert [v.code for v in records_app.read.mefs(uai="0000002B")] == ["20010018110"]


def test_disappeared_members_left_out(records_app: Entcore) -> None:
    """A disappeared student leaves its class and group listings unless asked."""
    load(
        records_app,
        [r for r in school_records() if getattr(r, "external_id", None) != "E0001"],
    )
    six_a = next(v for v in records_app.read.classes(uai="0000001A") if v.code == "6A")
    assert len(six_a.students) == 9
    six_a_all = next(
        v
        for v in records_app.read.classes(uai="0000001A", include_disappeared=True)
        if v.code == "6A"
    )
    assert len(six_a_all.students) == 10
    latin = next(v for v in records_app.read.groups(uai="0000001A") if v.code == "LATIN")
    assert {m.external_id for m in latin.students} == {"E0002", "E0003"}
    assert latin.classes == ("6A", "6B")


def test_timetable_memberships_count_once(records_app: Entcore) -> None:
    """Memberships the timetable added are read like the directory's, each (class, role) once."""
    from sqlalchemy import insert, select

    from entcore.store.schema import Account, ClassMember, SchoolClass

    with records_app.store.connect() as connection, connection.begin():
        student = connection.execute(
            select(Account.id).where(Account.external_id == "E0001")
        ).scalar_one()
        classes = dict(connection.execute(select(SchoolClass.code, SchoolClass.id)).all())
        connection.execute(
            insert(ClassMember),
            [
                {
                    "class_id": classes["6A"],
                    "account_id": student,
                    "role": "student",
                    "source": "timetable",
                },
                {
                    "class_id": classes["6B"],
                    "account_id": student,
                    "role": "student",
                    "source": "timetable",
                },
            ],
        )
    view = records_app.read.account_by_external_id("E0001")
    assert view is not None
    assert [(m.code, m.role) for m in view.classes] == [
        ("6A", MemberRole.STUDENT),
        ("6B", MemberRole.STUDENT),
    ]
    by_code = {c.code: c for c in records_app.read.classes(uai="0000001A")}
    assert [m.external_id for m in by_code["6A"].students].count("E0001") == 1
    assert "E0001" in {m.external_id for m in by_code["6B"].students}
    assert len(by_code["6B"].students) == 11
