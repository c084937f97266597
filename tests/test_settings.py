"""Settings: TOML file, environment overrides, plugin sections, validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from entcore.errors import ConfigError
from entcore.settings import load_settings
from entcore.settings_spec import Setting, SettingsSection
from tests.plugins import registrations


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "entcore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment() -> None:
    """Every core key has a default."""
    settings = load_settings(environ={})
    assert settings.db_url == "sqlite:///entcore.db"
    assert settings.core("directory") == {
        "academy_prefix": "",
        "delete_after_days": 90,
        "mass_disappearance_threshold": 0.10,
        "parallel_parse": True,
    }
    assert settings.core("plugins")["load"] is None


def test_mass_disappearance_threshold_is_a_share(tmp_path: Path) -> None:
    """The guard's threshold is read as a float from 0 to 1; anything else names the key."""
    path = write(tmp_path, "[directory]\nmass_disappearance_threshold = 0.25\n")
    assert load_settings(path, environ={}).core("directory")["mass_disappearance_threshold"] == 0.25
    path = write(tmp_path, "[directory]\nmass_disappearance_threshold = 1\n")
    assert load_settings(path, environ={}).core("directory")["mass_disappearance_threshold"] == 1.0
    for text in ("1.5", "-0.1", '"beaucoup"'):
        path = write(tmp_path, f"[directory]\nmass_disappearance_threshold = {text}\n")
        with pytest.raises(ConfigError, match=r"\[directory\] mass_disappearance_threshold"):
            load_settings(path, environ={}).core("directory")
    variable = "ENTCORE_DIRECTORY_MASS_DISAPPEARANCE_THRESHOLD"
    assert (
        load_settings(environ={variable: " 0.5 "}).core("directory")["mass_disappearance_threshold"]
        == 0.5
    )
    for text in ("2", "dix"):
        with pytest.raises(ConfigError, match=variable):
            load_settings(environ={variable: text}).core("directory")


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    """The environment wins over the file, explicit overrides over both."""
    path = write(
        tmp_path, '[store]\nurl = "sqlite:///from-file.db"\n[directory]\nacademy_prefix = "GRE-"\n'
    )
    assert load_settings(path, environ={}).db_url == "sqlite:///from-file.db"
    settings = load_settings(
        path,
        environ={"ENTCORE_DB": "sqlite:///env.db", "ENTCORE_DIRECTORY_DELETE_AFTER_DAYS": "30"},
    )
    assert settings.db_url == "sqlite:///env.db"
    assert settings.core("directory")["academy_prefix"] == "GRE-"
    assert settings.core("directory")["delete_after_days"] == 30
    overridden = load_settings(
        path, environ={"ENTCORE_DB": "x"}, overrides={("store", "url"): "sqlite:///cli.db"}
    )
    assert overridden.db_url == "sqlite:///cli.db"


def test_config_file_from_environment(tmp_path: Path) -> None:
    """ENTCORE_CONFIG names the file when --config is not given."""
    path = write(tmp_path, '[store]\nurl = "sqlite:///named.db"\n')
    assert load_settings(environ={"ENTCORE_CONFIG": str(path)}).db_url == "sqlite:///named.db"


def test_list_settings_from_environment() -> None:
    """Comma-separated variables become lists; an empty allowlist loads nothing."""
    settings = load_settings(
        environ={"ENTCORE_LOAD_PLUGINS": "edt, udt", "ENTCORE_DISABLE_PLUGINS": ""}
    )
    assert settings.core("plugins")["load"] == ["edt", "udt"]
    assert settings.core("plugins")["disable"] == []
    assert load_settings(environ={"ENTCORE_LOAD_PLUGINS": ""}).core("plugins")["load"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[directory]\nprefix = 'x'\n", "[directory] prefix: unknown key"),
        (
            "[directory]\ndelete_after_days = 'soon'\n",
            "[directory] delete_after_days: expected int",
        ),
        ("[directory]\ndelete_after_days = true\n", "expected int"),
        ("[plugins]\nload = 'edt'\n", "expected list of strings"),
        ("db = 'x'\n", "top-level key 'db' must be a [section]"),
        ("[store\n", "entcore.toml"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    """Unknown keys, wrong types and bad TOML name the file and the key."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_malformed_environment_value() -> None:
    """A malformed variable is named in the error."""
    with pytest.raises(ConfigError, match="ENTCORE_DIRECTORY_DELETE_AFTER_DAYS"):
        load_settings(environ={"ENTCORE_DIRECTORY_DELETE_AFTER_DAYS": "never"})


def test_missing_file() -> None:
    """A configuration file that does not exist is an error, not silently ignored."""
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/entcore.toml", environ={})


def test_plugin_section_read_through_the_api(tmp_path: Path, entcore_app_factory) -> None:
    """A plugin's declared section is validated and readable; env vars override it."""
    app = entcore_app_factory(
        [registrations],
        config="[registrations]\ngreeting = 'salut'\n",
        environ={"ENTCORE_REGISTRATIONS_RETRIES": "5"},
    )
    assert app.plugin_settings("tests.plugins.registrations") == {"greeting": "salut", "retries": 5}


def test_unknown_plugin_section_is_refused(entcore_app_factory) -> None:
    """A section no loaded plugin declares is an error once plugins are loaded."""
    app = entcore_app_factory([], config="[nosuchplugin]\nkey = 1\n")
    with pytest.raises(ConfigError, match=r"unknown section \[nosuchplugin\]"):
        _ = app.plugins


def test_unknown_key_in_plugin_section(entcore_app_factory) -> None:
    """A key the plugin does not declare is refused, listing the known keys."""
    app = entcore_app_factory([registrations], config="[registrations]\ngretting = 'x'\n")
    with pytest.raises(ConfigError, match="known keys: greeting, retries"):
        _ = app.plugins


def test_setting_environment_names() -> None:
    """Plugin keys are overridden by ENTCORE_<SECTION>_<KEY>, unless a name is given."""
    assert Setting("private_key", str, None, "").env_name("edt") == "ENTCORE_EDT_PRIVATE_KEY"
    assert Setting("url", str, None, "", env="ENTCORE_DB").env_name("store") == "ENTCORE_DB"
    assert SettingsSection("x", (Setting("a", int, 1, ""),)).get("a") is not None
