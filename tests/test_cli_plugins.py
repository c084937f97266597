"""Commands plugins add through ``entcore_register_commands``, and a command line that survives
broken plugins."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from entcore import CommandRegistry, PluginRegistrationError, create_plugin_manager, hookimpl
from entcore.cli import main
from entcore.cli.context import discover_commands
from entcore.cli.group import CORE_COMMANDS
from tests.distributions import install
from tests.plugins import badcommands, commands

BROKEN = "raise ImportError('cannot import name X from entcore_missing')\n"
STATS_CLASH = """
import click, entcore

@entcore.hookimpl
def entcore_register_commands(registry):
    registry.add(click.Group("stats"))
"""
GREET_AGAIN = """
import click, entcore

@entcore.hookimpl
def entcore_register_commands(registry):
    registry.add(click.Group("greet"))
"""
CORE = {
    "db",
    "directory",
    "plugins",
    "stats",
    "structures",
    "accounts",
    "classes",
    "access",
    "serve",
}


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entcore_db_url: str
) -> Iterator[Callable[..., Result]]:
    """Install test distributions, then run ``entcore --db URL ...`` with only them loaded."""
    site = tmp_path / "site"
    install(site, "entcore-greeter", "1.2", {}, {"greeter": "tests.plugins.commands"})
    install(site, "entcore-badcmd", "0.1", {}, {"badcmd": "tests.plugins.badcommands"})
    install(
        site,
        "entcore-broken-cmd",
        "9.9",
        {"entcore_brokencmd": BROKEN},
        {"brokencmd": "entcore_brokencmd"},
    )
    install(
        site,
        "entcore-statsclash",
        "0.1",
        {"entcore_statsclash": STATS_CLASH},
        {"statsclash": "entcore_statsclash"},
    )
    install(
        site,
        "entcore-greet-again",
        "0.1",
        {"entcore_greetagain": GREET_AGAIN},
        {"agreet": "entcore_greetagain"},
    )
    monkeypatch.syspath_prepend(str(site))

    def invoke(*args: str, load: str = "greeter", **env: str) -> Result:
        return CliRunner().invoke(
            main,
            ["--db", entcore_db_url, *args],
            env={"ENTCORE_CONFIG": "", "ENTCORE_LOAD_PLUGINS": load, **env},
            catch_exceptions=False,
        )

    yield invoke
    for name in [
        n
        for n in sys.modules
        if n.startswith(("entcore_brokencmd", "entcore_statsclash", "entcore_greetagain"))
    ]:
        del sys.modules[name]


def one_line(result: Result, fragment: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("entcore: ") and fragment in lines[0], lines


def test_a_plugin_command_group_runs(run: Callable[..., Result], entcore_db_url: str) -> None:
    """The group is listed by --help, its commands run, get the application of --db through
    pass_app, print JSON with emit_json and fail with one line."""
    listing = run("--help")
    assert listing.exit_code == 0, listing.output
    assert "greet" in listing.output and "Greetings from a test plugin." in listing.output
    assert run("greet", "hello", "Léa").output == "Bonjour Léa\n"
    stats = run("greet", "stats")
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output) == {"students": 0, "connectors": [], "db": entcore_db_url}
    one_line(run("greet", "refuse"), "refusé par le plugin")
    assert "greet hello [OPTIONS] NAME" in run("greet", "hello", "--help").output


def test_broken_plugins_leave_the_command_line_working(run: Callable[..., Result]) -> None:
    """A plugin that fails to import, one whose registration raises, one claiming a core name and
    one claiming another plugin's name are left out: --help, the core commands and the other
    plugins' commands work, and `entcore plugins` lists each with its error."""
    load = "greeter,badcmd,brokencmd,statsclash,agreet"
    listing = run("--help", load=load)
    assert listing.exit_code == 0, listing.output
    for name in [*CORE, "greet", "timetable"]:
        assert f"  {name} " in listing.output, name
    assert run("greet", "hello", "Léa", load=load).output == "Bonjour Léa\n"
    assert run("timetable", "--help", load=load).exit_code == 0

    result = run("plugins", "--json", load=load)
    assert result.exit_code == 0, result.output
    entries = {entry["plugin"]: entry for entry in json.loads(result.output)}
    assert entries["greeter"]["error"] is None
    assert entries["greeter"]["provides"] == {"commands": ["greet"]}
    assert entries["greeter"]["hooks"] == ["entcore_register_commands"]
    bad = entries["badcmd"]["error"]
    assert "entcore-badcmd 0.1" in bad and "entcore_register_commands" in bad
    assert "commande cassée" in bad
    assert "ImportError" in entries["brokencmd"]["error"]
    assert "'stats'" in entries["statsclash"]["error"] and "core" in entries["statsclash"]["error"]
    again = entries["agreet"]["error"]
    assert "'greet'" in again and "entcore-greeter 1.2" in again
    assert all(entries[name]["provides"] == {} for name in ("badcmd", "statsclash", "agreet"))

    text = run("plugins", load=load)
    assert (
        text.exit_code == 0
        and "entcore-badcmd 0.1 (badcmd = tests.plugins.badcommands): FAILED" in text.output
    )
    core = run("stats", "--json", load=load)
    assert core.exit_code == 0 and json.loads(core.stdout)["students"] == 0
    # The command names, in one warning line, the plugins it left out.
    assert core.stderr.count("\n") == 1 and "entcore-badcmd 0.1" in core.stderr


def test_unknown_command_and_core_commands_without_plugins(run: Callable[..., Result]) -> None:
    """An unknown name is a usage error; core commands never depend on plugin discovery."""
    unknown = run("nosuch")
    assert unknown.exit_code == 2 and "No such command 'nosuch'" in unknown.output
    assert run("db", "current").exit_code == 0


def test_timetable_commands_come_through_the_hook(run: Callable[..., Result]) -> None:
    """Disabling the built-in timetable-cli plugin removes `entcore timetable`, nothing else."""
    listing = run("--help", ENTCORE_DISABLE_PLUGINS="timetable-cli")
    assert listing.exit_code == 0
    assert "  timetable " not in listing.output and "  greet " in listing.output
    assert (
        run(
            "timetable", "reports", "--uai", "0740001A", ENTCORE_DISABLE_PLUGINS="timetable-cli"
        ).exit_code
        == 2
    )
    everything = json.loads(run("plugins", "--all", "--json").output)
    builtin = {entry["plugin"]: entry for entry in everything}["timetable-cli"]
    assert builtin["builtin"] and builtin["provides"] == {"commands": ["timetable"]}


def test_a_broken_configuration_still_gives_help(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    """A configuration file that cannot be read leaves plugin commands out of --help, and every
    command says what is wrong in one line."""
    config = tmp_path / "bad.toml"
    config.write_text("[directory\n", encoding="utf-8")
    listing = run("--help", ENTCORE_CONFIG=str(config))
    assert listing.exit_code == 0 and "  stats " in listing.output
    assert "  greet " not in listing.output
    one_line(run("plugins", ENTCORE_CONFIG=str(config)), "bad.toml")
    one_line(run("greet", "stats", ENTCORE_CONFIG=str(config)), "bad.toml")


def test_the_registry_checks_commands_in_one_place() -> None:
    """Type, name, core names and duplicates are refused, naming the plugin."""

    class Plugin:
        def __init__(self, *items: object):
            self.items = items

        @hookimpl
        def entcore_register_commands(self, registry: CommandRegistry) -> None:
            for item in self.items:
                registry.add(item)  # type: ignore[arg-type]

    def refused(*items: object) -> str:
        plugins = create_plugin_manager(load_entrypoints=False, plugins=[Plugin(*items)])
        with pytest.raises(PluginRegistrationError) as raised:
            plugins.commands()
        return str(raised.value)

    assert "not a click.Command" in refused(lambda: None)
    assert "invalid name 'Greet'" in refused(click.Group("Greet"))
    assert "taken by the core" in refused(click.Command("directory"))
    clash = refused(click.Group("timetable"))
    assert (
        "command 'timetable'" in clash and "plugin 'timetable-cli'" in clash and "already" in clash
    )
    assert "already registered" in refused(click.Group("x"), click.Command("x"))


def test_core_command_names_are_reserved() -> None:
    """Every core command's name is one the registry refuses to plugins."""
    names = {command.name for command in CORE_COMMANDS}
    assert names == CORE and names <= CommandRegistry.RESERVED


def test_discovery_leaves_out_only_the_raising_plugin() -> None:
    """The lenient discovery unregisters the plugin whose registration raises, lists it as failed,
    and keeps every other plugin's commands."""
    plugins = create_plugin_manager(
        load_entrypoints=False, strict=False, plugins=[commands, badcommands]
    )
    found = discover_commands(plugins)
    assert sorted(found) == ["greet", "timetable"]
    assert [info.name for info in plugins.failures] == ["tests.plugins.badcommands"]
    assert "commande cassée" in (plugins.failures[0].error or "")
    assert not plugins.pm.has_plugin("tests.plugins.badcommands")


def test_python_dash_m_entcore_lists_commands() -> None:
    """`python -m entcore --help` runs the same command."""
    result = subprocess.run(
        [sys.executable, "-m", "entcore", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ENTCORE_LOAD_PLUGINS": ""},
    )
    assert "Usage: entcore" in result.stdout and "  timetable " in result.stdout


def test_help_opens_no_store() -> None:
    """`entcore --help` discovers plugin commands without importing SQLAlchemy: it stays fast."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from entcore.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0 and '  timetable ' in result.output, result.output\n"
        "assert 'sqlalchemy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PATH": "", "ENTCORE_CONFIG": ""})


def test_no_warning_on_every_invocation(
    run: Callable[..., Result], tmp_path: Path, entcore_db_url: str
) -> None:
    """A broken plugin is not announced on stderr by --help or by commands that do not need it:
    `entcore plugins` lists it, and a command that needs it fails with one line."""
    env = {
        "PATH": "",
        "ENTCORE_CONFIG": "",
        "ENTCORE_LOAD_PLUGINS": "greeter,badcmd,brokencmd",
        "PYTHONPATH": f"{tmp_path / 'site'}:{Path(__file__).resolve().parents[1]}",
    }

    def entcore(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "entcore", "--db", entcore_db_url, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    listing = entcore("--help")
    assert listing.returncode == 0 and "  greet " in listing.stdout and listing.stderr == ""
    hello = entcore("greet", "hello", "Léa")
    assert (hello.returncode, hello.stdout, hello.stderr) == (0, "Bonjour Léa\n", "")
    # A command that loads the plugins works without the faulty ones and names them once.
    needs_plugins = entcore("greet", "stats")
    assert needs_plugins.returncode == 0 and json.loads(needs_plugins.stdout)["students"] == 0
    assert needs_plugins.stderr.count("\n") == 1
    assert "plugins laissés de côté" in needs_plugins.stderr
    assert "entcore-broken-cmd 9.9" in needs_plugins.stderr
    # Strict loading, on request, stops at the faulty plugin in one line.
    env["ENTCORE_STRICT_PLUGINS"] = "1"
    strict = entcore("greet", "stats")
    assert strict.returncode == 1 and strict.stdout == ""
    assert strict.stderr.count("\n") == 1 and "entcore-broken-cmd 9.9" in strict.stderr


def test_a_misspelt_hook_leaves_help_and_core_commands_working(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    """A hook name with a typo leaves that plugin out: --help lists the core commands and the
    other plugins' commands, `entcore plugins` names the typo, and commands warn in one line."""
    install(
        tmp_path / "site",
        "entcore-typo",
        "0.2",
        {
            "entcore_typo": "import entcore\n\n@entcore.hookimpl\ndef entcore_register_comands(registry):\n    pass\n"
        },
        {"typo": "entcore_typo"},
    )
    try:
        listing = run("--help", load="greeter,typo")
        assert listing.exit_code == 0, listing.output
        assert "  stats " in listing.output and "  greet " in listing.output
        plugins = run("plugins", "--json", load="greeter,typo")
        assert plugins.exit_code == 0
        entries = {entry["plugin"]: entry for entry in json.loads(plugins.stdout)}
        assert "entcore_register_comands" in entries["typo"]["error"]
        assert entries["greeter"]["error"] is None
        stats = run("stats", "--json", load="greeter,typo")
        assert stats.exit_code == 0 and json.loads(stats.stdout)["students"] == 0
        assert stats.stderr.count("\n") == 1 and "entcore-typo 0.2" in stats.stderr
    finally:
        sys.modules.pop("entcore_typo", None)
