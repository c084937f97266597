"""The SAML state tables: migration 0005 goes down and up; the state is shared through the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from entcore.errors import SamlRefused
from entcore.saml import SamlState
from entcore.store import Store
from entcore.store.database import _alembic_config

TABLES = {"saml_requests", "saml_assertions"}


def test_migration_0005_downgrades_and_upgrades(entcore_db_url: str) -> None:
    store = Store(entcore_db_url)
    store.upgrade()
    with store.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= TABLES
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002")
    with store.connect() as connection:
        assert not TABLES & set(inspect(connection).get_table_names())
        indexes = {i["name"] for i in inspect(connection).get_indexes("accounts")}
        assert "ix_accounts_email_lower" not in indexes
    store.upgrade()
    assert store.revision() == store.head()
    store.dispose()


def test_state_answers_a_request_once_and_expires(entcore_db_url: str) -> None:
    first, second = Store(entcore_db_url), Store(entcore_db_url)
    first.upgrade()
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    one, two = SamlState(first), SamlState(second)
    one.remember_request("educonnect", "idp", "ENT_1", now, now + timedelta(minutes=15))
    two.accept("educonnect", "idp", "ENT_1", "A1", now + timedelta(minutes=5), now)
    with pytest.raises(SamlRefused, match="replayed"):
        one.accept("educonnect", "idp", None, "A1", now + timedelta(minutes=5), now)
    with pytest.raises(SamlRefused, match="InResponseTo"):
        one.accept("educonnect", "idp", "ENT_1", "A2", now + timedelta(minutes=5), now)
    # Another IdP may not answer a request sent to this one.
    one.remember_request("educonnect", "idp", "ENT_2", now, now + timedelta(minutes=15))
    with pytest.raises(SamlRefused, match="InResponseTo"):
        one.accept("educonnect", "rogue", "ENT_2", "A3", now + timedelta(minutes=5), now)
    # Once expired, a request can no longer be answered and an assertion ID is forgotten.
    later = now + timedelta(hours=1)
    with pytest.raises(SamlRefused, match="InResponseTo"):
        one.accept("educonnect", "idp", "ENT_2", "A4", later + timedelta(minutes=5), later)
    one.accept("educonnect", "idp", None, "A1", later + timedelta(minutes=5), later)
    first.dispose()
    second.dispose()
