"""The store: URLs, migrations, and the guard against databases at another revision."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from entcore.errors import StoreError
from entcore.store import Base, Store


def test_fresh_database_is_migrated_on_first_open(entcore_db_url: str) -> None:
    """An empty database is brought to the newest revision."""
    store = Store(entcore_db_url)
    assert store.revision() is None
    store.ensure_current()
    assert store.revision() == store.head()
    store.dispose()


def test_migrations_create_exactly_the_models(entcore_db_url: str) -> None:
    """Autogenerate finds nothing to change after the migrations: models and history agree."""
    store = Store(entcore_db_url)
    store.upgrade()
    with store.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    store.dispose()


def test_database_at_another_revision_is_refused(entcore_db_url: str) -> None:
    """A store at an older revision asks for `entcore db upgrade`."""
    store = Store(entcore_db_url)
    store.upgrade("0001")
    if store.head() == "0001":
        pytest.skip("only one revision")
    with pytest.raises(StoreError, match="entcore db upgrade"):
        store.ensure_current()
    store.dispose()


def test_foreign_database_is_left_alone(entcore_db_url: str) -> None:
    """A database holding tables entcore did not create is refused, untouched."""
    engine = create_engine(entcore_db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER)"))
    engine.dispose()

    def open_store() -> None:
        store = Store(entcore_db_url)  # an SQLite file is refused here already
        try:
            store.ensure_current()
        finally:
            store.dispose()

    with pytest.raises(StoreError, match="pas un magasin entcore"):
        open_store()


def test_bad_urls_are_store_errors() -> None:
    """Malformed URLs and unreachable servers give one-line store errors."""
    with pytest.raises(StoreError, match="URL de magasin invalide"):
        Store("not a url")
    store = Store("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match=r"connexion au magasin .* impossible"):
        store.revision()
