"""AAF feeds through the whole import: the shared corpus, the fixtures, the demo, the CLI."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from entcore.cli import main
from entcore.demo import aaf_feed
from entcore.errors import InvalidFileError
from entcore.store.schema import Account, Base
from tests.conftest import FIXTURES

CATEGORY_OF_FILE = {
    "EtabEducNat": ("structures",),
    "MatiereEducNat": ("subjects",),
    "MefEducNat": ("mefs",),
    "Eleve": ("students",),
    "PersRelEleve": ("relatives",),
    "PersEducNat": ("teachers", "personnels"),
}
_CATEGORY = re.compile(
    r"_(EtabEducNat|MatiereEducNat|MefEducNat|Eleve|PersRelEleve|PersEducNat)_\d{4}\.xml$"
)


def entries(folder: Path) -> Counter[tuple[str, ...]]:
    """``<addRequest>`` elements per category, counted independently of the parser."""
    counts: Counter[tuple[str, ...]] = Counter()
    for path in folder.iterdir():
        match = _CATEGORY.search(path.name)
        if match:
            counts[CATEGORY_OF_FILE[match[1]]] += len(
                re.findall(rb"<addRequest>", path.read_bytes())
            )
    return counts


def dump(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    with app.store.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables
            if table.name != "directory_imports"
        }


CORPUS_FOLDERS = [
    "aaf/edificeio-entcore/feeder/src/test/resources/aaf-test",
    "aaf/edificeio-entcore/feeder/src/test/resources/aaf/test",
    "aaf/edificeio-entcore/tests/src/test/resources/data/positions/aaf/before",
    "aaf/edificeio-entcore/tests/src/test/resources/data/positions/aaf/after",
    "aaf/edificeio-springboard-plugin/src/main/resources/aaf-duplicates-test",
]


@pytest.mark.corpus
@pytest.mark.parametrize("folder", CORPUS_FOLDERS)
def test_corpus_feed_imports_and_counts_match(corpus: Path, folder: str, entcore_app) -> None:
    """Every entry of a real feed is either in the store or reported as rejected, never crashed on."""
    path = corpus / folder
    report = entcore_app.directory.import_feed([path])
    stats = entcore_app.stats()
    for categories, count in entries(path).items():
        held = sum(stats[category] for category in categories)
        rejected = sum(report.counts[category].rejected for category in categories)
        created = sum(report.counts[category].created for category in categories)
        assert held == created, categories
        assert held + rejected == count, (categories, report.errors[:5])
    for error in report.errors:
        assert error.file.endswith(".xml") and error.id and error.reason


@pytest.mark.corpus
def test_corpus_feed_twice_then_only_unchanged(corpus: Path, entcore_app) -> None:
    """The 2013 académie feed imported twice: the second report shows only unchanged entities."""
    path = corpus / CORPUS_FOLDERS[0]
    first = entcore_app.directory.import_feed([path])
    assert first.counts["relatives"].created == 9975 and first.counts["students"].created > 0
    before = dump(entcore_app)
    second = entcore_app.directory.import_feed([path])
    assert not second.has_changes
    assert second.counts["relatives"].unchanged == 9975
    assert second.counts["students"].unchanged == first.counts["students"].created
    assert dump(entcore_app) == before


@pytest.mark.corpus
def test_corpus_dry_run_changes_nothing(corpus: Path, entcore_app) -> None:
    """--dry-run on a real feed: same report as the real run, no row written."""
    path = corpus / CORPUS_FOLDERS[4]
    before = dump(entcore_app)
    stats = entcore_app.stats()
    preview = entcore_app.directory.import_feed([path], dry_run=True)
    assert dump(entcore_app) == before and entcore_app.stats() == stats
    real = entcore_app.directory.import_feed([path])
    assert {k: v.to_json() for k, v in preview.counts.items()} == {
        k: v.to_json() for k, v in real.counts.items()
    }


def test_fixture_feed_then_delta(entcore_app) -> None:
    """The hand-written 2D feed, then its delta: adds, modifies and deletes only."""
    full = entcore_app.directory.import_feed([FIXTURES / "aaf" / "2d"])
    assert not full.errors, full.errors
    stats = entcore_app.stats()
    delta = entcore_app.directory.import_feed([FIXTURES / "aaf" / "delta"])
    assert delta.mode == "delta"
    changes = {
        category: counts.to_json() for category, counts in delta.counts.items() if counts.changed
    }
    assert changes, delta.to_json()
    assert not any(counts.disappeared for counts in delta.counts.values())
    after = entcore_app.stats()
    assert after["structures"] == stats["structures"]


def test_first_degree_feed(entcore_app) -> None:
    """An AAF 1D feed creates its school's classes from the 5-field class values."""
    report = entcore_app.directory.import_feed([FIXTURES / "aaf" / "1d"])
    assert report.counts["students"].created > 0 and report.counts["classes"].created > 0
    assert not report.errors, report.errors


def test_academy_prefix_keeps_feeds_apart(entcore_app_factory) -> None:
    """With a prefix, every key of the feed is prefixed; two académies can share a store."""
    app = entcore_app_factory(environ={"ENTCORE_DIRECTORY_ACADEMY_PREFIX": "GRE-"})
    app.directory.import_feed([FIXTURES / "aaf" / "2d"])
    with app.store.connect() as connection:
        keys = connection.execute(select(Account.external_id)).scalars().all()
    assert keys and all(key.startswith("GRE-") for key in keys)
    assert not app.directory.import_feed([FIXTURES / "aaf" / "2d"]).has_changes


def test_demo_feed(entcore_app) -> None:
    """The demo collège: what its README describes."""
    report = entcore_app.directory.import_feed([aaf_feed()])
    assert not report.errors
    stats = entcore_app.stats()
    assert {
        key: stats[key]
        for key in (
            "structures",
            "students",
            "relatives",
            "teachers",
            "personnels",
            "classes",
            "groups",
            "subjects",
            "mefs",
            "class_spaces",
        )
    } == {
        "structures": 1,
        "students": 40,
        "relatives": 51,
        # The documentalist counts as a teacher (DOC function), as the reference ENT decides.
        "teachers": 14,
        "personnels": 5,
        "classes": 4,
        "groups": 2,
        "subjects": 15,
        "mefs": 10,
        "class_spaces": 4,
    }
    assert report.by_structure["0749901K"]["students"].created == 40


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE ficAlimMENESR [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<ficAlimMENESR><addRequest><operationalAttributes><attr name="categoriePersonne"><value>Eleve</value></attr>
</operationalAttributes><identifier><id>1</id></identifier><attributes><attr name="sn"><value>&c;</value></attr>
</attributes></addRequest></ficAlimMENESR>
"""


def test_hostile_file_aborts_the_whole_import(entcore_app, tmp_path: Path) -> None:
    """An entity bomb in one chunk: the import stops, naming the file and line; nothing is written."""
    feed = tmp_path / "feed"
    feed.mkdir()
    for path in (FIXTURES / "aaf" / "2d").iterdir():
        (feed / path.name).write_bytes(path.read_bytes())
    (feed / "ENTTEST_Complet_20240901_Eleve_0002.xml").write_bytes(BOMB)
    with pytest.raises(InvalidFileError) as raised:
        entcore_app.directory.import_feed([feed])
    assert "ENTTEST_Complet_20240901_Eleve_0002.xml:3" in str(raised.value)
    assert entcore_app.stats()["students"] == 0 and entcore_app.stats()["structures"] == 0


def test_cli_import_report_json_and_text(entcore_db_url: str) -> None:
    """`directory import --json` prints the report object; the text form is French; stats agree."""
    runner = CliRunner()
    args = ["--db", entcore_db_url, "directory", "import"]
    result = runner.invoke(main, [*args, "--dry-run", "--demo"], env={"ENTCORE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "SIMULATION" in result.output and "Élèves" in result.output
    result = runner.invoke(main, [*args, "--json", "--demo"], env={"ENTCORE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in (
        "structures",
        "students",
        "relatives",
        "teachers",
        "personnels",
        "classes",
        "groups",
        "subjects",
        "mefs",
    ):
        assert set(report[key]) == {
            "created",
            "updated",
            "unchanged",
            "disappeared",
            "restored",
            "deleted",
            "rejected",
        }
    assert report["students"]["created"] == 40 and report["errors"] == []
    stats = json.loads(
        runner.invoke(
            main, ["--db", entcore_db_url, "stats", "--json"], env={"ENTCORE_CONFIG": ""}
        ).output
    )
    assert stats["students"] == 40


def test_cli_malformed_file_is_one_line_and_nonzero(entcore_db_url: str, tmp_path: Path) -> None:
    """A truncated chunk: exit 1, one line naming file and line."""
    feed = tmp_path / "feed"
    feed.mkdir()
    source = (FIXTURES / "aaf" / "2d" / "ENTTEST_Complet_20240901_Eleve_0000.xml").read_bytes()
    (feed / "ENTTEST_Complet_20240901_Eleve_0000.xml").write_bytes(source[: len(source) // 2])
    result = CliRunner().invoke(
        main, ["--db", entcore_db_url, "directory", "import", str(feed)], env={"ENTCORE_CONFIG": ""}
    )
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and re.search(
        r"ENTTEST_Complet_20240901_Eleve_0000\.xml:\d+: ", line
    ), line
