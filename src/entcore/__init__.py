"""entcore: provision and connect a French school's digital workspace (ENT).

The public API is what this module exports (``__all__``), plus the modules
:mod:`entcore.model` (records), :mod:`entcore.protocols` (what plugins
implement), :mod:`entcore.safexml` (hardened XML parsing for plugins),
:mod:`entcore.schoolyear` (school years and their weeks),
:mod:`entcore.testing` (fixtures and conformance suites) and :mod:`entcore.cli`
(helpers for the commands plugins add).  Importing entcore
loads no plugin and opens no store: :class:`Entcore` does both on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from entcore.errors import (
    ConfigError,
    EntcoreDeprecationWarning,
    EntcoreError,
    ImportRefused,
    InvalidFileError,
    LifecycleHookError,
    NotFound,
    PluginIncompatibleError,
    PluginLoadError,
    PluginRegistrationError,
    PluginUnavailableError,
    SignInRefused,
    StoreError,
    UnknownFormatError,
)
from entcore.hookspecs import hookimpl
from entcore.model.reports import DirectoryReport, StructureInfo
from entcore.protocols import (
    AccountLookup,
    Asserted,
    Connector,
    DirectoryFeed,
    DirectorySource,
    FederatedIdentity,
    FormatContext,
    MultiFileTimetableFormat,
    SourceContext,
    SSOContext,
    SSOProvider,
    TimetableFormat,
)
from entcore.registry import (
    CommandRegistry,
    ConnectorRegistry,
    DirectorySourceRegistry,
    Owner,
    Registry,
    SettingsRegistry,
    SSOProviderRegistry,
    TimetableFormatRegistry,
)
from entcore.settings_spec import Setting, SettingsSection

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.manager import PluginInfo, Plugins, create_plugin_manager
    from entcore.read import ReadService
    from entcore.settings import Settings, load_settings
    from entcore.timetable.report import TimetableReport

__version__ = "0.1.0"

__all__ = [
    "AccountLookup",
    "Asserted",
    "CommandRegistry",
    "ConfigError",
    "Connector",
    "ConnectorRegistry",
    "DirectoryFeed",
    "DirectoryReport",
    "DirectorySource",
    "DirectorySourceRegistry",
    "Entcore",
    "EntcoreDeprecationWarning",
    "EntcoreError",
    "FederatedIdentity",
    "FormatContext",
    "ImportRefused",
    "InvalidFileError",
    "LifecycleHookError",
    "MultiFileTimetableFormat",
    "NotFound",
    "Owner",
    "PluginIncompatibleError",
    "PluginInfo",
    "PluginLoadError",
    "PluginRegistrationError",
    "PluginUnavailableError",
    "Plugins",
    "ReadService",
    "Registry",
    "SSOContext",
    "SSOProvider",
    "SSOProviderRegistry",
    "Setting",
    "Settings",
    "SettingsRegistry",
    "SettingsSection",
    "SignInRefused",
    "SourceContext",
    "StoreError",
    "StructureInfo",
    "TimetableFormat",
    "TimetableFormatRegistry",
    "TimetableReport",
    "UnknownFormatError",
    "__version__",
    "create_plugin_manager",
    "hookimpl",
    "load_settings",
]

# Heavier parts (SQLAlchemy, the engines) are imported on first access only.
_LAZY = {
    "Entcore": "entcore.app",
    "PluginInfo": "entcore.manager",
    "Plugins": "entcore.manager",
    "ReadService": "entcore.read",
    "create_plugin_manager": "entcore.manager",
    "Settings": "entcore.settings",
    "load_settings": "entcore.settings",
    "TimetableReport": "entcore.timetable.report",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'entcore' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
