"""The synthetic feed generator of ``benchmarks/aaf_feed.py``: consistent, chunked, reproducible."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from entcore.model import Entry, PersonRecord, Profile, RecordKind, StructureRecord
from entcore.plugins.aaf import AafSource
from entcore.protocols import SourceContext

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "aaf_feed.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aaf_feed_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_feed_is_chunked_consistent_and_reproducible(generator: ModuleType, tmp_path: Path) -> None:
    """Chunks hold at most ``chunk_size`` entries; references resolve; a seed fixes the bytes."""
    paths = generator.generate(tmp_path / "a", 3000, seed=7, chunk_size=500)
    again = generator.generate(tmp_path / "b", 3000, seed=7, chunk_size=500)
    assert [path.read_bytes() for path in paths] == [path.read_bytes() for path in again]
    for path in paths:
        assert re.fullmatch(r"ENT2D\.20250901_Complet_20250901_[A-Za-z]+_\d{4}\.xml", path.name)
        assert path.read_bytes().count(b"<addRequest>") <= 500

    counts: Counter[RecordKind] = Counter()
    students: list[PersonRecord] = []
    relatives: set[str] = set()
    structures: set[str] = set()
    classes: set[tuple[str, str]] = set()
    teachers: list[PersonRecord] = []
    with AafSource().open([tmp_path / "a"], SourceContext()) as feed:
        for item in feed:
            assert isinstance(item, Entry), item  # no notice: every attribute is a known one
            record = item.build()
            counts[item.kind] += 1
            if isinstance(record, StructureRecord):
                structures.add(record.external_id)
            elif isinstance(record, PersonRecord) and record.profile is Profile.STUDENT:
                students.append(record)
                classes.update((ref.structure, ref.code) for ref in record.classes)
            elif isinstance(record, PersonRecord) and record.profile is Profile.RELATIVE:
                relatives.add(record.external_id)
            elif isinstance(record, PersonRecord):
                teachers.append(record)
    assert abs(sum(counts.values()) - 3000) < 150
    assert {link.relative for student in students for link in student.relatives} == relatives
    assert 1.45 < len(relatives) / len(students) < 1.8
    assert 9 < len(students) / len(teachers) < 15
    assert {structure for student in students for structure in student.structures} <= structures
    taught = {
        (t.structure, t.code)
        for person in teachers
        for t in person.teachings
        if t.target.value == "class"
    }
    assert taught <= classes
    assert generator.parse_floor(paths) > 0
