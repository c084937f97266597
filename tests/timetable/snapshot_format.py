"""A test-only timetable format: a JSON file holding a snapshot, and the plugin registering it.

The file is ``{"entcore_test_timetable": 1, "snapshot": <the snapshot as the
core's converter writes it>}``; ``{"entcore_test_timetable": 1, "error": "..."}``
makes ``parse`` raise :class:`~entcore.InvalidFileError` (a damaged file).
It is a real :class:`~entcore.TimetableFormat`, registered through the
``entcore_register_timetable_formats`` hook like any plugin's, so the engine is
exercised without any timetable plugin installed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import entcore
from entcore import FormatContext, InvalidFileError
from entcore.model import Timetable
from entcore.model._converter import structure, unstructure

NAME = "ttjson"
MARK = b'"entcore_test_timetable"'


class SnapshotFormat:
    """Reads the JSON snapshot files written by :func:`write_snapshot`."""

    name = NAME
    label = "Instantané JSON (tests)"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        return MARK in head[:200]

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidFileError(context.filename, f"JSON illisible : {error}") from None
        if "error" in data:
            raise InvalidFileError(context.filename, str(data["error"]))
        return structure(data["snapshot"], Timetable)


def write_snapshot(path: Path, snapshot: Timetable) -> Path:
    """Write ``snapshot`` where :class:`SnapshotFormat` reads it."""
    path.write_text(
        json.dumps({"entcore_test_timetable": 1, "snapshot": unstructure(snapshot)}),
        encoding="utf-8",
    )
    return path


def write_broken(path: Path, reason: str) -> Path:
    """A file of the format that fails to parse."""
    path.write_text(json.dumps({"entcore_test_timetable": 1, "error": reason}), encoding="utf-8")
    return path


@entcore.hookimpl
def entcore_register_timetable_formats(registry: Any) -> None:
    registry.add(SnapshotFormat())
