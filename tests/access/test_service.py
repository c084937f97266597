"""The blocking rules of ``app.access``: platform and structure, several structures, expiry, history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from entcore.access import AccessService, InvalidBlock
from entcore.app import Entcore
from entcore.errors import NotFound
from entcore.model import (
    DEFAULT_BLOCK_MESSAGE,
    BlockAction,
    BlockScope,
    Profile,
)
from entcore.store.access_schema import AccessBlock
from entcore.store.schema import Account
from tests.access.conftest import COLLEGE_UAI, LYCEE_UAI, Clock

Login = Callable[[str], str]


def blocked(access: AccessService, login_of: Login, *external_ids: str) -> dict[str, bool]:
    return {e: access.check(login_of(e)) is not None for e in external_ids}


def test_nothing_blocked_refuses_nobody(access: AccessService, login_of: Login) -> None:
    for external_id in ("T1", "T2", "T3", "P1", "E1", "E2", "R1", "R2", "G1"):
        assert access.check(login_of(external_id)) is None
    assert access.status() == [] and access.history() == []


def test_unknown_login_is_not_blocking_business(access: AccessService) -> None:
    access.block(None, Profile.STUDENT, by="admin")
    assert access.check("personne.inconnue") is None


def test_platform_block_refuses_every_account_of_the_profile(
    access: AccessService, login_of: Login
) -> None:
    view = access.block(None, Profile.STUDENT, "Fermé", by="admin")
    assert view.uai is None and view.scope is BlockScope.PLATFORM
    assert blocked(access, login_of, "E1", "E2", "E3", "T1", "R1", "G1") == {
        "E1": True,
        "E2": True,
        "E3": True,
        "T1": False,
        "R1": False,
        "G1": False,
    }
    refusal = access.check(login_of("E2"))
    assert refusal is not None
    assert refusal.message == "Fermé" and refusal.scope is BlockScope.PLATFORM
    assert refusal.uais == () and refusal.until is None


def test_platform_block_reaches_accounts_without_structure(
    access: AccessService, login_of: Login
) -> None:
    access.block(COLLEGE_UAI, Profile.GUEST, by="admin")
    assert access.check(login_of("G1")) is None  # a structure block never reaches it
    access.block(None, "guest", by="admin")
    refusal = access.check(login_of("G1"))
    assert refusal is not None and refusal.message == DEFAULT_BLOCK_MESSAGE


def test_structure_block_refuses_that_school_and_profile_only(
    access: AccessService, login_of: Login
) -> None:
    access.block(COLLEGE_UAI, Profile.STUDENT, "Accès fermé jusqu'à la rentrée", by="admin")
    assert blocked(access, login_of, "E1", "E3", "E2", "T2", "R3") == {
        "E1": True,
        "E3": True,
        "E2": False,  # the lycée is open
        "T2": False,  # another profile
        "R3": False,  # relatives are not students
    }
    refusal = access.check(login_of("E1"))
    assert refusal is not None
    assert refusal.scope is BlockScope.STRUCTURE and refusal.uais == (COLLEGE_UAI,)
    assert refusal.message == "Accès fermé jusqu'à la rentrée"


def test_account_of_two_schools_is_blocked_only_when_both_block(
    access: AccessService, login_of: Login
) -> None:
    access.block(COLLEGE_UAI, Profile.TEACHER, "Collège fermé", by="admin")
    assert blocked(access, login_of, "T1", "T2", "T3") == {"T1": False, "T2": True, "T3": False}
    access.block(LYCEE_UAI, Profile.TEACHER, "Lycée fermé", by="admin")
    assert blocked(access, login_of, "T1", "T2", "T3") == {"T1": True, "T2": True, "T3": True}
    refusal = access.check(login_of("T1"))
    assert refusal is not None and refusal.uais == (COLLEGE_UAI, LYCEE_UAI)
    access.unblock(COLLEGE_UAI, Profile.TEACHER, by="admin")
    assert blocked(access, login_of, "T1", "T2", "T3") == {"T1": False, "T2": False, "T3": False}


def test_function_in_a_school_counts_as_one_of_the_account_s_structures(
    access: AccessService, login_of: Login
) -> None:
    """T3 is attached to the collège and teaches at the lycée: the lycée's block alone is not enough."""
    access.block(LYCEE_UAI, Profile.TEACHER, by="admin")
    assert access.check(login_of("T3")) is None
    access.block(COLLEGE_UAI, Profile.TEACHER, by="admin")
    assert access.check(login_of("T3")) is not None


def test_relatives_are_in_their_children_s_schools(access: AccessService, login_of: Login) -> None:
    """R1's children are in both schools, R2's in the lycée, R3's in the collège."""
    access.block(COLLEGE_UAI, Profile.RELATIVE, "Parents : accès fermé", by="admin")
    assert blocked(access, login_of, "R1", "R2", "R3") == {"R1": False, "R2": False, "R3": True}
    access.block(LYCEE_UAI, Profile.RELATIVE, by="admin")
    assert blocked(access, login_of, "R1", "R2", "R3") == {"R1": True, "R2": True, "R3": True}
    refusal = access.check(login_of("R1"))
    assert refusal is not None and refusal.uais == (COLLEGE_UAI, LYCEE_UAI)


def test_disappeared_child_no_longer_ties_a_relative_to_its_school(
    schools_app: Entcore, access: AccessService, login_of: Login
) -> None:
    access.block(LYCEE_UAI, Profile.RELATIVE, by="admin")
    r1 = login_of("R1")
    assert access.check(r1) is None
    with schools_app.store.connect() as connection, connection.begin():
        connection.execute(
            update(Account)
            .where(Account.external_id == "E1")
            .values(disappeared_at=datetime(2026, 7, 1, tzinfo=UTC))
        )
    assert access.check(r1) is not None


def test_platform_block_wins_over_structure_blocks(access: AccessService, login_of: Login) -> None:
    access.block(COLLEGE_UAI, Profile.STUDENT, "Message du collège", by="admin")
    access.block(None, Profile.STUDENT, "Message de la plateforme", by="admin")
    refusal = access.check(login_of("E1"))
    assert refusal is not None
    assert refusal.scope is BlockScope.PLATFORM and refusal.message == "Message de la plateforme"


def test_the_block_ending_first_is_shown(
    access: AccessService, login_of: Login, clock: Clock
) -> None:
    soon, later = clock.now + timedelta(days=3), clock.now + timedelta(days=10)
    access.block(COLLEGE_UAI, Profile.TEACHER, "Jusqu'à plus tard", until=later, by="a")
    access.block(LYCEE_UAI, Profile.TEACHER, "Bientôt", until=soon, by="b")
    refusal = access.check(login_of("T1"))
    assert refusal is not None and refusal.message == "Bientôt" and refusal.until == soon
    clock.advance(days=3)  # the lycée reopens: T1 may sign in there
    assert access.check(login_of("T1")) is None
    assert access.check(login_of("T2")) is not None


def test_block_past_its_end_is_no_longer_in_force_and_is_recorded_expired(
    schools_app: Entcore, access: AccessService, login_of: Login, clock: Clock
) -> None:
    set_at = clock.now
    end = set_at + timedelta(days=12)
    access.block(COLLEGE_UAI, Profile.STUDENT, "Rentrée", until=end, by="admin")
    clock.advance(days=11, hours=23)
    assert access.check(login_of("E1")) is not None
    clock.advance(hours=1)
    assert access.check(login_of("E1")) is None
    # The check never writes: the expired row stays until the next status, history or write.
    with schools_app.store.connect() as connection:
        assert connection.execute(select(func.count()).select_from(AccessBlock)).scalar() == 1
    assert access.status() == []
    events = access.history()
    assert [e.action for e in events] == [BlockAction.BLOCK, BlockAction.EXPIRE]
    expired = events[1]
    assert expired.at == end and expired.by == "entcore" and expired.since == set_at
    assert expired.uai == COLLEGE_UAI and expired.message == "Rentrée" and expired.until == end


def test_until_a_day_reopens_at_midnight_paris_time(access: AccessService) -> None:
    view = access.block(COLLEGE_UAI, Profile.STUDENT, until=date(2026, 9, 1), by="admin")
    assert view.until == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)


def test_blocking_again_replaces_message_and_end(access: AccessService, clock: Clock) -> None:
    access.block(COLLEGE_UAI, Profile.STUDENT, "Premier", by="alice")
    clock.advance(minutes=5)
    end = clock.now + timedelta(days=2)
    access.block(COLLEGE_UAI, "STUDENT", "Second", until=end, by="bob")
    [view] = access.status(COLLEGE_UAI)
    assert (view.message, view.until, view.by, view.since) == ("Second", end, "bob", clock.now)
    events = access.history(COLLEGE_UAI)
    assert [(e.action, e.by, e.message) for e in events] == [
        (BlockAction.BLOCK, "alice", "Premier"),
        (BlockAction.BLOCK, "bob", "Second"),
    ]


def test_unblock_restores_access_and_records_who_and_when(
    access: AccessService, login_of: Login, clock: Clock
) -> None:
    set_at = clock.now
    access.block(COLLEGE_UAI, Profile.STUDENT, "Fermé", by="alice")
    clock.advance(days=1)
    lifted = access.unblock(COLLEGE_UAI, Profile.STUDENT, by="bob")
    assert lifted is not None and lifted.message == "Fermé" and lifted.by == "alice"
    assert access.check(login_of("E1")) is None and access.status() == []
    last = access.history()[-1]
    assert (last.action, last.at, last.by, last.since, last.uai, last.profile) == (
        BlockAction.UNBLOCK,
        clock.now,
        "bob",
        set_at,
        COLLEGE_UAI,
        Profile.STUDENT,
    )
    # Nothing to lift: nothing changes, nothing is recorded.
    assert access.unblock(COLLEGE_UAI, Profile.STUDENT, by="bob") is None
    assert len(access.history()) == 2


def test_unblocking_the_platform_leaves_structure_blocks(
    access: AccessService, login_of: Login
) -> None:
    access.block(None, Profile.STUDENT, by="admin")
    access.block(COLLEGE_UAI, Profile.STUDENT, by="admin")
    access.unblock(None, Profile.STUDENT, by="admin")
    assert blocked(access, login_of, "E1", "E2") == {"E1": True, "E2": False}


def test_status_of_a_school_lists_its_blocks_and_the_platform_s(access: AccessService) -> None:
    access.block(COLLEGE_UAI, Profile.STUDENT, by="admin")
    access.block(LYCEE_UAI, Profile.RELATIVE, by="admin")
    access.block(None, Profile.GUEST, by="admin")
    assert [(v.uai, v.profile) for v in access.status()] == [
        (None, Profile.GUEST),
        (COLLEGE_UAI, Profile.STUDENT),
        (LYCEE_UAI, Profile.RELATIVE),
    ]
    assert [(v.uai, v.profile) for v in access.status(COLLEGE_UAI)] == [
        (None, Profile.GUEST),
        (COLLEGE_UAI, Profile.STUDENT),
    ]
    assert access.status(COLLEGE_UAI)[1].shown_message == DEFAULT_BLOCK_MESSAGE


def test_unknown_uai_is_refused_and_nothing_written(access: AccessService) -> None:
    for call in (
        lambda: access.block("9999999Z", Profile.STUDENT, by="admin"),
        lambda: access.unblock("9999999Z", Profile.STUDENT, by="admin"),
        lambda: access.status("9999999Z"),
    ):
        with pytest.raises(NotFound, match="UAI 9999999Z"):
            call()
    assert access.history() == []


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"profile": "Eleve"}, "profil inconnu"),
        ({"message": "x" * 501}, "trop long"),
        ({"message": "Fermé\x00"}, "contrôle"),
        ({"by": "  "}, "auteur invalide"),
        ({"by": "x" * 201}, "auteur invalide"),
        ({"until": datetime(2030, 1, 1)}, "fuseau"),
        ({"until": datetime(2026, 8, 20, 8, 0, tzinfo=UTC)}, "déjà passée"),
        ({"until": date(2026, 8, 20)}, "déjà passée"),
    ],
)
def test_bad_blocks_are_refused_before_writing(
    access: AccessService, arguments: dict[str, Any], match: str
) -> None:
    values: dict[str, Any] = {"profile": Profile.STUDENT, "by": "admin", **arguments}
    with pytest.raises(InvalidBlock, match=match):
        access.block(COLLEGE_UAI, values.pop("profile"), **values)
    assert access.status() == [] and access.history() == []


def test_message_spaces_are_normalised_and_empty_means_default(access: AccessService) -> None:
    view = access.block(None, Profile.STUDENT, "  Accès\n fermé  ", by=" admin ")
    assert view.message == "Accès fermé" and view.by == "admin"
    assert access.block(None, Profile.STUDENT, "   ", by="admin").message is None


def test_store_refuses_two_blocks_of_one_scope_and_profile(schools_app: Entcore) -> None:
    """The partial unique indexes hold even for the platform's null structure."""
    now = datetime(2026, 8, 20, tzinfo=UTC)
    row = {"structure_id": None, "profile": "Student", "since": now, "by": "a"}
    with schools_app.store.engine.begin() as connection:
        connection.execute(insert(AccessBlock).values(**row))
    with pytest.raises(IntegrityError), schools_app.store.engine.begin() as connection:
        connection.execute(insert(AccessBlock).values(**row))


def test_check_runs_two_queries(
    schools_app: Entcore, access: AccessService, login_of: Login
) -> None:
    """Called on every request of an open session: a fixed, small number of statements."""
    access.block(COLLEGE_UAI, Profile.RELATIVE, by="admin")
    access.block(LYCEE_UAI, Profile.RELATIVE, by="admin")
    login = login_of("R1")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(schools_app.store.engine, "before_cursor_execute", count)
    try:
        assert access.check(login) is not None
    finally:
        event.remove(schools_app.store.engine, "before_cursor_execute", count)
    assert len(statements) == 2
    assert all(
        not s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in statements
    )
