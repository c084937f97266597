"""The real public AAF files of ``../shared/corpus/aaf``: all parse, counts match, all build."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from entcore.model import Entry, PersonRecord, RecordError, RecordKind
from entcore.plugins.aaf import AafSource
from entcore.plugins.aaf.files import parse_name
from entcore.protocols import SourceContext

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "aaf"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"AAF corpus absent ({CORPUS.resolve()})"),
]

_ADD_REQUEST = re.compile(rb"<addRequest\s*>")


def _feeds() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted({path.parent for path in CORPUS.rglob("*.xml") if parse_name(path.name)})


@pytest.mark.parametrize("folder", _feeds(), ids=lambda path: str(path.relative_to(CORPUS)))
def test_every_entry_is_read_and_built(folder: Path) -> None:
    """Per file, the entries equal a plain count of ``<addRequest>``; every record builds."""
    expected = {
        path.name: len(_ADD_REQUEST.findall(path.read_bytes()))
        for path in folder.iterdir()
        if parse_name(path.name)
    }
    seen: Counter[str] = Counter()
    failures: list[str] = []
    with AafSource().open([folder], SourceContext()) as feed:
        for item in feed:
            assert isinstance(item, Entry), item
            seen[item.origin.file] += 1
            try:
                item.build()
            except RecordError as error:
                failures.append(f"{item.origin.file}:{item.origin.line}: {error}")
    assert dict(seen) == {name: count for name, count in expected.items() if count}
    assert failures == []


def test_2013_export_totals() -> None:
    """The 2013 anonymised export holds the counts its notes announce, per category."""
    folder = CORPUS / "edificeio-entcore" / "feeder" / "src" / "test" / "resources" / "aaf-test"
    counts: Counter[RecordKind] = Counter()
    with AafSource().open([folder], SourceContext()) as feed:
        assert len(feed.files) == 46
        for item in feed:
            assert isinstance(item, Entry)
            counts[item.kind] += 1
    assert counts == {
        RecordKind.STRUCTURE: 10,
        RecordKind.SUBJECT: 718,
        RecordKind.MEF: 2504,
        RecordKind.RELATIVE: 9975,
        RecordKind.STUDENT: 642,
        RecordKind.STAFF: 701,
    }


def test_2013_student_values() -> None:
    """Spot-check one student of the 2013 export, accents and relatives included."""
    folder = CORPUS / "edificeio-entcore" / "feeder" / "src" / "test" / "resources" / "aaf-test"
    path = folder / "FULL_ENTTSSERVICES_Complet_20130117_Eleve_0001.xml"
    with AafSource().open([path], SourceContext()) as feed:
        first = next(iter(feed))
    assert isinstance(first, Entry)
    record = first.build()
    assert isinstance(record, PersonRecord)
    assert (record.external_id, record.last_name, record.first_name) == ("2605692", "Long", "Kù")
    assert record.other_first_names == ("Jetsmao", "Xzuzcosvo", "Pykewi")
    assert [(link.relative, link.legal) for link in record.relatives] == [
        ("2867253", True),
        ("2867254", True),
    ]
    assert record.mef == "24133610210"
