"""The read API's account queries: filters, related rows, disappeared accounts, lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from entcore import NotFound
from entcore.app import Entcore
from entcore.model import (
    AccountState,
    AccountView,
    MemberRole,
    Profile,
    Relationship,
    TeachingTarget,
)
from tests.read.conftest import DEMO_UAI, load, school_records


def by_login(views: list[AccountView]) -> dict[str, AccountView]:
    return {view.login: view for view in views}


# -- the demo feed --------------------------------------------------------------------------------


def test_demo_students_with_classes_and_relatives(demo_app: Entcore) -> None:
    """Every student of the demo collège comes with a class and, each, at least one relative."""
    students = list(demo_app.read.accounts(uai=DEMO_UAI, profile=Profile.STUDENT))
    assert len(students) == 40
    assert {view.profile for view in students} == {Profile.STUDENT}
    for view in students:
        assert view.state is AccountState.ACTIVE
        assert view.uais == (DEMO_UAI,)
        assert [m.role for m in view.classes] == [MemberRole.STUDENT]
        assert view.classes[0].code in {"6A", "6B", "5A", "4A"}
        assert view.relatives, view.login
        assert all(r.login and r.state is AccountState.ACTIVE for r in view.relatives)
    lucas = by_login(students)["lucas.bocquerand"]
    assert lucas.external_id == "3100001"
    assert lucas.birth_date == date(2014, 2, 3)
    assert lucas.mef == "10010012110"
    assert lucas.classes[0].code == "6A" and lucas.classes[0].uai == DEMO_UAI
    assert [g.code for g in lucas.groups] == ["CHORALE"]
    assert "061300" in lucas.subjects_studied
    assert [(r.login, r.relationship, r.legal) for r in lucas.relatives] == [
        ("sandrine.bocquerand", Relationship.MOTHER, True),
        ("olivier.bocquerand", Relationship.FATHER, True),
    ]
    assert lucas.structures[0].attachment and lucas.structures[0].name.startswith("CLG-")


def test_demo_relatives_of_the_school_list_their_children(demo_app: Entcore) -> None:
    """Relatives belong to the school of their children; each lists them."""
    relatives = list(demo_app.read.accounts(uai=DEMO_UAI, profile=Profile.RELATIVE))
    assert len(relatives) == 51
    sandrine = by_login(relatives)["sandrine.bocquerand"]
    assert sandrine.structures == ()
    assert [child.login for child in sandrine.children] == ["lucas.bocquerand", "ines.bocquerand"]
    assert all(child.uais == (DEMO_UAI,) for child in sandrine.children)
    assert all(child.relationship is Relationship.MOTHER for child in sandrine.children)


def test_demo_teacher_classes_subjects_and_functions(demo_app: Entcore) -> None:
    """A teacher's classes (head teacher of one), subjects taught per class, function and MEFs."""
    teacher = demo_app.read.account("melanie.ducrettaz")
    assert teacher is not None and teacher.profile is Profile.TEACHER
    assert {(m.code, m.role) for m in teacher.classes} == {
        ("5A", MemberRole.TEACHER),
        ("6A", MemberRole.TEACHER),
        ("6A", MemberRole.HEAD_TEACHER),
        ("6B", MemberRole.TEACHER),
    }
    assert {(t.code, t.subject) for t in teacher.teachings} == {
        ("6A", "006600"),
        ("6A", "008400"),
        ("6A", "020700"),
        ("5A", "020700"),
        ("6B", "006600"),
    }
    assert all(t.target is TeachingTarget.CLASS and t.uai == DEMO_UAI for t in teacher.teachings)
    assert teacher.subjects_taught == ("006600", "008400", "020700")
    assert [(f.code, f.discipline_code, f.uai) for f in teacher.functions] == [
        ("ENS", "L0202", DEMO_UAI)
    ]
    assert [(m.uai, m.code) for m in teacher.mefs] == [
        (DEMO_UAI, "10010012110"),
        (DEMO_UAI, "10110001110"),
    ]
    assert teacher.relatives == () and teacher.children == ()


def test_demo_filters_combine(demo_app: Entcore) -> None:
    """uai and profile combine; a set of profiles is accepted; no filter lists everything."""
    everyone = list(demo_app.read.accounts())
    assert len(everyone) == 110
    assert len(list(demo_app.read.accounts(uai=DEMO_UAI))) == 110
    staff = list(demo_app.read.accounts(profile={Profile.TEACHER, Profile.PERSONNEL}))
    assert {view.profile for view in staff} == {Profile.TEACHER, Profile.PERSONNEL}
    assert len(staff) == 19
    assert len(list(demo_app.read.accounts(uai=DEMO_UAI, profile=Profile.GUEST))) == 0


def test_views_hold_no_secret_nor_internal_id(demo_app: Entcore) -> None:
    """The public fields: no password hash, no row id."""
    view = demo_app.read.account("lucas.bocquerand")
    assert view is not None
    data = view.to_json()
    assert "password_hash" not in data and "id" not in data and "structure_id" not in data
    assert data["birth_date"] == "2014-02-03" and data["profile"] == "Student"


# -- feeds built from records ---------------------------------------------------------------------


def test_structure_filter_separates_schools(records_app: Entcore) -> None:
    """Each school lists its own students (and relatives), never the other's."""
    college = list(records_app.read.accounts(uai="0000001A", profile=Profile.STUDENT))
    lycee = list(records_app.read.accounts(uai="0000002B", profile=Profile.STUDENT))
    assert [v.external_id for v in college] == [f"E{n:04d}" for n in range(1, 21)]
    assert [v.external_id for v in lycee] == ["E0021", "E0022", "E0023"]
    assert len(list(records_app.read.accounts(uai="0000002B", profile=Profile.RELATIVE))) == 0
    assert len(list(records_app.read.accounts(uai="0000001A", profile=Profile.RELATIVE))) == 38
    teachers = list(records_app.read.accounts(uai="0000002B", profile=Profile.TEACHER))
    assert [v.external_id for v in teachers] == ["T0002"]


def test_relative_the_store_lacks_keeps_its_external_id(records_app: Entcore) -> None:
    """A link to a relative absent from the store names it by external id, state None."""
    last = records_app.read.account_by_external_id("E0020")
    assert last is not None
    assert [(r.external_id, r.login, r.state, r.uais) for r in last.relatives] == [
        ("R9999", None, None, ())
    ]


def test_lookup_by_login_and_by_jointure(records_app: Entcore) -> None:
    """The same account by login and by external id; unknown ones are None."""
    by_jointure = records_app.read.account_by_external_id("T0001")
    assert by_jointure is not None
    assert records_app.read.account(by_jointure.login) == by_jointure
    assert by_jointure.email == "alix.prof@example.test"
    assert {(g.code, g.role) for g in by_jointure.groups} == {("LATIN", MemberRole.TEACHER)}
    assert {(t.target, t.code) for t in by_jointure.teachings} == {
        (TeachingTarget.CLASS, "6A"),
        (TeachingTarget.CLASS, "6B"),
        (TeachingTarget.GROUP, "LATIN"),
    }
    assert records_app.read.account("nobody") is None
    assert records_app.read.account_by_external_id("E9999") is None


def test_disappeared_accounts_excluded_by_default(records_app: Entcore) -> None:
    """A student dropped by a full import is left out unless asked for, and so are the links to it."""
    records = [r for r in school_records() if getattr(r, "external_id", None) != "E0001"]
    load(records_app, records)
    logins = [v.external_id for v in records_app.read.accounts(uai="0000001A")]
    assert "E0001" not in logins
    assert records_app.read.account_by_external_id("E0001") is None
    everyone = list(records_app.read.accounts(uai="0000001A", include_disappeared=True))
    gone = [v for v in everyone if v.external_id == "E0001"]
    assert len(gone) == 1 and gone[0].state is AccountState.DISAPPEARED
    assert gone[0].disappeared_at is not None
    shown = records_app.read.account_by_external_id("E0001", include_disappeared=True)
    assert shown == gone[0]
    # Its relatives are still in the feed: their children drop the disappeared
    # student unless asked, and the school no longer lists them among its relatives.
    mother = records_app.read.account_by_external_id("R0002")
    assert mother is not None and mother.children == ()
    mother_all = records_app.read.account_by_external_id("R0002", include_disappeared=True)
    assert mother_all is not None
    assert [(c.external_id, c.state) for c in mother_all.children] == [
        ("E0001", AccountState.DISAPPEARED)
    ]
    relatives = {
        v.external_id for v in records_app.read.accounts(uai="0000001A", profile=Profile.RELATIVE)
    }
    assert len(relatives) == 36 and "R0002" not in relatives
    relatives_all = {
        v.external_id
        for v in records_app.read.accounts(
            uai="0000001A", profile=Profile.RELATIVE, include_disappeared=True
        )
    }
    assert relatives_all == relatives | {"R0002", "R0003"}


def test_unknown_uai_is_refused_at_once(records_app: Entcore) -> None:
    """An unknown UAI raises NotFound when the listing is asked for, in French."""
    with pytest.raises(NotFound, match="établissement inconnu : UAI 9999999Z"):
        records_app.read.accounts(uai="9999999Z")
    with pytest.raises(NotFound):
        records_app.read.classes(uai="9999999Z")
    with pytest.raises(NotFound):
        records_app.read.subjects(uai="9999999Z")


@pytest.mark.parametrize("size", [0, -1, True, 2.5])
def test_batch_size_must_be_positive(records_app: Entcore, size: object) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        records_app.read.accounts(batch_size=size)  # type: ignore[arg-type]


def test_academy_prefix_names_mef_structures(
    make_records_app: Callable[..., Entcore],
) -> None:
    """With an académie prefix, keys carry it and a teacher's MEFs still name their school."""
    app = make_records_app(school_records(4), config='[directory]\nacademy_prefix = "GRE-"\n')
    teacher = app.read.account_by_external_id("GRE-T0001")
    assert teacher is not None
    assert [(m.uai, m.structure, m.code) for m in teacher.mefs] == [
        ("0000001A", "GRE-S1", "10010012110")
    ]
    assert teacher.structures[0].external_id == "GRE-S1"
    student = app.read.account_by_external_id("GRE-E0001")
    assert student is not None
    assert [r.external_id for r in student.relatives] == ["GRE-R0002", "GRE-R0003"]
    assert all(r.login for r in student.relatives)
