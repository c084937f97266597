"""One test per hook (``test_hook_<name>``), and the guards that keep hooks tested and documented."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import entcore
from entcore import hookspecs
from entcore.model import Profile
from tests.plugins import commands, jsonsource, recorder, registrations

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("entcore_"))


def roster(
    tmp_path: Path, students: list[dict[str, str]], name: str = "school.roster.json"
) -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "structures": [{"id": "S1", "uai": "0740001A", "name": "CLG DU LAC"}],
                "students": students,
            }
        ),
        encoding="utf-8",
    )
    return path


LEA = {
    "id": "E1",
    "last": "DUPONT",
    "first": "Léa",
    "birth": "2012-05-01",
    "structure": "S1",
    "class": "6A",
}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    """A test named ``test_hook_<hook>`` exists somewhere in the suite."""
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py")
    )
    assert re.search(rf"def test_hook_{hook}\b", sources), f"no test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_reference(hook: str) -> None:
    """The hook reference page documents every hook with its exact signature."""
    page = (ROOT / "docs" / "hooks.rst").read_text(encoding="utf-8")
    assert f".. autofunction:: entcore.hookspecs.{hook}" in page
    parameters = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"{hook}({parameters})" in page


def test_hook_entcore_register_settings(entcore_app_factory) -> None:
    """A declared section reaches the plugin with defaults, file values and env overrides."""
    app = entcore_app_factory([registrations], config="[registrations]\nretries = 7\n")
    assert "registrations" in app.plugins.settings_sections()
    assert app.plugin_settings("tests.plugins.registrations") == {
        "greeting": "bonjour",
        "retries": 7,
    }


def test_hook_entcore_register_directory_sources(entcore_app_factory, tmp_path: Path) -> None:
    """A registered source is chosen for the files it accepts and imported by the engine."""
    app = entcore_app_factory([jsonsource], builtins=False)
    report = app.directory.import_feed([roster(tmp_path, [LEA])])
    assert report.source == "roster"
    assert report.counts["students"].created == 1
    assert app.stats()["students"] == 1


def test_hook_entcore_register_timetable_formats(entcore_app_factory, tmp_path: Path) -> None:
    """A registered format is found by name and sniffs its files."""
    app = entcore_app_factory([registrations])
    formats = app.plugins.timetable_formats()
    nothing = formats.get("nothing")
    assert nothing.sniff(tmp_path / "x", b"NOTHING here", {})
    assert not nothing.sniff(tmp_path / "x", b"<xml/>", {})
    assert formats.owner("nothing").plugin == "tests.plugins.registrations"


def test_hook_entcore_register_sso_providers(entcore_app_factory) -> None:
    """A registered identity provider turns attributes into a federated identity."""
    app = entcore_app_factory([registrations])
    provider = app.plugins.sso_providers().get("test-agents")
    context = entcore.SSOContext(academy_prefix="GRE-")
    identity = provider.identify(
        entcore.Asserted("idp", "jdupont", {"ctENTPersonJointure": ["2397000"]}), context
    )
    assert identity.external_ids == ("GRE-2397000",)
    assert identity.profiles == {Profile.TEACHER}
    with pytest.raises(entcore.SignInRefused):
        provider.identify(entcore.Asserted("idp", "jdupont", {}), context)


def test_hook_entcore_register_connectors(entcore_app_factory) -> None:
    """A registered connector releases attributes for an account."""
    app = entcore_app_factory([registrations])
    connector = app.plugins.connectors().get("school-list")
    assert connector.release({"login": "lea.dupont", "profile": "Student"}) == {
        "uid": ["lea.dupont"],
        "profile": ["Student"],
    }


def test_hook_entcore_register_commands(entcore_app_factory) -> None:
    """A plugin's command group is registered under its name and owner, beside the built-in
    timetable group; the command line itself is tested in tests/test_cli_plugins.py."""
    app = entcore_app_factory([commands])
    registry = app.plugins.commands()
    assert registry.get("greet") is commands.greet
    assert registry.owner("greet").plugin == "tests.plugins.commands"
    assert registry.owner("timetable").plugin == "timetable-cli"
    assert app.plugins.provided_by("tests.plugins.commands") == {"commands": ["greet"]}


def test_hook_entcore_directory_applied(entcore_app_factory, tmp_path: Path) -> None:
    """Fired once per real import, after commit (the data is visible), never on a dry run."""
    recorder.calls.clear()
    seen: list[int] = []

    class AfterCommit:
        from entcore import hookimpl

        @hookimpl
        def entcore_directory_applied(self, app, report) -> None:  # type: ignore[no-untyped-def]
            seen.append(app.stats()["students"])

    app = entcore_app_factory([jsonsource, recorder, AfterCommit()], builtins=False)
    path = roster(tmp_path, [LEA])
    app.directory.import_feed([path], dry_run=True)
    assert recorder.calls == []
    report = app.directory.import_feed([path])
    assert [name for name, _ in recorder.calls] == ["entcore_directory_applied"]
    assert recorder.calls[0][1]["report"] is report and recorder.calls[0][1]["app"] is app
    assert report.id is not None
    assert seen == [1]
