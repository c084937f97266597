"""Alembic environment: runs entcore's migrations on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from entcore.store import Base  # the package registers every table on the metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - entcore always provides a connection
    raise RuntimeError("entcore migrations run through entcore.store.Store.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
