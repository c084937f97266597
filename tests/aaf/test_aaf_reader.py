"""Reading documents: malformed, truncated and hostile files are refused with file and line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from entcore import InvalidFileError
from entcore.model import DirectoryItem, Entry
from entcore.plugins.aaf.entities import EntityDecoder
from entcore.plugins.aaf.reader import Document
from tests.aaf.conftest import FIXTURES, add_request, document

Reader = Callable[..., list[DirectoryItem]]
Writer = Callable[[str, str | bytes], Path]

NAME = "ENTTEST_Complet_20240901_MatiereEducNat_0000.xml"


def _subject(code: str, label: str) -> str:
    return add_request(
        "MatEducNat", code, [("ENTMatJointure", [code]), ("ENTLibelleMatiere", [label])]
    )


def _requests(data: bytes) -> list[object]:
    return list(Document(EntityDecoder(io.BytesIO(data)), "f.xml"))


def test_requests_are_read_in_order_with_lines() -> None:
    """Each request keeps its operation, identifier, attributes and start line."""
    data = document(_subject("020700", "FRANCAIS"), _subject("061300", "MATHEMATIQUES")).encode()
    first, second = _requests(data)
    assert first.operation == "add"  # type: ignore[attr-defined]
    assert first.identifier == "020700"  # type: ignore[attr-defined]
    assert first.category == "MatEducNat"  # type: ignore[attr-defined]
    assert first.attributes == (  # type: ignore[attr-defined]
        ("ENTMatJointure", ("020700",)),
        ("ENTLibelleMatiere", ("FRANCAIS",)),
    )
    assert first.line == 4  # type: ignore[attr-defined]
    assert second.line == 12  # type: ignore[attr-defined]


def test_attr_without_value_reads_as_no_values() -> None:
    """``<attr name="x"></attr>`` (invalid against the DTD) is tolerated."""
    data = document(
        add_request("Eleve", "1", [("ENTElevePere", []), ("sn", [""]), ("givenName", ["A"])])
    ).encode()
    (request,) = _requests(data)
    assert request.attributes == (  # type: ignore[attr-defined]
        ("ENTElevePere", ()),
        ("sn", ("",)),
        ("givenName", ("A",)),
    )


def test_cr_only_line_endings_give_real_line_numbers() -> None:
    """Old exports with bare CR line ends still report the right lines."""
    data = document(_subject("020700", "FRANCAIS"), _subject("061300", "MATHS")).replace("\n", "\r")
    lines = [request.line for request in _requests(data.encode())]  # type: ignore[attr-defined]
    assert lines == [4, 12]


def test_degree_comment_is_read() -> None:
    """``<!-- degre="1D" -->`` before the first request sets the file's degree."""
    data = document('<!-- degre="1D" -->\n', _subject("1", "X")).encode()
    assert Document(EntityDecoder(io.BytesIO(data)), "f.xml").degree == "1D"
    assert (
        Document(EntityDecoder(io.BytesIO(document(_subject("1", "X")).encode())), "f").degree
        is None
    )


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        (b"", "fichier vide", None),
        (b"   \n  ", "fichier vide", None),
        (b'<?xml version="1.0"?>\n<annuaire>\n</annuaire>\n', "élément racine « annuaire »", 2),
        (b"hello\n<ficAlimMENESR/>", "contenu inattendu avant l'élément racine", 1),
        (b'<?xml version="1.0"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "x.dtd"', "document tronqué", 2),
    ],
)
def test_bad_starts_refused(content: bytes, reason: str, line: int | None) -> None:
    """Empty files, other roots, junk before the root and truncated prologs are refused."""
    with pytest.raises(InvalidFileError) as raised:
        _requests(content)
    assert reason in raised.value.reason
    assert raised.value.line == line
    assert raised.value.file == "f.xml"


def test_not_well_formed_names_file_and_line(read_items: Reader, write_feed: Writer) -> None:
    """A mismatched tag fails the whole feed, naming the file and the line."""
    text = document(_subject("020700", "FRANCAIS"), _subject("061300", "MATHS"))
    text = text.replace("<value>MATHS</value>", "<value>MATHS</valeur>")
    folder = write_feed(NAME, text)
    with pytest.raises(InvalidFileError, match="XML mal formé") as raised:
        read_items(folder)
    assert raised.value.file == NAME
    assert raised.value.line == 17
    assert str(raised.value).startswith(f"{NAME}:17: ")


def test_truncated_file_fails_after_the_complete_entries(
    read_items: Reader, write_feed: Writer
) -> None:
    """Entries before the cut are yielded; then the iterator raises with the file name."""
    text = document(_subject("020700", "FRANCAIS"), _subject("061300", "MATHEMATIQUES"))
    folder = write_feed(NAME, text[: text.index("MATHEMATIQUES")])
    seen: list[DirectoryItem] = []
    with pytest.raises(InvalidFileError) as raised:
        seen.extend(read_items(folder))
    assert raised.value.file == NAME
    assert raised.value.line is not None


def test_wrong_root_in_a_feed(read_items: Reader, write_feed: Writer) -> None:
    """A well-formed XML file of another kind is refused."""
    folder = write_feed(NAME, '<?xml version="1.0"?>\n<!-- export -->\n<EDT_EXPORT/>\n')
    with pytest.raises(InvalidFileError, match="élément racine « EDT_EXPORT » inattendu") as raised:
        read_items(folder)
    assert raised.value.line == 3


def test_missing_dtd_is_fine(read_items: Reader, write_feed: Writer) -> None:
    """The DTD named by ``SYSTEM`` is never loaded: its absence changes nothing."""
    folder = write_feed(NAME, document(_subject("020700", "FRANCAIS")))
    assert not (folder / "ficAlimMENESR.dtd").exists()
    (entry,) = read_items(folder)
    assert isinstance(entry, Entry)
    assert entry.build().label == "FRANCAIS"  # type: ignore[union-attr]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE ficAlimMENESR [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ficAlimMENESR><addRequest><identifier><id>&lol3;</id></identifier></addRequest></ficAlimMENESR>
"""


def test_billion_laughs_refused(read_items: Reader, write_feed: Writer) -> None:
    """Internal entity declarations are refused before parsing."""
    folder = write_feed(NAME, BILLION_LAUGHS)
    with pytest.raises(InvalidFileError, match="déclaration d'entités interdite") as raised:
        read_items(folder)
    assert raised.value.line == 3


def _external_entity(target: Path, disguise: str = "") -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE ficAlimMENESR [ {disguise}<!ENTITY leak SYSTEM "{target.as_uri()}"> ]>\n'
        "<ficAlimMENESR>\n"
        + add_request(
            "MatEducNat", "1", [("ENTMatJointure", ["1"]), ("ENTLibelleMatiere", ["&leak;"])]
        )
        + "</ficAlimMENESR>\n"
    ).encode()


@pytest.mark.parametrize(
    "disguise",
    ["", "<!-- <ficAlimMENESR> --> ", '<!ELEMENT x (#PCDATA)> <!ATTLIST x a CDATA "]>"> '],
    ids=["plain", "root-in-comment", "bracket-in-literal"],
)
def test_external_entity_never_reads_local_files(
    disguise: str, tmp_path: Path, read_items: Reader, write_feed: Writer
) -> None:
    """An entity naming a local file is refused, and the file's content never shows up."""
    secret = tmp_path / "secret.txt"
    secret.write_text("MARQUEUR-SECRET-4242")
    folder = write_feed(NAME, _external_entity(secret, disguise))
    with pytest.raises(InvalidFileError, match="déclaration d'entités interdite") as raised:
        read_items(folder)
    assert "MARQUEUR" not in str(raised.value)


def test_padding_before_the_root_is_bounded(read_items: Reader, write_feed: Writer) -> None:
    """A prolog padded beyond 1 MiB (to hide a declaration from a head check) is refused."""
    padding = b"<!-- " + b"x" * (1 << 20) + b" -->\n"
    folder = write_feed(NAME, padding + BILLION_LAUGHS.split(b"\n", 1)[1])
    with pytest.raises(InvalidFileError, match="prologue XML trop long"):
        read_items(folder)


def test_real_files_parse_without_network(read_items: Reader) -> None:
    """All fixtures reference a DTD that does not exist; parsing them needs nothing else."""
    items = read_items(FIXTURES / "2d")
    assert sum(isinstance(item, Entry) for item in items) == 23


def test_external_dtd_is_never_loaded(
    tmp_path: Path, read_items: Reader, write_feed: Writer
) -> None:
    """A DOCTYPE naming a real DTD that declares an entity to a local file: nothing is loaded.

    The entity stays undeclared, so the reference is kept as literal text and the
    secret file's content appears nowhere.
    """
    secret = tmp_path / "secret.txt"
    secret.write_text("MARQUEUR-SECRET-4242")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret.as_uri()}">\n')
    text = document(_subject("1", "avant &leak; après")).replace(
        'SYSTEM "ficAlimMENESR.dtd"', f'SYSTEM "{dtd.as_uri()}"'
    )
    folder = write_feed(NAME, text)
    (entry,) = read_items(folder)
    assert isinstance(entry, Entry)
    record = entry.build()
    assert record.label == "avant &leak; après"  # type: ignore[union-attr]
    assert "MARQUEUR" not in repr(record)


def test_unusual_add_requests_read_value_by_value() -> None:
    """Several attributes elements (an empty one first) or modifications: all values read."""
    envelope = (
        '<addRequest><operationalAttributes><attr name="c"><value>Eleve</value></attr>'
        "</operationalAttributes><identifier><id>1</id></identifier>"
    )
    data = document(
        envelope + '<attributes/><attributes><attr name="sn"><value>A</value></attr>'
        "</attributes></addRequest>\n",
        envelope + '<attributes><attr name="sn"><value>B</value></attr></attributes>'
        '<modifications><modification name="givenName" operation="replace"><value>C</value>'
        "</modification></modifications></addRequest>\n",
    ).encode()
    first, second = _requests(data)
    assert first.attributes == (("sn", ("A",)),)  # type: ignore[attr-defined]
    assert second.attributes == (  # type: ignore[attr-defined]
        ("sn", ("B",)),
        ("givenName", ("C",)),
    )
