"""The timetable tables: migration 0002 creates exactly the models, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from entcore.store import Base, Store
from entcore.store.database import _alembic_config

TABLES = {
    "timetable_imports",
    "timetable_mappings",
    "timetable_identities",
    "sessions",
    "session_contents",
    "session_content_links",
}


def test_migrated_schema_matches_the_models(entcore_db_url: str) -> None:
    """Autogenerate finds no difference between migration 0002 and the models."""
    store = Store(entcore_db_url)
    store.upgrade()
    with store.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= TABLES
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    store.dispose()


def test_migration_downgrades_and_upgrades(entcore_db_url: str) -> None:
    """0002 can be undone to 0001 (the directory store alone) and applied again."""
    store = Store(entcore_db_url)
    store.upgrade()
    assert "0002" in store.revisions()
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")
    with store.connect() as connection:
        assert not TABLES & set(inspect(connection).get_table_names())
    store.upgrade()
    assert store.revision() == store.head()
    store.dispose()
