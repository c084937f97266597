"""The access tables: migration 0004 creates exactly the models, with their partial unique indexes, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from entcore.store import Base, Store
from entcore.store.database import _alembic_config

TABLES = {"access_blocks", "access_block_events"}


def test_migrated_schema_matches_the_models(entcore_db_url: str) -> None:
    store = Store(entcore_db_url)
    store.upgrade()
    with store.connect() as connection:
        inspector = inspect(connection)
        assert set(inspector.get_table_names()) >= TABLES
        unique = {i["name"] for i in inspector.get_indexes("access_blocks") if i["unique"]}
        assert unique == {"uq_access_blocks_structure_profile", "uq_access_blocks_platform_profile"}
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    store.dispose()


def test_migration_downgrades_and_upgrades(entcore_db_url: str) -> None:
    store = Store(entcore_db_url)
    store.upgrade()
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002")
    with store.connect() as connection:
        assert not TABLES & set(inspect(connection).get_table_names())
    store.upgrade()
    assert store.revision() == store.head()
    store.dispose()
