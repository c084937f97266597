"""A feed read in a worker process: the same reports, the same errors, nothing left running.

With ``[directory] parallel_parse`` (the default) and two CPUs, a source that
declares ``parallel_safe`` (AAF) is read in a child process while the import
plans and writes in this one.  These tests prove that the worker changes no
figure (dry run = real run = in-process), that an error of the feed is the same
one line, that a worker that dies, fails or is interrupted leaves no process
and no write behind, and that the setting or a single CPU keeps the feed in-process.
"""

from __future__ import annotations

import _thread
import importlib.util
import json
import multiprocessing
import re
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from entcore.cli import main
from entcore.directory import service, worker
from entcore.errors import EntcoreError, InvalidFileError
from entcore.testing.database import reset_database
from tests.conftest import FIXTURES
from tests.plugins import workersource
from tests.test_directory_aaf import dump

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "aaf_feed.py"
FIRST = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
SECOND = datetime(2025, 9, 2, 6, 0, tzinfo=UTC)
SERIAL = "[directory]\nparallel_parse = false\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic académie feed of 3,000 entries: several batches of every kind."""
    spec = importlib.util.spec_from_file_location("aaf_feed_for_worker_tests", GENERATOR)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    feed = tmp_path_factory.mktemp("generated") / "feed"
    module.generate(feed, 3000, seed=3)
    return feed


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[worker.WorkerFeed]:
    """The worker feeds the imports of the test start (a spy on the service's WorkerFeed)."""
    started: list[worker.WorkerFeed] = []

    def spy(*args: Any, **kwargs: Any) -> worker.WorkerFeed:
        feed = worker.WorkerFeed(*args, **kwargs)
        started.append(feed)
        return feed

    monkeypatch.setattr(service, "WorkerFeed", spy)
    monkeypatch.setattr(worker, "available_cpus", lambda: 2)
    return started


def figures(report: Any) -> dict[str, Any]:
    """The report without what differs between runs (times, id, the dry-run flag)."""
    data = report.to_json()
    for key in ("started_at", "finished_at", "id", "dry_run"):
        data.pop(key, None)
    return dict(data)


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    yield
    assert multiprocessing.active_children() == []


def test_worker_dry_run_equals_real_run_equals_in_process(
    entcore_app_factory, generated: Path, workers: list[worker.WorkerFeed]
) -> None:
    """Across batches of every kind: worker dry run = worker real run = in-process run."""
    serial = entcore_app_factory(config=SERIAL)
    parallel = entcore_app_factory()
    in_process = serial.directory.import_feed([generated], dry_run=True)
    assert workers == []
    preview = parallel.directory.import_feed([generated], dry_run=True)
    assert len(workers) == 1
    assert parallel.stats()["students"] == 0
    real = parallel.directory.import_feed([generated])
    assert len(workers) == 2
    assert figures(preview) == figures(real) == figures(in_process)
    assert real.counts["students"].created == parallel.stats()["students"] > 1000
    assert real.counts["relatives"].created > 1000
    # Unchanged: the same from the worker and in-process.
    again = parallel.directory.import_feed([generated], dry_run=True)
    again_serial = serial.directory.import_feed([generated], dry_run=True)
    assert figures(again) == figures(again_serial)
    assert again.counts["students"].unchanged == real.counts["students"].created
    assert not again.has_changes


def empty_store(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        reset_database(url)


def test_worker_builds_the_same_store_as_in_process(
    entcore_app_factory, entcore_db_url: str, workers: list[worker.WorkerFeed]
) -> None:
    """The fixture feed and its delta: rows written from the worker's items = in-process rows."""
    parallel = entcore_app_factory()
    parallel.directory.import_feed([FIXTURES / "aaf" / "2d"], now=FIRST)
    parallel.directory.import_feed([FIXTURES / "aaf" / "delta"], now=SECOND)
    assert len(workers) == 2
    from_worker = dump(parallel)
    parallel.close()
    empty_store(entcore_db_url)
    serial = entcore_app_factory(config=SERIAL)
    serial.directory.import_feed([FIXTURES / "aaf" / "2d"], now=FIRST)
    serial.directory.import_feed([FIXTURES / "aaf" / "delta"], now=SECOND)
    assert len(workers) == 2
    assert dump(serial) == from_worker


def test_setting_off_reads_in_process(
    entcore_app_factory, workers: list[worker.WorkerFeed]
) -> None:
    app = entcore_app_factory(config=SERIAL)
    report = app.directory.import_feed([FIXTURES / "aaf" / "2d"])
    assert workers == [] and report.counts["students"].created > 0


def test_single_cpu_reads_in_process(
    entcore_app_factory, workers: list[worker.WorkerFeed], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "available_cpus", lambda: 1)
    report = entcore_app_factory().directory.import_feed([FIXTURES / "aaf" / "2d"])
    assert workers == [] and report.counts["students"].created > 0


def test_source_without_parallel_safe_reads_in_process(
    entcore_app_factory, workers: list[worker.WorkerFeed], tmp_path: Path
) -> None:
    from tests.plugins import jsonsource

    path = tmp_path / "school.roster.json"
    path.write_text(json.dumps({"students": []}), encoding="utf-8")
    app = entcore_app_factory([jsonsource], builtins=False)
    app.directory.import_feed([path])
    assert workers == []


def test_available_cpus_follows_affinity() -> None:
    assert 1 <= worker.available_cpus() <= (multiprocessing.cpu_count() or 1)


def truncated_feed(tmp_path: Path) -> Path:
    feed = tmp_path / "feed"
    feed.mkdir()
    for path in (FIXTURES / "aaf" / "2d").iterdir():
        (feed / path.name).write_bytes(path.read_bytes())
    name = "ENTTEST_Complet_20240901_Eleve_0000.xml"
    source = (FIXTURES / "aaf" / "2d" / name).read_bytes()
    (feed / name).write_bytes(source[: len(source) // 2])
    return feed


def test_malformed_file_in_worker_is_the_same_one_line_error(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    feed = truncated_feed(tmp_path)
    with pytest.raises(InvalidFileError) as in_process:
        entcore_app_factory(config=SERIAL).directory.import_feed([feed])
    app = entcore_app_factory()
    with pytest.raises(InvalidFileError) as from_worker:
        app.directory.import_feed([feed])
    assert len(workers) == 1
    assert str(from_worker.value) == str(in_process.value)
    assert re.fullmatch(
        r"ENTTEST_Complet_20240901_Eleve_0000\.xml:\d+: [^\n]+", str(from_worker.value)
    )
    assert app.stats()["structures"] == 0


def test_cli_malformed_file_in_worker_is_one_line(
    entcore_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "available_cpus", lambda: 2)
    result = CliRunner().invoke(
        main,
        ["--db", entcore_db_url, "directory", "import", str(truncated_feed(tmp_path))],
        env={"ENTCORE_CONFIG": ""},
    )
    assert result.exit_code == 1
    assert re.fullmatch(
        r"[^\n]*ENTTEST_Complet_20240901_Eleve_0000\.xml:\d+: [^\n]+\n?", result.output
    )


def worker_roster(tmp_path: Path, behaviour: str) -> Path:
    path = tmp_path / "school.worker.json"
    path.write_text(
        json.dumps(
            {
                "worker": behaviour,
                "structures": [{"id": "S1", "uai": "0740001A", "name": "CLG DU LAC"}],
                "students": [
                    {
                        "id": "E1",
                        "last": "DUPONT",
                        "first": "Léa",
                        "birth": "2012-05-01",
                        "structure": "S1",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_invalid_file_error_raised_in_worker_keeps_file_and_line(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    app = entcore_app_factory([workersource], builtins=False)
    with pytest.raises(InvalidFileError) as raised:
        app.directory.import_feed([worker_roster(tmp_path, "invalid")])
    assert str(raised.value) == "school.worker.json:7: fichier tronqué"
    assert (raised.value.file, raised.value.line) == ("school.worker.json", 7)
    assert app.stats()["structures"] == 0


def test_worker_that_dies_is_one_line_and_writes_nothing(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    app = entcore_app_factory([workersource], builtins=False)
    with pytest.raises(EntcoreError) as raised:
        app.directory.import_feed([worker_roster(tmp_path, "exit")])
    assert len(workers) == 1
    assert str(raised.value) == (
        "la lecture du flux s'est interrompue : le processus de lecture s'est arrêté (code 3)"
    )
    assert app.stats()["structures"] == 0


def test_worker_failure_is_one_line_without_the_feed_data(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    app = entcore_app_factory([workersource], builtins=False)
    with pytest.raises(EntcoreError) as raised:
        app.directory.import_feed([worker_roster(tmp_path, "raise")])
    message = str(raised.value)
    assert message == "la lecture du flux a échoué dans le processus de lecture (RuntimeError)"
    assert "DUPONT" not in message
    assert app.stats()["structures"] == 0


def test_interrupt_ends_the_worker(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    """Ctrl-C while the worker hangs: KeyboardInterrupt here, the worker ended, nothing written."""
    app = entcore_app_factory([workersource], builtins=False)
    seen: list[int] = []

    def progress(total: int | None, size: int) -> None:
        seen.append(size)

    timer = threading.Timer(3.0, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            app.directory.import_feed([worker_roster(tmp_path, "hang")], progress=progress)
    finally:
        timer.cancel()
    assert len(workers) == 1
    assert multiprocessing.active_children() == []
    assert app.stats()["structures"] == 0


def test_source_that_cannot_be_pickled_reads_in_process(
    entcore_app_factory, tmp_path: Path, workers: list[worker.WorkerFeed]
) -> None:
    """``parallel_safe`` on a source the worker could not receive: read here, not refused."""
    app = entcore_app_factory([workersource], builtins=False)
    source = app.plugins.directory_sources().get("worker-roster")
    source.handler = lambda: None  # type: ignore[attr-defined]
    report = app.directory.import_feed([worker_roster(tmp_path, "none")])
    assert workers == [] and report.counts["students"].created == 1
