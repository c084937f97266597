"""``entcore access`` and the additions of ``entcore accounts show``: JSON, French text, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update

from entcore.app import Entcore
from entcore.cli import main
from entcore.store.schema import Account
from tests.access.conftest import COLLEGE_UAI, DEMO_UAI, LYCEE_UAI

STUDENT, RELATIVE, TEACHER = "lucas.bocquerand", "sandrine.bocquerand", "melanie.ducrettaz"


def invoke(db_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main,
        ["--db", db_url, *args],
        env={"ENTCORE_CONFIG": "", **(env or {})},
        catch_exceptions=False,
    )


def show(db_url: str, login: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = invoke(db_url, "accounts", "show", login, "--json", env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


@pytest.fixture
def db(demo_app: Entcore, entcore_db_url: str) -> str:
    """The URL of a store holding the demo feed."""
    return entcore_db_url


def test_block_status_unblock_round_trip(db: str) -> None:
    """The issue's acceptance: block the demo school's students, status, show, unblock."""
    message = "Accès fermé jusqu'à la rentrée"
    result = invoke(
        db,
        "access",
        "block",
        "--uai",
        DEMO_UAI,
        "--profile",
        "student",
        "--message",
        message,
        "--until",
        "2999-09-01",
        "--by",
        "direction",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Accès bloqué pour le profil élève (établissement {DEMO_UAI}), jusqu'au 01/09/2999 00:00.",
        f"Message affiché : « {message} »",
    ]
    status = invoke(db, "access", "status", "--json")
    assert status.exit_code == 0, status.output
    [entry] = json.loads(status.output)
    assert set(entry) == {"uai", "profile", "message", "until", "since", "by"}
    assert entry["uai"] == DEMO_UAI and entry["profile"] == "Student"
    assert entry["message"] == message and entry["by"] == "direction"
    assert entry["until"] == "2999-08-31T22:00:00+00:00"

    assert show(db, STUDENT)["blocked"] == {
        "message": message,
        "until": "2999-08-31T22:00:00+00:00",
        "scope": "structure",
        "uais": [DEMO_UAI],
    }
    assert show(db, TEACHER)["blocked"] is None  # other profiles are unaffected

    text = invoke(db, "access", "status")
    assert text.exit_code == 0
    assert text.output.startswith(
        f"{DEMO_UAI}   élève      jusqu'au 01/09/2999 00:00 — « {message} »"
    )
    assert "par direction" in text.output

    lifted = invoke(db, "access", "unblock", "--uai", DEMO_UAI, "--profile", "Student")
    assert lifted.exit_code == 0
    assert lifted.output == f"Accès rétabli pour le profil élève (établissement {DEMO_UAI}).\n"
    assert show(db, STUDENT)["blocked"] is None
    assert json.loads(invoke(db, "access", "status", "--json").output) == []
    assert invoke(db, "access", "status").output == "Aucun blocage en cours.\n"


def test_platform_block_json_has_null_uai_and_default_message(db: str) -> None:
    result = invoke(db, "access", "block", "--profile", "RELATIVE", "--by", "rectorat")
    assert result.exit_code == 0, result.output
    assert "toute la plateforme" in result.output
    assert "L'accès à l'ENT est momentanément fermé pour votre profil." in result.output
    [entry] = json.loads(invoke(db, "access", "status", "--uai", DEMO_UAI, "--json").output)
    assert entry["uai"] is None and entry["message"] is None and entry["until"] is None
    blocked = show(db, RELATIVE)["blocked"]
    assert blocked["scope"] == "platform" and blocked["uais"] == []
    assert blocked["message"] == "L'accès à l'ENT est momentanément fermé pour votre profil."


def test_by_defaults_to_the_os_user(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "operateur")
    assert invoke(db, "access", "block", "--profile", "Guest").exit_code == 0
    assert json.loads(invoke(db, "access", "status", "--json").output)[0]["by"] == "operateur"
    assert invoke(db, "access", "unblock", "--profile", "guest").exit_code == 0
    history = json.loads(invoke(db, "access", "history", "--json").output)
    assert [(e["action"], e["by"]) for e in history] == [
        ("block", "operateur"),
        ("unblock", "operateur"),
    ]


def test_history_text_says_who_when_what(db: str) -> None:
    invoke(
        db,
        "access",
        "block",
        "--uai",
        DEMO_UAI,
        "--profile",
        "Student",
        "--by",
        "alice",
        "--message",
        "Fermé",
        "--until",
        "2999-01-02T08:30",
    )
    invoke(db, "access", "unblock", "--uai", DEMO_UAI, "--profile", "Student", "--by", "bob")
    lines = invoke(db, "access", "history", "--uai", DEMO_UAI).output.splitlines()
    assert len(lines) == 2
    assert "blocage" in lines[0] and "par alice" in lines[0]
    assert "jusqu'au 02/01/2999 08:30" in lines[0] and "« Fermé »" in lines[0]
    assert "déblocage" in lines[1] and "par bob" in lines[1] and DEMO_UAI in lines[1]
    assert invoke(db, "access", "history", "--uai", "0000000A").output == (
        "Aucun changement enregistré.\n"
    )


def test_unblock_of_nothing_changes_nothing(db: str) -> None:
    result = invoke(db, "access", "unblock", "--uai", DEMO_UAI, "--profile", "Teacher")
    assert result.exit_code == 0
    assert result.output == (
        f"Aucun blocage du profil enseignant (établissement {DEMO_UAI}) : rien n'a changé.\n"
    )
    assert json.loads(invoke(db, "access", "history", "--json").output) == []


@pytest.mark.parametrize("command", ["block", "unblock", "status"])
def test_unknown_uai_is_one_french_line(db: str, command: str) -> None:
    profile = [] if command == "status" else ["--profile", "Student"]
    result = CliRunner().invoke(
        main,
        ["--db", db, "access", command, "--uai", "9999999Z", *profile],
        env={"ENTCORE_CONFIG": ""},
    )
    assert result.exit_code == 1
    assert result.stderr == "entcore: établissement inconnu : UAI 9999999Z\n"


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        ("2026-13-01", "date attendue AAAA-MM-JJ"),
        ("demain", "date attendue AAAA-MM-JJ"),
        ("0001-01-01", "date hors limites"),
        ("9999-12-31", "date hors limites"),
    ],
)
def test_bad_dates_are_usage_errors(db: str, until: str, expected: str) -> None:
    result = invoke(db, "access", "block", "--profile", "Student", "--until", until)
    assert result.exit_code == 2 and expected in result.output and "--until" in result.output
    assert json.loads(invoke(db, "access", "status", "--json").output) == []


def test_past_date_and_bad_message_are_one_line(db: str) -> None:
    for extra in (["--until", "2001-09-01"], ["--message", "x" * 600]):
        result = CliRunner().invoke(
            main,
            ["--db", db, "access", "block", "--profile", "Student", *extra],
            env={"ENTCORE_CONFIG": ""},
        )
        assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("entcore: ")
    assert json.loads(invoke(db, "access", "status", "--json").output) == []


def test_bad_profile_is_a_usage_error(db: str) -> None:
    result = invoke(db, "access", "block", "--profile", "eleve")
    assert result.exit_code == 2 and "student" in result.output.lower()
    missing = invoke(db, "access", "block", "--uai", DEMO_UAI)
    assert missing.exit_code == 2 and "--profile" in missing.output


# -- accounts show ------------------------------------------------------------------------------


def test_accounts_show_says_federation_and_local_sign_in(db: str) -> None:
    student, relative, teacher = show(db, STUDENT), show(db, RELATIVE), show(db, TEACHER)
    assert (student["federated"], student["provider"], student["local_sign_in"]) == (
        True,
        "educonnect",
        False,
    )
    assert relative["provider"] == "educonnect"
    assert (teacher["provider"], teacher["local_sign_in"], teacher["blocked"]) == (
        "agents",
        False,
        None,
    )
    # The read API's fields are all still there.
    assert (
        teacher["login"] == TEACHER and "structures" in teacher and "password_hash" not in teacher
    )


def test_local_profiles_setting_makes_a_profile_local(db: str) -> None:
    env = {"ENTCORE_AUTH_LOCAL_PROFILES": "Teacher,Guest"}
    assert show(db, TEACHER, env)["local_sign_in"] is True
    assert show(db, STUDENT, env)["local_sign_in"] is False


def test_unknown_local_profile_is_a_config_error(db: str) -> None:
    result = CliRunner().invoke(
        main,
        ["--db", db, "accounts", "show", TEACHER],
        env={"ENTCORE_CONFIG": "", "ENTCORE_AUTH_LOCAL_PROFILES": "Prof"},
    )
    assert result.exit_code == 1 and "local_profiles" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_not_federated_account_has_no_provider(demo_app: Entcore, db: str) -> None:
    with demo_app.store.connect() as connection, connection.begin():
        connection.execute(update(Account).where(Account.login == TEACHER).values(federated=False))
    data = show(db, TEACHER)
    assert (data["federated"], data["provider"]) == (False, None)
    text = invoke(db, "accounts", "show", TEACHER).output
    assert "Connexion : aucune" in text


def test_accounts_show_text_in_french(db: str) -> None:
    text = invoke(db, "accounts", "show", STUDENT).output
    assert "Connexion : EduConnect" in text and "Accès : ouvert" in text
    assert (
        "Connexion : fédération des agents (académie)"
        in invoke(db, "accounts", "show", TEACHER).output
    )
    invoke(
        db,
        "access",
        "block",
        "--uai",
        DEMO_UAI,
        "--profile",
        "Student",
        "--message",
        "Fermé",
        "--until",
        "2999-09-01",
    )
    text = invoke(db, "accounts", "show", STUDENT).output
    assert (
        f"Accès : bloqué (établissement {DEMO_UAI}, jusqu'au 01/09/2999 00:00) — « Fermé »" in text
    )


def test_accounts_show_of_a_two_school_teacher(
    schools_app: Entcore, entcore_db_url: str, login_of: Callable[[str], str]
) -> None:
    """Blocked only once both schools block; the JSON names both."""
    teacher = login_of("T1")
    invoke(entcore_db_url, "access", "block", "--uai", COLLEGE_UAI, "--profile", "Teacher")
    assert show(entcore_db_url, teacher)["blocked"] is None
    invoke(entcore_db_url, "access", "block", "--uai", LYCEE_UAI, "--profile", "Teacher")
    blocked = show(entcore_db_url, teacher)["blocked"]
    assert blocked["scope"] == "structure" and blocked["uais"] == [COLLEGE_UAI, LYCEE_UAI]
    text = invoke(entcore_db_url, "accounts", "show", teacher).output
    assert f"bloqué (établissements {COLLEGE_UAI}, {LYCEE_UAI})" in text
