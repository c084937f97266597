"""The settings object: a TOML file overridden by ``ENTCORE_*`` environment variables.

Order of precedence, highest first: explicit arguments (the CLI's ``--db``), the
environment, the file named by ``--config`` or ``ENTCORE_CONFIG``, the defaults
declared in :data:`CORE_SECTIONS` and by plugins.  Every key of the file must be
declared; a malformed value or an unknown key is a :class:`~entcore.ConfigError`
naming the file, the section and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from entcore.errors import ConfigError
from entcore.settings_spec import Setting, SettingsSection

DEFAULT_DB_URL = "sqlite:///entcore.db"

CORE_SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection(
        "store",
        (
            Setting(
                "url",
                str,
                DEFAULT_DB_URL,
                "SQLAlchemy URL of the store: an SQLite file by default, or "
                "``postgresql+psycopg://user@host/db``.",
                env="ENTCORE_DB",
            ),
            Setting(
                "lock_wait_seconds",
                float,
                30.0,
                "Seconds an import waits for another import of the same store to finish "
                "before giving up with « une importation est déjà en cours » (0: no wait).",
                bounds=(0, 86400),
            ),
        ),
        "Where entcore keeps its data.",
    ),
    SettingsSection(
        "plugins",
        (
            Setting(
                "load",
                list,
                None,
                "Allowlist of external plugins to load, by entry-point or distribution name; "
                "an empty list loads none. Unset loads every installed plugin.",
                env="ENTCORE_LOAD_PLUGINS",
            ),
            Setting(
                "disable",
                list,
                [],
                "Plugins never to import, by entry-point or distribution name (built-ins included).",
                env="ENTCORE_DISABLE_PLUGINS",
            ),
            Setting(
                "trace",
                bool,
                False,
                "Log every hook call and its results at debug level.",
                env="ENTCORE_TRACE_PLUGINS",
            ),
            Setting(
                "strict",
                bool,
                False,
                "Commands stop at the first faulty plugin instead of leaving it out "
                "(entcore plugins always leaves it out, to list it).",
                env="ENTCORE_STRICT_PLUGINS",
            ),
        ),
        "Which plugins are loaded.",
    ),
    SettingsSection(
        "directory",
        (
            Setting(
                "academy_prefix",
                str,
                "",
                "Prefix prepended to every structure and person key of the feed, so that "
                "several académies can share one store (e.g. ``GRE-``).",
            ),
            Setting(
                "delete_after_days",
                int,
                90,
                "Days an account stays disappeared (absent from full imports) before an import deletes it.",
                bounds=(0, 36500),
            ),
            Setting(
                "mass_disappearance_threshold",
                float,
                0.10,
                "Share (0 to 1) of a school's active accounts a full import may mark disappeared; "
                "above it, or when no student would be left, the school's disappearances are held "
                "back until the import is run with ``--allow-mass-disappearance``.",
                bounds=(0.0, 1.0),
            ),
            Setting(
                "parallel_parse",
                bool,
                True,
                "Read the feed in a second process, on another CPU, while the import plans and "
                "writes in this one (sources that allow it, e.g. AAF; never on a single CPU).",
            ),
        ),
        "Directory imports.",
    ),
    SettingsSection(
        "timetable",
        (
            Setting(
                "clearance_minutes",
                int,
                15,
                "Sessions starting less than this many minutes after the import's reference "
                "time are treated as already started: never created, changed nor deleted.",
                bounds=(0, 10080),
            ),
            Setting(
                "keep_reports_days",
                int,
                0,
                "Days past import reports are kept; 0 keeps them forever.",
                bounds=(0, 36500),
            ),
        ),
        "Timetable imports.",
    ),
    SettingsSection(
        "web",
        (
            Setting(
                "base_url",
                str,
                "http://127.0.0.1:8000",
                "Public URL of the web layer (scheme, host, port, path prefix); the session "
                "cookie is marked Secure when it is https.",
                env="ENTCORE_BASE_URL",
            ),
            Setting(
                "secret_key",
                str,
                "",
                "Key signing the session cookie and CSRF tokens (at least 32 characters); "
                "required to serve. Every process of one ENT must share it.",
                env="ENTCORE_SECRET_KEY",
            ),
            Setting(
                "session_lifetime_minutes",
                int,
                480,
                "Minutes a web session lasts after sign-in.",
                bounds=(1, 525600),
            ),
            Setting(
                "templates_dir",
                Path,
                None,
                "Folder of templates searched before entcore's own (same file names): "
                "an ENT overrides a page by giving a file of the same name.",
            ),
        ),
        "The web layer (``entcore serve`` and the ASGI application).",
    ),
    SettingsSection(
        "auth",
        (
            Setting(
                "local_profiles",
                list,
                ["Guest"],
                "Profiles that sign in with an ENT password (activation code, then password). "
                "Others sign in through their federation (EduConnect, agents).",
                env="ENTCORE_AUTH_LOCAL_PROFILES",
            ),
            Setting(
                "code_lifetime_hours",
                int,
                72,
                "Hours an activation or reset code stays valid.",
                bounds=(1, 8760),
            ),
            Setting(
                "min_password_length",
                int,
                12,
                "Shortest password accepted at activation and reset.",
                bounds=(8, 1024),
            ),
        ),
        "Sign-in: local accounts.",
    ),
)

_TRUE = {"1", "true", "yes", "on", "o", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


def _coerce(value: Any, setting: Setting, where: str, *, text: bool = False) -> Any:
    """``value`` converted to the setting's type; ``text`` for environment strings, parsed leniently."""
    kind = setting.type
    if value is None:
        return None
    if text and isinstance(value, str) and kind is not str:
        stripped = value.strip()
        if kind is bool:
            if stripped.lower() in _TRUE:
                return True
            if stripped.lower() in _FALSE:
                return False
        elif kind is int:
            try:
                return int(stripped)
            except ValueError:
                pass
        elif kind is float:
            try:
                return float(stripped)
            except ValueError:
                pass
        elif kind is Path:
            return Path(stripped).expanduser()
        elif kind is list:
            return [part.strip() for part in stripped.split(",") if part.strip()]
        raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}")
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser()
    if kind is list and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{where}: expected int, got {value!r}")
    if kind in (str, int, bool, float) and isinstance(value, kind):
        return value
    expected = "list of strings" if kind is list else kind.__name__
    raise ConfigError(f"{where}: expected {expected}, got {value!r}")


def _check_bounds(value: Any, setting: Setting, where: str, env_name: str) -> None:
    """Refuse a number outside the setting's bounds (it would overflow a date or a driver)."""
    if setting.bounds is None or not isinstance(value, int | float) or isinstance(value, bool):
        return
    low, high = setting.bounds
    if not low <= value <= high:
        raise ConfigError(
            f"{where} ({env_name}): {value!r} is out of range, expected {low:g} to {high:g}"
        )


@frozen
class Settings:
    """Validated configuration, core and plugins.

    Build it with :func:`load_settings`.  Core sections are read with
    :meth:`core`; a plugin's section with :meth:`section` once the plugin has
    declared it.
    """

    file_sections: Mapping[str, Mapping[str, Any]] = field(factory=dict)
    """The TOML file's content, section by section."""
    environ: Mapping[str, str] = field(factory=dict)
    overrides: Mapping[tuple[str, str], Any] = field(factory=dict)
    """Explicit values that win over everything, keyed ``(section, key)``."""
    source: Path | None = None
    """The TOML file read, if any."""

    def _where(self, section: str, key: str) -> str:
        origin = str(self.source) if self.source else "settings"
        return f"{origin}: [{section}] {key}"

    def values(self, spec: SettingsSection) -> dict[str, Any]:
        """Every key of ``spec`` resolved: override, environment, file, default."""
        from_file = self.file_sections.get(spec.name, {})
        for key in from_file:
            if spec.get(key) is None:
                known = ", ".join(s.name for s in spec.settings) or "none"
                raise ConfigError(
                    f"{self._where(spec.name, key)}: unknown key (known keys: {known})"
                )
        resolved: dict[str, Any] = {}
        for setting in spec.settings:
            env_name = setting.env_name(spec.name)
            if (spec.name, setting.name) in self.overrides:
                value = _coerce(
                    self.overrides[spec.name, setting.name],
                    setting,
                    self._where(spec.name, setting.name),
                    text=True,
                )
            elif env_name in self.environ:
                value = _coerce(
                    self.environ[env_name], setting, f"environment variable {env_name}", text=True
                )
            elif setting.name in from_file:
                value = _coerce(
                    from_file[setting.name], setting, self._where(spec.name, setting.name)
                )
            else:
                value = setting.default
            _check_bounds(value, setting, self._where(spec.name, setting.name), env_name)
            resolved[setting.name] = value
        return resolved

    def core(self, name: str) -> dict[str, Any]:
        """A core section (``store``, ``plugins``, ``directory``, ``timetable``)."""
        for spec in CORE_SECTIONS:
            if spec.name == name:
                return self.values(spec)
        raise KeyError(name)

    def section(self, spec: SettingsSection) -> dict[str, Any]:
        """A plugin's section, validated against its declaration."""
        return self.values(spec)

    def check_sections(
        self, declared: Mapping[str, SettingsSection], left_out: Collection[str] = ()
    ) -> None:
        """Fail on a file section that neither the core nor a loaded plugin declares.

        Sections named in ``left_out`` (plugins that failed to load) are not
        checked: they cannot be, and the plugin's failure is reported already.
        """
        known = {spec.name for spec in CORE_SECTIONS} | set(declared) | set(left_out)
        for name in self.file_sections:
            if name not in known:
                origin = str(self.source) if self.source else "settings"
                raise ConfigError(
                    f"{origin}: unknown section [{name}] (no loaded plugin declares it; "
                    f"known sections: {', '.join(sorted(known))})"
                )
        for spec in (*CORE_SECTIONS, *declared.values()):
            self.values(spec)

    @property
    def db_url(self) -> str:
        """The store URL."""
        return str(self.core("store")["url"])

    @property
    def lock_wait(self) -> float:
        """Seconds an import waits for another one (``store.lock_wait_seconds``)."""
        return float(self.core("store")["lock_wait_seconds"])


def load_settings(
    config: Path | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[tuple[str, str], Any] | None = None,
) -> Settings:
    """Read ``config`` (or ``$ENTCORE_CONFIG``) and the environment into :class:`Settings`.

    The core sections are validated at once; plugin sections when the plugins
    that declare them are loaded.
    """
    env = dict(os.environ if environ is None else environ)
    path = (
        Path(config)
        if config
        else (Path(env["ENTCORE_CONFIG"]) if env.get("ENTCORE_CONFIG") else None)
    )
    sections: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}") from None
        for name, value in data.items():
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: top-level key {name!r} must be a [section]")
            sections[name] = value
    settings = Settings(
        file_sections=sections,
        environ=env,
        overrides={key: value for key, value in (overrides or {}).items() if value is not None},
        source=path,
    )
    for spec in CORE_SECTIONS:
        settings.values(spec)
    return settings
