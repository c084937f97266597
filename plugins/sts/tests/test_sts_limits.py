"""No silent loss and bounded work on STS-Web files, with the right line in every message.

Each file is built here from the reference ``sts_emp``, changed at one line.
"""

from __future__ import annotations

import attrs
import pytest
from entcore_sts import document
from entcore_sts.document import LIMITS
from sts_support import STS_EMP, WriteFile, parse

from entcore import InvalidFileError

NAME = "sts_emp_0999999X_2024.xml"
DOCTYPE = b'<!DOCTYPE STS_EDT SYSTEM "sts_emp.dtd">'
PADDING = b"<!-- ligne de remplissage -->"


def _lines() -> list[bytes]:
    return STS_EMP.read_bytes().split(b"\n")


def _subject_line(lines: list[bytes]) -> int:
    """Index (0-based) of the line holding MATHEMATIQUES's long label."""
    return next(
        index
        for index, line in enumerate(lines)
        if b"<LIBELLE_LONG>MATHEMATIQUES</LIBELLE_LONG>" in line
    )


def _refused(write_file: WriteFile, data: bytes, reason: str) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        parse(write_file(data, name=NAME))
    assert caught.value.file == NAME
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("doctype", [True, False], ids=["doctype", "no-doctype"])
@pytest.mark.parametrize("padding", [0, 20_000], ids=["small", "large"])
def test_undeclared_entity_is_an_error_at_its_line(
    write_file: WriteFile, doctype: bool, padding: int
) -> None:
    """``MATH&x;EMATIQUES`` is never read as ``MATH``: the file is refused at the entity's line.

    With a DOCTYPE libxml2 only warns (the unread DTD might declare it); without
    one it fails, and in a file longer than one read the line must still be the
    entity's, not that of the next chunk.
    """
    lines = _lines()
    index = _subject_line(lines)
    lines[index] = lines[index].replace(
        b"MATHEMATIQUES</LIBELLE_LONG>", b"MATH&x;EMATIQUES</LIBELLE_LONG>"
    )
    if doctype:
        lines[0] += DOCTYPE
    lines[index + 1 : index + 1] = [PADDING] * padding
    error = _refused(write_file, b"\n".join(lines), "entité « x » non définie")
    assert error.line == index + 1


@pytest.mark.parametrize("padding", [0, 20_000], ids=["small", "large"])
def test_syntax_error_line_in_a_large_file(write_file: WriteFile, padding: int) -> None:
    """A mismatched tag is reported at its own line however much follows it."""
    lines = _lines()
    index = _subject_line(lines)
    lines[index] = lines[index].replace(b"</LIBELLE_LONG>", b"</LIBELLE>", 1)
    lines[index + 1 : index + 1] = [PADDING] * padding
    error = _refused(write_file, b"\n".join(lines), "fermée par « LIBELLE »")
    assert error.line == index + 1


def test_declared_entities_still_read(write_file: WriteFile) -> None:
    """The five XML entities and character references are not undeclared ones."""
    lines = _lines()
    index = _subject_line(lines)
    lines[index] = lines[index].replace(
        b"MATHEMATIQUES</LIBELLE_LONG>", b"MATH&amp;&#201;MATIQUES</LIBELLE_LONG>"
    )
    lines[0] += DOCTYPE
    timetable = parse(write_file(b"\n".join(lines), name=NAME))
    assert "MATH&ÉMATIQUES" in [subject.label for subject in timetable.subjects]


def test_elements_piled_in_a_section(write_file: WriteFile) -> None:
    """Junk the reader keeps until its section ends is limited while it is read."""
    lines = _lines()
    index = _subject_line(lines)
    lines[index + 1 : index + 1] = [b"<X/>" * (LIMITS.max_children * 2)]
    error = _refused(write_file, b"\n".join(lines), "éléments dans « MATIERES »")
    assert error.line == index + 2


def test_deep_nesting(write_file: WriteFile) -> None:
    """Nesting past the limit is refused at the line of the element too deep."""
    lines = _lines()
    index = _subject_line(lines)
    depth = LIMITS.max_depth
    lines[index + 1 : index + 1] = [b"<N>\n" * depth + b"</N>" * depth]
    error = _refused(write_file, b"\n".join(lines), "niveaux d'éléments imbriqués")
    assert error.line is not None and error.line > index + 1


def test_file_size(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file past the size cap is refused while it streams."""
    monkeypatch.setattr(document, "LIMITS", attrs.evolve(LIMITS, max_bytes=10_000))
    lines = _lines()
    lines[2:2] = [PADDING] * 1_000
    _refused(write_file, b"\n".join(lines), "fichier trop volumineux")
