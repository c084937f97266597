"""Test kit for entcore and its plugins: an opt-in pytest plugin and conformance suites.

Enable it in a ``conftest.py``::

    pytest_plugins = ["entcore.testing"]

Fixtures:

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
:class:`TimetableFormatConformance`, :class:`ConnectorConformance`.

Records for tests: :class:`RecordFeed` turns attrs records into a feed that
``app.directory.run_feed`` imports, so a test can populate a directory without
writing any feed file.
"""

from entcore.testing.conformance import (
    ConnectorConformance,
    DirectorySourceConformance,
    TimetableFormatConformance,
)
from entcore.testing.fixtures import (
    entcore_app,
    entcore_app_factory,
    entcore_db_url,
    reset_database,
)
from entcore.testing.records import RecordFeed, record_entry

__all__ = [
    "ConnectorConformance",
    "DirectorySourceConformance",
    "RecordFeed",
    "TimetableFormatConformance",
    "entcore_app",
    "entcore_app_factory",
    "entcore_db_url",
    "record_entry",
    "reset_database",
]
