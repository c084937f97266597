"""The conformance suites fail broken implementations with a sentence saying what is wrong.

Each case below is a small, deliberately broken directory source, timetable
format or connector; running the suite's check against it must raise
:class:`~entcore.testing.ConformanceError` whose one-line message names the
object, what the protocol expects and what was found.  The unbroken versions
pass every check, so the failures come from the breakage alone.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import attrs
import pytest

from entcore import FormatContext, InvalidFileError, SourceContext
from entcore.model import (
    Course,
    CourseItem,
    Deletion,
    Entry,
    FeedFile,
    ImportMode,
    ItemKind,
    Notice,
    Origin,
    PersonRecord,
    Profile,
    RecordKind,
    StructureRecord,
    TeachingService,
    Timetable,
    TimetableGroup,
    TimetableSubject,
)
from entcore.model.directory import RecordError
from entcore.testing import (
    ConformanceError,
    ConnectorConformance,
    DirectorySourceConformance,
    RecordFeed,
    TimetableFormatConformance,
    record_entry,
)
from tests.timetable.builders import minimal_snapshot
from tests.timetable.snapshot_format import SnapshotFormat, write_snapshot

SCHOOL = StructureRecord("100", "CLG DU LAC", uai="0740001A")
STUDENT = PersonRecord("S1", Profile.STUDENT, "DURAND", "Léa", structures=("100",))
HEADER = b"#lines\n"


def failure(check: Callable[[], object]) -> str:
    """The message of the ConformanceError ``check`` raises; it must be one sentence."""
    with pytest.raises(ConformanceError) as raised:
        check()
    message = str(raised.value)
    assert "\n" not in message
    assert message.count("expected") == 1
    return message


# -- Directory sources ----------------------------------------------------------------------


class ListFeed:
    """A feed yielding exactly the items it is given, in the given order."""

    def __init__(self, items: Sequence[object]) -> None:
        self.items = list(items)
        self.mode = ImportMode.FULL
        self.files = (FeedFile("<lines>", RecordKind.STRUCTURE, ImportMode.FULL),)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def close(self) -> None:
        pass


class LineSource:
    """A working source: files starting with ``#lines`` hold a school and a student."""

    name = "lines"
    label = "Lignes (tests)"

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return path.is_file() and path.read_bytes().startswith(HEADER)

    def items(self) -> list[object]:
        return [record_entry(SCHOOL), record_entry(STUDENT)]

    def open(self, paths: Sequence[Path], context: SourceContext) -> Any:
        return ListFeed(self.items())


class BadName(LineSource):
    name = "Lines Source"


class BlankLabel(LineSource):
    label = "  "


class NoOpen:
    name = "lines"
    label = "Lignes (tests)"

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return True


class RefusesItsFeed(LineSource):
    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return False


class AcceptsAnything(LineSource):
    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return True


class RaisesOnForeign(LineSource):
    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        return path.read_bytes()[:7].decode("ascii") == "#lines\n"


class OutOfOrder(LineSource):
    def items(self) -> list[object]:
        return [record_entry(STUDENT, "eleves.txt", 3), record_entry(SCHOOL, "ecoles.txt", 1)]


class YieldsRecords(LineSource):
    def items(self) -> list[object]:
        return [SCHOOL]


class EmptyFingerprint(LineSource):
    def items(self) -> list[object]:
        return [attrs.evolve(record_entry(SCHOOL), fingerprint=b"")]


class SilentRejection(LineSource):
    def items(self) -> list[object]:
        def build() -> Any:
            raise RecordError("")

        return [Entry(RecordKind.STRUCTURE, "100", b"x", Origin("ecoles.txt", 2, "100"), build)]


class WrongKind(LineSource):
    def items(self) -> list[object]:
        return [attrs.evolve(record_entry(SCHOOL), kind=RecordKind.STUDENT)]


class RejectsEverything(LineSource):
    def items(self) -> list[object]:
        def build() -> Any:
            raise RecordError("UAI manquant")

        return [Entry(RecordKind.STRUCTURE, "100", b"x", Origin("ecoles.txt", 2, "100"), build)]


class OnlyDeletions(LineSource):
    def items(self) -> list[object]:
        return [Deletion(RecordKind.STRUCTURE, "100", Origin("ecoles.txt", 2, "100"))]


class UnstableFingerprints(LineSource):
    reads = itertools.count()

    def items(self) -> list[object]:
        entry = record_entry(SCHOOL)
        return [attrs.evolve(entry, fingerprint=b"%d" % next(self.reads))]


class ChangesOnEveryRead(LineSource):
    """Each read names the school differently, as a source leaking a timestamp would."""

    reads = itertools.count()

    def items(self) -> list[object]:
        school = attrs.evolve(SCHOOL, name=f"CLG DU LAC {next(self.reads)}")
        return [record_entry(school), Notice("lu", Origin("ecoles.txt", None, ""))]


class OpenRaises(LineSource):
    def open(self, paths: Sequence[Path], context: SourceContext) -> Any:
        raise InvalidFileError(paths[0].name, "en-tête manquant")


class EmptyFeed(LineSource):
    def open(self, paths: Sequence[Path], context: SourceContext) -> Any:
        return RecordFeed([], complete_kinds=[RecordKind.STRUCTURE])


@pytest.fixture
def feed_paths(tmp_path: Path) -> list[Path]:
    path = tmp_path / "college.lines"
    path.write_bytes(HEADER + b"100;CLG DU LAC\n")
    return [path]


def run_source_check(
    check: str, source: object, feed_paths: list[Path], tmp_path: Path, factory: Any
) -> None:
    suite = DirectorySourceConformance()
    arguments: dict[str, Any] = {
        "test_is_named": (source,),
        "test_accepts_its_feed": (source, feed_paths, {}),
        "test_refuses_foreign_files": (source, tmp_path, {}),
        "test_items_come_in_kind_order": (source, feed_paths, {}),
        "test_entries_build_records_of_their_kind": (source, feed_paths, {}),
        "test_fingerprints_are_stable": (source, feed_paths, {}),
        "test_imports_twice_then_nothing_changes": (source, feed_paths, factory),
    }
    getattr(suite, check)(*arguments[check])


SOURCE_CHECKS = [name for name in dir(DirectorySourceConformance) if name.startswith("test_")]


@pytest.mark.parametrize("check", SOURCE_CHECKS)
def test_a_working_source_passes_every_check(
    check: str, feed_paths: list[Path], tmp_path: Path, entcore_app_factory: Any
) -> None:
    run_source_check(check, LineSource(), feed_paths, tmp_path, entcore_app_factory)


@pytest.mark.parametrize(
    ("check", "source", "says"),
    [
        (
            "test_is_named",
            BadName(),
            "directory source 'Lines Source' (BadName): expected a name of lowercase letters, "
            "digits, '-' or '_' that starts with a letter (at most 63 characters) as `name`; "
            "found 'Lines Source'",
        ),
        (
            "test_is_named",
            BlankLabel(),
            "directory source 'lines' (BlankLabel): expected a non-blank human-readable `label`; "
            "found '  '",
        ),
        (
            "test_is_named",
            NoOpen(),
            "directory source 'lines' (NoOpen): expected an object implementing DirectorySource; "
            "missing: open",
        ),
        (
            "test_accepts_its_feed",
            RefusesItsFeed(),
            "expected accepts() to recognise its own feed file 'college.lines'; it returned False",
        ),
        (
            "test_refuses_foreign_files",
            AcceptsAnything(),
            "expected accepts() to refuse 'empty.xml' (an empty file); it returned True",
        ),
        (
            "test_refuses_foreign_files",
            RaisesOnForeign(),
            "expected accepts() to answer False for 'text.csv' (a two-line CSV file); "
            "it raised UnicodeDecodeError: 'ascii' codec can't decode byte",
        ),
        (
            "test_items_come_in_kind_order",
            OutOfOrder(),
            "expected items in kind order (structure, subject, mef, relative, student, staff, "
            "guest); found a 'structure' item at ecoles.txt:1 after a 'student' item at "
            "eleves.txt:3",
        ),
        (
            "test_entries_build_records_of_their_kind",
            YieldsRecords(),
            "expected feed items of type Entry, Modification, Deletion, Rejection, Notice; "
            "found StructureRecord",
        ),
        (
            "test_entries_build_records_of_their_kind",
            EmptyFingerprint(),
            "expected the structure entry '100' at <records> to carry a non-empty bytes "
            "fingerprint; found b''",
        ),
        (
            "test_entries_build_records_of_their_kind",
            SilentRejection(),
            "expected the structure entry '100' at ecoles.txt:2 to say why it is rejected; "
            "its RecordError has an empty message",
        ),
        (
            "test_entries_build_records_of_their_kind",
            WrongKind(),
            "expected the student entry '100' at <records> to build a record of kind 'student'; "
            "it built a StructureRecord",
        ),
        (
            "test_entries_build_records_of_their_kind",
            RejectsEverything(),
            "expected the feed of the `feed_paths` fixture to build at least one record; "
            "all of its 1 entries were rejected",
        ),
        (
            "test_entries_build_records_of_their_kind",
            OnlyDeletions(),
            "expected the feed of the `feed_paths` fixture to build at least one record; "
            "it yielded no entry",
        ),
        (
            "test_fingerprints_are_stable",
            UnstableFingerprints(),
            "expected the same (external id, fingerprint) pairs each time the same feed is read; "
            "they differ first at position 0:",
        ),
        (
            "test_imports_twice_then_nothing_changes",
            ChangesOnEveryRead(),
            "expected a second import of the same feed to change nothing; "
            "it counted structures updated 1",
        ),
        (
            "test_items_come_in_kind_order",
            OpenRaises(),
            "expected open() to read the feed of the `feed_paths` fixture ('college.lines'); "
            "it raised InvalidFileError: college.lines: en-tête manquant",
        ),
        (
            "test_imports_twice_then_nothing_changes",
            EmptyFeed(),
            "expected the first import to create records; it counted nothing at all",
        ),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value[:30],
)
def test_a_broken_source_fails_with_a_sentence(
    check: str,
    source: object,
    says: str,
    feed_paths: list[Path],
    tmp_path: Path,
    entcore_app_factory: Any,
) -> None:
    message = failure(
        lambda: run_source_check(check, source, feed_paths, tmp_path, entcore_app_factory)
    )
    assert says in message
    assert message.startswith(f"directory source '{getattr(source, 'name', '')}' (")


# -- Timetable formats ----------------------------------------------------------------------


class BrokenFormat(SnapshotFormat):
    """The test snapshot format, with its snapshot changed by ``change`` after reading."""

    def __init__(self, change: Callable[[Timetable], Timetable] = lambda snapshot: snapshot):
        self.change = change

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        return self.change(super().parse(path, context))


def courses(snapshot: Timetable, **changes: Any) -> Timetable:
    """``snapshot`` with its first course changed."""
    first, *others = snapshot.courses
    return attrs.evolve(snapshot, courses=(attrs.evolve(first, **changes), *others))


def extra_course(snapshot: Timetable, item: CourseItem) -> Timetable:
    course = Course("C-extra", None, 1, time(8), time(9), (item,))
    return attrs.evolve(snapshot, courses=(*snapshot.courses, course))


class RefusesItsSample(SnapshotFormat):
    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        return False


class SniffsEverything(SnapshotFormat):
    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        return True


class SniffRaises(SnapshotFormat):
    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        if not head:
            raise IndexError("tuple index out of range")
        return super().sniff(path, head, settings)


class StampsTheTime(SnapshotFormat):
    stamps = itertools.count()

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        stamp = datetime(2024, 9, 1, 8, next(self.stamps) % 60)
        return attrs.evolve(super().parse(path, context), generated_at=stamp)


class ForgivesTruncation(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Timetable:
        try:
            return super().parse(path, context)
        except InvalidFileError:
            return minimal_snapshot(format=self.name)


class RaisesValueError(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Timetable:
        try:
            return super().parse(path, context)
        except InvalidFileError:
            raise ValueError("Expecting ',' delimiter") from None


class ErrorWithoutFileName(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Timetable:
        try:
            return super().parse(path, context)
        except InvalidFileError:
            raise InvalidFileError("export", "fichier tronqué") from None


class ErrorOnTwoLines(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Timetable:
        try:
            return super().parse(path, context)
        except InvalidFileError:
            raise InvalidFileError(context.filename, "fichier tronqué\nà la ligne 3") from None


class CannotReadItsSample(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Timetable:
        raise KeyError("Cours")


class ReturnsAMapping(SnapshotFormat):
    def parse(self, path: Path, context: FormatContext) -> Any:
        return {"format": self.name}


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    # In a folder of its own: the truncation check writes its copy into tmp_path.
    (tmp_path / "sample").mkdir()
    return write_snapshot(tmp_path / "sample" / "edt.json", minimal_snapshot(format="ttjson"))


def run_format_check(check: str, fmt: object, sample_path: Path, tmp_path: Path) -> None:
    suite = TimetableFormatConformance()
    arguments: dict[str, Any] = {
        "test_is_named": (fmt,),
        "test_sniffs_its_sample": (fmt, sample_path, {}),
        "test_sniff_refuses_foreign_files": (fmt, tmp_path, {}),
        "test_parses_a_consistent_snapshot": (fmt, sample_path, {}),
        "test_parsing_is_deterministic": (fmt, sample_path, {}),
        "test_truncated_file_is_a_clean_error": (fmt, sample_path, {}, tmp_path),
    }
    getattr(suite, check)(*arguments[check])


FORMAT_CHECKS = [name for name in dir(TimetableFormatConformance) if name.startswith("test_")]


@pytest.mark.parametrize("check", FORMAT_CHECKS)
def test_a_working_format_passes_every_check(check: str, sample_path: Path, tmp_path: Path) -> None:
    run_format_check(check, SnapshotFormat(), sample_path, tmp_path)


SNAPSHOT_BREAKAGES: list[tuple[Callable[[Timetable], Timetable], str]] = [
    (
        lambda s: attrs.evolve(s, format="edt"),
        "expected the snapshot's format to be the format's name 'ttjson'; found 'edt'",
    ),
    (
        lambda s: attrs.evolve(s, uai="0999999"),
        "expected the snapshot's UAI to be 7 digits and a capital letter, e.g. '0999999X'; "
        "found '0999999'",
    ),
    (
        lambda s: attrs.evolve(s, school_year=attrs.evolve(s.school_year, end=date(2024, 7, 4))),
        "expected the school year to start before it ends; found start 2024-09-02 after end "
        "2024-07-04",
    ),
    (
        lambda s: attrs.evolve(
            s, school_year=attrs.evolve(s.school_year, first_monday=date(2024, 9, 1))
        ),
        "expected the school year's first_monday to be a Monday; found 2024-09-01 (a Sunday)",
    ),
    (
        lambda s: attrs.evolve(s, subjects=(*s.subjects, s.subjects[0])),
        f"expected the keys of subjects to be unique; found key {minimal_snapshot().subjects[0].key!r} twice",
    ),
    (
        lambda s: courses(s, subject="NOPE"),
        "to name a subject of the snapshot (or none); found subject key 'NOPE', which no "
        "subject has",
    ),
    (
        lambda s: courses(s, day=8),
        "to fall on an ISO weekday from 1 (Monday) to 7; found day 8",
    ),
    (
        lambda s: courses(s, start=time(10), end=time(9)),
        "to start before it ends; found 10:00:00 to 09:00:00",
    ),
    (
        lambda s: courses(s, cancelled_weeks=1),
        "'s cancelled_weeks to be clear (weeks count from 1); found 1",
    ),
    (
        lambda s: extra_course(s, CourseItem(ItemKind.ROOM, s.rooms[0].key, 3)),
        "to be a non-negative mask with bit 0 clear (weeks count from 1); found 3",
    ),
    (
        lambda s: extra_course(s, CourseItem(ItemKind.TEACHER, "T-404", 2)),
        "expected course 'C-extra' to refer to a teacher of the snapshot; found teacher key "
        "'T-404', which is not defined",
    ),
    (
        lambda s: attrs.evolve(
            s, groups=(*s.groups, TimetableGroup("G-x", "GX", classes=("K-404",)))
        ),
        "expected group 'G-x' to list class keys of the snapshot; found 'K-404', not defined",
    ),
    (
        lambda s: attrs.evolve(
            s, services=(TeachingService("NOPE", ItemKind.CLASS, s.classes[0].key),)
        ),
        "expected the teaching service of subject 'NOPE' to ",
    ),
    (
        lambda s: attrs.evolve(
            s, services=(TeachingService(s.subjects[0].key, ItemKind.GROUP, "G-404"),)
        ),
        "to address a group of the snapshot; no group has key 'G-404'",
    ),
    (
        lambda s: attrs.evolve(
            s,
            services=(
                TeachingService(s.subjects[0].key, ItemKind.CLASS, s.classes[0].key, ("T-404",)),
            ),
        ),
        "to list teacher keys of the snapshot; found 'T-404', not defined",
    ),
]


@pytest.mark.parametrize(
    ("change", "says"), SNAPSHOT_BREAKAGES, ids=[says[-40:] for _, says in SNAPSHOT_BREAKAGES]
)
def test_an_inconsistent_snapshot_fails_with_a_sentence(
    change: Callable[[Timetable], Timetable], says: str, sample_path: Path, tmp_path: Path
) -> None:
    message = failure(
        lambda: run_format_check(
            "test_parses_a_consistent_snapshot", BrokenFormat(change), sample_path, tmp_path
        )
    )
    assert message.startswith("timetable format 'ttjson' (BrokenFormat), reading 'edt.json': ")
    assert says in message


@pytest.mark.parametrize(
    ("check", "fmt", "says"),
    [
        (
            "test_sniffs_its_sample",
            RefusesItsSample(),
            "expected sniff() to recognise its own sample 'edt.json'; it returned False",
        ),
        (
            "test_sniff_refuses_foreign_files",
            SniffsEverything(),
            "expected sniff() to refuse 'empty.xml' (an empty file); it returned True",
        ),
        (
            "test_sniff_refuses_foreign_files",
            SniffRaises(),
            "expected sniff() to answer False for 'empty.xml' (an empty file) without raising; "
            "it raised IndexError: tuple index out of range",
        ),
        (
            "test_parsing_is_deterministic",
            StampsTheTime(),
            "expected two parses of 'edt.json' to give equal snapshots; they differ in "
            "generated_at",
        ),
        (
            "test_truncated_file_is_a_clean_error",
            ForgivesTruncation(),
            "expected parsing 'edt.json' cut in half to raise InvalidFileError with a one-line "
            "message naming the file; it returned a snapshot",
        ),
        (
            "test_truncated_file_is_a_clean_error",
            RaisesValueError(),
            "; it raised ValueError: Expecting ',' delimiter",
        ),
        (
            "test_truncated_file_is_a_clean_error",
            ErrorWithoutFileName(),
            "; the message does not name it: 'export: fichier tronqué'",
        ),
        (
            "test_truncated_file_is_a_clean_error",
            ErrorOnTwoLines(),
            "; the message has several lines: ",
        ),
        (
            "test_parses_a_consistent_snapshot",
            CannotReadItsSample(),
            "expected parse() to read its sample 'edt.json'; it raised KeyError: 'Cours'",
        ),
        (
            "test_parsing_is_deterministic",
            ReturnsAMapping(),
            "expected parse() to return a Timetable; found dict",
        ),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value[:30],
)
def test_a_broken_format_fails_with_a_sentence(
    check: str, fmt: SnapshotFormat, says: str, sample_path: Path, tmp_path: Path
) -> None:
    message = failure(lambda: run_format_check(check, fmt, sample_path, tmp_path))
    assert message.startswith(f"timetable format 'ttjson' ({type(fmt).__name__}): ")
    assert says in message


# -- Connectors -----------------------------------------------------------------------------

ACCOUNT: Mapping[str, object] = {"login": "lea.durand", "profile": "student"}


class Connector:
    name = "library"
    label = "Bibliothèque (tests)"

    def release(self, account: Mapping[str, object]) -> Any:
        return {"uid": [str(account["login"])]}


class ReleasesPlainStrings(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return {"uid": str(account["login"])}


class ReleasesNothing(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return {}


class ReleasesNumbers(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return {"uid": [str(account["login"])], "level": [3]}


class ReleasesAList(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return [("uid", [str(account["login"])])]


class ReleasesUnnamed(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return {"": ["x"]}


class CountsCalls(Connector):
    calls = itertools.count()

    def release(self, account: Mapping[str, object]) -> Any:
        return {"uid": [str(account["login"])], "nonce": [str(next(self.calls))]}


class NeedsAField(Connector):
    def release(self, account: Mapping[str, object]) -> Any:
        return {"mail": [str(account["email"])]}


class Nameless:
    label = "Sans nom"

    def release(self, account: Mapping[str, object]) -> Any:
        return {"uid": ["x"]}


def run_connector_check(check: str, connector: object) -> None:
    suite = ConnectorConformance()
    arguments = (connector,) if check == "test_is_named" else (connector, ACCOUNT)
    getattr(suite, check)(*arguments)


@pytest.mark.parametrize(
    "check", [name for name in dir(ConnectorConformance) if name.startswith("test_")]
)
def test_a_working_connector_passes_every_check(check: str) -> None:
    run_connector_check(check, Connector())


@pytest.mark.parametrize(
    ("check", "connector", "says"),
    [
        (
            "test_is_named",
            Nameless(),
            "connector (Nameless): expected an object implementing Connector; missing: name",
        ),
        (
            "test_releases_string_attributes",
            ReleasesPlainStrings(),
            "connector 'library' (ReleasesPlainStrings): expected attribute 'uid' to be released "
            "as a sequence of strings; found a str",
        ),
        (
            "test_releases_string_attributes",
            ReleasesNothing(),
            "connector 'library' (ReleasesNothing): expected release() to release at least one "
            "attribute; it released none",
        ),
        (
            "test_releases_string_attributes",
            ReleasesNumbers(),
            "connector 'library' (ReleasesNumbers): expected every value of attribute 'level' to "
            "be a string; found int 3",
        ),
        (
            "test_releases_string_attributes",
            ReleasesAList(),
            "connector 'library' (ReleasesAList): expected release() to return a mapping of "
            "attribute names to lists of strings; found list",
        ),
        (
            "test_releases_string_attributes",
            ReleasesUnnamed(),
            "expected attribute names to be non-empty strings; found ''",
        ),
        (
            "test_releases_string_attributes",
            NeedsAField(),
            "connector 'library' (NeedsAField): expected release() to accept the public fields of "
            "the `account` fixture; it raised KeyError: 'email'",
        ),
        (
            "test_release_is_deterministic",
            CountsCalls(),
            "connector 'library' (CountsCalls): expected release() to give the same attributes "
            "each time for the same account; 'nonce' changed between two calls",
        ),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value[:30],
)
def test_a_broken_connector_fails_with_a_sentence(check: str, connector: object, says: str) -> None:
    assert says in failure(lambda: run_connector_check(check, connector))


# -- As a plugin author sees it -------------------------------------------------------------


def test_pytest_reports_the_sentence_not_a_bare_assert(tmp_path: Path) -> None:
    """Run by pytest, a vendor's suite shows the sentence and no ``assert None``."""
    test_file = tmp_path / "test_vendor.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import pytest
            from entcore.testing import ConnectorConformance, TimetableFormatConformance

            class Vendor:
                name = "vendor"
                label = "Vendeur"

                def release(self, account):
                    return {"uid": account["login"]}

                def sniff(self, path, head, settings):
                    return False

                def parse(self, path, context):
                    raise NotImplementedError

            class TestVendorConnector(ConnectorConformance):
                @pytest.fixture
                def connector(self):
                    return Vendor()

                @pytest.fixture
                def account(self):
                    return {"login": "lea.durand"}

            class TestVendorFormat(TimetableFormatConformance):
                @pytest.fixture
                def timetable_format(self):
                    return Vendor()

                @pytest.fixture
                def sample_path(self, tmp_path):
                    path = tmp_path / "vendor.txt"
                    path.write_text("vendor export")
                    return path
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "releases_string or sniffs_its_sample",
            str(test_file),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "2 failed" in output
    assert (
        "ConformanceError: connector 'vendor' (Vendor): expected attribute 'uid' to be released "
        "as a sequence of strings; found a str" in output
    )
    assert (
        "ConformanceError: timetable format 'vendor' (Vendor): expected sniff() to recognise its "
        "own sample 'vendor.txt'; it returned False" in output
    )
    assert "assert None" not in output
    assert "assert False" not in output


def test_a_subject_named_by_its_class_when_it_has_no_name() -> None:
    assert "missing: label, name, release" in failure(
        lambda: run_connector_check("test_is_named", object())
    )


def test_the_sample_holds_what_the_breakages_change() -> None:
    """The sample the format checks read holds what the breakages above change."""
    snapshot = minimal_snapshot()
    assert snapshot.courses and snapshot.rooms and snapshot.classes
    assert isinstance(snapshot.subjects[0], TimetableSubject)
