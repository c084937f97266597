"""Benchmark of the AAF directory import, against the cost of merely parsing the feed.

Generates (once) a synthetic académie feed of N entries with ``aaf_feed.generate``,
then measures, each phase in a fresh process so that peak memory is its own:

* ``floor``    — lxml ``iterparse`` reading every attribute, nothing else;
* ``full``     — the first import into an empty SQLite store;
* ``unchanged``— the same feed again (every entry unchanged);
* ``delta``    — a Delta feed modifying 1 % of the people.

Run ``python benchmarks/aaf.py 1000000 --work /tmp/aafbench``.  Targets (SQLite):
full ≤ 3× floor, unchanged ≤ 1.5× floor, peak RSS < 300 MB at 1,000,000 entries.
Prints a table and writes it as JSON next to the feed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aaf_feed

DELTA_DATE = "20250902"
CATEGORY = {"Eleve": "Eleve", "PersRelEleve": "PersRelEleve", "PersEducNat": "PersEducNat"}


def write_delta(feed: Path, target: Path, share: int = 100) -> int:
    """A Delta feed modifying one person in ``share`` (other first names replaced); returns its size."""
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for category in CATEGORY:
        sources = sorted(feed.glob(f"*_Complet_*_{category}_[0-9][0-9][0-9][0-9].xml"))
        path = target / f"ENT2D.{DELTA_DATE}_Delta_{DELTA_DATE}_{category}_0000.xml"
        with path.open("w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n')
            index = 0
            for source in sources:
                for _, request in etree.iterparse(
                    str(source), tag="addRequest", resolve_entities=False, no_network=True
                ):
                    if index % share == 0:
                        key = request.findtext("identifier/id")
                        out.write(
                            "<modifyRequest><operationalAttributes>"
                            f'<attr name="categoriePersonne"><value>{category}</value></attr>'
                            f"</operationalAttributes><identifier><id>{key}</id></identifier>"
                            '<modifications><modification name="ENTPersonAutresPrenoms" '
                            'operation="replace"><value>Modifié</value></modification>'
                            "</modifications></modifyRequest>\n"
                        )
                        written += 1
                    index += 1
                    # Keep memory flat: drop the request and everything read before it.
                    request.clear()
                    parent = request.getparent()
                    while parent is not None and request.getprevious() is not None:
                        del parent[0]
            out.write("</ficAlimMENESR>\n")
    return written


def phase(name: str, feed: Path, db: str, parallel: bool = True) -> dict[str, Any]:
    """Run one phase in this process; the parent reads the printed JSON."""
    started = time.perf_counter()
    result: dict[str, Any] = {"phase": name}
    if name == "floor":
        aaf_feed.parse_floor(sorted(p for p in feed.iterdir() if p.suffix == ".xml"))
    else:
        from entcore.app import Entcore
        from entcore.settings import load_settings

        overrides = {("store", "url"): db, ("directory", "parallel_parse"): parallel}
        app = Entcore(load_settings(environ={}, overrides=overrides), load_entrypoints=False)
        report = app.directory.import_feed([feed])
        result["counts"] = {
            category: {outcome: n for outcome, n in counts.to_json().items() if n}
            for category, counts in report.counts.items()
            if counts.to_json() != dict.fromkeys(counts.to_json(), 0)
        }
        result["errors"] = len(report.errors)
        app.close()
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = peak_rss_mb()
    # CPU of this process and of the feed reader it ran (waited for: counted in CHILDREN).
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    result["cpu_seconds"] = round(own.ru_utime + own.ru_stime, 2)
    result["child_cpu_seconds"] = round(children.ru_utime + children.ru_stime, 2)
    result["child_peak_rss_mb"] = round(children.ru_maxrss / 1024)
    return result


def empty_database(url: str) -> None:
    """Drop every table of the store at ``url`` (the benchmark's own database)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            raise SystemExit("--db: only PostgreSQL databases are emptied; give no --db for SQLite")
    engine.dispose()


def peak_rss_mb() -> int:
    """This process's peak resident memory since its program started (VmHWM; ru_maxrss
    would count what the parent held before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--feed", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--db",
        help="store URL (default: a SQLite file in the work folder); a PostgreSQL "
        "database given here is emptied first",
    )
    parser.add_argument(
        "--serial",
        action="store_true",
        help="read the feed in the importing process ([directory] parallel_parse = false)",
    )
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.feed, args.db, parallel=not args.serial)))
        return 0

    work = args.work / f"aaf-{args.entries}"
    feed, delta, db_file = work / "feed", work / "delta", work / "store.db"
    if not feed.is_dir():
        started = time.perf_counter()
        aaf_feed.generate(feed, args.entries, seed=args.seed)
        print(f"generated {feed} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if not delta.is_dir():
        print(f"delta: {write_delta(feed, delta)} modifications", file=sys.stderr)
    if args.db:
        db = args.db
        empty_database(db)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{db_file}"
    size = sum(p.stat().st_size for p in feed.iterdir())
    results = []
    for name, source in (("floor", feed), ("full", feed), ("unchanged", feed), ("delta", delta)):
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                str(args.entries),
                "--phase",
                name,
                "--feed",
                str(source),
                "--db",
                db,
                *(["--serial"] if args.serial else []),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(
            f"{name:>10}: {results[-1]['seconds']:8.2f} s  {results[-1]['peak_rss_mb']:5d} MB  "
            f"cpu {results[-1]['cpu_seconds']:.1f} + {results[-1]['child_cpu_seconds']:.1f} s",
            file=sys.stderr,
        )
    floor = results[0]["seconds"]
    summary = {
        "entries": args.entries,
        "feed_mb": round(size / 2**20),
        "phases": results,
        "ratios": {r["phase"]: round(r["seconds"] / floor, 2) for r in results[1:]},
        "python": sys.version.split()[0],
        "store": db.split(":", 1)[0],
        "parallel_parse": not args.serial,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    (work / "results.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(
        f"\n{'phase':<10} {'seconds':>9} {'× floor':>8} {'peak RSS':>9} {'CPU s':>7} "
        f"{'reader CPU s':>13} {'reader RSS':>11}"
    )
    for result in results:
        ratio = result["seconds"] / floor
        print(
            f"{result['phase']:<10} {result['seconds']:>9.2f} {ratio:>8.2f} "
            f"{result['peak_rss_mb']:>6d} MB {result['cpu_seconds']:>7.1f} "
            f"{result['child_cpu_seconds']:>13.1f} {result['child_peak_rss_mb']:>8d} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
