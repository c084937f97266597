"""Test kit for entcore and its plugins: records, an opt-in pytest plugin and conformance suites.

Importing this package needs neither pytest nor a store: benchmarks, examples
and embedding applications use :class:`RecordFeed`, :func:`record_entry` and
:func:`reset_database` on a plain install.  The pytest parts load only under
pytest, or on first access to their names.

Enable the pytest plugin in a ``conftest.py``::

    pytest_plugins = ["entcore.testing"]

(pytest then loads :mod:`entcore.testing.fixtures`, named by this package's own
``pytest_plugins``.)  Fixtures:

``entcore_db_url``
    A fresh, empty store URL: an SQLite file in the test's temporary folder, or
    the PostgreSQL database named by ``ENTCORE_TEST_DATABASE_URL``, emptied.
``entcore_app_factory``
    ``make(plugins=(...), builtins=True, entrypoints=False, **settings)`` builds an
    :class:`~entcore.Entcore` on a fresh store holding only the chosen plugins
    (installed distributions are not loaded unless ``entrypoints=True``);
    applications are closed at teardown.
``entcore_app``
    ``entcore_app_factory()`` with the built-in plugins only.

Conformance suites (subclass them in your plugin's tests and provide the
fixtures they name): :class:`DirectorySourceConformance`,
:class:`TimetableFormatConformance`, :class:`ConnectorConformance`,
:class:`SSOProviderConformance`; they live
in :mod:`entcore.testing.conformance`, which imports pytest.

Records for tests: :class:`RecordFeed` turns attrs records into a feed that
``app.directory.run_feed`` imports, so a test can populate a directory without
writing any feed file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from entcore.testing.database import TEST_DATABASE_ENV, reset_database
from entcore.testing.records import RecordFeed, record_entry

if TYPE_CHECKING:
    from entcore.testing.conformance import (
        ConformanceError,
        ConnectorConformance,
        DirectorySourceConformance,
        SSOProviderConformance,
        TimetableFormatConformance,
    )
    from entcore.testing.fixtures import entcore_app, entcore_app_factory, entcore_db_url

#: Read by pytest when a conftest names this package as a plugin: the fixtures come along.
pytest_plugins = ["entcore.testing.fixtures"]

__all__ = [
    "TEST_DATABASE_ENV",
    "ConformanceError",
    "ConnectorConformance",
    "DirectorySourceConformance",
    "RecordFeed",
    "SSOProviderConformance",
    "TimetableFormatConformance",
    "entcore_app",
    "entcore_app_factory",
    "entcore_db_url",
    "record_entry",
    "reset_database",
]

# Names that need pytest: imported on first access only, so that a plain install
# (no test extra) imports this package.
_NEEDS_PYTEST = {
    "ConformanceError": "entcore.testing.conformance",
    "ConnectorConformance": "entcore.testing.conformance",
    "DirectorySourceConformance": "entcore.testing.conformance",
    "SSOProviderConformance": "entcore.testing.conformance",
    "TimetableFormatConformance": "entcore.testing.conformance",
    "entcore_app": "entcore.testing.fixtures",
    "entcore_app_factory": "entcore.testing.fixtures",
    "entcore_db_url": "entcore.testing.fixtures",
}


def __getattr__(name: str) -> Any:
    module_name = _NEEDS_PYTEST.get(name)
    if module_name is None:
        raise AttributeError(f"module 'entcore.testing' has no attribute {name!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != "pytest":
            raise
        raise ImportError(
            f"entcore.testing.{name} needs pytest: install entcore with its test extra "
            "(pip install 'entcore[test]')",
            name=error.name,
        ) from error
    # Not cached in this module's namespace: pytest collects fixtures from the
    # namespace of a plugin module, and they are already registered from
    # entcore.testing.fixtures.
    return getattr(module, name)
