"""The application object: settings, plugins, store and engines of one embedding.

An ENT creates one :class:`Entcore` per application (tests create one per
test).  Plugins are loaded and the store is opened on first use, never at
construction or import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from entcore.errors import ConfigError, NotFound
from entcore.manager import Plugins, create_plugin_manager
from entcore.settings import Settings, load_settings

if TYPE_CHECKING:
    from entcore.access import AccessService
    from entcore.directory.service import DirectoryService
    from entcore.read import ReadService
    from entcore.saml import SamlFederation
    from entcore.settings_spec import SettingsSection
    from entcore.store import Store
    from entcore.timetable.service import TimetableService


class Entcore:
    """One embedding of entcore.

    :param settings: validated settings; read from ``ENTCORE_CONFIG`` and the
        environment when omitted.
    :param db_url: store URL overriding the settings.
    :param load_entrypoints: load installed plugin distributions.
    :param strict: the first faulty plugin (its import raises, it rejects this
        entcore's version, it implements an unknown hook, a registration hook of
        it raises) raises an :class:`~entcore.EntcoreError`; when false it is
        left out and listed in ``app.plugins.failures``, and the others keep
        working.  Embedders and tests get strict loading by default; the
        ``entcore`` command is lenient unless ``plugins.strict`` is set.
    :param plugins: extra plugin objects to register (modules or objects with
        ``entcore_*`` functions).
    :param builtins: register the built-in plugins.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        db_url: str | None = None,
        load_entrypoints: bool = True,
        strict: bool = True,
        plugins: Sequence[object] = (),
        builtins: bool = True,
    ):
        overrides = {("store", "url"): db_url} if db_url else {}
        if settings is None:
            settings = load_settings(overrides=overrides)
        elif overrides:
            settings = Settings(
                file_sections=settings.file_sections,
                environ=settings.environ,
                overrides={**settings.overrides, **overrides},
                source=settings.source,
            )
        self.settings = settings
        self._load_entrypoints = load_entrypoints
        self._strict = strict
        self._extra_plugins = tuple(plugins)
        self._builtins = builtins
        self._saml: dict[tuple[str, str], SamlFederation] = {}

    @cached_property
    def plugins(self) -> Plugins:
        """The plugin manager, loaded on first access; plugin settings are validated then."""
        loading = self.settings.core("plugins")
        trace = None
        if loading["trace"]:
            import logging

            trace = logging.getLogger("entcore.trace").debug
        plugins = create_plugin_manager(
            load_entrypoints=self._load_entrypoints,
            load=loading["load"],
            disable=loading["disable"],
            strict=self._strict,
            builtins=self._builtins,
            plugins=self._extra_plugins,
            trace=trace,
        )
        sections = plugins.settings_sections()
        self.settings.check_sections(
            {name: sections.get(name) for name in sections.names()},
            left_out=[info.name for info in plugins.failures],
        )
        return plugins

    @cached_property
    def store(self) -> Store:
        """The store, opened (and migrated if empty) on first access."""
        # Imported here, not at the top: SQLAlchemy and Alembic take most of the
        # start-up time, and ``entcore --help`` (plugin discovery) never opens a store.
        from entcore.store import Store

        store = Store(self.settings.db_url, lock_wait=self.settings.lock_wait)
        store.ensure_current()
        return store

    def plugin_settings(self, plugin_name: str) -> dict[str, Any]:
        """The validated settings section declared by ``plugin_name`` (empty if it declares none)."""
        sections = self.plugins.settings_sections()
        for name in sections.names():
            if sections.owner(name).plugin == plugin_name:
                spec: SettingsSection = sections.get(name)
                return self.settings.section(spec)
        return {}

    @cached_property
    def directory(self) -> DirectoryService:
        """Directory imports."""
        from entcore.directory.service import DirectoryService

        return DirectoryService(self)

    @cached_property
    def timetable(self) -> TimetableService:
        """Timetable imports, reconciliation and sessions."""
        from entcore.timetable.service import TimetableService

        return TimetableService(self)

    @cached_property
    def read(self) -> ReadService:
        """The read API: structures, accounts, classes, groups, subjects and MEFs, streamed."""
        from entcore.read import ReadService

        prefix = str(self.settings.core("directory")["academy_prefix"])
        return ReadService(self.store, academy_prefix=prefix)

    @cached_property
    def access(self) -> AccessService:
        """Access blocking per structure and profile, and the check of an account."""
        from entcore.access import AccessService, InvalidBlock, profile_of
        from entcore.errors import ConfigError

        try:
            local = frozenset(
                profile_of(name) for name in self.settings.core("auth")["local_profiles"]
            )
        except InvalidBlock as error:
            raise ConfigError(f"[auth] local_profiles : {error}") from None
        return AccessService(self.store, local_profiles=local)

    def saml(self, provider: str, *, base_url: str = "") -> SamlFederation:
        """The SAML federation of the SSO provider named ``provider`` (``educonnect``, ``agents``...).

        Built from the provider's settings section (see
        :meth:`entcore.saml.SamlSettings.from_section`) on first use and kept;
        ``base_url`` is the ENT's public URL, used when ``acs_url`` is not set.
        Raises :class:`~entcore.NotFound` for an unknown provider and
        :class:`~entcore.ConfigError` for one that is not of kind ``saml`` or
        is not configured.
        """
        from entcore.protocols import SSOContext
        from entcore.saml import SamlFederation, SamlServiceProvider, SamlSettings, SamlState

        key = (provider, base_url)
        if key not in self._saml:
            registry = self.plugins.sso_providers()
            if provider not in registry.names():
                raise NotFound(f"fournisseur d'identité inconnu : {provider}")
            sso = registry.get(provider)
            if sso.kind != "saml":
                raise ConfigError(
                    f"le fournisseur d'identité {provider} n'est pas un fournisseur SAML"
                )
            section = self.plugin_settings(registry.owner(provider).plugin)
            settings = SamlSettings.from_section(provider, section, base_url=base_url)
            context = SSOContext(
                settings=section,
                academy_prefix=str(self.settings.core("directory")["academy_prefix"]),
            )
            self._saml[key] = SamlFederation(
                sso, SamlServiceProvider(settings, SamlState(self.store)), context, self.read
            )
        return self._saml[key]

    def stats(self) -> dict[str, int]:
        """Integer counts of what the store holds (active entities; disappeared apart)."""
        from entcore.stats import collect_stats

        return collect_stats(self)

    def close(self) -> None:
        """Release the store's connections."""
        if "store" in self.__dict__:
            self.store.dispose()

    def __enter__(self) -> Entcore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
