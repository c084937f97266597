"""Directory feeds made of records held in memory, for tests and embedding applications."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from entcore.model.directory import (
    DirectoryItem,
    DirectoryRecord,
    Entry,
    FeedFile,
    ImportMode,
    MefRecord,
    Notice,
    Origin,
    PersonRecord,
    Profile,
    RecordKind,
    StructureRecord,
    SubjectRecord,
)

_KIND_OF_PROFILE = {
    Profile.STUDENT: RecordKind.STUDENT,
    Profile.RELATIVE: RecordKind.RELATIVE,
    Profile.TEACHER: RecordKind.STAFF,
    Profile.PERSONNEL: RecordKind.STAFF,
    Profile.GUEST: RecordKind.GUEST,
}
_ORDER = {kind: index for index, kind in enumerate(RecordKind)}
_RECORDS = (StructureRecord, SubjectRecord, MefRecord, PersonRecord)


def kind_of(record: DirectoryRecord) -> RecordKind:
    """The feed category a record belongs to."""
    if isinstance(record, StructureRecord):
        return RecordKind.STRUCTURE
    if isinstance(record, SubjectRecord):
        return RecordKind.SUBJECT
    if isinstance(record, MefRecord):
        return RecordKind.MEF
    return _KIND_OF_PROFILE[record.profile]


def record_entry(
    record: DirectoryRecord, file: str = "<records>", line: int | None = None
) -> Entry:
    """An :class:`~entcore.model.Entry` that builds ``record``; its fingerprint is a digest of its repr."""
    key = record.code if isinstance(record, SubjectRecord | MefRecord) else record.external_id
    fingerprint = hashlib.blake2b(repr(record).encode(), digest_size=16).digest()
    return Entry(kind_of(record), key, fingerprint, Origin(file, line, key), lambda: record)


class RecordFeed:
    """A :class:`~entcore.protocols.DirectoryFeed` of in-memory records (or ready-made items).

    Records are sorted into feed order.  ``mode`` is the import mode; a full
    feed is complete for every kind it holds (and for ``complete_kinds``).
    """

    def __init__(
        self,
        items: Iterable[DirectoryRecord | DirectoryItem],
        mode: ImportMode = ImportMode.FULL,
        complete_kinds: Iterable[RecordKind] = (),
    ):
        entries: list[DirectoryItem] = [
            record_entry(item) if isinstance(item, _RECORDS) else item for item in items
        ]
        self._items = sorted(
            entries, key=lambda item: -1 if isinstance(item, Notice) else _ORDER[item.kind]
        )
        self.mode = mode
        kinds = {item.kind for item in self._items if not isinstance(item, Notice)} | set(
            complete_kinds
        )
        self.files = tuple(
            FeedFile(f"<records:{kind.value}>", kind, mode)
            for kind in sorted(kinds, key=_ORDER.__getitem__)
        )
        self.closed = False

    def __iter__(self) -> Iterator[DirectoryItem]:
        return iter(self._items)

    def close(self) -> None:
        """Nothing to release; recorded for tests."""
        self.closed = True
