"""Choosing the timetable format: ``--format``, or sniffing in registration order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import entcore
from entcore import Entcore, FormatContext, UnknownFormatError
from entcore.model import Timetable
from tests.timetable import snapshot_format
from tests.timetable.builders import (
    UAI,
    make_app,
    minimal_directory,
    minimal_snapshot,
    populate,
    snapshot_file,
)

Factory = Callable[..., Entcore]


class Greedy:
    """A format that claims every file and reads the test snapshot."""

    def __init__(self, name: str, *, broken: bool = False):
        self.name = name
        self.label = f"Format {name}"
        self.broken = broken
        self.parsed = 0

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        if self.broken:
            raise ValueError("sniff must not raise, but this one does")
        return True

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        self.parsed += 1
        return snapshot_format.SnapshotFormat().parse(path, context)


class Registers:
    def __init__(self, *formats: Greedy):
        self.formats = formats

    @entcore.hookimpl
    def entcore_register_timetable_formats(self, registry: Any) -> None:
        for fmt in self.formats:
            registry.add(fmt)


def test_first_recognising_format_wins(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Formats are asked in registration order; the first that recognises the file reads it."""
    broken, first, second = Greedy("broken", broken=True), Greedy("first"), Greedy("second")
    app = make_app(entcore_app_factory, Registers(broken, first, second))
    names = app.timetable.formats()
    assert names.index("broken") < names.index("first") < names.index("second")
    path = snapshot_file(tmp_path, minimal_snapshot())
    # pluggy calls the last registered plugin first: Registers adds its formats before ttjson.
    assert names == ["broken", "first", "second", "ttjson"]
    report = app.timetable.import_file(path, UAI)
    assert report.format == "first"
    assert (first.parsed, second.parsed) == (1, 0)


def test_format_option_bypasses_sniffing(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """--format names the format; sniffing is not consulted."""
    second = Greedy("second")
    app = make_app(entcore_app_factory, Registers(Greedy("broken", broken=True), second))
    report = app.timetable.import_file(
        snapshot_file(tmp_path, minimal_snapshot()), UAI, format="second"
    )
    assert report.format == "second" and second.parsed == 1


def test_no_format_installed(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Without any timetable plugin the error says so, and entcore still runs."""
    app = entcore_app_factory()
    populate(app, minimal_directory())
    with pytest.raises(UnknownFormatError, match=r"formats installés : aucun"):
        app.timetable.import_file(snapshot_file(tmp_path, minimal_snapshot()), UAI)
    assert app.timetable.formats() == []
    assert app.stats()["timetable_imports"] == 0
