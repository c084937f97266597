"""Hostile and broken input: every failure is an InvalidFileError, never a traceback or a leak."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest
from entcore_sts import StsFormat
from sts_support import EMP_STS, STS_EMP, WriteFile, latin9, parse, sniff

from entcore import InvalidFileError

MARKER = "TOP-SECRET-MARKER-b41c"


def outcome(path: Path) -> str:
    """What a parse shows: the snapshot, or the error."""
    try:
        return repr(parse(path))
    except InvalidFileError as error:
        return str(error)


def refused(path: Path, reason: str) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        parse(path)
    return caught.value


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x00\x01\x02garbage",
        b"PK\x03\x04",
        b'<?xml version="1.0"?><ExportEmploiDuTemps/>',
        b"<!-- <STS_EDT> --><other/>",
        b"<STS_EDTX/>",
        b'<!DOCTYPE STS_EDT [<!ENTITY e "x">]><STS_EDT/>',
    ],
)
def test_sniff_refuses_foreign_heads(tmp_path: Path, head: bytes) -> None:
    """Only the root element decides, and sniffing never raises."""
    path = tmp_path / "sts_emp_0999999X_2024.xml"
    path.write_bytes(head)
    assert not StsFormat().sniff(path, head, {})


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<!-- export -->\n'
        b'<!DOCTYPE STS_EDT SYSTEM "a[1].dtd">\n<STS_EDT>',
        b"\xef\xbb\xbf<EDT_STS>",
        '<?xml version="1.0" encoding="UTF-16"?><EDT_STS>'.encode("utf-16"),
    ],
)
def test_sniff_accepts_both_roots_behind_any_prolog(tmp_path: Path, head: bytes) -> None:
    """Declarations, comments, a DOCTYPE, a BOM or UTF-16 do not hide the root."""
    path = tmp_path / "whatever.txt"
    path.write_bytes(head)
    assert StsFormat().sniff(path, head, {})


def test_wrong_root(write_file: WriteFile) -> None:
    """Another XML document is refused, naming what was expected."""
    path = write_file(b'<?xml version="1.0"?>\n<ExportEmploiDuTemps/>')
    assert not sniff(path)
    error = refused(path, "élément racine « ExportEmploiDuTemps » inattendu")
    assert "STS_EDT" in error.reason and "EDT_STS" in error.reason
    assert error.line == 2


def test_entity_declarations_are_refused(write_file: WriteFile) -> None:
    """A billion-laughs prolog is refused before parsing."""
    data = (
        b'<?xml version="1.0"?><!DOCTYPE STS_EDT [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><STS_EDT>&b;</STS_EDT>'
    )
    refused(write_file(data), "DTD interne refusée")


def test_external_entity_is_refused(write_file: WriteFile, tmp_path: Path) -> None:
    """An entity naming a local file is refused, and the file's content appears nowhere."""
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER)
    data = (
        f'<!DOCTYPE STS_EDT [<!ENTITY s SYSTEM "{marker.as_uri()}">]>'
        '<STS_EDT><PARAMETRES><UAJ CODE="0999999X"/></PARAMETRES>'
        '<NOMENCLATURES><MATIERES><MATIERE CODE="061300"><LIBELLE_LONG>&s;</LIBELLE_LONG>'
        "</MATIERE></MATIERES></NOMENCLATURES></STS_EDT>"
    ).encode()
    error = refused(write_file(data), "DTD interne refusée")
    assert MARKER not in str(error)


def test_external_dtd_is_never_loaded(write_file: WriteFile, tmp_path: Path) -> None:
    """A DOCTYPE naming a DTD that defines an entity: the DTD is not read, the reference is an error."""
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER)
    dtd = tmp_path / "sts.dtd"
    dtd.write_text(f'<!ENTITY s SYSTEM "{marker.as_uri()}">')
    data = (
        f'<!DOCTYPE STS_EDT SYSTEM "{dtd.as_uri()}">'
        '<STS_EDT><PARAMETRES><UAJ CODE="0999999X"/></PARAMETRES>'
        '<NOMENCLATURES><MATIERES><MATIERE CODE="061300"><LIBELLE_LONG>&s;</LIBELLE_LONG>'
        "</MATIERE></MATIERES></NOMENCLATURES></STS_EDT>"
    ).encode()
    shown = outcome(write_file(data, name="sts_emp_0999999X_2024.xml"))
    assert MARKER not in shown
    assert "entité « s » non définie" in shown


def test_no_network_access(write_file: WriteFile) -> None:
    """A DOCTYPE naming an HTTP DTD on this machine is never fetched."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        data = STS_EMP.read_bytes().replace(
            b"<STS_EDT>",
            f'<!DOCTYPE STS_EDT SYSTEM "http://127.0.0.1:{port}/sts.dtd">\n<STS_EDT>'.encode(),
            1,
        )
        assert parse(write_file(data)).uai == "0999999X"
        with pytest.raises(BlockingIOError):
            server.accept()


@pytest.mark.parametrize(
    "prolog",
    [
        b'<!-- <a --><!DOCTYPE STS_EDT [<!ENTITY e "x">]>',
        b"<!--" + b"x" * 100_000 + b'--><!DOCTYPE STS_EDT [<!ENTITY e "x">]>',
    ],
    ids=["comment-hiding-root", "padded"],
)
def test_internal_subsets_are_refused_however_hidden(write_file: WriteFile, prolog: bytes) -> None:
    """Tricks that get past a naive prolog scan are refused."""
    refused(write_file(prolog + b"<STS_EDT/>"), "DTD interne refusée")


@pytest.mark.parametrize("cut", [40, 200, 1000, 2400])
def test_truncated_files(write_file: WriteFile, cut: int) -> None:
    """A file cut short is reported with a line."""
    error = refused(write_file(STS_EMP.read_bytes()[:cut]), "XML mal formé|document XML vide")
    assert error.file == "sts_emp_0999999X_2024.xml"


def test_truncation_reports_its_line(write_file: WriteFile) -> None:
    """The line of a syntax error is the line where the file stops making sense."""
    data = EMP_STS.read_bytes()
    error = refused(write_file(data[: data.index(b"<COURS>")]), "XML mal formé")
    assert error.line is not None and error.line > 10


def test_undeclared_latin_bytes(write_file: WriteFile) -> None:
    """Latin-9 bytes without a declaration are not UTF-8: an error, not mojibake."""
    data = STS_EMP.read_bytes().replace(b' encoding="ISO-8859-15"', b"")
    refused(write_file(data), "XML mal formé")


COURS_LINE = 19


def with_course(cours: str, alternance: str = "H") -> bytes:
    """emp_sts with its COURS replaced (the COURS element is on line 19)."""
    text = EMP_STS.read_bytes().decode("iso-8859-15")
    start, end = text.index("<COURS>"), text.index("</COURS>") + len("</COURS>")
    assert text[:start].count("\n") + 1 == COURS_LINE
    replaced = text[:start] + cours.replace("{alt}", alternance) + text[end:]
    return replaced.encode("iso-8859-15")


@pytest.mark.parametrize(
    ("cours", "reason"),
    [
        (
            "<COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>8</JOUR><HEURE_DEBUT>0800"
            "</HEURE_DEBUT><DUREE>0100</DUREE></COURS>",
            "jour illisible « 8 »",
        ),
        (
            "<COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>8h"
            "</HEURE_DEBUT><DUREE>0100</DUREE></COURS>",
            "heure illisible",
        ),
        (
            "<COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>2500"
            "</HEURE_DEBUT><DUREE>0100</DUREE></COURS>",
            "heure impossible",
        ),
        (
            "<COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>0800"
            "</HEURE_DEBUT><DUREE>0000</DUREE></COURS>",
            "durée nulle",
        ),
        (
            "<COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>2300"
            "</HEURE_DEBUT><DUREE>0200</DUREE></COURS>",
            "après minuit",
        ),
        (
            "<COURS><JOUR>1</JOUR><HEURE_DEBUT>0800</HEURE_DEBUT><DUREE>0100</DUREE></COURS>",
            "CODE_ALTERNANCE absent",
        ),
    ],
)
def test_malformed_courses(write_file: WriteFile, cours: str, reason: str) -> None:
    """Unreadable course values are reported, in French, on the COURS line."""
    error = refused(write_file(with_course(cours), name="emp_sts_0999999X_2024.xml"), reason)
    assert error.line == COURS_LINE


def test_unknown_alternance_is_reported(write_file: WriteFile) -> None:
    """A course in an alternance the file does not define is left out and reported."""
    cours = (
        "<COURS><CODE_ALTERNANCE>ZZ</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>0800"
        "</HEURE_DEBUT><DUREE>0100</DUREE></COURS>"
    )
    timetable = parse(write_file(with_course(cours), name="emp_sts_0999999X_2024.xml"))
    assert timetable.courses == ()
    assert [(n.kind, n.message) for n in timetable.notices] == [
        (
            "course_skipped",
            f"cours ligne {COURS_LINE} non importé : alternance « ZZ » absente de ALTERNANCES",
        )
    ]
    # The service is still there, with the alternance it names.
    assert [s.alternation for s in timetable.services or ()] == ["ZZ"]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<DATE_NAISSANCE>1980-03-12", b"<DATE_NAISSANCE>1980-02-30", "date impossible"),
        (b"<DATE_DEBUT>2024-09-01", b"<DATE_DEBUT>rentr\xe9e", "date illisible « rentrée »"),
        (b'<SERVICE CODE_MATIERE="030201"', b'<SERVICE CODE_MATIERE=""', "CODE_MATIERE absent"),
    ],
)
def test_malformed_values(write_file: WriteFile, old: bytes, new: bytes, reason: str) -> None:
    """Other unreadable values are reported with their line."""
    data = STS_EMP.read_bytes()
    assert old in data
    error = refused(write_file(data.replace(old, new)), reason)
    assert error.line is not None


def test_year_that_ends_before_it_starts(write_file: WriteFile) -> None:
    """DATE_FIN before DATE_DEBUT is refused."""
    data = STS_EMP.read_bytes().replace(b"<DATE_FIN>2025-08-31", b"<DATE_FIN>2023-08-31")
    refused(write_file(data), "finit avant de commencer")


def test_unreadable_path(tmp_path: Path) -> None:
    """A path that cannot be read is an invalid file, not an OSError."""
    refused(tmp_path, "fichier illisible")


def test_random_damage_never_escapes_as_another_exception(write_file: WriteFile) -> None:
    """Changed, removed and inserted bytes give a timetable or an InvalidFileError, nothing else."""
    generator = random.Random(20240902)
    sources = [STS_EMP.read_bytes(), EMP_STS.read_bytes()]
    path = write_file(b"")
    for attempt in range(400):
        data = bytearray(sources[attempt % 2])
        for _ in range(generator.randint(1, 4)):
            position = generator.randrange(len(data))
            byte = generator.choice(b'<>"=/&;0189 aZ\xe9')
            action = generator.random()
            if action < 0.4:
                data[position] = byte
            elif action < 0.7:
                del data[position]
            else:
                data.insert(position, byte)
        path.write_bytes(bytes(data))
        StsFormat().sniff(path, bytes(data[:512]), {})
        # Anything but an InvalidFileError escapes and fails the test.
        outcome(path)


def test_latin9_fixture_is_not_utf8() -> None:
    """The reference file is really Latin-9 (guards the encoding tests above)."""
    with pytest.raises(UnicodeDecodeError):
        STS_EMP.read_bytes().decode("utf-8")
    assert latin9("é").endswith(b"\xe9")
