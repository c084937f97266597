"""What the core hands timetable formats and directory sources: settings, the UAI and school year
given, and all the files of an import made of several."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

import entcore
from entcore import Entcore, FormatContext, ImportRefused, UnknownFormatError, protocol_calls
from entcore.model import Timetable
from entcore.protocol_calls import settings_passing
from entcore.testing import RecordFeed
from tests.plugins import jsonsource
from tests.test_hooks import LEA, roster
from tests.timetable import snapshot_format
from tests.timetable.builders import UAI, make_app, minimal_snapshot, snapshot_file

Factory = Callable[..., Entcore]

SECTION = entcore.SettingsSection(
    "picky",
    (entcore.Setting("marker", str, "PICKY", "What a file of the format starts with."),),
    "A test format whose recognition depends on its settings.",
)


class PickyFormat:
    """Recognises the test snapshot files that start with its ``marker`` setting; records calls."""

    name = "picky"
    label = "Picky (tests)"

    def __init__(self) -> None:
        self.sniffed: list[Mapping[str, object]] = []
        self.contexts: list[FormatContext] = []

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        self.sniffed.append(settings)
        return head.startswith(str(settings["marker"]).encode())

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        self.contexts.append(context)
        return snapshot_format.SnapshotFormat().parse(_stripped(path, context), context)


class PairFormat(PickyFormat):
    """Like :class:`PickyFormat`, and reads several files: the last one's snapshot."""

    name = "pair"

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[tuple[Path, ...]] = []

    def parse_files(self, paths: Sequence[Path], context: FormatContext) -> Timetable:
        self.paths.append(tuple(paths))
        return self.parse(paths[-1], context)


class LegacyFormat:
    """A format written before ``sniff`` received the settings."""

    name = "legacy"
    label = "Legacy (tests)"

    def sniff(self, path: Path, head: bytes) -> bool:
        return head.startswith(b"LEGACY")

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        return snapshot_format.SnapshotFormat().parse(_stripped(path, context), context)


def _stripped(path: Path, context: FormatContext) -> Path:
    """The snapshot file behind the first line (the marker) of ``path``."""
    data = path.read_bytes()
    target = path.with_name(path.name + ".json")
    target.write_bytes(data.split(b"\n", 1)[1])
    return target


class Plugin:
    def __init__(self, *formats: object, section: bool = True) -> None:
        self.formats = formats
        self.section = section

    @entcore.hookimpl
    def entcore_register_settings(self, registry: entcore.SettingsRegistry) -> None:
        if self.section:
            registry.add(SECTION)

    @entcore.hookimpl
    def entcore_register_timetable_formats(self, registry: Any) -> None:
        for fmt in self.formats:
            registry.add(fmt)


def marked(tmp_path: Path, marker: str, name: str, snapshot: Timetable | None = None) -> Path:
    plain = snapshot_file(tmp_path, snapshot or minimal_snapshot(), name + ".plain")
    path = tmp_path / name
    path.write_bytes(marker.encode() + b"\n" + plain.read_bytes())
    return path


@pytest.fixture
def picky() -> PickyFormat:
    return PickyFormat()


def test_sniff_receives_the_plugin_settings(
    entcore_app_factory: Factory, tmp_path: Path, picky: PickyFormat
) -> None:
    """The configured marker decides recognition: the settings reach ``sniff``."""
    app = make_app(
        entcore_app_factory, Plugin(picky), config='[picky]\nmarker = "OURS"\n', strict=False
    )
    assert app.timetable.format_for(marked(tmp_path, "OURS", "a.txt")).name == "picky"
    assert picky.sniffed[-1] == {"marker": "OURS"}
    # The default marker is not the configured one: only the test snapshot format is left.
    assert app.timetable.format_for(marked(tmp_path, "PICKY", "b.txt")).name == "ttjson"


def test_parse_receives_the_uai_and_school_year_given(
    entcore_app_factory: Factory, tmp_path: Path, picky: PickyFormat
) -> None:
    """``import_file`` hands the structure's UAI and the ``school_year`` asked for to the format."""
    app = make_app(entcore_app_factory, Plugin(picky))
    path = marked(tmp_path, "PICKY", "export.txt")
    report = app.timetable.import_file(path, UAI.lower(), school_year="2024-2025")
    context = picky.contexts[-1]
    assert (context.uai, context.school_year, context.rentree_year) == (UAI, "2024-2025", 2024)
    assert (context.filename, context.filenames) == ("export.txt", ("export.txt",))
    assert context.settings == {"marker": "PICKY"}
    assert report.format == "picky"
    app.timetable.import_file(path, UAI)
    assert picky.contexts[-1].school_year is None


def test_school_year_given_must_be_the_files(
    entcore_app_factory: Factory, tmp_path: Path, picky: PickyFormat
) -> None:
    """A file of another year than the one given is refused; a malformed year is a ValueError."""
    app = make_app(entcore_app_factory, Plugin(picky))
    path = marked(tmp_path, "PICKY", "export.txt")
    with pytest.raises(ImportRefused, match=r"couvre l'année scolaire 2024-2025, pas 2025-2026"):
        app.timetable.import_file(path, UAI, school_year="2025-2026")
    for wrong in ("2024", "2024-2026", "24-25", "2024/2025"):
        with pytest.raises(ValueError, match=r"année scolaire « .* » invalide"):
            app.timetable.import_file(path, UAI, school_year=wrong)
    assert app.stats()["timetable_imports"] == 0


def test_several_files_for_a_single_file_format(
    entcore_app_factory: Factory, tmp_path: Path, picky: PickyFormat
) -> None:
    """A format without ``parse_files`` is refused several files in one line; nothing is stored."""
    app = make_app(entcore_app_factory, Plugin(picky))
    first, second = marked(tmp_path, "PICKY", "a.txt"), marked(tmp_path, "PICKY", "b.txt")
    with pytest.raises(ImportRefused) as refused:
        app.timetable.import_files([first, second], UAI)
    message = str(refused.value)
    assert message == "le format picky lit un seul fichier par import (2 donnés : a.txt, b.txt)"
    assert picky.contexts == []
    assert app.stats()["timetable_imports"] == 0


def test_several_files_for_a_multi_file_format(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """A MultiFileTimetableFormat gets every path, with every upload name; the report names all."""
    pair = PairFormat()
    assert isinstance(pair, entcore.MultiFileTimetableFormat)
    assert not isinstance(PickyFormat(), entcore.MultiFileTimetableFormat)
    app = make_app(entcore_app_factory, Plugin(pair))
    first, second = marked(tmp_path, "PICKY", "a.txt"), marked(tmp_path, "PICKY", "b.txt")
    report = app.timetable.import_files([first, second], UAI)
    assert pair.paths == [(first, second)]
    assert pair.contexts[-1].filenames == ("a.txt", "b.txt")
    assert pair.contexts[-1].filename == "a.txt"
    assert report.file_name == "a.txt + b.txt"
    assert app.timetable.report(report.id).file_name == "a.txt + b.txt"
    app.timetable.validate(report.id)
    with pytest.raises(ImportRefused, match="le même fichier est donné deux fois"):
        app.timetable.import_files([first, tmp_path / "." / "a.txt"], UAI)
    with pytest.raises(FileNotFoundError, match=r"absent\.txt : fichier introuvable"):
        app.timetable.import_files([first, tmp_path / "absent.txt"], UAI)
    with pytest.raises(ValueError, match="at least one file"):
        app.timetable.import_files([], UAI)


def test_files_of_different_formats(
    entcore_app_factory: Factory, tmp_path: Path, picky: PickyFormat
) -> None:
    """Each file is sniffed; files recognised by two formats make no import."""
    app = make_app(entcore_app_factory, Plugin(picky))
    ours = marked(tmp_path, "PICKY", "a.txt")
    snapshot = snapshot_file(tmp_path, minimal_snapshot(), "b.json")
    with pytest.raises(UnknownFormatError) as refused:
        app.timetable.import_files([ours, snapshot], UAI)
    assert str(refused.value) == (
        "les fichiers d'un import doivent être d'un même format (a.txt : picky ; b.json : ttjson)"
    )
    unknown = tmp_path / "c.txt"
    unknown.write_bytes(b"nothing anyone reads")
    with pytest.raises(UnknownFormatError, match=r"^c\.txt : aucun format"):
        app.timetable.import_files([ours, unknown], UAI)
    assert app.stats()["timetable_imports"] == 0


def test_legacy_sniff_without_settings_still_works(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """Like a pluggy hook implementation, a ``sniff(path, head)`` is called without the settings."""
    app = make_app(entcore_app_factory, Plugin(LegacyFormat(), section=False))
    report = app.timetable.import_file(marked(tmp_path, "LEGACY", "old.txt"), UAI)
    assert report.format == "legacy"


def test_settings_passing() -> None:
    """Positional parameters are counted on the bound method; ``settings`` may be keyword-only."""

    class Sample:
        def two(self, path: Path, head: bytes) -> None: ...

        def three(self, path: Path, head: bytes, options: object) -> None: ...

        def star(self, *args: object) -> None: ...

        def keyword(self, path: Path, head: bytes, *, settings: object) -> None: ...

        def kwargs(self, path: Path, head: bytes, **extra: object) -> None: ...

        def other_keyword(self, path: Path, head: bytes, *, strict: bool = False) -> None: ...

    sample = Sample()
    assert settings_passing(sample.two, 2) == "none"
    assert settings_passing(sample.three, 2) == "positional"
    assert settings_passing(sample.star, 2) == "positional"
    assert settings_passing(sample.keyword, 2) == "keyword"
    assert settings_passing(sample.kwargs, 2) == "keyword"
    assert settings_passing(sample.other_keyword, 2) == "none"
    assert settings_passing(len, 0) == "positional"


def test_keyword_only_settings(tmp_path: Path) -> None:
    """A ``sniff(path, head, *, settings)`` gets the settings by keyword."""

    class KeywordFormat(LegacyFormat):
        def sniff(self, path: Path, head: bytes, *, settings: Mapping[str, object]) -> bool:  # type: ignore[override]
            return head.startswith(str(settings["marker"]).encode())

    path = tmp_path / "k.txt"
    path.write_bytes(b"KEY...")
    assert protocol_calls.sniff(KeywordFormat(), path, b"KEY...", {"marker": "KEY"})
    assert not protocol_calls.sniff(KeywordFormat(), path, b"KEY...", {"marker": "NOT"})
    assert protocol_calls.sniff(LegacyFormat(), path, b"LEGACY", {"marker": "KEY"})


class LegacySource(jsonsource.RosterSource):
    """A directory source written before ``accepts`` received the settings."""

    name = "legacy-roster"

    def accepts(self, path: Path) -> bool:  # type: ignore[override]
        return path.name.endswith(".roster.json")


class SettingsSource(jsonsource.RosterSource):
    """Accepts a feed only when its settings say so."""

    name = "settings-roster"

    def __init__(self) -> None:
        self.seen: list[Mapping[str, object]] = []

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        self.seen.append(settings)
        return bool(settings.get("enabled")) and super().accepts(path, settings)


class SourcePlugin:
    def __init__(self, source: object, section: entcore.SettingsSection | None = None) -> None:
        self.source, self.section = source, section

    @entcore.hookimpl
    def entcore_register_settings(self, registry: entcore.SettingsRegistry) -> None:
        if self.section is not None:
            registry.add(self.section)

    @entcore.hookimpl
    def entcore_register_directory_sources(self, registry: Any) -> None:
        registry.add(self.source)


def test_accepts_receives_the_plugin_settings(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """``accepts`` gets its plugin's settings; a legacy ``accepts(path)`` still works."""
    section = entcore.SettingsSection(
        "rosters", (entcore.Setting("enabled", bool, False, "Read rosters."),)
    )
    feed = [roster(tmp_path, [LEA])]
    source = SettingsSource()
    app = entcore_app_factory([SourcePlugin(source, section)], builtins=False)
    with pytest.raises(UnknownFormatError, match="aucune source d'annuaire"):
        app.directory.source_for(feed)
    assert source.seen[-1] == {"enabled": False}
    enabled = entcore_app_factory(
        [SourcePlugin(source, section)], builtins=False, config="[rosters]\nenabled = true\n"
    )
    assert enabled.directory.source_for(feed).name == "settings-roster"
    legacy = entcore_app_factory([SourcePlugin(LegacySource())], builtins=False)
    assert legacy.directory.source_for(feed).name == "legacy-roster"
    report = legacy.directory.import_feed(feed)
    assert report.counts["students"].created == 1
    assert isinstance(RecordFeed([]), entcore.DirectoryFeed)
