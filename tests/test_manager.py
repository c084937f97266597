"""The plugin-manager factory: built-ins, entry points, allow and block lists, failures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import entcore
from entcore.errors import PluginLoadError, PluginRegistrationError
from entcore.manager import create_plugin_manager
from tests.distributions import install

FORMAT_PLUGIN = """
import entcore
from pathlib import Path

class Format:
    name = "{fmt}"
    label = "Format {fmt}"
    def sniff(self, path, head, settings):
        return head.startswith(b"{fmt}")
    def parse(self, path, context):
        raise entcore.InvalidFileError(context.filename, "illisible")

@entcore.hookimpl
def entcore_register_timetable_formats(registry):
    registry.add(Format())
"""

BROKEN_PLUGIN = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")
raise ZeroDivisionError("the plugin is broken")
"""


FAKES = {"fake", "broken", "other"}


def fakes(plugins: object) -> list[str]:
    """Names of this module's fake plugins that are listed (other installed plugins are ignored)."""
    return sorted(info.name for info in plugins.listing() if info.name in FAKES)  # type: ignore[attr-defined]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder on sys.path, emptied of its modules afterwards."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith(("entcore_fake", "entcore_broken", "entcore_other")):
            del sys.modules[name]


def test_nothing_is_loaded_by_importing_entcore() -> None:
    """Importing entcore creates no plugin manager and imports no plugin."""
    code = (
        "import sys, entcore; "
        "assert 'entcore.manager' not in sys.modules; "
        "assert 'entcore.plugins.aaf' not in sys.modules; "
        "assert 'sqlalchemy' not in sys.modules"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


def test_builtins_are_registered_like_plugins() -> None:
    """The built-in AAF source comes through the same registration hook as external ones."""
    plugins = create_plugin_manager(load_entrypoints=False)
    assert "aaf" in plugins.directory_sources()
    info = {i.name: i for i in plugins.listing(include_builtins=True)}["aaf"]
    assert info.builtin and info.distribution == "entcore"
    assert "entcore_register_directory_sources" in info.hooks
    assert plugins.listing() == [i for i in plugins.listing(include_builtins=True) if not i.builtin]


def test_each_manager_is_independent() -> None:
    """Two factories give two managers: registering in one leaves the other alone."""
    first = create_plugin_manager(load_entrypoints=False)
    second = create_plugin_manager(load_entrypoints=False)
    from tests.plugins import registrations

    first.register(registrations)
    assert "nothing" in first.timetable_formats()
    assert "nothing" not in second.timetable_formats()


def test_entry_point_plugin_is_loaded_with_its_distribution(site: Path) -> None:
    """An installed distribution's entry point is imported, registered and described."""
    install(
        site,
        "entcore-fake",
        "1.2.3",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="fake")},
        {"fake": "entcore_fake"},
    )
    plugins = create_plugin_manager()
    info = {i.name: i for i in plugins.listing()}["fake"]
    assert (info.distribution, info.version, info.entry_point, info.module) == (
        "entcore-fake",
        "1.2.3",
        "fake = entcore_fake",
        "entcore_fake",
    )
    assert info.hooks == ("entcore_register_timetable_formats",)
    assert plugins.timetable_formats().owner("fake").distribution == "entcore-fake"
    assert plugins.provided_by("fake") == {"timetable_formats": ["fake"]}


def test_disabled_plugins_are_never_imported(site: Path, tmp_path: Path) -> None:
    """The block list applies before import: a blocked broken plugin never runs."""
    marker = tmp_path / "imported"
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(marker))},
        {"broken": "entcore_broken"},
    )
    plugins = create_plugin_manager(disable=["entcore-broken"])
    assert not marker.exists()
    assert fakes(plugins) == []
    plugins = create_plugin_manager(disable=["broken"])
    assert not marker.exists()


def test_allowlist_loads_only_named_plugins(site: Path, tmp_path: Path) -> None:
    """Only allowlisted plugins are imported; an empty allowlist loads none (built-ins stay)."""
    marker = tmp_path / "imported"
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(marker))},
        {"broken": "entcore_broken"},
    )
    install(
        site,
        "entcore-fake",
        "1.0",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="fake")},
        {"fake": "entcore_fake"},
    )
    plugins = create_plugin_manager(load=["fake"])
    assert [i.name for i in plugins.listing()] == ["fake"]
    assert not marker.exists()
    plugins = create_plugin_manager(load=[])
    assert plugins.listing() == []
    assert "aaf" in plugins.directory_sources()


def test_broken_plugin_strict_raises_naming_the_distribution(site: Path, tmp_path: Path) -> None:
    """Strict loading raises PluginLoadError naming distribution, version and entry point."""
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(tmp_path / "m"))},
        {"broken": "entcore_broken"},
    )
    with pytest.raises(PluginLoadError) as raised:
        create_plugin_manager()
    message = str(raised.value)
    assert "entcore-broken 0.1" in message and "broken = entcore_broken" in message
    assert "ZeroDivisionError" in message
    assert isinstance(raised.value.__cause__, ZeroDivisionError)


def test_broken_plugin_lenient_is_listed_with_its_error(site: Path, tmp_path: Path) -> None:
    """Lenient loading lists the failed plugin with its error and keeps the others."""
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(tmp_path / "m"))},
        {"broken": "entcore_broken"},
    )
    install(
        site,
        "entcore-fake",
        "1.0",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="fake")},
        {"fake": "entcore_fake"},
    )
    plugins = create_plugin_manager(strict=False)
    listing = {i.name: i for i in plugins.listing()}
    assert listing["broken"].error and "ZeroDivisionError" in listing["broken"].error
    assert listing["fake"].error is None
    assert "fake" in plugins.timetable_formats()


def test_two_distributions_claiming_one_name(site: Path) -> None:
    """Two distributions with the same entry-point name: the second is refused, naming both."""
    install(
        site,
        "entcore-fake",
        "1.0",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="fake")},
        {"fake": "entcore_fake"},
    )
    install(
        site,
        "entcore-other",
        "2.0",
        {"entcore_other": FORMAT_PLUGIN.format(fmt="other")},
        {"fake": "entcore_other"},
    )
    with pytest.raises(PluginRegistrationError) as raised:
        create_plugin_manager()
    assert "entcore-fake 1.0" in str(raised.value) and "entcore-other 2.0" in str(raised.value)


def test_duplicate_registered_names_name_both_plugins(site: Path) -> None:
    """Two plugins registering the same format name: the error names both plugins."""
    install(
        site,
        "entcore-fake",
        "1.0",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="same")},
        {"fake": "entcore_fake"},
    )
    install(
        site,
        "entcore-other",
        "2.0",
        {"entcore_other": FORMAT_PLUGIN.format(fmt="same")},
        {"other": "entcore_other"},
    )
    plugins = create_plugin_manager()
    with pytest.raises(PluginRegistrationError) as raised:
        plugins.timetable_formats()
    message = str(raised.value)
    assert "'same'" in message and "entcore-fake 1.0" in message and "entcore-other 2.0" in message


def test_misspelt_hook_is_refused_by_check_pending() -> None:
    """An implementation of an unknown hook fails loading, naming the plugin."""

    class Typo:
        @entcore.hookimpl
        def entcore_register_timetable_format(self, registry: object) -> None:
            raise AssertionError("never called")

    with pytest.raises(PluginRegistrationError, match="entcore_register_timetable_format"):
        create_plugin_manager(load_entrypoints=False, plugins=[Typo()])


def test_registration_of_an_incomplete_object_is_refused() -> None:
    """A registered object missing what its protocol requires is refused with a clear message."""

    class Half:
        @entcore.hookimpl
        def entcore_register_timetable_formats(
            self, registry: entcore.TimetableFormatRegistry
        ) -> None:
            registry.add(object())  # type: ignore[arg-type]

    plugins = create_plugin_manager(load_entrypoints=False, plugins=[Half()])
    with pytest.raises(PluginRegistrationError, match="timetable format"):
        plugins.timetable_formats()


def test_a_failing_registration_names_the_plugin() -> None:
    """An exception inside a registration hook is reported with the plugin that raised it."""

    class Failing:
        @entcore.hookimpl
        def entcore_register_connectors(self, registry: object) -> None:
            raise RuntimeError("boom")

    plugins = create_plugin_manager(load_entrypoints=False, plugins=[Failing()])
    with pytest.raises(PluginRegistrationError, match="boom"):
        plugins.connectors()


def test_tracing_writes_hook_calls() -> None:
    """With a trace writer, every hook call is traced."""
    lines: list[str] = []
    plugins = create_plugin_manager(
        load_entrypoints=False, trace=lambda *args: lines.append(" ".join(map(str, args)))
    )
    plugins.directory_sources()
    assert any("entcore_register_directory_sources" in line for line in lines)
