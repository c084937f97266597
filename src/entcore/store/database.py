"""Opening the store from a URL, and running its migrations.

SQLite (a file, by default ``./entcore.db``) is the embedded default;
PostgreSQL is supported with ``postgresql+psycopg://...`` URLs.  A fresh,
empty database is migrated on first open; one at an older revision must be
upgraded explicitly with ``entcore db upgrade``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from entcore.errors import StoreError
from entcore.store.failures import store_failure
from entcore.store.locking import take_import_lock
from entcore.store.sqlite_file import check_sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")

#: Seconds an import waits for another one before giving up (``store.lock_wait_seconds``).
DEFAULT_LOCK_WAIT = 30.0


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
    """The database of an application: an engine, sessions and the migration state.

    Every failure of the database reaches the caller as one
    :class:`~entcore.StoreError` line that carries no SQL parameter (see
    ``entcore.store.failures``); SQLAlchemy is told to hide parameters
    from its own messages and logs too.

    :param url: SQLAlchemy URL of the store.
    :param lock_wait: seconds an import (or, on SQLite, any write) waits for
        another one to finish before giving up with :class:`~entcore.errors.StoreBusy`.
    """

    def __init__(self, url: str, *, lock_wait: float = DEFAULT_LOCK_WAIT):
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as error:  # ValueError: a port that is no number
            # The URL cannot be parsed, so its password cannot be hidden by SQLAlchemy.
            shown = re.sub(r"://[^/@]*@", "://***@", url)
            raise StoreError(f"URL de magasin invalide {shown!r} : {error}") from None
        self.url = parsed.render_as_string(hide_password=True)
        # A day at most: a longer wait is a mistake, and the drivers want bounded numbers.
        self.lock_wait = min(max(0.0, float(lock_wait)), 86400.0)
        options: dict[str, Any] = {"hide_parameters": True}
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            # SQLite's busy timeout: how long a writer waits for another one's lock.
            options["connect_args"] = {"timeout": self.lock_wait}
            file = _sqlite_file(parsed)
            if file is not None:
                check_sqlite_file(file, self.url, self.revisions())
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except Exception as error:
            raise StoreError(f"ouverture du magasin {self.url} impossible : {error}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def head(self) -> str:
        """The newest migration revision this version of entcore knows."""
        head = _scripts().get_current_head()
        assert head is not None
        return head

    def revisions(self) -> frozenset[str]:
        """Every migration revision this version of entcore knows."""
        return frozenset(script.revision for script in _scripts().walk_revisions())

    def revision(self) -> str | None:
        """The revision the database is at; ``None`` for a database entcore never touched."""
        with self.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self, target: str = "head") -> None:
        """Migrate the database to ``target`` (the newest revision by default).

        A database holding tables but no entcore revision is refused untouched.
        """
        with self.connect() as connection:
            self._refuse_foreign(connection)
        with self.connect() as connection, connection.begin():
            command.upgrade(_alembic_config(connection), target)

    def ensure_current(self) -> None:
        """Migrate an empty database; refuse one at an older or unknown revision."""
        current = self.revision()
        if current == self.head():
            return
        if current is None:
            with self.connect() as connection:
                self._refuse_foreign(connection)
            # Two processes opening a new store at once: the second waits for the first
            # one's migration, then finds the store current.
            with self.connect() as connection, connection.begin():
                self.import_lock(connection)
                if MigrationContext.configure(connection).get_current_revision() is None:
                    command.upgrade(_alembic_config(connection), "head")
            return
        if current not in self.revisions():
            raise StoreError(
                f"le magasin {self.url} est à la révision {current}, inconnue de cette version "
                f"d'entcore (qui attend {self.head()}) : mettez entcore à jour"
            )
        raise StoreError(
            f"le magasin {self.url} est à la révision {current}, cette version d'entcore "
            f"attend {self.head()} : lancez `entcore db upgrade`"
        )

    def _refuse_foreign(self, connection: Connection) -> None:
        if MigrationContext.configure(connection).get_current_revision() is not None:
            return
        if inspect(connection).get_table_names():
            raise StoreError(
                f"la base {self.url} contient des tables mais aucune révision entcore : "
                "ce n'est pas un magasin entcore, rien n'y a été écrit"
            )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection; any database failure inside becomes a one-line :class:`~entcore.StoreError`."""
        try:
            connection = self.engine.connect()
        except DBAPIError as error:
            raise StoreError(_connect_failure(self.url, error)) from None
        except SQLAlchemyError as error:
            raise store_failure(error, self.url) from None
        try:
            with connection:
                yield connection
        except (SQLAlchemyError, AlembicError, OverflowError) as error:
            raise store_failure(error, self.url) from None

    def import_lock(self, connection: Connection) -> None:
        """Take the store's import lock for the transaction just begun on ``connection``.

        Call it first thing in an import's transaction (directory import, timetable
        preview and validation): a second import then waits up to ``lock_wait``
        seconds for the first to commit or roll back, and otherwise fails with
        :class:`~entcore.errors.StoreBusy` ("une importation est déjà en cours…")
        before it reads or writes anything.  The lock is released with the
        transaction.
        """
        take_import_lock(connection, url=self.url, wait=self.lock_wait)

    def session(self) -> Session:
        """A new ORM session (use as a context manager; ``session.begin()`` for a transaction)."""
        return self._sessions()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def _sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names, as SQLite will open it; ``None`` for memory or URI forms."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if str(url.query.get("uri", "")).lower() in ("true", "1"):
        return None
    return Path(database)


def _connect_failure(url: str, error: DBAPIError) -> str:
    """Why connecting failed: the driver's first line names the server, never data."""
    text = str(error.orig).strip()
    if isinstance(error.orig, sqlite3.Error):
        return str(store_failure(error, url))
    reason = text.splitlines()[0] if text else type(error.orig).__name__
    return f"connexion au magasin {url} impossible : {reason}"
