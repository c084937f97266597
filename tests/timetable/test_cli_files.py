"""``entcore timetable import`` with several files and ``--school-year``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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

STS_FIXTURES = Path(__file__).resolve().parents[2] / "plugins/sts/tests/fixtures"


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entcore_app_factory: Factory,
    entcore_db_url: str,
) -> Callable[..., Result]:
    """Run ``entcore --db URL ...`` with the test format only, on the §10.2 directory."""
    site = tmp_path / "site"
    install(site, "entcore-ttjson-tests", "1.0", {}, {"ttjson": "tests.timetable.snapshot_format"})
    monkeypatch.syspath_prepend(str(site))
    app = entcore_app_factory()
    populate(app, minimal_directory())
    app.close()

    def run(*args: str, plugins: str = "ttjson") -> Result:
        return CliRunner().invoke(
            main,
            ["--db", entcore_db_url, *args],
            env={"ENTCORE_CONFIG": "", "ENTCORE_LOAD_PLUGINS": plugins},
            catch_exceptions=False,
        )

    return run


def one_line_error(result: Result, fragment: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("entcore: "), result.stderr
    assert fragment in lines[0], lines[0]


def test_several_files_for_a_single_file_format(cli: Callable[..., Result], tmp_path: Path) -> None:
    """Two files of a format that reads one: a one-line French error, nothing stored."""
    first = snapshot_file(tmp_path, minimal_snapshot(), "a.json")
    second = snapshot_file(tmp_path, minimal_snapshot(), "b.json")
    result = cli("timetable", "import", str(first), str(second), "--uai", UAI)
    one_line_error(
        result, "le format ttjson lit un seul fichier par import (2 donnés : a.json, b.json)"
    )
    assert json.loads(cli("stats", "--json").output)["timetable_imports"] == 0


def test_school_year_option(cli: Callable[..., Result], tmp_path: Path) -> None:
    """--school-year must be AAAA-AAAA (a usage error otherwise) and the file's year."""
    path = snapshot_file(tmp_path, minimal_snapshot())
    result = cli("timetable", "import", str(path), "--uai", UAI, "--school-year", "2024")
    assert result.exit_code == 2 and "AAAA-AAAA" in result.output
    one_line_error(
        cli("timetable", "import", str(path), "--uai", UAI, "--school-year", "2025-2026"),
        "le fichier couvre l'année scolaire 2024-2025, pas 2025-2026 (--school-year)",
    )
    result = cli(
        "timetable", "import", str(path), "--uai", UAI, "--school-year", "2024-2025", "--json"
    )
    assert result.exit_code == 0 and json.loads(result.output)["school_year"] == "2024-2025"
    result = cli("timetable", "import", "--uai", UAI)
    assert result.exit_code == 2 and "give FILE and --uai" in result.output


@pytest.mark.skipif(not STS_FIXTURES.is_dir(), reason="the sts plugin's fixtures are not here")
def test_sts_pair(cli: Callable[..., Result]) -> None:
    """sts_emp + emp_sts in one import, with the installed sts plugin."""
    pytest.importorskip("entcore_sts")
    files = [
        str(STS_FIXTURES / name)
        for name in ("sts_emp_0999999X_2024.xml", "emp_sts_0999999X_2024.xml")
    ]
    result = cli("timetable", "import", *files, "--uai", UAI, "--json", plugins="sts")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["format"] == "sts"
    assert report["file_name"] == "sts_emp_0999999X_2024.xml + emp_sts_0999999X_2024.xml"
    assert report["teachers"]["imported"] >= 1
