"""entcore-guestlist: conformance with entcore's suite, and the behaviour of guest lists."""

from __future__ import annotations

from pathlib import Path

import entcore_guestlist
import pytest
from entcore_guestlist.source import GuestListSource

import entcore
from entcore.model import StructureRecord
from entcore.testing import DirectorySourceConformance, RecordFeed

FIXTURES = Path(__file__).parent / "fixtures"
COLLEGE = StructureRecord("100", "CLG DU LAC", uai="0740001A")


def write(
    tmp_path: Path, text: str, name: str = "college.invites.csv", encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def app(entcore_app_factory):
    """An application with only this plugin, whose directory already holds the school."""
    app = entcore_app_factory([entcore_guestlist], builtins=False)
    app.directory.run_feed(RecordFeed([COLLEGE]), source="aaf")
    return app


class TestConformance(DirectorySourceConformance):
    """entcore's conformance suite, run against this source."""

    @pytest.fixture
    def directory_source(self) -> GuestListSource:
        return GuestListSource()

    @pytest.fixture
    def feed_paths(self, tmp_path: Path) -> list[Path]:
        return [write(tmp_path, "identifiant;nom;prénom;établissement\nINV-1;MOREAU;Chloé;100\n")]

    def test_imports_twice_then_nothing_changes(
        self, directory_source, feed_paths, entcore_app_factory
    ) -> None:
        # Guests need their school in the directory first: import it, then run the suite's check.
        app = entcore_app_factory([entcore_guestlist], builtins=False)
        app.directory.run_feed(RecordFeed([COLLEGE]), source="aaf")
        assert app.directory.import_feed(feed_paths).counts["guests"].created == 1
        assert not app.directory.import_feed(feed_paths).has_changes


def test_guests_are_imported_without_federation(app) -> None:
    """Guests become accounts that sign in with a password they will set (not federated)."""
    report = app.directory.import_feed([FIXTURES / "college.invites.csv"])
    assert report.source == "guestlist" and report.counts["guests"].created == 2
    assert app.stats()["guests"] == 2


def test_bad_rows_are_rejected_with_their_line(app, tmp_path: Path) -> None:
    """Empty names, bad e-mails and unknown schools are rejected; good rows are kept."""
    path = write(
        tmp_path,
        "identifiant;nom;prénom;établissement;courriel\n"
        "INV-1;MOREAU;Chloé;100;pas-un-courriel\n"
        "INV-2;;Malik;100;\n"
        ";SANS;Identifiant;100;\n"
        "INV-4;LOIN;Ana;999;\n"
        "INV-5;FAURE;Malik;100;\n",
    )
    report = app.directory.import_feed([path])
    assert report.counts["guests"].created == 1 and report.counts["guests"].rejected == 4
    reasons = {error.line: error.reason for error in report.errors}
    assert "courriel invalide" in reasons[2] and "« nom » vide" in reasons[3]
    assert reasons[4] == "identifiant manquant" and "999" in reasons[5]


def test_a_guest_removed_from_the_list_disappears(app, tmp_path: Path) -> None:
    """The list is complete: a guest no longer listed is marked disappeared."""
    app.directory.import_feed([FIXTURES / "college.invites.csv"])
    shorter = write(tmp_path, "identifiant;nom;prénom;établissement\nINV-0001;MOREAU;Chloé;100\n")
    # One guest of two is more than the mass-disappearance guard lets through by default.
    held = app.directory.import_feed([shorter])
    assert held.counts["guests"].disappeared == 0 and held.counts["guests"].updated == 1
    assert [(h.disappearing, h.active) for h in held.held_back] == [(1, 2)]
    report = app.directory.import_feed([shorter], allow_mass_disappearance=True)
    assert report.counts["guests"].disappeared == 1 and report.counts["guests"].unchanged == 1
    assert app.stats()["disappeared"] == 1


def test_settings_choose_delimiter_and_encoding(entcore_app_factory, tmp_path: Path) -> None:
    """`[guestlist]` settings reach the source: a cp1252 file with commas reads correctly."""
    app = entcore_app_factory(
        [entcore_guestlist],
        builtins=False,
        config="[guestlist]\ndelimiter = ','\nencoding = 'cp1252'\n",
    )
    app.directory.run_feed(RecordFeed([COLLEGE]), source="aaf")
    path = write(
        tmp_path, "identifiant,nom,prénom,établissement\nINV-1,LEFÈVRE,Zoé,100\n", encoding="cp1252"
    )
    report = app.directory.import_feed([path])
    assert report.counts["guests"].created == 1


def test_missing_columns_stop_the_import(app, tmp_path: Path) -> None:
    """A file without the expected header is refused as a whole, naming the file and line."""
    path = write(tmp_path, "id;name\n1;x\n")
    with pytest.raises(
        entcore.InvalidFileError, match=r"college.invites.csv:1: colonnes manquantes"
    ):
        app.directory.import_feed([path])


def test_undecodable_file_is_a_clean_error(app, tmp_path: Path) -> None:
    """Bytes that are not in the configured encoding give a one-line error."""
    path = tmp_path / "college.invites.csv"
    path.write_bytes("identifiant;nom;prénom;établissement\n1;É;x;100\n".encode("cp1252"))
    with pytest.raises(entcore.InvalidFileError, match="encodage illisible"):
        app.directory.import_feed([path])
