"""A directory source reading a small JSON roster: the smallest real DirectorySource.

File ``*.roster.json``::

    {"mode": "full",
     "structures": [{"id": "S1", "uai": "0740001A", "name": "CLG ..."}],
     "students": [{"id": "E1", "last": "...", "first": "...", "birth": "2012-01-31",
                   "structure": "S1", "class": "6A"}]}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import entcore
from entcore.model import (
    ClassRef,
    DirectoryItem,
    Entry,
    FeedFile,
    ImportMode,
    Origin,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    StructureRecord,
)


def _structure(data: dict[str, Any]) -> StructureRecord:
    return StructureRecord(data["id"], data["name"], uai=data.get("uai"))


def _student(data: dict[str, Any]) -> PersonRecord:
    if not data.get("last"):
        raise RecordError("nom manquant")
    return PersonRecord(
        data["id"],
        Profile.STUDENT,
        data["last"],
        data["first"],
        birth_date=date.fromisoformat(data["birth"]),
        structures=(data["structure"],),
        classes=(ClassRef(data["structure"], data["class"]),) if data.get("class") else (),
    )


class RosterFeed:
    def __init__(self, paths: Sequence[Path]):
        self.documents = [(path, json.loads(path.read_text(encoding="utf-8"))) for path in paths]
        modes = {doc.get("mode", "full") for _, doc in self.documents}
        self.mode = ImportMode(modes.pop() if len(modes) == 1 else "full")
        self.files = tuple(
            FeedFile(path.name, kind, self.mode)
            for path, doc in self.documents
            for kind, key in (
                (RecordKind.STRUCTURE, "structures"),
                (RecordKind.STUDENT, "students"),
            )
            if key in doc
        )

    def __iter__(self) -> Iterator[DirectoryItem]:
        for kind, key in ((RecordKind.STRUCTURE, "structures"), (RecordKind.STUDENT, "students")):
            for path, doc in self.documents:
                for index, data in enumerate(doc.get(key, [])):
                    digest = hashlib.blake2b(
                        json.dumps(data, sort_keys=True).encode(), digest_size=16
                    ).digest()
                    build = partial(_structure if kind is RecordKind.STRUCTURE else _student, data)
                    yield Entry(
                        kind, data["id"], digest, Origin(path.name, index + 1, data["id"]), build
                    )

    def close(self) -> None:
        self.documents = []


class RosterSource:
    name = "roster"
    label = "Roster JSON (tests)"

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return path.name.endswith(".roster.json")

    def open(self, paths: Sequence[Path], context: entcore.SourceContext) -> RosterFeed:
        return RosterFeed(paths)


@entcore.hookimpl
def entcore_register_directory_sources(registry: entcore.DirectorySourceRegistry) -> None:
    registry.add(RosterSource())
