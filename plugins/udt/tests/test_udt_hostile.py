"""Hostile and broken input: every failure is an InvalidFileError, never a traceback or a leak."""

from __future__ import annotations

import random
import socket
import struct
import zipfile
from pathlib import Path

import pytest
from entcore_udt import UdtFormat
from entcore_udt import archive as udt_archive
from udt_support import BuildArchive, parse, reference_members, write_zip, xml

from entcore import InvalidFileError

MARKER = "TOP-SECRET-MARKER-7f3a"


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A local file no parse may ever read."""
    path = tmp_path / "marker.txt"
    path.write_text(MARKER)
    return path


def sniff(path: Path) -> bool:
    return UdtFormat().sniff(path, path.read_bytes()[:64], {})


def refused(path: Path, reason: str, filename: str | None = None) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        parse(path, filename)
    return caught.value


def outcome(path: Path) -> str:
    """What a parse shows: the snapshot, or the error."""
    try:
        return repr(parse(path))
    except InvalidFileError as error:
        return str(error)


# -- the archive ----------------------------------------------------------------------------


def test_not_a_zip(tmp_path: Path) -> None:
    """A text file is not sniffed and not parsed."""
    path = tmp_path / "0999999X_20240830120000_UDT.zip"
    path.write_text("bonjour")
    assert not sniff(path)
    refused(path, "ce n'est pas une archive ZIP lisible")


def test_garbage_behind_a_zip_signature(tmp_path: Path) -> None:
    """PK at the start is not enough."""
    path = tmp_path / "a.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert not sniff(path)
    refused(path, "ce n'est pas une archive ZIP lisible")


def test_sniff_never_raises_on_missing_or_empty_files(tmp_path: Path) -> None:
    """Sniffing answers False for an empty file and a missing one."""
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert not UdtFormat().sniff(empty, b"", {})
    assert not UdtFormat().sniff(tmp_path / "missing.zip", b"", {})


def test_zip_that_is_not_udt(tmp_path: Path) -> None:
    """A zip without UDCal files is not sniffed, and parsing says why."""
    path = write_zip(tmp_path / "photos.zip", {"photo.jpg": b"\xff\xd8", "notes.xml": b"<a/>"})
    assert not sniff(path)
    refused(path, "archive ZIP sans fichier UDCal")


def test_files_in_a_sub_folder(tmp_path: Path) -> None:
    """UDCal files one folder down are reported as such."""
    members = {f"export/{name}": data for name, data in reference_members().items()}
    path = write_zip(tmp_path / "0999999X_20240830120000_UDT.zip", members)
    assert not sniff(path)
    refused(path, "sous-dossier")


def test_path_traversal_members_are_never_opened(build_archive: BuildArchive) -> None:
    """Members named ../UDCal_12.xml or /UDCal_12.xml are ignored, not extracted anywhere."""
    evil = xml('<l><ligfiche code="1" fic="999" div="X" mat="EVIL" prof="P01"/></l>')
    path = build_archive({"../UDCal_12.xml": evil, "/UDCal_12.xml": evil, "..\\UDCal_12.xml": evil})
    assert parse(path).courses == parse(build_archive()).courses


def test_encrypted_member(build_archive: BuildArchive) -> None:
    """A member flagged as encrypted is refused."""
    path = build_archive()
    data = bytearray(path.read_bytes())
    # Set the encryption bit in every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | 0x1)
            start += 4
    path.write_bytes(bytes(data))
    refused(path, "chiffré")


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_archive(build_archive: BuildArchive, keep: float) -> None:
    """An archive cut short is invalid."""
    path = build_archive()
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    refused(path, ".")


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    """A 201 MiB member (200 KiB compressed) exceeds the per-member cap."""
    path = tmp_path / "0999999X_20240830120000_UDT.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in reference_members().items():
            archive.writestr(name, data)
        with archive.open("UDCal_12_38.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(201):
                member.write(chunk)
    refused(path, "trop gros")


def test_total_size_cap(build_archive: BuildArchive, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sum of declared sizes is capped."""
    monkeypatch.setattr(udt_archive, "MAX_TOTAL_SIZE", 1000)
    refused(build_archive(), "archive trop grosse")


def test_member_size_cap(build_archive: BuildArchive, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's declared size is capped."""
    monkeypatch.setattr(udt_archive, "MAX_MEMBER_SIZE", 300)
    refused(build_archive(), "trop gros")


def test_inflated_bytes_are_counted(
    build_archive: BuildArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the directory declares, reading stops at the caps."""
    with udt_archive.UdtArchive(build_archive(), "a.zip") as opened:
        stream = opened.open("UDCal_12.xml")
        monkeypatch.setattr(udt_archive, "MAX_MEMBER_SIZE", 10)
        with pytest.raises(InvalidFileError, match="trop gros"):
            stream.read()
    monkeypatch.undo()
    with udt_archive.UdtArchive(build_archive(), "a.zip") as opened:
        stream = opened.open("UDCal_12.xml")
        monkeypatch.setattr(udt_archive, "MAX_TOTAL_SIZE", 10)
        with pytest.raises(InvalidFileError, match="archive trop grosse"):
            stream.read()


def test_member_lying_about_its_size(tmp_path: Path) -> None:
    """A member that inflates to more than it declares fails its CRC check."""
    members = reference_members()
    members["UDCal_12.xml"] = members["UDCal_12.xml"] + b"<!--" + b"x" * 50_000 + b"-->"
    path = write_zip(tmp_path / "0999999X_20240830120000_UDT.zip", members)
    data = bytearray(path.read_bytes())
    real = len(members["UDCal_12.xml"])
    # Rewrite the declared uncompressed size, in the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if struct.unpack_from("<I", data, start + offset)[0] == real:
                struct.pack_into("<I", data, start + offset, 2000)
            start += 4
    path.write_bytes(bytes(data))
    refused(path, "illisible|mal formé")


def test_random_damage_never_escapes_as_another_exception(build_archive: BuildArchive) -> None:
    """Flipped and cut bytes give a timetable or an InvalidFileError, nothing else."""
    source = build_archive()
    original = source.read_bytes()
    generator = random.Random(20240830)
    for attempt in range(120):
        data = bytearray(original)
        for _ in range(generator.randint(1, 8)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        if attempt % 3 == 0:
            data = data[: generator.randrange(len(data))]
        source.write_bytes(bytes(data))
        UdtFormat().sniff(source, bytes(data[:64]), {})
        # Anything but an InvalidFileError escapes and fails the test.
        outcome(source)


# -- the XML inside ------------------------------------------------------------------------


def test_entity_expansion_is_refused(build_archive: BuildArchive) -> None:
    """A billion-laughs member is refused before parsing."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<l><ligfiche code="&c;"/></l>'
    )
    error = refused(build_archive({"UDCal_12.xml": bomb}), "DTD interne refusée")
    assert error.file.endswith("/UDCal_12.xml")


def test_external_entity_is_refused(build_archive: BuildArchive, marker: Path) -> None:
    """An entity naming a local file is refused, and the file's content appears nowhere."""
    member = (
        f'<!DOCTYPE m [<!ENTITY secret SYSTEM "{marker.as_uri()}">]>'
        '<m><mat code="MATHS" libelle="&secret;"/></m>'
    ).encode()
    error = refused(build_archive({"UDCal_05.xml": member}), "DTD interne refusée")
    assert MARKER not in str(error)


def test_external_dtd_is_never_loaded(
    build_archive: BuildArchive, marker: Path, tmp_path: Path
) -> None:
    """A DOCTYPE naming a DTD that defines an entity and defaults: neither is applied."""
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(
        f'<!ENTITY secret SYSTEM "{marker.as_uri()}"><!ATTLIST mat libelle CDATA "{MARKER}">'
    )
    member = (
        f'<!DOCTYPE matieres SYSTEM "{dtd.as_uri()}">'
        '<matieres><mat code="MATHS" libelle="&secret;"/><mat code="AGL1"/></matieres>'
    ).encode()
    assert MARKER not in outcome(build_archive({"UDCal_05.xml": member}))


def test_no_network_access(build_archive: BuildArchive) -> None:
    """A DOCTYPE naming an HTTP DTD on this machine is never fetched."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        member = (
            f'<!DOCTYPE salles SYSTEM "http://127.0.0.1:{port}/salles.dtd">'
            '<salles><salle code="S101" nom="Salle 101"/></salles>'
        ).encode()
        timetable = parse(build_archive({"UDCal_03.xml": member}))
        assert [room.key for room in timetable.rooms] == ["S101"]
        with pytest.raises(BlockingIOError):
            server.accept()


@pytest.mark.parametrize(
    "member",
    [
        pytest.param(b'<!-- <a --><!DOCTYPE l [<!ENTITY e "x">]><l/>', id="comment-hiding-root"),
        pytest.param(
            b"<!--" + b"x" * 100_000 + b'--><!DOCTYPE l [<!ENTITY e "x">]><l/>', id="padded"
        ),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE l [<!ENTITY e "x">]><l/>'.encode(
                "utf-16"
            ),
            id="utf-16",
        ),
        pytest.param(b"<!DOCTYPE l [ ]><l/>", id="empty-subset"),
    ],
)
def test_internal_subsets_are_refused_however_hidden(
    build_archive: BuildArchive, member: bytes
) -> None:
    """Tricks that get past a naive prolog scan are refused."""
    refused(build_archive({"UDCal_12.xml": member}), "DTD interne refusée")


def test_endless_prolog_is_refused(build_archive: BuildArchive) -> None:
    """More than 1 MiB before the root is refused."""
    member = b"<!--" + b"x" * (1 << 20) + b"--><l/>"
    refused(build_archive({"UDCal_12.xml": member}), "prologue XML anormalement long")


def test_truncated_member_names_file_and_line(build_archive: BuildArchive) -> None:
    """A member cut short is reported with the member's name and a line."""
    data = reference_members()["UDCal_12.xml"]
    error = refused(build_archive({"UDCal_12.xml": data[:150]}), "XML mal formé")
    assert error.file == "0999999X_20240830120000_UDT.zip/UDCal_12.xml"
    assert error.line is not None


def test_undeclared_latin1_is_not_utf8(build_archive: BuildArchive) -> None:
    """Without a declaration the encoding is UTF-8: Latin bytes are an error, not mojibake."""
    member = '<profs><prof code="P01" nom="MARTIN" prenom="Hélène"/></profs>'.encode("latin-1")
    refused(build_archive({"UDCal_04.xml": member}), "XML mal formé")


@pytest.mark.parametrize(
    ("member", "content", "reason"),
    [
        (
            "UDCal_04.xml",
            '<p><prof code="P01" date_naissance="31/02/1980"/></p>',
            "date impossible",
        ),
        ("UDCal_10.xml", '<e><eleve code="E1" naissance="2013"/></e>', "date illisible"),
        ("UDCal_07.xml", '<d><demi_seq code_jour="1" code="1" hre_deb="8 heures"/></d>', "heure"),
        (
            "UDCal_07.xml",
            '<d><demi_seq code_jour="1" code="1" hre_deb="09h00" hre_fin="08h00"/></d>',
            "fin avant début",
        ),
        ("UDCal_11.xml", '<f><fiche code="101" jour="9" demi_seq="1" site="1"/></f>', "jour"),
        ("UDCal_21.xml", '<x><ele_gpe ele="E1" gpe="G1" semaines="tout"/></x>', "masque"),
        ("semaines.xml", '<s><semaine num="60"/></s>', "hors limites"),
        (
            "UDCal_24.xml",
            "<c><debut_eleve>02/09/2024</debut_eleve><fin_eleve>01/09/2024</fin_eleve></c>",
            "antérieure",
        ),
    ],
)
def test_malformed_values(
    build_archive: BuildArchive, member: str, content: str, reason: str
) -> None:
    """Values that cannot be read are reported, in French, on their line."""
    error = refused(build_archive({member: xml(content)}), reason)
    assert error.file.endswith("/" + member)
    assert error.line == 2


def test_missing_calendar(build_archive: BuildArchive) -> None:
    """Without UDCal_24.xml the weeks cannot be placed."""
    refused(build_archive({"UDCal_24.xml": None}), "calendrier scolaire UDCal_24.xml absent")


def test_calendar_without_its_last_day(build_archive: BuildArchive) -> None:
    """fin_eleve is required."""
    member = xml("<c><debut_eleve>02/09/2024</debut_eleve></c>")
    refused(build_archive({"UDCal_24.xml": member}), "date « fin_eleve » absente du calendrier")


def test_unreadable_file(tmp_path: Path) -> None:
    """A path that cannot be opened is an invalid file, not an OSError."""
    refused(tmp_path, "ZIP|illisible")
