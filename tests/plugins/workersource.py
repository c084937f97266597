"""A roster source read in a worker process, and told how to misbehave there.

``*.worker.json`` files are rosters (see :mod:`tests.plugins.jsonsource`) with a
``"worker"`` key saying what the feed does once read in the worker
(``context.in_worker``), after its structures: ``"exit"`` ends the process with
code 3, ``"raise"`` raises an error quoting a person's name, ``"hang"`` waits
forever, ``"invalid"`` raises an InvalidFileError naming the file and line 7.
In the importing process the feed reads normally.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import entcore
from entcore.model import DirectoryItem, RecordKind
from tests.plugins.jsonsource import RosterFeed


class WorkerFeed(RosterFeed):
    def __init__(self, paths: Sequence[Path], in_worker: bool):
        super().__init__(paths)
        self.in_worker = in_worker

    def __iter__(self) -> Iterator[DirectoryItem]:
        behaviour = {doc.get("worker") for _, doc in self.documents} - {None}
        for item in super().__iter__():
            if self.in_worker and item.kind is RecordKind.STUDENT:
                if "exit" in behaviour:
                    os._exit(3)
                if "raise" in behaviour:
                    raise RuntimeError("DUPONT Léa")
                if "hang" in behaviour:
                    while True:
                        time.sleep(1)
                if "invalid" in behaviour:
                    raise entcore.InvalidFileError(self.documents[0][0].name, "fichier tronqué", 7)
            yield item


class WorkerSource:
    name = "worker-roster"
    label = "Roster JSON read in a worker (tests)"
    parallel_safe = True

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return path.name.endswith(".worker.json")

    def open(self, paths: Sequence[Path], context: entcore.SourceContext) -> WorkerFeed:
        return WorkerFeed(paths, context.in_worker)


@entcore.hookimpl
def entcore_register_directory_sources(registry: entcore.DirectorySourceRegistry) -> None:
    registry.add(WorkerSource())
