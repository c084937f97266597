"""The store's import lock: one import writes at a time, the next one waits a bounded time.

Two imports at once would otherwise collide in the database — SQLite refuses
the second writer (``database is locked``), PostgreSQL lets both plan from the
same state and fails the second on a unique key — after minutes of work, and
with a message quoting SQL parameters.  Every import instead starts its
transaction by taking this lock; past the wait it gets
:class:`~entcore.errors.StoreBusy`, in French, and nothing is written.

* SQLite: ``BEGIN IMMEDIATE`` takes the file's write lock at once (instead of at
  the first write); SQLite's busy timeout bounds the wait.
* PostgreSQL: a transaction-level advisory lock on one key per database,
  released by the commit or rollback; ``lock_timeout`` bounds the wait.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from entcore.errors import StoreBusy
from entcore.store.failures import import_in_progress

#: The advisory lock key of imports on PostgreSQL (any constant no other code uses).
IMPORT_LOCK_KEY = 0x656E74636F7265  # "entcore"


def take_import_lock(connection: Connection, *, url: str, wait: float) -> None:
    """Take the import lock for the transaction ``connection`` has just begun.

    Must come first in the transaction: on SQLite it opens the transaction
    itself, and on PostgreSQL a read before it would see the store as it was
    before the import it waited for.  Raises :class:`~entcore.errors.StoreBusy`
    after ``wait`` seconds (at once when ``wait`` is 0).
    """
    busy = StoreBusy(import_in_progress(url, wait))
    if connection.dialect.name == "sqlite":
        try:
            # The driver's busy timeout (the ``timeout`` connect argument) bounds the wait.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except DBAPIError as error:
            if "locked" in str(error.orig) or "busy" in str(error.orig):
                raise busy from None
            raise
        return
    if connection.dialect.name != "postgresql":
        return
    if wait <= 0:
        # lock_timeout = 0 would mean "wait for ever": try once instead.
        taken = connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY}
        ).scalar_one()
        if not taken:
            raise busy
        return
    previous = connection.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
    connection.execute(
        text("SELECT set_config('lock_timeout', :value, true)"),
        {"value": f"{max(1, round(wait * 1000))}ms"},
    )
    try:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise busy from None
        raise
    # The import's own statements keep the session's lock timeout.
    connection.execute(text("SELECT set_config('lock_timeout', :value, true)"), {"value": previous})
