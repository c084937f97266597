"""Bounded work and no silent loss: what a forged archive holds never costs more than its content.

Every hostile member is built here, small; each refusal is one
:class:`~entcore.InvalidFileError` naming the archive and the member.
"""

from __future__ import annotations

import random
import warnings
import zipfile
from pathlib import Path

import pytest
from entcore_udt import archive as udt_archive
from entcore_udt import reader as udt_reader
from udt_support import ARCHIVE_NAME, BuildArchive, parse, reference_members, xml

from entcore import InvalidFileError

LABEL = f"{ARCHIVE_NAME}/"


def refused(path: Path, reason: str) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        parse(path)
    assert "\n" not in str(caught.value)
    return caught.value


# -- no silent loss -------------------------------------------------------------------------


def test_member_of_another_kind_is_an_error(build_archive: BuildArchive) -> None:
    """A weekly lines file holding teachers would drop the week's lines: it is refused."""
    member = xml('<profs><prof code="P09" nom="X"/></profs>')
    error = refused(
        build_archive({"UDCal_12_37.xml": member}), "élément racine « profs » inattendu"
    )
    assert error.file == LABEL + "UDCal_12_37.xml"
    assert "lignes attendu" in error.reason


def test_another_wrapper_around_the_records_is_read(build_archive: BuildArchive) -> None:
    """UDT's wrappers are undocumented: records under another root are read all the same."""
    member = xml('<rooms><salle code="S101" nom="Salle 101"/></rooms>')
    timetable = parse(build_archive({"UDCal_03.xml": member}))
    assert [room.key for room in timetable.rooms] == ["S101"]


def test_expected_root_without_records_is_empty(build_archive: BuildArchive) -> None:
    """A file of the right kind with no record is a legitimately empty week."""
    timetable = parse(build_archive({"UDCal_12_37.xml": xml("<lignes/>")}))
    reference = parse(build_archive({"UDCal_12_37.xml": None}))
    assert len(timetable.courses) == len(reference.courses)


def test_duplicate_member_is_an_error(tmp_path: Path) -> None:
    """Of two members of the same name zipfile reads the last: which one was meant is unknown."""
    path = tmp_path / ARCHIVE_NAME
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in reference_members().items():
                archive.writestr(name, data)
            archive.writestr("UDCal_12_37.xml", xml("<lignes/>"))
    error = refused(path, "présent plusieurs fois dans l'archive")
    assert error.file == LABEL + "UDCal_12_37.xml"


def test_two_spellings_of_one_member_are_an_error(build_archive: BuildArchive) -> None:
    """UDCal_12.xml and udcal_12.xml side by side are as ambiguous as one name twice."""
    lines = reference_members()["UDCal_12.xml"]
    error = refused(build_archive({"udcal_12.xml": lines}), "présent plusieurs fois")
    assert error.file in {LABEL + "udcal_12.xml", LABEL + "UDCal_12.xml"}
    assert "aussi sous le nom" in error.reason


# -- bounded work ---------------------------------------------------------------------------


def test_member_inflating_past_the_ratio(build_archive: BuildArchive) -> None:
    """Millions of empty elements deflate a thousand to one: refused before inflating."""
    member = xml('<salles><salle code="S101" nom="A"/>' + "<x/>" * 2_000_000 + "</salles>")
    error = refused(build_archive({"UDCal_03.xml": member}), "taux de compression anormal")
    assert error.file == LABEL + "UDCal_03.xml"
    assert f"au plus {udt_archive.MAX_RATIO} pour 1" in error.reason


def _noise(count: int) -> str:
    # Random values compress poorly, so that only the XML limits can stop them.
    generator = random.Random(7)
    return "".join(f'<x v="{generator.getrandbits(64):x}"/>' for _ in range(count))


def test_elements_piled_between_records(build_archive: BuildArchive) -> None:
    """Past the limit, what lies between two records is refused while it is read."""
    count = udt_reader.LIMITS.max_children * 2
    member = xml(
        '<salles>\n<salle code="S1" nom="A"/>\n'
        + _noise(count)
        + '\n<salle code="S2" nom="B"/></salles>'
    )
    error = refused(
        build_archive({"UDCal_03.xml": member}),
        f"plus de {udt_reader.LIMITS.max_children} éléments dans « salles »",
    )
    assert error.file == LABEL + "UDCal_03.xml"
    assert error.line == 4


def test_deep_nesting(build_archive: BuildArchive) -> None:
    """Nesting past the limit is refused with its line, records or not."""
    depth = udt_reader.LIMITS.max_depth + 4
    member = xml("<salles>\n" + "<n>" * depth + _noise(3_000) + "</n>" * depth + "</salles>")
    error = refused(build_archive({"UDCal_03.xml": member}), "niveaux d'éléments imbriqués")
    assert error.line == 3
