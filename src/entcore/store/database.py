"""Opening the store from a URL, and running its migrations.

SQLite (a file, by default ``./entcore.db``) is the embedded default;
PostgreSQL is supported with ``postgresql+psycopg://...`` URLs.  A fresh,
empty database is migrated on first open; one at an older revision must be
upgraded explicitly with ``entcore db upgrade``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from entcore.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on during an import; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    # 64 MiB of page cache instead of 2 MiB: an académie import updates indexes of
    # millions of rows, which otherwise go back and forth to the disk.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


class Store:
    """The database of an application: an engine, sessions and the migration state."""

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise StoreError(f"invalid store URL {url!r}: {error}") from None
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except Exception as error:
            raise StoreError(f"cannot open store {parsed.render_as_string()}: {error}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.url = parsed.render_as_string(hide_password=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def head(self) -> str:
        """The newest migration revision this version of entcore knows."""
        script = ScriptDirectory(str(MIGRATIONS))
        head = script.get_current_head()
        assert head is not None
        return head

    def revision(self) -> str | None:
        """The revision the database is at; ``None`` for a database entcore never touched."""
        with self.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self, target: str = "head") -> None:
        """Migrate the database to ``target`` (the newest revision by default)."""
        with self.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), target)

    def ensure_current(self) -> None:
        """Migrate an empty database; refuse one at an older or unknown revision."""
        current = self.revision()
        if current == self.head():
            return
        if current is None:
            with self.connect() as connection:
                tables = inspect(connection).get_table_names()
            if tables:
                raise StoreError(
                    f"the database {self.url} holds tables but no entcore revision; "
                    "refusing to touch it"
                )
            self.upgrade()
            return
        raise StoreError(
            f"the database {self.url} is at revision {current}, this entcore expects "
            f"{self.head()}: run `entcore db upgrade`"
        )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection, with connection errors turned into :class:`~entcore.StoreError`."""
        try:
            connection = self.engine.connect()
        except OperationalError as error:
            raise StoreError(f"cannot connect to {self.url}: {error.orig}") from None
        with connection:
            yield connection

    def session(self) -> Session:
        """A new ORM session (use as a context manager; ``session.begin()`` for a transaction)."""
        return self._sessions()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
