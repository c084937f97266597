"""Benchmark of the access check: ``app.access.check(login)`` per second on a large store.

The check runs on every request of an open session, so its cost matters.  The
script generates (once) a synthetic académie feed of N entries with
``aaf_feed.generate`` and imports it (once) into an SQLite store — or uses the
store given with ``--db`` (migrated to the current revision first) — then:

1. sets blocks as at the start of a school year: every other structure closed
   to students and relatives, the platform closed to guests;
2. checks a random sample of logins (every profile) ``--rounds`` times, in this
   process, and prints checks per second (wall clock and CPU) and how many
   were refused.

Run ``python benchmarks/access.py 100000 --work /tmp/accessbench`` (SQLite), or
``--db postgresql+psycopg://…`` on an imported PostgreSQL store.  The blocks are
lifted at the end.  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aaf_feed


def _store(options: argparse.Namespace) -> str:
    if options.db:
        return str(options.db)
    work = options.work / f"access-{options.entries}"
    feed, database = work / "feed", work / "entcore.db"
    db = f"sqlite:///{database}"
    if not feed.is_dir():
        aaf_feed.generate(feed, options.entries)
    if not database.exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "entcore", "--db", db, "directory", "import", str(feed)],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        print(f"import    {time.perf_counter() - start:7.2f} s")
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--db", help="an existing store instead of a generated one")
    parser.add_argument("--sample", type=int, default=2000, help="logins checked per round")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    db = _store(options)

    from entcore.app import Entcore
    from entcore.model import Profile
    from entcore.store import Store
    from entcore.store.schema import Account, Structure

    Store(db).upgrade()
    with Entcore(db_url=db, load_entrypoints=False) as app:
        with app.store.connect() as connection:
            accounts = connection.execute(select(Account.login)).scalars().all()
            uais = (
                connection.execute(
                    select(Structure.uai).where(Structure.uai.is_not(None)).order_by(Structure.uai)
                )
                .scalars()
                .all()
            )
        closed = uais[::2]
        for uai in closed:
            app.access.block(uai, Profile.STUDENT, "Accès fermé jusqu'à la rentrée", by="bench")
            app.access.block(uai, Profile.RELATIVE, by="bench")
        app.access.block(None, Profile.GUEST, by="bench")
        print(
            f"store     {len(accounts)} accounts, {len(uais)} structures, "
            f"{2 * len(closed) + 1} blocks ({app.store.dialect})"
        )
        sample = random.Random(0).sample(list(accounts), min(options.sample, len(accounts)))
        try:
            for round_number in range(1, options.rounds + 1):
                start, cpu = time.perf_counter(), time.process_time()
                refused = sum(1 for login in sample if app.access.check(login) is not None)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                # CPU time too: on a shared machine the wall clock mostly measures the neighbours.
                print(
                    f"round {round_number}   {len(sample)} checks in {seconds:6.2f} s "
                    f"({cpu:5.2f} s CPU): {len(sample) / seconds:7.0f} checks/s, "
                    f"{len(sample) / cpu:7.0f} checks/CPU s; {refused} refused"
                )
        finally:
            for uai in closed:
                app.access.unblock(uai, Profile.STUDENT, by="bench")
                app.access.unblock(uai, Profile.RELATIVE, by="bench")
            app.access.unblock(None, Profile.GUEST, by="bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
