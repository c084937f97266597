"""Conformance suites: tests an implementation of a protocol runs against itself.

Subclass a suite in a test module (the class name must start with ``Test``) and
provide the fixtures it documents; every test of the suite then runs against
your implementation, exactly as the core's own implementations do.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from entcore.errors import InvalidFileError
from entcore.hookspecs import hookimpl
from entcore.model.directory import (
    Deletion,
    DirectoryRecord,
    Entry,
    MefRecord,
    Modification,
    Notice,
    PersonRecord,
    RecordError,
    RecordKind,
    Rejection,
    StructureRecord,
    SubjectRecord,
)
from entcore.model.timetable import ItemKind, Timetable
from entcore.protocols import (
    Connector,
    DirectorySource,
    FormatContext,
    SourceContext,
    TimetableFormat,
)

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_UAI = re.compile(r"^[0-9]{7}[A-Z]$")
_ORDER = {kind: index for index, kind in enumerate(RecordKind)}
_KIND_OF_RECORD: dict[type, tuple[RecordKind, ...]] = {
    StructureRecord: (RecordKind.STRUCTURE,),
    SubjectRecord: (RecordKind.SUBJECT,),
    MefRecord: (RecordKind.MEF,),
    PersonRecord: (RecordKind.RELATIVE, RecordKind.STUDENT, RecordKind.STAFF, RecordKind.GUEST),
}


def _foreign_files(folder: Path) -> list[Path]:
    """Files no entcore format should recognise."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty.xml": b"",
        "random.bin": bytes(range(256)) * 8,
        "other.xml": b'<?xml version="1.0"?><html><body>bonjour</body></html>',
        "text.csv": "nom;prénom\nDUPONT;Léa\n".encode(),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    archive = folder / "other.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("readme.txt", "rien à voir")
    paths.append(archive)
    return paths


class DirectorySourceConformance:
    """What every :class:`~entcore.protocols.DirectorySource` must do.

    Fixtures to provide: ``directory_source`` (the object), ``feed_paths`` (a
    small valid feed: list of paths), ``source_settings`` (optional mapping,
    default empty).
    """

    @pytest.fixture
    def source_settings(self) -> Mapping[str, object]:
        return {}

    def _items(
        self, source: DirectorySource, paths: list[Path], settings: Mapping[str, object]
    ) -> list[Any]:
        feed = source.open(paths, SourceContext(settings))
        try:
            return list(feed)
        finally:
            feed.close()

    def test_is_named(self, directory_source: DirectorySource) -> None:
        assert isinstance(directory_source, DirectorySource)
        assert _NAME.match(directory_source.name)
        assert directory_source.label.strip()

    def test_accepts_its_feed(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        assert all(directory_source.accepts(path, source_settings) for path in feed_paths)

    def test_refuses_foreign_files(
        self,
        directory_source: DirectorySource,
        tmp_path: Path,
        source_settings: Mapping[str, object],
    ) -> None:
        for path in _foreign_files(tmp_path / "foreign"):
            assert not directory_source.accepts(path, source_settings), path

    def test_items_come_in_kind_order(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        kinds = [
            _ORDER[item.kind]
            for item in self._items(directory_source, feed_paths, source_settings)
            if not isinstance(item, Notice)
        ]
        assert kinds == sorted(kinds)

    def test_entries_build_records_of_their_kind(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        built = 0
        for item in self._items(directory_source, feed_paths, source_settings):
            assert isinstance(item, Entry | Modification | Deletion | Rejection | Notice)
            if isinstance(item, Entry):
                assert isinstance(item.fingerprint, bytes) and item.fingerprint
                try:
                    record: DirectoryRecord = item.build()
                except RecordError as error:
                    reason = str(error)
                    assert reason, "a rejected entry says why"
                    continue
                assert item.kind in _KIND_OF_RECORD[type(record)]
                built += 1
        assert built, "the feed built no record"

    def test_fingerprints_are_stable(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        def fingerprints() -> list[tuple[str, bytes]]:
            return [
                (item.external_id, item.fingerprint)
                for item in self._items(directory_source, feed_paths, source_settings)
                if isinstance(item, Entry)
            ]

        assert fingerprints() == fingerprints()

    def test_imports_twice_then_nothing_changes(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        entcore_app_factory: Callable[..., Any],
    ) -> None:
        class Plugin:
            @hookimpl
            def entcore_register_directory_sources(self, registry: Any) -> None:
                registry.add(directory_source)

        app = entcore_app_factory([Plugin()], builtins=False)
        first = app.directory.import_feed(feed_paths, source=directory_source.name)
        assert sum(c.created for c in first.counts.values()) > 0
        second = app.directory.import_feed(feed_paths, source=directory_source.name)
        assert not second.has_changes, second.to_json()


class TimetableFormatConformance:
    """What every :class:`~entcore.protocols.TimetableFormat` must do.

    Fixtures to provide: ``timetable_format`` (the object), ``sample_path``
    (a valid export), ``format_settings`` (optional mapping, default empty).
    """

    @pytest.fixture
    def format_settings(self) -> Mapping[str, object]:
        return {}

    def _parse(self, fmt: TimetableFormat, path: Path, settings: Mapping[str, object]) -> Timetable:
        return fmt.parse(path, FormatContext(path.name, settings))

    def test_is_named(self, timetable_format: TimetableFormat) -> None:
        assert isinstance(timetable_format, TimetableFormat)
        assert _NAME.match(timetable_format.name)
        assert timetable_format.label.strip()

    def test_sniffs_its_sample(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        head = sample_path.read_bytes()[:65536]
        assert timetable_format.sniff(sample_path, head, format_settings)

    def test_sniff_refuses_foreign_files(
        self,
        timetable_format: TimetableFormat,
        tmp_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        for path in _foreign_files(tmp_path / "foreign"):
            head = path.read_bytes()[:65536]
            assert not timetable_format.sniff(path, head, format_settings), path

    def test_parses_a_consistent_snapshot(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        snapshot = self._parse(timetable_format, sample_path, format_settings)
        assert snapshot.format == timetable_format.name
        assert _UAI.match(snapshot.uai)
        year = snapshot.school_year
        assert year.start <= year.end and year.first_monday.isoweekday() == 1
        keys: dict[ItemKind, set[str]] = {
            ItemKind.TEACHER: {t.key for t in snapshot.teachers},
            ItemKind.CLASS: {c.key for c in snapshot.classes},
            ItemKind.PART: {p.key for c in snapshot.classes for p in c.parts},
            ItemKind.GROUP: {g.key for g in snapshot.groups},
            ItemKind.ROOM: {r.key for r in snapshot.rooms},
            ItemKind.EQUIPMENT: {e.key for e in snapshot.equipment},
            ItemKind.STUDENT: {s.key for s in snapshot.students},
        }
        for entities in (
            snapshot.subjects,
            snapshot.teachers,
            snapshot.classes,
            snapshot.groups,
            snapshot.rooms,
            snapshot.equipment,
            snapshot.students,
        ):
            entity_keys = [entity.key for entity in entities]
            assert len(entity_keys) == len(set(entity_keys)), "keys must be unique per entity type"
        subjects = {s.key for s in snapshot.subjects}
        for course in snapshot.courses:
            assert course.subject is None or course.subject in subjects
            assert 1 <= course.day <= 7 and course.start < course.end
            assert course.cancelled_weeks & 1 == 0
            for item in course.items:
                assert item.weeks >= 0 and item.weeks & 1 == 0, "bit 0 of a week mask is unused"
                if item.kind in keys:
                    assert item.key in keys[item.kind], f"{item.kind} {item.key} is not defined"
        for group in snapshot.groups:
            assert set(group.classes) <= keys[ItemKind.CLASS]
            assert set(group.parts) <= keys[ItemKind.PART]
            assert set(group.students) <= keys[ItemKind.STUDENT]
        if snapshot.services is not None:
            for service in snapshot.services:
                assert service.subject in subjects
                assert service.target in keys[service.audience]
                assert set(service.teachers) <= keys[ItemKind.TEACHER]

    def test_parsing_is_deterministic(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        assert self._parse(timetable_format, sample_path, format_settings) == self._parse(
            timetable_format, sample_path, format_settings
        )

    def test_truncated_file_is_a_clean_error(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
        tmp_path: Path,
    ) -> None:
        data = sample_path.read_bytes()
        truncated = tmp_path / sample_path.name
        truncated.write_bytes(data[: len(data) // 2])
        with pytest.raises(InvalidFileError) as raised:
            self._parse(timetable_format, truncated, format_settings)
        assert truncated.name in str(raised.value) and "\n" not in str(raised.value)


class ConnectorConformance:
    """What every :class:`~entcore.protocols.Connector` must do.

    Fixtures to provide: ``connector`` and ``account`` (a mapping of an
    account's public fields, as the core passes it to ``release``).
    """

    def test_is_named(self, connector: Connector) -> None:
        assert isinstance(connector, Connector)
        assert _NAME.match(connector.name)
        assert connector.label.strip()

    def test_releases_string_attributes(
        self, connector: Connector, account: Mapping[str, object]
    ) -> None:
        released = connector.release(account)
        assert released, "a connector releases at least one attribute"
        for name, values in released.items():
            assert isinstance(name, str) and name
            assert not isinstance(values, str)
            assert all(isinstance(value, str) for value in values)

    def test_release_is_deterministic(
        self, connector: Connector, account: Mapping[str, object]
    ) -> None:
        assert connector.release(account) == connector.release(account)
