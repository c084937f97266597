"""Selecting, sorting and opening the files of a feed: folders, zips, tarballs."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from entcore import InvalidFileError
from entcore.model import ImportMode, RecordKind
from entcore.plugins.aaf import AafSource
from entcore.plugins.aaf.files import FeedFiles, accepts, parse_name
from entcore.protocols import SourceContext
from tests.aaf.conftest import FIXTURES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "FULL_ENTTSSERVICES_Complet_20130117_Eleve_0001.xml",
            ("Eleve", RecordKind.STUDENT, ImportMode.FULL, 1),
        ),
        (
            "clean-FULL_ENTTSSERVICES_Complet_20130117_PersRelEleve_0039.xml",
            ("PersRelEleve", RecordKind.RELATIVE, ImportMode.FULL, 39),
        ),
        (
            "ENT_Complet_EtabEducNat_0000.xml",
            ("EtabEducNat", RecordKind.STRUCTURE, ImportMode.FULL, 0),
        ),
        (
            "ENT2D.20250901_Delta_20250915_MatiereEducNat_0002.XML",
            ("MatiereEducNat", RecordKind.SUBJECT, ImportMode.DELTA, 2),
        ),
        (
            "dir/sub/X_Complet_MefEducNat_0000.xml",
            ("MefEducNat", RecordKind.MEF, ImportMode.FULL, 0),
        ),
        (
            "X_Complet_1_PersEducNat_0010.xml",
            ("PersEducNat", RecordKind.STAFF, ImportMode.FULL, 10),
        ),
    ],
)
def test_parse_name_recognises_rectorat_names(
    name: str, expected: tuple[str, RecordKind, ImportMode, int]
) -> None:
    """Category, kind, mode and chunk come from the name, whatever the prefix or date."""
    info = parse_name(name)
    assert info is not None
    assert (info.category, info.kind, info.mode, info.chunk) == expected


@pytest.mark.parametrize(
    "name",
    [
        "ENT_Complet_20200101_Eleve_000.xml",  # three digits
        "ENT_Complet_20200101_Eleve_00001.xml",  # five digits
        "ENT_20200101_Eleve_0000.xml",  # neither Complet nor Delta
        "ENT_Complet_20200101_Professeur_0000.xml",  # unknown category
        "ENT_Complet_20200101_Eleve_0000.xml.bak",
        "ENTComplet_Eleve_0000.xml",  # mode token not delimited
        "ficAlimMENESR.dtd",
    ],
)
def test_parse_name_rejects_other_names(name: str) -> None:
    """Only names with a delimited mode, a known category and exactly four digits are selected."""
    assert parse_name(name) is None


def test_pers_rel_eleve_is_not_mistaken_for_eleve() -> None:
    """``_PersRelEleve_`` ends with ``Eleve`` but is the relatives category."""
    info = parse_name("A_Complet_PersRelEleve_0000.xml")
    assert info is not None
    assert info.kind is RecordKind.RELATIVE


def test_folder_members_are_sorted_by_kind_then_chunk() -> None:
    """Structures, subjects, MEFs, relatives, students (chunk 0 then 1), staff."""
    files = FeedFiles([FIXTURES / "2d"])
    try:
        names = [member.name for member in files.members]
    finally:
        files.close()
    assert names == [
        "ENTTEST_Complet_20240901_EtabEducNat_0000.xml",
        "ENTTEST_Complet_20240901_MatiereEducNat_0000.xml",
        "ENTTEST_Complet_20240901_MefEducNat_0000.xml",
        "ENTTEST_Complet_20240901_PersRelEleve_0000.xml",
        "ENTTEST_Complet_20240901_Eleve_0000.xml",
        "ENTTEST_Complet_20240901_Eleve_0001.xml",
        "ENTTEST_Complet_20240901_PersEducNat_0000.xml",
    ]


def test_unrelated_files_in_folder_are_ignored(tmp_path: Path) -> None:
    """The DTD, a README and an archive of something else do not enter the feed."""
    (tmp_path / "ficAlimMENESR.dtd").write_text("<!ELEMENT x ANY>")
    (tmp_path / "README.txt").write_text("notes")
    source = FIXTURES / "2d" / "ENTTEST_Complet_20240901_MatiereEducNat_0000.xml"
    (tmp_path / source.name).write_bytes(source.read_bytes())
    files = FeedFiles([tmp_path])
    assert [member.name for member in files.members] == [source.name]
    assert files.total_bytes == source.stat().st_size
    files.close()


def _zip(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return target


def _tar(folder: Path, target: Path, prefix: str = "") -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.iterdir()):
            archive.add(path, prefix + path.name)
    return target


@pytest.mark.parametrize("make", [_zip, _tar], ids=["zip", "tgz"])
def test_archives_list_members_with_archive_names(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Members keep the archive's name in front (``archive!member``) and their uncompressed size."""
    suffix = ".zip" if make is _zip else ".tgz"
    archive = make(FIXTURES / "2d", tmp_path / f"ENT2D.20240901{suffix}", "ENT2D.20240901/")
    files = FeedFiles([archive])
    try:
        names = [member.name for member in files.members]
        assert (
            names[0]
            == f"{archive.name}!ENT2D.20240901/ENTTEST_Complet_20240901_EtabEducNat_0000.xml"
        )
        assert len(names) == 7
        expected = sum(path.stat().st_size for path in (FIXTURES / "2d").iterdir())
        assert files.total_bytes == expected
        member = files.members[0]
        with files.open(member) as stream:
            assert stream.read() == (FIXTURES / "2d" / member.name.rsplit("/", 1)[1]).read_bytes()
    finally:
        files.close()


def test_accepts_folders_archives_and_files(tmp_path: Path) -> None:
    """``accepts`` answers from names only, and never raises on foreign content."""
    assert accepts(FIXTURES / "2d")
    assert accepts(FIXTURES / "2d" / "ENTTEST_Complet_20240901_Eleve_0000.xml")
    assert accepts(_zip(FIXTURES / "1d", tmp_path / "feed.zip"))
    assert accepts(_tar(FIXTURES / "1d", tmp_path / "feed.tar.gz"))
    assert not accepts(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not accepts(empty)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    assert not accepts(tmp_path / "broken.zip")
    (tmp_path / "broken.tgz").write_bytes(b"\x1f\x8b garbage")
    assert not accepts(tmp_path / "broken.tgz")
    (tmp_path / "notes.xml").write_text("<a/>")
    assert not accepts(tmp_path / "notes.xml")


def test_mixed_complete_and_delta_refused(tmp_path: Path) -> None:
    """A feed mixing Complet and Delta files is not one feed."""
    for path in [*(FIXTURES / "2d").iterdir(), *(FIXTURES / "delta").iterdir()]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with pytest.raises(InvalidFileError, match="mélange des fichiers Complet et Delta"):
        AafSource().open([tmp_path], SourceContext())


def test_feed_without_aaf_files_refused(tmp_path: Path) -> None:
    """An empty folder is an error, not an empty import."""
    with pytest.raises(InvalidFileError, match="aucun fichier AAF"):
        AafSource().open([tmp_path], SourceContext())


def test_unrecognised_plain_file_refused(tmp_path: Path) -> None:
    """A file given directly must be named like an AAF file or an archive."""
    path = tmp_path / "export.xml"
    path.write_text("<ficAlimMENESR/>")
    with pytest.raises(InvalidFileError, match="nom de fichier non reconnu") as raised:
        AafSource().open([path], SourceContext())
    assert raised.value.file == "export.xml"


def test_corrupt_zip_refused_with_its_name(tmp_path: Path) -> None:
    """A damaged archive is named in the error."""
    path = tmp_path / "ENT2D.20240901.zip"
    path.write_bytes(b"this is no zip archive")
    with pytest.raises(InvalidFileError, match="archive zip illisible") as raised:
        AafSource().open([path], SourceContext())
    assert raised.value.file == "ENT2D.20240901.zip"


def _subjects(count: int) -> bytes:
    requests = "".join(
        '<addRequest><operationalAttributes><attr name="categorieMatiere"><value>MatEducNat</value>'
        f"</attr></operationalAttributes><identifier><id>{index:06d}</id></identifier><attributes>"
        f'<attr name="ENTMatJointure"><value>{index:06d}</value></attr>'
        f'<attr name="ENTLibelleMatiere"><value>MATIERE {index}</value></attr></attributes>'
        "</addRequest>\n"
        for index in range(count)
    )
    return f"<ficAlimMENESR>\n{requests}</ficAlimMENESR>\n".encode()


def test_truncated_tgz_refused_with_its_name(tmp_path: Path) -> None:
    """A tarball cut short is refused when the feed is opened, naming the archive."""
    data = _subjects(3000)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("X_Complet_MatiereEducNat_0000.xml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    whole = buffer.getvalue()
    path = tmp_path / "cut.tgz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidFileError, match="archive tar illisible") as raised:
        AafSource().open([path], SourceContext())
    assert raised.value.file == "cut.tgz"


def test_damaged_zip_member_fails_from_the_iterator(tmp_path: Path) -> None:
    """A member whose bytes no longer match its checksum fails while read, naming the member."""
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("X_Complet_MatiereEducNat_0000.xml", _subjects(2000))
    data = bytearray(path.read_bytes())
    position = data.index(b"MATIERE 1999")
    data[position] = ord("N")  # still well-formed XML, but the CRC no longer matches
    path.write_bytes(bytes(data))
    feed = AafSource().open([path], SourceContext())
    with pytest.raises(InvalidFileError, match="lecture impossible") as raised:
        list(feed)
    feed.close()
    assert raised.value.file == "feed.zip!X_Complet_MatiereEducNat_0000.xml"
