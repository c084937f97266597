"""Shared helpers of the AAF plugin tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from entcore.model import DirectoryItem, DirectoryRecord, Entry
from entcore.plugins.aaf import AafSource
from entcore.protocols import SourceContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "aaf_feed.py"

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
    "<ficAlimMENESR>\n"
)
FOOTER = "</ficAlimMENESR>\n"


def add_request(
    category: str, identifier: str, attributes: Sequence[tuple[str, Sequence[str]]]
) -> str:
    """The XML of an ``addRequest`` (values are inserted as written: escape them yourself)."""
    category_attr = {
        "EtabEducNat": "categorieStructure",
        "MatEducNat": "categorieMatiere",
        "MefEducNat": "categorieMef",
    }.get(category, "categoriePersonne")
    attrs = "".join(
        f'<attr name="{name}">'
        + "".join(f"<value>{value}</value>" for value in values)
        + "</attr>\n"
        for name, values in attributes
    )
    return (
        "<addRequest>\n"
        f'<operationalAttributes><attr name="{category_attr}"><value>{category}</value></attr>'
        "</operationalAttributes>\n"
        f"<identifier><id>{identifier}</id></identifier>\n"
        f"<attributes>\n{attrs}</attributes>\n"
        "</addRequest>\n"
    )


def document(*requests: str) -> str:
    """A whole ``ficAlimMENESR`` document around ``requests``."""
    return HEADER + "".join(requests) + FOOTER


@pytest.fixture
def read_items() -> Callable[..., list[DirectoryItem]]:
    """Open paths with the AAF source and return every item of the feed."""

    def read(*paths: Path, on_progress: Callable[[int], None] | None = None) -> list[DirectoryItem]:
        with AafSource().open(list(paths), SourceContext(on_progress=on_progress)) as feed:
            return list(feed)

    return read


@pytest.fixture
def records() -> Callable[[list[DirectoryItem]], dict[str, DirectoryRecord]]:
    """Build every entry of a list of items; external id → record."""

    def build(items: list[DirectoryItem]) -> dict[str, DirectoryRecord]:
        return {item.external_id: item.build() for item in items if isinstance(item, Entry)}

    return build


@pytest.fixture
def write_feed(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write one file of a feed into a fresh folder and return the folder."""

    def write(name: str, content: str | bytes) -> Path:
        folder = tmp_path / "feed"
        folder.mkdir(exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
        return folder

    return write


@pytest.fixture(scope="session")
def feed_generator() -> ModuleType:
    """``benchmarks/aaf_feed.py``, the synthetic feed generator, as a module."""
    name = "aaf_feed_benchmark"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, GENERATOR)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Dataclasses look their module up in sys.modules while the module executes.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
