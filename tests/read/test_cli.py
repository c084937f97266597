"""``entcore structures``, ``accounts`` and ``classes``: JSON, JSON lines, text, errors."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from click.testing import CliRunner, Result

from entcore.app import Entcore
from entcore.cli import main
from tests.read.conftest import DEMO_UAI


def invoke(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--db", db_url, *args], env={"ENTCORE_CONFIG": ""}, catch_exceptions=False
    )


@pytest.fixture
def db(demo_app: Entcore, entcore_db_url: str) -> str:
    """The URL of a store holding the demo feed."""
    return entcore_db_url


def test_structures_list_json(db: str) -> None:
    result = invoke(db, "structures", "list", "--json")
    assert result.exit_code == 0, result.output
    [college] = json.loads(result.output)
    assert college["uai"] == DEMO_UAI and college["type"] == "COLLEGE"
    text = invoke(db, "structures", "list")
    assert text.exit_code == 0 and text.output.startswith(f"{DEMO_UAI}  CLG-COLLEGE")


def test_accounts_list_json_filters(db: str) -> None:
    """--uai and --profile combine; the profile is taken whatever its case."""
    result = invoke(db, "accounts", "list", "--uai", DEMO_UAI, "--profile", "student", "--json")
    assert result.exit_code == 0, result.output
    students = json.loads(result.output)
    assert len(students) == 40 and {s["profile"] for s in students} == {"Student"}
    lucas = next(s for s in students if s["login"] == "lucas.bocquerand")
    assert [c["code"] for c in lucas["classes"]] == ["6A"]
    assert [r["login"] for r in lucas["relatives"]] == ["sandrine.bocquerand", "olivier.bocquerand"]
    assert "password_hash" not in lucas
    upper = invoke(db, "accounts", "list", "--profile", "TEACHER", "--json")
    assert upper.exit_code == 0 and len(json.loads(upper.output)) == 14
    assert json.loads(invoke(db, "accounts", "list", "--profile", "Guest", "--json").output) == []


def test_accounts_list_jsonl_streams_one_object_per_line(db: str) -> None:
    result = invoke(db, "accounts", "list", "--jsonl")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 110
    objects: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert len({o["login"] for o in objects}) == 110
    as_array = json.loads(invoke(db, "accounts", "list", "--json").output)
    assert as_array == objects


def test_accounts_list_text(db: str) -> None:
    result = invoke(db, "accounts", "list", "--uai", DEMO_UAI, "--profile", "Student")
    assert result.exit_code == 0, result.output
    assert "lucas.bocquerand" in result.output and "élève" in result.output
    assert result.output.rstrip().endswith("40 comptes.")


def test_bad_profile_is_a_usage_error_listing_the_profiles(db: str) -> None:
    result = invoke(db, "accounts", "list", "--profile", "eleve")
    assert result.exit_code == 2
    for profile in ("student", "relative", "teacher", "personnel", "guest"):
        assert profile in result.output.lower()


def test_json_and_jsonl_together_are_refused(db: str) -> None:
    result = invoke(db, "accounts", "list", "--json", "--jsonl")
    assert result.exit_code == 2 and "--jsonl" in result.output


def test_unknown_uai_is_one_french_line(db: str) -> None:
    for command in (("accounts", "list"), ("classes", "list")):
        result = invoke(db, *command, "--uai", "9999999Z", "--json")
        assert result.exit_code == 1
        assert result.output == "entcore: établissement inconnu : UAI 9999999Z\n"


def test_accounts_show(db: str) -> None:
    result = invoke(db, "accounts", "show", "melanie.ducrettaz", "--json")
    assert result.exit_code == 0, result.output
    teacher = json.loads(result.output)
    assert teacher["profile"] == "Teacher" and teacher["birth_date"] == "1982-03-14"
    assert {t["subject"] for t in teacher["teachings"]} == {"006600", "008400", "020700"}
    text = invoke(db, "accounts", "show", "melanie.ducrettaz")
    assert text.exit_code == 0
    assert "Date de naissance : 14/03/1982" in text.output
    assert "6A (professeur principal)" in text.output


def test_accounts_show_unknown_login_is_one_line(db: str) -> None:
    result = invoke(db, "accounts", "show", "marie.inconnue", "--json")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("entcore: compte introuvable")
    assert "marie.inconnue" not in result.output


def test_classes_list_json_and_text(db: str) -> None:
    result = invoke(db, "classes", "list", "--uai", DEMO_UAI, "--json")
    assert result.exit_code == 0, result.output
    classes = {c["code"]: c for c in json.loads(result.output)}
    assert sorted(classes) == ["4A", "5A", "6A", "6B"]
    assert len(classes["6A"]["students"]) == 10
    head = [t for t in classes["6A"]["teachers"] if t["role"] == "head_teacher"]
    assert [t["login"] for t in head] == ["melanie.ducrettaz"]
    lines = invoke(db, "classes", "list", "--uai", DEMO_UAI, "--jsonl").output.splitlines()
    assert [json.loads(line)["code"] for line in lines] == list(classes)
    text = invoke(db, "classes", "list", "--uai", DEMO_UAI)
    assert "6A : 10 élèves" in text.output and "(professeur principal)" in text.output


def test_classes_list_needs_a_uai(db: str) -> None:
    result = invoke(db, "classes", "list", "--json")
    assert result.exit_code == 2 and "--uai" in result.output


def test_empty_store(entcore_db_url: str) -> None:
    """An empty store lists nothing, in JSON and in French text."""
    assert json.loads(invoke(entcore_db_url, "structures", "list", "--json").output) == []
    assert invoke(entcore_db_url, "structures", "list").output == "Aucun établissement.\n"
    assert invoke(entcore_db_url, "accounts", "list", "--jsonl").output == ""
    assert invoke(entcore_db_url, "accounts", "list").output == "0 compte.\n"


def test_database_failure_mid_stream_is_one_line(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error after some lines ends the command with one line, no statement quoted."""
    from sqlalchemy.exc import OperationalError

    from entcore.read import ReadService

    real = ReadService.accounts

    def failing(self: ReadService, **options: Any) -> Any:
        views = real(self, **options)
        yield next(views)
        raise OperationalError(
            "SELECT secret FROM accounts",
            {"login": "x"},
            sqlite3.OperationalError("disk I/O error"),
        )

    monkeypatch.setattr(ReadService, "accounts", failing)
    result = invoke(db, "accounts", "list", "--jsonl")
    assert result.exit_code == 1
    first, error = result.output.splitlines()
    assert json.loads(first)["login"]
    # One line, from the store's own wording: never the statement nor its parameters.
    assert error.startswith("entcore: magasin : ")
    assert "SELECT" not in error and "secret" not in error and "'x'" not in error
