"""Benchmark of the read API's streaming: time and peak memory of listing every account.

Generates (once) a synthetic académie feed of N entries with ``aaf_feed.generate``,
imports it (once) into an SQLite store, then, each phase in a fresh process so that
peak memory is its own:

* ``accounts`` — iterate ``app.read.accounts()`` (every view built, nothing kept);
* ``classes``  — iterate ``app.read.classes()``;
* ``jsonl``    — ``entcore accounts list --jsonl``, its output thrown away.

Run ``python benchmarks/read.py 100000 --work /tmp/readbench``; run it at two sizes to
see that peak memory does not grow with the number of accounts.  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aaf_feed


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase(phase: str, db: str) -> None:
    from entcore.app import Entcore

    start, cpu = time.perf_counter(), time.process_time()
    if phase == "jsonl":
        from entcore.cli import main

        # The command itself, in this process, its output thrown away.
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            main(["--db", db, "accounts", "list", "--jsonl"], standalone_mode=False)
        count = None
    else:
        with Entcore(db_url=db, load_entrypoints=False) as app:
            if phase == "accounts":
                count = sum(1 for _ in app.read.accounts())
            elif phase == "classes":
                count = sum(1 for _ in app.read.classes())
            else:
                raise SystemExit(f"unknown phase {phase}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    # CPU time too: on a shared machine the wall clock mostly measures the neighbours.
    rate = "" if count is None else f"{count:9d} views  {count / cpu:7.0f} views/CPU s"
    print(
        f"{phase:9s} {seconds:7.2f} s ({cpu:6.2f} s CPU)  {rate:37s} "
        f"peak RSS {_peak_rss_mb():6.1f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.phase:
        _phase(options.phase, options.db)
        return 0
    work = options.work / f"read-{options.entries}"
    feed = work / "feed"
    database = work / "entcore.db"
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
    for phase in ("accounts", "classes", "jsonl"):
        subprocess.run(
            [sys.executable, __file__, str(options.entries), "--phase", phase, "--db", db],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
