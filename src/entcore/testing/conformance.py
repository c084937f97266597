"""Conformance suites: tests an implementation of a protocol runs against itself.

Subclass a suite in a test module (the class name must start with ``Test``) and
provide the fixtures it documents; every test of the suite then runs against
your implementation, exactly as the core's own implementations do.

A failing check raises :class:`ConformanceError` (an :class:`AssertionError`)
whose message is one sentence naming the object under test, what the protocol
expects and what was found, e.g. ``timetable format 'edt' (EdtFormat), reading
'export.xml': expected the snapshot's UAI to be 7 digits and a capital letter,
e.g. '0999999X'; found '0999999'``.  This module needs pytest (the suites are
pytest classes); the rest of :mod:`entcore.testing` does not.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import attrs
import pytest

from entcore.errors import InvalidFileError, SignInRefused
from entcore.hookspecs import hookimpl
from entcore.model.directory import (
    Deletion,
    DirectoryRecord,
    Entry,
    MefRecord,
    Modification,
    Notice,
    Origin,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    Rejection,
    StructureRecord,
    SubjectRecord,
)
from entcore.model.timetable import ItemKind, Timetable
from entcore.model.views import AccountView
from entcore.protocols import (
    AccountLookup,
    Asserted,
    Connector,
    DirectorySource,
    FederatedIdentity,
    FormatContext,
    SourceContext,
    SSOContext,
    SSOProvider,
    TimetableFormat,
)

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_NAME_RULE = (
    "a name of lowercase letters, digits, '-' or '_' that starts with a letter "
    "(at most 63 characters)"
)
_UAI = re.compile(r"^[0-9]{7}[A-Z]$")
_ORDER = {kind: index for index, kind in enumerate(RecordKind)}
_KIND_OF_RECORD: dict[type, tuple[RecordKind, ...]] = {
    StructureRecord: (RecordKind.STRUCTURE,),
    SubjectRecord: (RecordKind.SUBJECT,),
    MefRecord: (RecordKind.MEF,),
    PersonRecord: (RecordKind.RELATIVE, RecordKind.STUDENT, RecordKind.STAFF, RecordKind.GUEST),
}
_ITEM_TYPES = (Entry, Modification, Deletion, Rejection, Notice)
_HEAD = 65536


class ConformanceError(AssertionError):
    """A conformance check failed; the message says what was expected and what was found."""


def _fail(subject: str, message: str) -> NoReturn:
    raise ConformanceError(f"{subject}: {message}")


def describe(role: str, obj: object) -> str:
    """How messages name the object under test: ``timetable format 'edt' (EdtFormat)``."""
    name = getattr(obj, "name", None)
    shown = f" {name!r}" if isinstance(name, str) and name else ""
    return f"{role}{shown} ({type(obj).__qualname__})"


def _where(origin: Origin) -> str:
    return f"{origin.file}:{origin.line}" if origin.line is not None else origin.file


def _protocol_members(protocol: type) -> list[str]:
    """The attributes and methods a protocol class declares (not its bases' ``object`` ones)."""
    declared = set(getattr(protocol, "__annotations__", {}))
    declared.update(
        name
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    )
    return sorted(declared)


def _check_named(role: str, obj: object, protocol: type) -> None:
    """The protocol's members are present, ``name`` follows the naming rule, ``label`` is set."""
    subject = describe(role, obj)
    members = [member for member in _protocol_members(protocol) if not hasattr(obj, member)]
    if members or not isinstance(obj, protocol):
        _fail(
            subject,
            f"expected an object implementing {protocol.__name__}; "
            f"missing: {', '.join(sorted(members)) or 'one of its members'}",
        )
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        _fail(subject, f"expected {_NAME_RULE} as `name`; found {name!r}")
    label = getattr(obj, "label", None)
    if not isinstance(label, str) or not label.strip():
        _fail(subject, f"expected a non-blank human-readable `label`; found {label!r}")


def _foreign_files(folder: Path) -> list[tuple[Path, str]]:
    """Files no entcore format should recognise, each with what it is."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty.xml": (b"", "an empty file"),
        "random.bin": (bytes(range(256)) * 8, "random bytes"),
        "other.xml": (
            b'<?xml version="1.0"?><html><body>bonjour</body></html>',
            "an XML page of another kind",
        ),
        "text.csv": ("nom;prénom\nDUPONT;Léa\n".encode(), "a two-line CSV file"),
    }
    paths = []
    for name, (data, what) in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append((path, what))
    archive = folder / "other.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("readme.txt", "rien à voir")
    paths.append((archive, "a zip archive holding a text file"))
    return paths


def _first_difference(first: Iterable[Any], second: Iterable[Any]) -> str:
    """Where two sequences that should be equal part ways, in words."""
    left, right = list(first), list(second)
    for index, (one, two) in enumerate(zip(left, right, strict=False)):
        if one != two:
            return f"they differ first at position {index}: {one!r} then {two!r}"
    return f"the first time gave {len(left)} of them, the second time {len(right)}"


class DirectorySourceConformance:
    """What every :class:`~entcore.protocols.DirectorySource` must do.

    Fixtures to provide: ``directory_source`` (the object), ``feed_paths`` (a
    small valid feed: list of paths), ``source_settings`` (optional mapping,
    default empty).  ``test_imports_twice_then_nothing_changes`` also needs the
    ``entcore_app_factory`` fixture of the test kit (``pytest_plugins =
    ["entcore.testing"]``).
    """

    role = "directory source"

    @pytest.fixture
    def source_settings(self) -> Mapping[str, object]:
        return {}

    def _items(
        self, source: DirectorySource, paths: list[Path], settings: Mapping[str, object]
    ) -> list[Any]:
        try:
            feed = source.open(paths, SourceContext(settings))
            try:
                return list(feed)
            finally:
                feed.close()
        except Exception as error:
            names = ", ".join(repr(path.name) for path in paths)
            _fail(
                describe(self.role, source),
                f"expected open() to read the feed of the `feed_paths` fixture ({names}); "
                f"it raised {type(error).__name__}: {error}",
            )

    def test_is_named(self, directory_source: DirectorySource) -> None:
        _check_named(self.role, directory_source, DirectorySource)

    def test_accepts_its_feed(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        subject = describe(self.role, directory_source)
        if not feed_paths:
            _fail(subject, "the `feed_paths` fixture must name at least one file; found none")
        for path in feed_paths:
            answer = directory_source.accepts(path, source_settings)
            if not answer:
                _fail(
                    subject,
                    f"expected accepts() to recognise its own feed file {path.name!r}; "
                    f"it returned {answer!r}",
                )

    def test_refuses_foreign_files(
        self,
        directory_source: DirectorySource,
        tmp_path: Path,
        source_settings: Mapping[str, object],
    ) -> None:
        subject = describe(self.role, directory_source)
        for path, what in _foreign_files(tmp_path / "foreign"):
            try:
                answer = directory_source.accepts(path, source_settings)
            except Exception as error:
                _fail(
                    subject,
                    f"expected accepts() to answer False for {path.name!r} ({what}); "
                    f"it raised {type(error).__name__}: {error}",
                )
            if answer:
                _fail(
                    subject,
                    f"expected accepts() to refuse {path.name!r} ({what}); it returned {answer!r}",
                )

    def test_items_come_in_kind_order(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        subject = describe(self.role, directory_source)
        latest: Entry | Modification | Deletion | Rejection | None = None
        for item in self._items(directory_source, feed_paths, source_settings):
            if not isinstance(item, Entry | Modification | Deletion | Rejection):
                continue
            if latest is not None and _ORDER[item.kind] < _ORDER[latest.kind]:
                order = ", ".join(kind.value for kind in RecordKind)
                _fail(
                    subject,
                    f"expected items in kind order ({order}); found a {item.kind.value!r} item "
                    f"at {_where(item.origin)} after a {latest.kind.value!r} item "
                    f"at {_where(latest.origin)}",
                )
            latest = item

    def test_entries_build_records_of_their_kind(
        self,
        directory_source: DirectorySource,
        feed_paths: list[Path],
        source_settings: Mapping[str, object],
    ) -> None:
        subject = describe(self.role, directory_source)
        built = rejected = 0
        for item in self._items(directory_source, feed_paths, source_settings):
            if not isinstance(item, _ITEM_TYPES):
                expected = ", ".join(kind.__name__ for kind in _ITEM_TYPES)
                _fail(
                    subject,
                    f"expected feed items of type {expected}; found {type(item).__qualname__}",
                )
            if not isinstance(item, Entry):
                continue
            entry = f"the {item.kind.value} entry {item.external_id!r} at {_where(item.origin)}"
            if not isinstance(item.fingerprint, bytes) or not item.fingerprint:
                _fail(
                    subject,
                    f"expected {entry} to carry a non-empty bytes fingerprint; "
                    f"found {item.fingerprint!r}",
                )
            try:
                record: DirectoryRecord = item.build()
            except RecordError as error:
                if not str(error).strip():
                    _fail(
                        subject,
                        f"expected {entry} to say why it is rejected; "
                        "its RecordError has an empty message",
                    )
                rejected += 1
                continue
            allowed = _KIND_OF_RECORD.get(type(record), ())
            if item.kind not in allowed:
                _fail(
                    subject,
                    f"expected {entry} to build a record of kind {item.kind.value!r}; "
                    f"it built a {type(record).__qualname__}",
                )
            built += 1
        if not built:
            _fail(
                subject,
                "expected the feed of the `feed_paths` fixture to build at least one record; "
                + (
                    f"all of its {rejected} entries were rejected"
                    if rejected
                    else "it yielded no entry"
                ),
            )

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

        first, second = fingerprints(), fingerprints()
        if first != second:
            _fail(
                describe(self.role, directory_source),
                "expected the same (external id, fingerprint) pairs each time the same feed is "
                f"read; {_first_difference(first, second)}",
            )

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

        subject = describe(self.role, directory_source)
        app = entcore_app_factory([Plugin()], builtins=False)
        first = app.directory.import_feed(feed_paths, source=directory_source.name)
        if not sum(counts.created for counts in first.counts.values()):
            _fail(subject, f"expected the first import to create records; {_counts(first)}")
        second = app.directory.import_feed(feed_paths, source=directory_source.name)
        if second.has_changes:
            _fail(
                subject,
                f"expected a second import of the same feed to change nothing; {_counts(second)}",
            )


def _counts(report: Any) -> str:
    """The non-zero counts of a directory report, in words (no people's data)."""
    found = [
        f"{category} {outcome} {number}"
        for category, counts in report.counts.items()
        for outcome, number in counts.to_json().items()
        if number
    ]
    return f"it counted {', '.join(found)}" if found else "it counted nothing at all"


class TimetableFormatConformance:
    """What every :class:`~entcore.protocols.TimetableFormat` must do.

    Fixtures to provide: ``timetable_format`` (the object), ``sample_path``
    (a valid export), ``format_settings`` (optional mapping, default empty).
    """

    role = "timetable format"

    @pytest.fixture
    def format_settings(self) -> Mapping[str, object]:
        return {}

    def _parse(self, fmt: TimetableFormat, path: Path, settings: Mapping[str, object]) -> Timetable:
        snapshot = fmt.parse(path, FormatContext(path.name, settings))
        if not isinstance(snapshot, Timetable):
            _fail(
                describe(self.role, fmt),
                f"expected parse() to return a Timetable; found {type(snapshot).__qualname__}",
            )
        return snapshot

    def _parse_sample(
        self, fmt: TimetableFormat, path: Path, settings: Mapping[str, object]
    ) -> Timetable:
        try:
            return self._parse(fmt, path, settings)
        except ConformanceError:
            raise
        except Exception as error:
            _fail(
                describe(self.role, fmt),
                f"expected parse() to read its sample {path.name!r}; "
                f"it raised {type(error).__name__}: {error}",
            )

    def test_is_named(self, timetable_format: TimetableFormat) -> None:
        _check_named(self.role, timetable_format, TimetableFormat)

    def test_sniffs_its_sample(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        answer = timetable_format.sniff(
            sample_path, sample_path.read_bytes()[:_HEAD], format_settings
        )
        if not answer:
            _fail(
                describe(self.role, timetable_format),
                f"expected sniff() to recognise its own sample {sample_path.name!r}; "
                f"it returned {answer!r}",
            )

    def test_sniff_refuses_foreign_files(
        self,
        timetable_format: TimetableFormat,
        tmp_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        subject = describe(self.role, timetable_format)
        for path, what in _foreign_files(tmp_path / "foreign"):
            try:
                answer = timetable_format.sniff(path, path.read_bytes()[:_HEAD], format_settings)
            except Exception as error:
                _fail(
                    subject,
                    f"expected sniff() to answer False for {path.name!r} ({what}) without "
                    f"raising; it raised {type(error).__name__}: {error}",
                )
            if answer:
                _fail(
                    subject,
                    f"expected sniff() to refuse {path.name!r} ({what}); it returned {answer!r}",
                )

    def test_parses_a_consistent_snapshot(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        snapshot = self._parse_sample(timetable_format, sample_path, format_settings)
        subject = f"{describe(self.role, timetable_format)}, reading {sample_path.name!r}"
        check_snapshot(subject, timetable_format.name, snapshot)

    def test_parsing_is_deterministic(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
    ) -> None:
        first = self._parse_sample(timetable_format, sample_path, format_settings)
        second = self._parse_sample(timetable_format, sample_path, format_settings)
        if first != second:
            fields = [
                name
                for name in (attribute.name for attribute in attrs.fields(Timetable))
                if getattr(first, name) != getattr(second, name)
            ]
            _fail(
                describe(self.role, timetable_format),
                f"expected two parses of {sample_path.name!r} to give equal snapshots; "
                f"they differ in {', '.join(fields)}",
            )

    def test_truncated_file_is_a_clean_error(
        self,
        timetable_format: TimetableFormat,
        sample_path: Path,
        format_settings: Mapping[str, object],
        tmp_path: Path,
    ) -> None:
        subject = describe(self.role, timetable_format)
        data = sample_path.read_bytes()
        truncated = tmp_path / sample_path.name
        truncated.write_bytes(data[: len(data) // 2])
        expected = (
            f"expected parsing {truncated.name!r} cut in half to raise InvalidFileError "
            "with a one-line message naming the file"
        )
        try:
            self._parse(timetable_format, truncated, format_settings)
        except InvalidFileError as error:
            message = str(error)
            if truncated.name not in message:
                _fail(subject, f"{expected}; the message does not name it: {message!r}")
            if "\n" in message:
                _fail(subject, f"{expected}; the message has several lines: {message!r}")
        except Exception as error:
            _fail(subject, f"{expected}; it raised {type(error).__name__}: {error}")
        else:
            _fail(subject, f"{expected}; it returned a snapshot")


def check_snapshot(subject: str, format_name: str, snapshot: Timetable) -> None:
    """The checks of ``test_parses_a_consistent_snapshot``, on any snapshot.

    Use it to check more exports than the suite's sample, e.g. every file of a
    corpus.  ``subject`` starts each failure message (``"format 'edt', reading
    'x.xml'"``); ``format_name`` is the name the snapshot must carry.  Raises
    :class:`ConformanceError` at the first inconsistency.
    """
    if snapshot.format != format_name:
        _fail(
            subject,
            f"expected the snapshot's format to be the format's name {format_name!r}; "
            f"found {snapshot.format!r}",
        )
    if not isinstance(snapshot.uai, str) or not _UAI.match(snapshot.uai):
        _fail(
            subject,
            f"expected the snapshot's UAI to be 7 digits and a capital letter, e.g. "
            f"'0999999X'; found {snapshot.uai!r}",
        )
    year = snapshot.school_year
    if year.start > year.end:
        _fail(
            subject,
            f"expected the school year to start before it ends; found start {year.start} "
            f"after end {year.end}",
        )
    if year.first_monday.isoweekday() != 1:
        _fail(
            subject,
            f"expected the school year's first_monday to be a Monday; found "
            f"{year.first_monday} (a {year.first_monday.strftime('%A')})",
        )
    keys: dict[ItemKind, set[str]] = {
        ItemKind.TEACHER: {t.key for t in snapshot.teachers},
        ItemKind.CLASS: {c.key for c in snapshot.classes},
        ItemKind.PART: {p.key for c in snapshot.classes for p in c.parts},
        ItemKind.GROUP: {g.key for g in snapshot.groups},
        ItemKind.ROOM: {r.key for r in snapshot.rooms},
        ItemKind.EQUIPMENT: {e.key for e in snapshot.equipment},
        ItemKind.STUDENT: {s.key for s in snapshot.students},
    }
    for entity, entities in (
        ("subjects", snapshot.subjects),
        ("teachers", snapshot.teachers),
        ("classes", snapshot.classes),
        ("groups", snapshot.groups),
        ("rooms", snapshot.rooms),
        ("equipment", snapshot.equipment),
        ("students", snapshot.students),
    ):
        seen: set[str] = set()
        for each in entities:
            if each.key in seen:
                _fail(
                    subject,
                    f"expected the keys of {entity} to be unique; found key {each.key!r} twice",
                )
            seen.add(each.key)
    subjects = {s.key for s in snapshot.subjects}
    for course in snapshot.courses:
        where = f"course {course.key!r}"
        if course.subject is not None and course.subject not in subjects:
            _fail(
                subject,
                f"expected {where} to name a subject of the snapshot (or none); "
                f"found subject key {course.subject!r}, which no subject has",
            )
        if not 1 <= course.day <= 7:
            _fail(
                subject,
                f"expected {where} to fall on an ISO weekday from 1 (Monday) to 7; "
                f"found day {course.day}",
            )
        if not course.start < course.end:
            _fail(
                subject,
                f"expected {where} to start before it ends; found {course.start} to {course.end}",
            )
        if course.cancelled_weeks & 1:
            _fail(
                subject,
                f"expected bit 0 of {where}'s cancelled_weeks to be clear (weeks count from 1); "
                f"found {course.cancelled_weeks}",
            )
        for item in course.items:
            if item.weeks < 0 or item.weeks & 1:
                _fail(
                    subject,
                    f"expected the week mask of {item.kind.value} {item.key!r} in {where} to be a "
                    f"non-negative mask with bit 0 clear (weeks count from 1); found {item.weeks}",
                )
            if item.kind in keys and item.key not in keys[item.kind]:
                _fail(
                    subject,
                    f"expected {where} to refer to a {item.kind.value} of the snapshot; "
                    f"found {item.kind.value} key {item.key!r}, which is not defined",
                )
    for group in snapshot.groups:
        for kind, members in (
            (ItemKind.CLASS, group.classes),
            (ItemKind.PART, group.parts),
            (ItemKind.STUDENT, group.students),
        ):
            unknown = sorted(set(members) - keys[kind])
            if unknown:
                _fail(
                    subject,
                    f"expected group {group.key!r} to list {kind.value} keys of the snapshot; "
                    f"found {', '.join(map(repr, unknown))}, not defined",
                )
    for service in snapshot.services or ():
        where = f"the teaching service of subject {service.subject!r} to {service.target!r}"
        if service.subject not in subjects:
            _fail(subject, f"expected {where} to name a subject of the snapshot; it names none")
        if service.audience not in (ItemKind.CLASS, ItemKind.GROUP):
            _fail(
                subject,
                f"expected {where} to address a class or a group; found {service.audience.value!r}",
            )
        if service.target not in keys[service.audience]:
            _fail(
                subject,
                f"expected {where} to address a {service.audience.value} of the snapshot; "
                f"no {service.audience.value} has key {service.target!r}",
            )
        unknown = sorted(set(service.teachers) - keys[ItemKind.TEACHER])
        if unknown:
            _fail(
                subject,
                f"expected {where} to list teacher keys of the snapshot; "
                f"found {', '.join(map(repr, unknown))}, not defined",
            )


class ConnectorConformance:
    """What every :class:`~entcore.protocols.Connector` must do.

    Fixtures to provide: ``connector`` and ``account`` (a mapping of an
    account's public fields, as the core passes it to ``release``).
    """

    role = "connector"

    def _release(self, connector: Connector, account: Mapping[str, object]) -> Any:
        try:
            return connector.release(account)
        except Exception as error:
            _fail(
                describe(self.role, connector),
                "expected release() to accept the public fields of the `account` fixture; "
                f"it raised {type(error).__name__}: {error}",
            )

    def test_is_named(self, connector: Connector) -> None:
        _check_named(self.role, connector, Connector)

    def test_releases_string_attributes(
        self, connector: Connector, account: Mapping[str, object]
    ) -> None:
        subject = describe(self.role, connector)
        released = self._release(connector, account)
        if not isinstance(released, Mapping):
            _fail(
                subject,
                "expected release() to return a mapping of attribute names to lists of strings; "
                f"found {type(released).__qualname__}",
            )
        if not released:
            _fail(subject, "expected release() to release at least one attribute; it released none")
        for name, values in released.items():
            if not isinstance(name, str) or not name:
                _fail(subject, f"expected attribute names to be non-empty strings; found {name!r}")
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                _fail(
                    subject,
                    f"expected attribute {name!r} to be released as a sequence of strings; "
                    f"found a {type(values).__qualname__}",
                )
            for value in values:
                if not isinstance(value, str):
                    _fail(
                        subject,
                        f"expected every value of attribute {name!r} to be a string; found "
                        f"{type(value).__qualname__} {value!r}",
                    )

    def test_release_is_deterministic(
        self, connector: Connector, account: Mapping[str, object]
    ) -> None:
        first, second = self._release(connector, account), self._release(connector, account)
        if first != second:
            changed = sorted(
                str(name)
                for name in set(first) | set(second)
                if first.get(name) != second.get(name)
            )
            _fail(
                describe(self.role, connector),
                "expected release() to give the same attributes each time for the same account; "
                f"{', '.join(map(repr, changed))} changed between two calls",
            )


#: The protocols the core runs for SSO providers (``SSOProvider.kind``).
SSO_KINDS = frozenset({"saml", "oidc", "cas"})


class _NoAccounts:
    """An :class:`~entcore.protocols.AccountLookup` holding no account."""

    def account_by_external_id(
        self, external_id: str, *, include_disappeared: bool = False
    ) -> AccountView | None:
        return None

    def accounts_by_email(
        self, email: str, *, include_disappeared: bool = False
    ) -> tuple[AccountView, ...]:
        return ()


class SSOProviderConformance:
    """What every :class:`~entcore.protocols.SSOProvider` must do.

    Fixtures to provide: ``sso_provider``; ``asserted`` (an
    :class:`~entcore.protocols.Asserted` the provider identifies); ``sso_context``
    (an :class:`~entcore.protocols.SSOContext`); ``accounts`` (an
    :class:`~entcore.protocols.AccountLookup`, such as ``app.read`` of a
    populated store, holding the account ``asserted`` names); ``expected_login``
    (that account's login).
    """

    role = "SSO provider"

    def _identify(
        self, provider: SSOProvider, asserted: Asserted, context: SSOContext
    ) -> FederatedIdentity:
        try:
            identity = provider.identify(asserted, context)
        except Exception as error:
            _fail(
                describe(self.role, provider),
                "expected identify() to accept the `asserted` fixture; "
                f"it raised {type(error).__name__}: {error}",
            )
        if not isinstance(identity, FederatedIdentity):
            _fail(
                describe(self.role, provider),
                "expected identify() to return a FederatedIdentity; "
                f"found {type(identity).__qualname__}",
            )
        return identity

    def test_is_named(self, sso_provider: SSOProvider) -> None:
        _check_named(self.role, sso_provider, SSOProvider)

    def test_declares_kind_and_profiles(self, sso_provider: SSOProvider) -> None:
        subject = describe(self.role, sso_provider)
        if sso_provider.kind not in SSO_KINDS:
            _fail(
                subject,
                f"expected `kind` to be one of {', '.join(sorted(SSO_KINDS))}; "
                f"found {sso_provider.kind!r}",
            )
        profiles = sso_provider.profiles
        if not isinstance(profiles, frozenset) or not profiles:
            _fail(subject, f"expected `profiles` to be a non-empty frozenset; found {profiles!r}")
        strangers = [p for p in profiles if not isinstance(p, Profile)]
        if strangers:
            _fail(
                subject,
                f"expected every profile to be an entcore Profile; found {strangers[0]!r}",
            )

    def test_identity_names_provider_issuer_and_subject(
        self, sso_provider: SSOProvider, asserted: Asserted, sso_context: SSOContext
    ) -> None:
        identity = self._identify(sso_provider, asserted, sso_context)
        found = (identity.provider, identity.issuer, identity.subject)
        wanted = (sso_provider.name, asserted.issuer, asserted.subject)
        if found != wanted:
            _fail(
                describe(self.role, sso_provider),
                "expected the identity to name the provider, the issuer and the subject "
                f"asserted {wanted!r}; found {found!r}",
            )
        if not (identity.external_ids or identity.email):
            _fail(
                describe(self.role, sso_provider),
                "expected the identity to carry something matching can use "
                "(external_ids or email); found neither",
            )

    def test_identify_is_deterministic(
        self, sso_provider: SSOProvider, asserted: Asserted, sso_context: SSOContext
    ) -> None:
        first = self._identify(sso_provider, asserted, sso_context)
        second = self._identify(sso_provider, asserted, sso_context)
        if first != second:
            _fail(
                describe(self.role, sso_provider),
                "expected identify() to give the same identity each time for the same assertion",
            )

    def test_refuses_empty_attributes_in_french(
        self, sso_provider: SSOProvider, asserted: Asserted, sso_context: SSOContext
    ) -> None:
        bare = Asserted(asserted.issuer, asserted.subject, {}, asserted.session_index)
        try:
            sso_provider.identify(bare, sso_context)
        except SignInRefused as refused:
            if not refused.message.strip():
                _fail(
                    describe(self.role, sso_provider),
                    "expected SignInRefused to carry a French message for the user; it is blank",
                )
            return
        except Exception as error:
            _fail(
                describe(self.role, sso_provider),
                "expected identify() of an assertion without attributes to raise "
                f"SignInRefused; it raised {type(error).__name__}: {error}",
            )
        _fail(
            describe(self.role, sso_provider),
            "expected identify() of an assertion without attributes to raise SignInRefused; "
            "it returned an identity",
        )

    def test_matches_the_expected_account(
        self,
        sso_provider: SSOProvider,
        asserted: Asserted,
        sso_context: SSOContext,
        accounts: AccountLookup,
        expected_login: str,
    ) -> None:
        subject = describe(self.role, sso_provider)
        identity = self._identify(sso_provider, asserted, sso_context)
        try:
            matched = sso_provider.match(identity, accounts, sso_context)
        except SignInRefused as refused:
            _fail(
                subject,
                f"expected match() to find {expected_login!r}; it refused ({refused.reason})",
            )
        if not isinstance(matched, tuple) or not all(isinstance(a, AccountView) for a in matched):
            _fail(subject, "expected match() to return a tuple of AccountView")
        logins = [account.login for account in matched]
        if expected_login not in logins:
            _fail(subject, f"expected match() to find {expected_login!r}; found {logins!r}")
        outside = [a.login for a in matched if a.profile not in sso_provider.profiles]
        if outside:
            _fail(
                subject,
                f"expected only accounts of the provider's profiles; found {outside[0]!r}",
            )

    def test_no_account_is_a_refusal(
        self, sso_provider: SSOProvider, asserted: Asserted, sso_context: SSOContext
    ) -> None:
        identity = self._identify(sso_provider, asserted, sso_context)
        try:
            matched = sso_provider.match(identity, _NoAccounts(), sso_context)
        except SignInRefused as refused:
            if not refused.message.strip():
                _fail(
                    describe(self.role, sso_provider),
                    "expected SignInRefused to carry a French message for the user; it is blank",
                )
            return
        _fail(
            describe(self.role, sso_provider),
            "expected match() with no account in the directory to raise SignInRefused; "
            f"it returned {len(matched)} account(s)",
        )
