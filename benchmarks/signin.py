"""Benchmark: local sign-ins per second while a directory import runs (issue 8, point 9).

A sign-in here is what ``POST /auth/login`` does once the form is read: check
the password (argon2id), ask the gate (local profile, access blocking) and
open a session (one insert).  The script:

1. generates (once) a synthetic académie feed of N entries with
   ``aaf_feed.generate`` and prepares a store (SQLite in ``--work``, or the
   empty PostgreSQL database given with ``--db``, migrated first) holding a few
   guest accounts with passwords;
2. signs in for ``--idle`` seconds with no import running (the baseline);
3. starts ``entcore directory import`` of the feed in another process and
   signs in, without pause, until the import ends.

It prints sign-ins per second in both phases, the slowest sign-in, and the
failures (a sign-in that raised, e.g. a store locked past its timeout).
Run ``python benchmarks/signin.py 100000 --work /tmp/signinbench`` (SQLite) or
add ``--db postgresql+psycopg://…`` (a database of its own: it is emptied by
the import's first run only if new).  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aaf_feed

PASSWORD = "une phrase de passe pour le banc d'essai"
GUESTS = 20


def _prepare(options: argparse.Namespace) -> tuple[str, Path]:
    feed = options.work / f"feed-{options.entries}"
    if not feed.is_dir():
        aaf_feed.generate(feed, options.entries)
    if options.db:
        return str(options.db), feed
    database = options.work / "signin.db"
    for leftover in options.work.glob("signin.db*"):
        leftover.unlink()
    return f"sqlite:///{database}", feed


def _guests(db: str) -> list[str]:
    """A structure with guests who have passwords (guests sign in locally by default)."""
    from entcore.app import Entcore
    from entcore.auth import AuthService
    from entcore.model import PersonRecord, Profile, StructureRecord
    from entcore.store import Store
    from entcore.testing import RecordFeed

    Store(db).upgrade()
    records: list[object] = [StructureRecord("BENCH-S", "COLLEGE DU BANC", uai="0999999Z")]
    records += [
        PersonRecord(f"BENCH-G{i}", Profile.GUEST, f"INVITE{i}", "Camille", structures=("BENCH-S",))
        for i in range(GUESTS)
    ]
    with Entcore(db_url=db, load_entrypoints=False) as app:
        app.directory.run_feed(RecordFeed(records), source="bench-guests")
        auth = AuthService(app.store, app.settings)
        logins = []
        for i in range(GUESTS):
            view = app.read.account_by_external_id(f"BENCH-G{i}")
            assert view is not None
            code, _ = auth.issue_code(view.login, "activation")
            auth.redeem_code(view.login, code, PASSWORD, "activation", "127.0.0.1")
            logins.append(view.login)
    return logins


def _sign_ins(db: str, logins: list[str], until: object) -> tuple[int, int, float, float]:
    """Sign in round-robin until ``until()`` is true: (done, failed, seconds, slowest)."""
    from entcore.app import Entcore
    from entcore.auth import AuthService
    from entcore.web.gate import refusal

    done = failed = 0
    slowest = 0.0
    with Entcore(db_url=db, load_entrypoints=False) as app:
        auth = AuthService(app.store, app.settings)
        start = time.perf_counter()
        index = 0
        while not until():  # type: ignore[operator]
            login = logins[index % len(logins)]
            index += 1
            began = time.perf_counter()
            try:
                account_id, real_login = auth.authenticate(login, PASSWORD, f"10.0.0.{index % 250}")
                if refusal(app, real_login) is not None:
                    raise RuntimeError("refused by the gate")
                token = auth.open_session(account_id, "local")
                assert token
                done += 1
            except Exception as error:  # a benchmark counts failures, whatever they are
                failed += 1
                print(f"  sign-in failed: {type(error).__name__}: {str(error)[:120]}")
            slowest = max(slowest, time.perf_counter() - began)
        seconds = time.perf_counter() - start
    return done, failed, seconds, slowest


def _report(phase: str, done: int, failed: int, seconds: float, slowest: float) -> None:
    rate = done / seconds if seconds else 0.0
    print(
        f"{phase:<14} {done:6d} sign-ins in {seconds:7.2f} s: {rate:6.1f}/s, "
        f"slowest {slowest * 1000:7.1f} ms, {failed} failed"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--db", help="an empty PostgreSQL database instead of SQLite")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of baseline")
    options = parser.parse_args(argv)
    options.work.mkdir(parents=True, exist_ok=True)
    db, feed = _prepare(options)
    logins = _guests(db)

    from entcore.store import Store

    print(f"store     {Store(db).dialect}, feed of {options.entries} entries, {len(logins)} guests")
    stop_at = time.perf_counter() + options.idle
    _report("idle", *_sign_ins(db, logins, lambda: time.perf_counter() > stop_at))

    command = [sys.executable, "-m", "entcore", "--db", db, "directory", "import", str(feed)]
    started = time.perf_counter()
    importer = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    result = _sign_ins(db, logins, lambda: importer.poll() is not None)
    code = importer.wait()
    print(f"import    {time.perf_counter() - started:7.2f} s, exit status {code}")
    _report("during import", *result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
