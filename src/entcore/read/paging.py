"""Keyset pagination: a large result read in bounded batches.

Each batch is one query ``WHERE id > <last id of the previous batch> ORDER BY
id LIMIT n`` on a connection of its own, so that memory holds one batch at a
time, the database never keeps a cursor open between batches, and an iterator
a caller abandons holds no connection.  Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Connection, Row, Select

from entcore.store import Store

T = TypeVar("T")

#: A SELECT of any columns (SQLAlchemy types selects by their column types).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

#: Rows per batch when the caller does not say: large enough that a batch's
#: round trips cost little, small enough that its related rows stay a few MB.
DEFAULT_BATCH_SIZE = 1000


def check_batch_size(batch_size: int) -> int:
    """``batch_size`` when it is a positive integer; raise :class:`ValueError` otherwise."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
    return batch_size


def keyset(
    store: Store,
    statement: Callable[[int], AnySelect],
    build: Callable[[Connection, Sequence[Row[Any]]], list[T]],
    batch_size: int,
) -> Iterator[T]:
    """Yield what ``build`` makes of each batch of rows.

    ``statement(last_id)`` must select rows whose first column is the integer
    key, restricted to keys above ``last_id`` and ordered by that key; the
    limit is added here.  ``build`` receives the batch's connection, to fetch
    the batch's related rows with the same connection.
    """
    last = 0
    while True:
        with store.connect() as connection:
            rows = connection.execute(statement(last).limit(batch_size)).all()
            if not rows:
                return
            views = build(connection, rows)
        yield from views
        if len(rows) < batch_size:
            return
        last = rows[-1][0]
