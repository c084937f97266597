"""Bulk statements for hot paths: many rows per statement, none through the ORM's unit of work.

An académie feed writes hundreds of thousands of rows; these helpers keep the
per-row cost to the driver's own.  They know tables and columns, nothing of
the domain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, update

#: Rows per ``IN (...)`` list: below every backend's bound-parameter limit.
CHUNK = 900


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_update(connection: Connection, model: Any, values: list[dict[str, Any]]) -> None:
    """One ``UPDATE ... WHERE id = ?`` executed for many rows (each dict has ``id``)."""
    if not values:
        return
    table = model.__table__
    columns = [name for name in values[0] if name != "id"]
    # Bind names must differ from column names, which SQLAlchemy reserves for SET.
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    connection.execute(
        statement,
        [{"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}} for row in values],
    )


def _processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a column's values are handed to the driver."""
    process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    if process is None and isinstance(column_type, JSON):
        # psycopg adapts JSON in its own layer, which a driver-level statement skips.
        return json.dumps
    return process


def bulk_insert(
    connection: Connection,
    model: Any,
    columns: tuple[str, ...],
    values: list[tuple[Any, ...]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert many rows with one driver-level ``executemany``.

    SQLAlchemy's per-row parameter handling would cost more than the database.
    Each column's own bind processing (dates for SQLite, JSON...) is still
    applied — looked up once per column, and run once for the ``constants``
    shared by every row.
    """
    if not values:
        return
    dialect = connection.dialect
    table = model.__table__
    constants = constants or {}
    names = (*columns, *constants)
    processors = [_processor(table.c[name].type, dialect) for name in columns]
    fixed = tuple(
        process(value) if (process := _processor(table.c[name].type, dialect)) else value
        for name, value in constants.items()
    )
    if any(processors) or fixed:
        # Column by column: a processor runs over its column, untouched columns are
        # passed through, and zip rebuilds the rows in C.
        columns_out: list[Any] = []
        for process, column in zip(processors, zip(*values, strict=True), strict=True):
            if process is None:
                columns_out.append(column)
            else:
                columns_out.append([None if v is None else process(v) for v in column])
        columns_out.extend([value] * len(values) for value in fixed)
        values = list(zip(*columns_out, strict=True))
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy(connection, table.name, names, values)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    )
    connection.exec_driver_sql(statement, values)


def _copy(
    connection: Connection, table: str, names: tuple[str, ...], values: list[tuple[Any, ...]]
) -> None:
    """Rows sent to PostgreSQL with ``COPY ... FROM STDIN``, on the connection's transaction.

    COPY streams the rows in one command: no statement per row nor per page of rows,
    which is what an ``executemany`` costs even pipelined.
    """
    driver: Any = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in values:
            copy.write_row(row)
