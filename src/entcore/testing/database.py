"""Test databases: which one to use, and how to empty it (no pytest needed)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

#: The environment variable naming a PostgreSQL database the tests may empty.
TEST_DATABASE_ENV = "ENTCORE_TEST_DATABASE_URL"


def reset_database(url: str) -> None:
    """Empty the PostgreSQL database at ``url`` (drop and recreate its public schema)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
