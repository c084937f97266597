"""Every store failure ends the command with one line: no traceback, no SQL, no people's data.

Each case drives the real ``entcore`` command, on SQLite or on the PostgreSQL
database named by ``ENTCORE_TEST_DATABASE_URL``: imports while another holds
the store's import lock (held here through a second connection, or by a second
process), damaged and foreign SQLite files, a missing folder, out-of-range ids
and dates, and database errors whose text would quote the data.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, insert, inspect, text
from sqlalchemy.engine import make_url

from entcore.cli import main
from entcore.errors import StoreBusy, StoreError
from entcore.store import Store
from entcore.store.schema import Subject, utcnow

#: Names of the demo feed: none may appear in an error message.
DEMO_NAMES = ("DUCRETTAZ", "VUARCHEX", "Mélanie")
#: A value written by the tests themselves, to be looked for in messages and logs.
SECRET = "Dupont-Secretname"


def run(db_url: str, *args: str, wait: float | None = None, **env: str | None) -> Result:
    """``entcore --db db_url ARGS`` in this process; stderr apart."""
    environ: dict[str, str | None] = {"ENTCORE_CONFIG": "", **env}
    if wait is not None:
        environ["ENTCORE_STORE_LOCK_WAIT_SECONDS"] = str(wait)
    return CliRunner().invoke(main, ["--db", db_url, *args], env=environ)


def assert_one_line(result: Result, exit_code: int, *expected: str) -> str:
    """The command failed with ``exit_code`` and one clean line on stderr; returns it."""
    assert result.exit_code == exit_code, (result.output, result.exception)
    # CliRunner catches what the command let escape: a failure must be a SystemExit.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if exit_code == 2:  # click's usage error: usage lines, then one "Error:" line
        lines = [line for line in lines if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "Traceback" not in result.stderr and "[SQL" not in line and "[parameters" not in line
    for name in (*DEMO_NAMES, SECRET):
        assert name not in result.stderr
    for fragment in expected:
        assert fragment in line, line
    return line


@contextmanager
def import_lock_held(db_url: str) -> Iterator[Store]:
    """Hold the store's import lock, as a running import does, from a connection of our own."""
    store = Store(db_url)
    try:
        with store.connect() as connection, connection.begin():
            store.import_lock(connection)
            yield store
    finally:
        store.dispose()


def sqlite_path(db_url: str) -> Path:
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("an SQLite file case")
    assert url.database
    return Path(url.database)


@pytest.fixture
def demo_store(entcore_db_url: str) -> str:
    """The test's store holding the demo directory and a pending timetable import n° 1."""
    assert run(entcore_db_url, "directory", "import", "--demo").exit_code == 0
    result = run(entcore_db_url, "timetable", "import", "--demo")
    assert result.exit_code == 0, result.output
    assert "Import n° 1 " in result.output
    return entcore_db_url


# -- imports at once --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("directory", "import", "--demo"),
        ("directory", "import", "--demo", "--dry-run"),
        ("timetable", "import", "--demo"),
        ("timetable", "validate", "1"),
        ("timetable", "cancel", "1"),
    ],
    ids=lambda command: "-".join(command).replace("--", ""),
)
def test_import_while_another_runs_says_so(demo_store: str, command: tuple[str, ...]) -> None:
    """An import started while another holds the store says so in French, exit 1; nothing changes."""
    with import_lock_held(demo_store):
        result = run(demo_store, *command, wait=0)
    assert_one_line(result, 1, "une importation est déjà en cours sur ce magasin")
    # The refused import wrote nothing: n° 1 is still pending and can be validated.
    validated = run(demo_store, "timetable", "validate", "1")
    assert validated.exit_code == 0, validated.output


def test_import_gives_up_after_its_wait(demo_store: str) -> None:
    """With a wait (SQLite's busy timeout, PostgreSQL's lock_timeout), it gives up past it."""
    with import_lock_held(demo_store):
        result = run(demo_store, "directory", "import", "--demo", wait=0.5)
    assert_one_line(result, 1, "une importation est déjà en cours", "(attendu 0.5 s)")


def test_import_waits_for_the_running_one(demo_store: str) -> None:
    """With a wait, the second import goes on once the first one's transaction ends."""
    store = Store(demo_store)
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with store.connect() as connection, connection.begin():
            store.import_lock(connection)
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(60)
        # The import is started while the lock is held; released a moment later, or
        # (on a slow machine) before the import reaches the lock: both must succeed.
        threading.Timer(1.0, release.set).start()
        result = run(demo_store, "timetable", "validate", "1", wait=120)
    finally:
        release.set()
        holder.join()
        store.dispose()
    assert result.exit_code == 0, result.output
    assert "Import n° 1 validé" in result.output


def test_two_import_processes_at_once_both_succeed(entcore_db_url: str, tmp_path: Path) -> None:
    """Two `entcore directory import` processes on one new store: the second waits, no traceback.

    This is the case that ended in ``database is locked`` (SQLite) or a unique
    violation (PostgreSQL), printing SQL parameters.  Both processes also open
    the new store at once, so its first migration must be serialised too.
    """
    environ = {
        **os.environ,
        "ENTCORE_CONFIG": "",
        "ENTCORE_DB": entcore_db_url,
        "ENTCORE_STORE_LOCK_WAIT_SECONDS": "300",
    }
    command = [sys.executable, "-m", "entcore", "directory", "import", "--demo", "--json"]
    processes = [
        subprocess.Popen(
            command,
            env=environ,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [process.communicate(timeout=600) for process in processes]
    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    stats = run(entcore_db_url, "stats", "--json")
    assert stats.exit_code == 0 and '"students": 40' in stats.output


# -- database errors never quote the data ---------------------------------------------------------


def test_database_errors_carry_no_data(
    entcore_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A unique violation is one French line naming no value, with no chained original."""
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    store = Store(entcore_db_url)
    store.ensure_current()
    row = {
        "code": SECRET,
        "label": f"Jean {SECRET}",
        "source": "test",
        "fingerprint": b"x",
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }

    def write() -> None:
        with store.connect() as connection, connection.begin():
            connection.execute(insert(Subject), row)

    try:
        write()
        with pytest.raises(StoreError) as raised:
            write()
    finally:
        store.dispose()
    message = str(raised.value)
    assert "\n" not in message and SECRET not in message and "INSERT" not in message
    assert "écriture refusée par le magasin" in message
    # Nothing chained: a log of the exception shows no parameter either.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    # SQLAlchemy's own log lines hide the parameters.
    assert "INSERT INTO subjects" in caplog.text
    assert SECRET not in caplog.text


def test_busy_store_is_a_store_error_subclass(entcore_db_url: str) -> None:
    """Library callers can tell a busy store (retry later) from a broken one."""
    store = Store(entcore_db_url)
    store.ensure_current()
    other = Store(entcore_db_url, lock_wait=0)

    def take() -> None:
        with other.connect() as connection, connection.begin():
            other.import_lock(connection)

    try:
        with import_lock_held(entcore_db_url), pytest.raises(StoreBusy):
            take()
    finally:
        other.dispose()
        store.dispose()


# -- SQLite files ----------------------------------------------------------------------------------


def snapshot(path: Path) -> tuple[bytes, list[str]]:
    """The file's bytes and the files beside it (a -wal or -shm would betray a write)."""
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_random_bytes_file_is_refused_untouched(entcore_db_url: str) -> None:
    """A file that is no SQLite database is refused, byte for byte unchanged."""
    path = sqlite_path(entcore_db_url)
    path.write_bytes(b"Jean " + SECRET.encode() + bytes(range(256)) * 40)
    before = snapshot(path)
    result = run(entcore_db_url, "stats")
    assert_one_line(result, 1, "n'est pas un magasin entcore")
    assert snapshot(path) == before


def test_foreign_sqlite_file_is_refused_before_wal(entcore_db_url: str) -> None:
    """Another application's database is refused before it is switched to WAL or migrated."""
    path = sqlite_path(entcore_db_url)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
        connection.execute("INSERT INTO contacts VALUES (?)", (SECRET,))
    connection.close()
    before = snapshot(path)
    for command in (("stats",), ("db", "upgrade"), ("directory", "import", "--demo")):
        result = run(entcore_db_url, *command)
        assert_one_line(result, 1, "n'est pas un magasin entcore", "autre application")
        assert snapshot(path) == before  # the journal mode is in the header: still not WAL


def test_store_at_unknown_revision_is_refused_untouched(entcore_db_url: str) -> None:
    """A store written by a newer entcore (a revision this one does not know) is left alone."""
    path = sqlite_path(entcore_db_url)
    assert run(entcore_db_url, "db", "upgrade").exit_code == 0
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    before = snapshot(path)
    result = run(entcore_db_url, "stats")
    assert_one_line(result, 1, "révision inconnue", "9999_future")
    assert snapshot(path) == before


def test_truncated_store_is_one_line(entcore_db_url: str) -> None:
    """A store cut short (a copy interrupted) is refused in one line."""
    path = sqlite_path(entcore_db_url)
    assert run(entcore_db_url, "directory", "import", "--demo").exit_code == 0
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    result = run(entcore_db_url, "stats")
    assert_one_line(result, 1, "endommagé")


def test_damage_met_by_a_query_is_one_line(entcore_db_url: str) -> None:
    """Damage past the schema, found only when a command reads it, still ends in one line."""
    path = sqlite_path(entcore_db_url)
    assert run(entcore_db_url, "directory", "import", "--demo").exit_code == 0
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
        ).fetchone()[0]
    connection.close()
    with path.open("r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\x07" * page_size)
    for command in (("stats",), ("directory", "import", "--demo")):
        result = run(entcore_db_url, *command)
        assert_one_line(result, 1, "endommagé")


def test_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    """A typo in the store's folder is refused instead of creating a new, empty store."""
    folder = tmp_path / "typo"
    result = run(f"sqlite:///{folder / 'x.db'}", "stats")
    assert_one_line(result, 1, f"le dossier {folder} n'existe pas")
    assert not folder.exists()


def test_default_store_file_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --db, ./entcore.db is created in the working directory as before."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["stats", "--json"], env={"ENTCORE_CONFIG": "", "ENTCORE_DB": None}
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "entcore.db").is_file()


def test_foreign_postgresql_database_is_not_upgraded(entcore_db_url: str) -> None:
    """`db upgrade` leaves a database holding someone else's tables alone (any backend)."""
    engine = create_engine(entcore_db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE contacts (name VARCHAR(40))"))
        connection.execute(text("INSERT INTO contacts VALUES (:name)"), {"name": SECRET})
    try:
        result = run(entcore_db_url, "db", "upgrade")
        assert_one_line(result, 1, "pas un magasin entcore")
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["contacts"]
    finally:
        engine.dispose()


# -- out-of-range ids and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("timetable", "validate", "99999999999999999999"),
        ("timetable", "cancel", "99999999999999999999"),
        ("timetable", "report", "99999999999999999999"),
        ("timetable", "validate", "2147483648"),
        ("timetable", "validate", "0"),
        ("timetable", "validate", "--", "-1"),
        ("timetable", "validate", "1e3"),
        ("timetable", "import", "--demo", "--as-of", "0001-01-01"),
        ("timetable", "import", "--demo", "--as-of", "9999-12-31"),
        ("timetable", "import", "--demo", "--as-of", "9999-12-31T23:59"),
        ("timetable", "import", "--demo", "--as-of", "1899-12-31"),
        ("timetable", "sessions", "--uai", "0749901K", "--from", "0001-01-01"),
        ("timetable", "sessions", "--uai", "0749901K", "--to", "9999-12-31"),
    ],
    ids=lambda command: "-".join(command).replace("--", ""),
)
def test_out_of_range_ids_and_dates_are_usage_errors(
    entcore_db_url: str, command: tuple[str, ...]
) -> None:
    """Ids past the store's integers and dates near year 1 or 9999: exit 2, one line."""
    result = run(entcore_db_url, *command)
    assert_one_line(result, 2)


def test_dates_at_the_limits_are_accepted(demo_store: str) -> None:
    """The first and last accepted days work end to end (no overflow further on)."""
    for as_of in ("1900-01-01", "2999-12-31T23:59"):
        result = run(demo_store, "timetable", "import", "--demo", "--as-of", as_of)
        assert result.exit_code == 0, result.output
    result = run(
        demo_store,
        "timetable",
        "sessions",
        "--uai",
        "0749901K",
        "--from",
        "1900-01-01",
        "--to",
        "2999-12-31",
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        ("ENTCORE_DIRECTORY_DELETE_AFTER_DAYS", "99999999999", ("directory", "import", "--demo")),
        (
            "ENTCORE_TIMETABLE_CLEARANCE_MINUTES",
            "999999999999999",
            ("timetable", "import", "--demo"),
        ),
        ("ENTCORE_TIMETABLE_KEEP_REPORTS_DAYS", "-1", ("timetable", "import", "--demo")),
        ("ENTCORE_STORE_LOCK_WAIT_SECONDS", "-1", ("stats",)),
        ("ENTCORE_STORE_LOCK_WAIT_SECONDS", "nan", ("stats",)),
    ],
)
def test_out_of_range_numbers_in_configuration(
    entcore_db_url: str, variable: str, value: str, command: tuple[str, ...]
) -> None:
    """A configured number that would overflow a date or a driver is refused by name."""
    result = run(entcore_db_url, *command, **{variable: value})
    assert_one_line(result, 1, variable, "out of range")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ent:s3cr3t-pw@db.example:notaport/ent",
        "nosuchdialect://ent:s3cr3t-pw@db.example/ent",
        "not a url",
    ],
)
def test_malformed_store_urls_are_one_line_without_password(url: str) -> None:
    """A store URL that cannot be used is one line; a password in it is never shown."""
    result = run(url, "stats")
    assert_one_line(result, 1, "magasin")
    assert "s3cr3t-pw" not in result.stderr


# -- the translation itself, for failures a test cannot easily provoke -------------------------


def psycopg_error(name: str, message: str) -> Exception:
    """An instance of psycopg's exception class ``name`` (skips when psycopg is absent)."""
    errors = pytest.importorskip("psycopg.errors")
    error: Exception = getattr(errors, name)(message)
    return error


def sqlite_error(message: str, name: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    ("orig", "expected"),
    [
        (sqlite_error("database is locked", "SQLITE_BUSY"), "occupé par une autre écriture"),
        (sqlite_error("database or disk is full", "SQLITE_FULL"), "disque du magasin est plein"),
        (sqlite_error("disk I/O error", "SQLITE_IOERR_WRITE"), "entrée-sortie"),
        (
            sqlite_error("attempt to write a readonly database", "SQLITE_READONLY"),
            "lecture seule",
        ),
        (sqlite_error("database disk image is malformed", "SQLITE_CORRUPT"), "endommagé"),
        (sqlite_error("file is not a database", "SQLITE_NOTADB"), "pas une base SQLite"),
        (
            psycopg_error("InvalidTextRepresentation", f'invalid input syntax: "{SECRET}"'),
            "valeur refusée par le magasin (hors limites ou mal formée) (SQLSTATE 22P02)",
        ),
        (
            psycopg_error("UniqueViolation", f"duplicate key\nDETAIL: Key (login)=({SECRET})"),
            "contrainte non respectée (SQLSTATE 23505)",
        ),
        (psycopg_error("LockNotAvailable", "lock timeout"), "occupé par une autre écriture"),
        (psycopg_error("AdminShutdown", "terminating connection"), "SQLSTATE 57P01"),
        (psycopg_error("SerializationFailure", "could not serialize"), "réessayez"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_driver_errors_become_one_line_without_data(orig: Exception, expected: str) -> None:
    """Whatever the driver says, the line is built from the kind of failure, never its text."""
    from sqlalchemy.exc import OperationalError

    from entcore.store.failures import store_failure

    wrapped = OperationalError("INSERT INTO accounts (login) VALUES (?)", {"login": SECRET}, orig)
    message = str(store_failure(wrapped, "sqlite:///x.db"))
    assert expected in message
    assert "\n" not in message and SECRET not in message and "INSERT" not in message


def test_values_the_driver_cannot_send_are_one_line() -> None:
    """An integer past 64 bits fails in the driver before the database: one line, no value."""
    from sqlalchemy.exc import StatementError

    from entcore.store.failures import store_failure

    value = 10**30
    error = StatementError(
        f"Python int too large: {value}", "SELECT :id", {"id": value}, OverflowError()
    )
    message = str(store_failure(error, "sqlite:///x.db"))
    assert message == "sqlite:///x.db : valeur refusée par le magasin (OverflowError)"
    assert str(value) not in str(store_failure(OverflowError(str(value)), "m"))
