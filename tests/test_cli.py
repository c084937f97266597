"""The ``entcore`` command: db, plugins, stats, and one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from entcore.cli import main
from tests.distributions import install

BROKEN = "raise ImportError('cannot import name X from entcore_missing')\n"
HELLO = """
import entcore

class Hello:
    name = "hello"
    label = "Hello connector"
    def release(self, account):
        return {"uid": [str(account["login"])]}

@entcore.hookimpl
def entcore_register_connectors(registry):
    registry.add(Hello())
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [n for n in sys.modules if n.startswith("entcore_cli_")]:
        del sys.modules[name]


def invoke(db_url: str, *args: str) -> object:
    return CliRunner().invoke(
        main, ["--db", db_url, *args], env={"ENTCORE_CONFIG": ""}, catch_exceptions=False
    )


def test_db_upgrade_and_current(entcore_db_url: str) -> None:
    """`db upgrade` migrates an empty store; `db current` shows the revision."""
    result = invoke(entcore_db_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "empty ->" in result.output
    result = invoke(entcore_db_url, "db", "current")
    assert result.exit_code == 0 and "(head " in result.output


def test_stats_json_keys(entcore_db_url: str) -> None:
    """`stats --json` is one object of integer counts with the documented keys."""
    result = invoke(entcore_db_url, "stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    for key in (
        "structures",
        "students",
        "relatives",
        "teachers",
        "personnels",
        "classes",
        "groups",
        "subjects",
        "mefs",
        "class_spaces",
        "disappeared",
    ):
        assert stats[key] == 0
    assert all(isinstance(value, int) for value in stats.values())


def test_plugins_json_lists_installed_and_failed(entcore_db_url: str, site: Path) -> None:
    """`plugins --json` shows an installed plugin with version, hooks and registrations, and a
    broken one with its error, exiting 0."""
    install(
        site,
        "entcore-cli-hello",
        "0.3",
        {"entcore_cli_hello": HELLO},
        {"clihello": "entcore_cli_hello"},
    )
    install(
        site,
        "entcore-cli-broken",
        "9.9",
        {"entcore_cli_broken": BROKEN},
        {"clibroken": "entcore_cli_broken"},
    )
    result = invoke(entcore_db_url, "plugins", "--json")
    assert result.exit_code == 0, result.output
    listing = {entry["name"]: entry for entry in json.loads(result.output)}
    hello = listing["entcore-cli-hello"]
    assert hello["version"] == "0.3" and hello["entry_point"] == "clihello = entcore_cli_hello"
    assert hello["module"] == "entcore_cli_hello" and hello["hooks"] == [
        "entcore_register_connectors"
    ]
    assert hello["provides"] == {"connectors": ["hello"]} and hello["error"] is None
    broken = listing["entcore-cli-broken"]
    assert broken["version"] == "9.9" and "ImportError" in broken["error"]
    assert "entcore" not in listing
    everything = {
        entry["name"]
        for entry in json.loads(invoke(entcore_db_url, "plugins", "--all", "--json").output)
    }
    assert "entcore" in everything


def test_commands_leave_a_broken_plugin_out(
    entcore_db_url: str, site: Path, tmp_path: Path
) -> None:
    """A command that loads plugins runs without a broken one, warning in one line; with
    plugins.strict it stops with one line naming the broken distribution."""
    install(
        site,
        "entcore-cli-broken",
        "9.9",
        {"entcore_cli_broken": BROKEN},
        {"clibroken": "entcore_cli_broken"},
    )
    feed = tmp_path / "feed"
    feed.mkdir()
    args = ["--db", entcore_db_url, "directory", "import", str(feed)]
    result = CliRunner().invoke(main, args, env={"ENTCORE_CONFIG": ""})
    assert result.exit_code == 1  # the empty folder is refused, not the plugin
    warning, error = result.output.strip().splitlines()
    assert warning.startswith("entcore: avertissement : plugins laissés de côté : ")
    assert "entcore-cli-broken 9.9" in warning
    assert "aucune source d'annuaire ne reconnaît" in error and "entcore-cli-broken 9.9" in error
    strict = CliRunner().invoke(
        main, args, env={"ENTCORE_CONFIG": "", "ENTCORE_STRICT_PLUGINS": "1"}
    )
    assert strict.exit_code == 1
    lines = strict.output.strip().splitlines()
    assert len(lines) == 1 and "le plugin entcore-cli-broken 9.9 n'a pas pu" in lines[0]
    disabled = CliRunner().invoke(
        main,
        ["--db", entcore_db_url, "plugins", "--json"],
        env={"ENTCORE_CONFIG": "", "ENTCORE_DISABLE_PLUGINS": "entcore-cli-broken"},
    )
    assert "entcore-cli-broken" not in disabled.output


def test_config_errors_are_one_line(entcore_db_url: str, tmp_path: Path) -> None:
    """A malformed configuration file stops every command with one line."""
    config = tmp_path / "bad.toml"
    config.write_text("[directory]\nprefix = 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", entcore_db_url, "--config", str(config), "stats"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "unknown key" in result.output


def test_missing_path_is_one_line(entcore_db_url: str, tmp_path: Path) -> None:
    """A path that does not exist is reported, not a traceback."""
    result = CliRunner().invoke(
        main,
        ["--db", entcore_db_url, "directory", "import", str(tmp_path / "nope")],
        env={"ENTCORE_CONFIG": ""},
    )
    assert result.exit_code == 1 and "introuvable" in result.output
