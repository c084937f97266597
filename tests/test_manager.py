"""The plugin-manager factory: built-ins, entry points, allow and block lists, failures."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

import entcore
from entcore import hookspecs
from entcore.errors import (
    EntcoreDeprecationWarning,
    LifecycleHookError,
    PluginIncompatibleError,
    PluginLoadError,
    PluginRegistrationError,
    PluginUnavailableError,
)
from entcore.manager import create_plugin_manager
from tests.distributions import install
from tests.plugins import registrations, wrappers

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


# -- registration hooks go through pluggy ----------------------------------------------------


def test_new_style_wrapper_on_a_registration_hook_runs() -> None:
    """A ``wrapper=True`` implementation runs around the others and is credited with what it adds."""
    wrapper = wrappers.NewStyleWrapper()
    plugins = create_plugin_manager(
        load_entrypoints=False,
        builtins=False,
        plugins=[wrappers.Plain("alpha"), wrapper, wrappers.Plain("beta")],
    )
    formats = plugins.timetable_formats()
    assert wrapper.seen == [([], ["beta", "alpha"])]
    assert formats.names() == ["beta", "alpha", "wrapped"]
    owners = {name: formats.owner(name).plugin for name in formats.names()}
    assert owners["wrapped"] == plugins.pm.get_name(wrapper)
    assert owners["alpha"] != owners["beta"] != owners["wrapped"]


def test_old_style_hookwrapper_on_a_registration_hook_runs() -> None:
    """A ``hookwrapper=True`` implementation receives the outcome and can still register."""
    wrapper = wrappers.OldStyleWrapper()
    plugins = create_plugin_manager(
        load_entrypoints=False, builtins=False, plugins=[registrations, wrapper]
    )
    connectors = plugins.connectors()
    assert wrapper.seen == [[]]  # registration hooks return nothing; the call succeeded
    assert connectors.names() == ["school-list", "late"]
    assert connectors.owner("late").plugin == plugins.pm.get_name(wrapper)
    assert connectors.owner("school-list").plugin == "tests.plugins.registrations"


def test_tryfirst_and_trylast_order_registration() -> None:
    """Registration follows pluggy's call order: tryfirst first, trylast last, then newest first."""
    plugins = create_plugin_manager(
        load_entrypoints=False,
        builtins=False,
        plugins=[wrappers.Last(), wrappers.Plain("old"), wrappers.First(), wrappers.Plain("new")],
    )
    assert plugins.timetable_formats().names() == ["first", "new", "old", "last"]


def test_hookcall_monitoring_sees_registration_hooks() -> None:
    """pluggy's hook-call monitoring observes registration hooks with their implementations."""
    plugins = create_plugin_manager(load_entrypoints=False, plugins=[registrations])
    calls: list[tuple[str, list[str]]] = []
    undo = plugins.pm.add_hookcall_monitoring(
        lambda hook, impls, kwargs: calls.append((hook, [i.plugin_name for i in impls])),
        lambda outcome, hook, impls, kwargs: None,
    )
    try:
        plugins.timetable_formats()
        plugins.directory_sources()
    finally:
        undo()
    assert ("entcore_register_timetable_formats", ["tests.plugins.registrations"]) in calls
    assert ("entcore_register_directory_sources", ["aaf"]) in calls


def test_an_error_passing_through_a_wrapper_is_credited_to_its_raiser() -> None:
    """The wrapper sees the inner error (pluggy semantics); the message names the raiser."""
    catching = wrappers.CatchingWrapper()
    plugins = create_plugin_manager(load_entrypoints=False, plugins=[wrappers.Raising(), catching])
    raising = next(name for name in plugins.pm.list_name_plugin() if "Raising" in name[0])[0]
    with pytest.raises(PluginRegistrationError) as raised:
        plugins.timetable_formats()
    assert [str(error) for error in catching.caught] == ["registration failed"]
    assert raising in str(raised.value) and "RuntimeError: registration failed" in str(raised.value)
    assert "CatchingWrapper" not in str(raised.value)


def test_a_wrapper_failing_after_yield_is_named_and_left_out() -> None:
    """A wrapper raising in its teardown is the one named; lenient, it alone is left out."""
    plugins = create_plugin_manager(
        load_entrypoints=False,
        builtins=False,
        plugins=[wrappers.Plain("kept"), wrappers.FailingAfterYield()],
    )
    with pytest.raises(PluginRegistrationError, match=r"FailingAfterYield.*LookupError"):
        plugins.timetable_formats()
    lenient = create_plugin_manager(
        load_entrypoints=False,
        builtins=False,
        strict=False,
        plugins=[wrappers.Plain("kept"), wrappers.FailingAfterYield()],
    )
    assert lenient.timetable_formats().names() == ["kept"]  # its "half" format went with it
    [failed] = lenient.failures
    assert "FailingAfterYield" in failed.name and failed.stage == "registration"
    assert "LookupError: teardown failed" in (failed.error or "")


def test_lenient_registration_failure_leaves_the_plugin_out_everywhere() -> None:
    """A registration hook raising: the plugin is left out of every registry, the others stay."""
    plugins = create_plugin_manager(
        load_entrypoints=False, strict=False, plugins=[registrations, wrappers.Raising()]
    )
    assert plugins.connectors().names() == ["from-raising", "school-list"]
    formats = plugins.timetable_formats()
    assert formats.names() == ["nothing"]  # "partial" was added before the raise: gone
    assert "from-raising" not in plugins.registries()["connectors"]
    [failed] = plugins.failures
    assert failed.stage == "registration" and failed.hooks == (
        "entcore_register_connectors",
        "entcore_register_timetable_formats",
    )
    assert "RuntimeError: registration failed" in (failed.error or "")
    assert failed in plugins.listing()


def test_lenient_misspelt_hook_leaves_the_plugin_out() -> None:
    """An unknown hook name, lenient: the plugin is listed with the misspelt name, others load."""

    class Typo:
        @entcore.hookimpl
        def entcore_register_timetable_format(self, registry: object) -> None:
            raise AssertionError("never called")

    plugins = create_plugin_manager(
        load_entrypoints=False, strict=False, plugins=[Typo(), registrations]
    )
    [failed] = plugins.failures
    assert failed.stage == "hooks" and "entcore_register_timetable_format" in (failed.error or "")
    assert plugins.timetable_formats().names() == ["nothing"]
    assert plugins.pm.get_plugin(failed.name) is None


def test_registering_through_pm_hook_directly_keeps_attribution() -> None:
    """Calling ``pm.hook.<name>`` directly (as an embedder might) still credits each plugin."""
    plugins = create_plugin_manager(load_entrypoints=False, plugins=[registrations])
    formats = entcore.TimetableFormatRegistry()
    plugins.pm.hook.entcore_register_timetable_formats(registry=formats)
    assert formats.owner("nothing").plugin == "tests.plugins.registrations"


# -- deprecation of a hook argument ------------------------------------------------------------


class DeprecatedArgumentSpec:
    """A specification the way entcore deprecates an argument (see hookspecs' module docs)."""

    @hookspecs._spec(
        warn_on_impl_args={
            "path": EntcoreDeprecationWarning(
                "entcore_test_exported(path) is deprecated since 0.2: use file; removed in 1.0"
            )
        }
    )
    def entcore_test_exported(self, file: object, path: object) -> None:
        """A file was exported (``path`` is the old name of ``file``)."""


def test_deprecated_hook_argument_warns_at_the_plugin() -> None:
    """``warn_on_impl_args``: an implementation asking for the old argument gets an
    EntcoreDeprecationWarning pointing at its own source line; the new one does not."""
    plugins = create_plugin_manager(load_entrypoints=False, builtins=False)
    plugins.pm.add_hookspecs(DeprecatedArgumentSpec)

    class Old:
        @entcore.hookimpl
        def entcore_test_exported(self, path: object) -> None:
            received.append(path)

    class New:
        @entcore.hookimpl
        def entcore_test_exported(self, file: object) -> None:
            received.append(file)

    received: list[object] = []
    with pytest.warns(EntcoreDeprecationWarning, match="use file") as warned:
        plugins.register(Old(), "old")
    assert warned[0].filename == __file__
    assert warned[0].lineno == Old.entcore_test_exported.__code__.co_firstlineno
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plugins.register(New(), "new")
    plugins.pm.hook.entcore_test_exported(file="a.xml", path="a.xml")
    assert received == ["a.xml", "a.xml"]


# -- versions, unavailable plugins, lifecycle failures -----------------------------------------


def test_incompatible_entcore_range_is_never_imported(site: Path, tmp_path: Path) -> None:
    """A distribution requiring another entcore is refused before import (strict) or listed."""
    marker = tmp_path / "imported"
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(marker))},
        {"broken": "entcore_broken"},
        requires=["entcore<0.1", "pytest; extra == 'test'"],
    )
    install(
        site,
        "entcore-fake",
        "1.0",
        {"entcore_fake": FORMAT_PLUGIN.format(fmt="fake")},
        {"fake": "entcore_fake"},
        requires=[f"entcore>={entcore.__version__},<99", "entcore<0; extra == 'test'"],
    )
    with pytest.raises(PluginIncompatibleError) as raised:
        create_plugin_manager()
    assert raised.value.required == "<0.1" and raised.value.running == entcore.__version__
    assert "entcore-broken 0.1" in str(raised.value)
    plugins = create_plugin_manager(strict=False)
    listing = {info.name: info for info in plugins.listing()}
    assert listing["broken"].stage == "compatibility"
    assert f"entcore <0.1, entcore {entcore.__version__} est installé" in (
        listing["broken"].error or ""
    )
    assert listing["fake"].error is None and "fake" in plugins.timetable_formats()
    assert not marker.exists()


def test_asking_for_a_left_out_plugin_says_why(site: Path, tmp_path: Path) -> None:
    """A format or source named after a left-out plugin: the plugin's error, in one line."""
    install(
        site,
        "entcore-broken",
        "0.0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(tmp_path / "m"))},
        {"broken": "entcore_broken"},
    )
    plugins = create_plugin_manager(strict=False)
    with pytest.raises(PluginUnavailableError) as raised:
        plugins.check_available("broken")
    assert str(raised.value).startswith("le plugin entcore-broken 0.0.1 n'a pas pu être chargé")
    assert "\n" not in str(raised.value)
    plugins.check_available("edt-or-anything-else")
    assert "entcore-broken 0.0.1" in plugins.failures_hint()


def test_lifecycle_hook_failure_names_the_plugin_and_keeps_the_import(
    entcore_app_factory, tmp_path: Path
) -> None:
    """A raising entcore_directory_applied: LifecycleHookError naming the plugin; committed."""
    from tests.plugins import faulty, jsonsource
    from tests.test_hooks import LEA, roster

    app = entcore_app_factory([jsonsource, faulty], builtins=False)
    with pytest.raises(LifecycleHookError) as raised:
        app.directory.import_feed([roster(tmp_path, [LEA])])
    error = raised.value
    assert error.hook == "entcore_directory_applied"
    assert error.plugin is not None and error.plugin.plugin == "tests.plugins.faulty"
    assert isinstance(error.cause, OSError) and error.__cause__ is error.cause
    report = error.committed
    assert report.id is not None and report.counts["students"].created == 1
    assert str(error).startswith(f"import d'annuaire n° {report.id} enregistré, mais le plugin")
    assert app.stats()["students"] == 1


def test_plugin_refused_by_pluggy_validation_is_left_out() -> None:
    """An implementation asking for an argument the hook lacks: strict raises naming the plugin
    and the argument; lenient leaves it out and registers the others."""

    class Extra:
        @entcore.hookimpl
        def entcore_register_connectors(self, registry: object, session: object) -> None:
            raise AssertionError("never called")

    with pytest.raises(PluginRegistrationError, match="session"):
        create_plugin_manager(load_entrypoints=False, plugins=[Extra(), registrations])
    plugins = create_plugin_manager(
        load_entrypoints=False, strict=False, plugins=[Extra(), registrations]
    )
    [failed] = plugins.failures
    assert failed.stage == "registration" and "session" in (failed.error or "")
    assert "\n" not in (failed.error or "")
    assert plugins.connectors().names() == ["school-list"]


def test_settings_section_of_a_left_out_plugin_does_not_block_the_others(
    entcore_app_factory, site: Path, tmp_path: Path
) -> None:
    """The configuration names a section of a plugin that failed to load: lenient, the other
    plugins and the core still load (the section cannot be checked); strict, the load error."""
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": BROKEN_PLUGIN.format(marker=str(tmp_path / "m"))},
        {"broken": "entcore_broken"},
    )
    config = "[broken]\nanything = 1\n"
    app = entcore_app_factory(entrypoints=True, strict=False, config=config)
    assert "aaf" in app.plugins.directory_sources()
    assert [info.name for info in app.plugins.failures] == ["broken"]
    strict = entcore_app_factory(entrypoints=True, config=config)
    with pytest.raises(PluginLoadError):
        strict.plugins  # noqa: B018


def test_plugin_exiting_at_import_is_left_out(site: Path) -> None:
    """A plugin module that calls sys.exit() when imported is a failed import, not an exit."""
    install(
        site,
        "entcore-broken",
        "0.1",
        {"entcore_broken": "import sys\nsys.exit(2)\n"},
        {"broken": "entcore_broken"},
    )
    plugins = create_plugin_manager(strict=False)
    [failed] = [info for info in plugins.failures if info.name == "broken"]
    assert failed.stage == "import" and "SystemExit: 2" in (failed.error or "")
    with pytest.raises(PluginLoadError):
        create_plugin_manager()
