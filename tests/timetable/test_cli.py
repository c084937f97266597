"""``entcore timetable``: every command, its JSON shapes, exit codes and one-line errors.

The test format is installed as a real distribution (entry point ``ttjson``)
and ``ENTCORE_LOAD_PLUGINS=ttjson`` keeps the installed EDT/UDT/STS plugins
out, so the command sees exactly one timetable format.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from entcore import Entcore
from entcore.cli import main
from tests.distributions import install
from tests.timetable.builders import (
    UAI,
    minimal_directory,
    minimal_snapshot,
    populate,
    snapshot_file,
)

Factory = Callable[..., Entcore]


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entcore_app_factory: Factory,
    entcore_db_url: str,
) -> Callable[..., Result]:
    """Run ``entcore --db URL timetable ...`` on a store holding the §10.2 directory."""
    site = tmp_path / "site"
    install(site, "entcore-ttjson-tests", "1.0", {}, {"ttjson": "tests.timetable.snapshot_format"})
    monkeypatch.syspath_prepend(str(site))
    app = entcore_app_factory()
    populate(app, minimal_directory())
    app.close()

    def run(*args: str) -> Result:
        return CliRunner().invoke(
            main,
            ["--db", entcore_db_url, *args],
            env={"ENTCORE_CONFIG": "", "ENTCORE_LOAD_PLUGINS": "ttjson"},
            catch_exceptions=False,
        )

    return run


def one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("entcore: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_import_validate_and_sessions(cli: Callable[..., Result], tmp_path: Path) -> None:
    """import prints the id and the report; validate applies it; sessions lists the cahier de textes."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    result = cli("timetable", "import", str(path), "--uai", UAI, "--as-of", "2024-08-30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Import n° 1 en attente de validation"
    assert "Bilan préliminaire d'import des données de vie scolaire" in lines[1]
    assert "  - 3 matières ajoutées" in lines
    assert "Valider cet import : entcore timetable validate 1" in lines
    result = cli("timetable", "validate", "1")
    assert result.exit_code == 0 and result.output.strip() == "Import n° 1 validé"
    result = cli("timetable", "sessions", "--uai", UAI, "--json")
    sessions = json.loads(result.output)
    assert len(sessions) == 55
    assert set(sessions[0]) == {
        "key",
        "series",
        "date",
        "start",
        "end",
        "subject",
        "subject_label",
        "teachers",
        "teacher_logins",
        "classes",
        "groups",
        "rooms",
        "status",
        "kind",
        "school_year",
    }
    result = cli(
        "timetable",
        "sessions",
        "--uai",
        UAI,
        "--class",
        "6A",
        "--from",
        "2024-09-02",
        "--to",
        "2024-09-08",
        "--json",
    )
    (monday,) = json.loads(result.output)
    assert (monday["start"], monday["end"], monday["teachers"], monday["rooms"]) == (
        "2024-09-02T08:00:00+02:00",
        "2024-09-02T09:50:00+02:00",
        ["MARTIN Claire"],
        ["S101"],
    )
    result = cli("timetable", "sessions", "--uai", UAI, "--teacher", "lea.petit")
    assert result.exit_code == 0
    assert result.output.startswith("2024-09-16 08:00–09:50  MATHS")
    result = cli("timetable", "sessions", "--uai", UAI, "--group", "6AB ANGL G1", "--json")
    assert {s["status"] for s in json.loads(result.output)} == {"active", "cancelled"}
    stats = json.loads(cli("stats", "--json").output)
    assert (stats["timetable_imports"], stats["sessions"]) == (1, 54)


def test_json_cancel_and_refusals(cli: Callable[..., Result], tmp_path: Path) -> None:
    """import --json prints the report object; cancel; validating a cancelled import fails in one line."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    result = cli("timetable", "import", str(path), "--uai", UAI, "--as-of", "2024-08-30", "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["id"], report["status"], report["sessions"]) == (1, "pending", {"delta": 54})
    result = cli("timetable", "cancel", "1", "--json")
    assert json.loads(result.output)["status"] == "cancelled"
    one_line_error(cli("timetable", "validate", "1"), "l'import n° 1 est annulé")
    one_line_error(cli("timetable", "cancel", "42"), "import d'emploi du temps inconnu : n° 42")
    result = cli("timetable", "import", str(path), "--uai", UAI, "--as-of", "rentrée")
    assert result.exit_code == 2 and "--as-of" in result.output


def test_reports_and_renderings(cli: Callable[..., Result], tmp_path: Path) -> None:
    """reports lists the Bilans d'import; report renders one as text, html, json or csv."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    cli("timetable", "import", str(path), "--uai", UAI, "--as-of", "2024-08-30")
    cli("timetable", "validate", "1")
    cli("timetable", "import", str(path), "--uai", UAI, "--as-of", "2024-08-30")
    result = cli("timetable", "reports", "--uai", UAI)
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("n° 2 — ") and lines[0].endswith(
        "TTJSON — 2024-2025 — en attente — export.json"
    )
    assert "— validé —" in lines[1]
    listed = json.loads(cli("timetable", "reports", "--uai", UAI, "--json").output)
    assert [(r["id"], r["status"]) for r in listed] == [(2, "pending"), (1, "validated")]
    text = cli("timetable", "report", "1").output
    assert "import validé" in text.splitlines()[0] and "0 matière modifiée" in text
    page = cli("timetable", "report", "1", "--format", "html").output
    assert page.startswith("<!DOCTYPE html>") and "ED.PHYSIQUE &amp; SPORT." in page
    data = json.loads(cli("timetable", "report", "2", "--format", "json").output)
    assert data == listed[0]
    rows = list(
        csv.reader(
            io.StringIO(cli("timetable", "report", "2", "--format", "csv").output), delimiter=";"
        )
    )
    assert rows[0] == ["rubrique", "clé", "libellé", "valeur"]
    assert ["Séances", "sessions.delta", "0 séance en plus depuis l'import précédent", "0"] in rows
    result = cli("timetable", "report", "2", "--format", "pdf")
    assert result.exit_code == 2
    one_line_error(cli("timetable", "reports", "--uai", "0111111A"), "établissement inconnu")


def test_mappings_and_mode(cli: Callable[..., Result]) -> None:
    """map, mappings, unmap and mode, in text and JSON."""
    result = cli("timetable", "map", "--uai", UAI, "group", "ANGL G1", "6AB ANGL G1", "--json")
    assert json.loads(result.output)["target"] == "6AB ANGL G1"
    result = cli("timetable", "map", "--uai", UAI, "teacher", "EEEEFFFFGGGGHHHH", "paul.durand")
    assert (
        result.output.strip()
        == "Rapprochement enregistré : teacher EEEEFFFFGGGGHHHH -> paul.durand"
    )
    mappings = json.loads(cli("timetable", "mappings", "--uai", UAI, "--json").output)
    assert [(m["kind"], m["source"], m["target"]) for m in mappings] == [
        ("group", "ANGL G1", "6AB ANGL G1"),
        ("teacher", "EEEEFFFFGGGGHHHH", "paul.durand"),
    ]
    assert cli("timetable", "mappings", "--uai", UAI).output.splitlines()[0] == (
        "group\tANGL G1 -> 6AB ANGL G1"
    )
    assert cli("timetable", "unmap", "--uai", UAI, "group", "angl g1").exit_code == 0
    one_line_error(
        cli("timetable", "map", "--uai", UAI, "class", "6C", "5Z"), "classe introuvable", "5Z"
    )
    assert cli("timetable", "map", "--uai", UAI, "room", "A", "B").exit_code == 2
    assert (
        cli("timetable", "mode", "--uai", UAI).output.strip()
        == f"{UAI} : mode de pilotage directory"
    )
    result = cli("timetable", "mode", "--uai", UAI, "timetable")
    assert result.output.strip() == f"{UAI} : mode de pilotage timetable"
    assert cli("timetable", "mode", "--uai", UAI, "both").exit_code == 2


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["--format", "edt"],
            ["format d'emploi du temps non installé : edt", "formats installés : ttjson"],
        ),
        (["--uai", "0111111A"], ["établissement inconnu : UAI 0111111A"]),
    ],
)
def test_one_line_errors(
    cli: Callable[..., Result], tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    """A missing plugin or an unknown school: one French line, exit status 1, nothing pending."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    base = ["timetable", "import", str(path)]
    if "--uai" not in args:
        base += ["--uai", UAI]
    one_line_error(cli(*base, *args), *fragments)
    assert json.loads(cli("timetable", "reports", "--uai", UAI, "--json").output) == []


def test_unrecognised_and_missing_files(cli: Callable[..., Result], tmp_path: Path) -> None:
    """A file no format recognises names the installed formats; a missing file is one line too."""
    other = tmp_path / "emploi_du_temps.csv"
    other.write_text("jour;heure;classe\nlundi;8h;6A\n", encoding="utf-8")
    one_line_error(
        cli("timetable", "import", str(other), "--uai", UAI),
        "emploi_du_temps.csv",
        "aucun format d'emploi du temps installé",
        "ttjson",
    )
    one_line_error(
        cli("timetable", "import", str(tmp_path / "absent.xml"), "--uai", UAI),
        "fichier introuvable",
    )
    assert json.loads(cli("timetable", "reports", "--uai", UAI, "--json").output) == []


def _shape(value: Any) -> Any:
    return (
        {k: _shape(v) for k, v in value.items()}
        if isinstance(value, dict)
        else type(value).__name__
    )


def test_report_json_counts_are_integers(cli: Callable[..., Result], tmp_path: Path) -> None:
    """Every count of the report's JSON is an integer."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    report = json.loads(cli("timetable", "import", str(path), "--uai", UAI, "--json").output)
    for key in (
        "subjects",
        "closure_periods",
        "alternations",
        "teaching_services",
        "sessions",
        "classes",
        "option_groups",
        "teachers",
    ):
        assert set(_shape(report[key]).values()) == {"int"}, key
    assert {_shape(v)["delta"] for v in report["weekly"].values()} == {"int"}
    assert report["as_of"] is None
