"""Hostile feeds: whatever a file holds between or inside its requests, work stays bounded.

Each file is built here, small; the limits are those of
:data:`entcore.plugins.aaf.reader.LIMITS` and :mod:`entcore.plugins.aaf.files`.
Every refusal is one :class:`~entcore.InvalidFileError` naming the file and,
for XML, the line.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from entcore import InvalidFileError
from entcore.model import DirectoryItem, Entry
from entcore.plugins.aaf import AafSource
from entcore.plugins.aaf.files import MAX_RATIO
from entcore.plugins.aaf.reader import LIMITS, MAX_STRAY_ELEMENTS
from entcore.protocols import SourceContext
from tests.aaf.conftest import FOOTER, HEADER, add_request

NAME = "ENTTEST_Complet_20240901_MatiereEducNat_0000.xml"

Reader = Callable[..., list[DirectoryItem]]


def _subject(code: str) -> str:
    return add_request(
        "MatEducNat", code, [("ENTMatJointure", [code]), ("ENTLibelleMatiere", ["FRANCAIS"])]
    )


def _feed(tmp_path: Path, *parts: str) -> Path:
    path = tmp_path / NAME
    path.write_text(HEADER + "".join(parts) + FOOTER, encoding="utf-8")
    return path


def _refused(read_items: Reader, path: Path, reason: str) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        read_items(path)
    assert caught.value.file == path.name
    assert "\n" not in str(caught.value)
    return caught.value


def _line_of(path: Path, needle: str) -> int:
    """Line (1-based) of the first line of ``path`` that holds ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_empty_elements_piled_between_requests(tmp_path: Path, read_items: Reader) -> None:
    """Millions of elements between two requests are refused once past the limit, not held."""
    junk = "<x/>" * (LIMITS.max_children * 4)
    path = _feed(tmp_path, _subject("000001"), "\n" + junk + "\n", _subject("000002"))
    error = _refused(read_items, path, r"plus de 5000 éléments dans « ficAlimMENESR »")
    assert error.line == _line_of(path, "<x/>")


def test_elements_scattered_between_requests(tmp_path: Path, read_items: Reader) -> None:
    """Small heaps between many requests add up: past the file's budget the file is refused."""
    heaps = [_subject(f"{index:06d}") + "<x/>" * 1_000 + "\n" for index in range(12)]
    path = _feed(tmp_path, *heaps, _subject("999999"))
    error = _refused(read_items, path, "éléments hors des requêtes")
    assert str(MAX_STRAY_ELEMENTS) in error.reason
    assert error.line is not None and error.line > 4


def test_a_few_stray_elements_are_tolerated(tmp_path: Path, read_items: Reader) -> None:
    """Below the limits, stray elements cost nothing and the requests are all read."""
    path = _feed(tmp_path, _subject("000001"), "<x/>" * 100 + "\n", _subject("000002"))
    items = read_items(path)
    assert [item.external_id for item in items if isinstance(item, Entry)] == ["000001", "000002"]


def test_request_with_millions_of_attributes(tmp_path: Path, read_items: Reader) -> None:
    """One request's children are limited while it is being read, not after."""
    attributes = '<attr name="x"><value>v</value></attr>\n' * (LIMITS.max_children * 2)
    request = _subject("000002").replace("<attributes>\n", "<attributes>\n" + attributes, 1)
    path = _feed(tmp_path, _subject("000001"), request)
    error = _refused(read_items, path, r"plus de 5000 éléments dans « attributes »")
    assert error.line is not None and error.line > _line_of(path, "000002")


def test_request_with_too_many_elements_in_all(tmp_path: Path, read_items: Reader) -> None:
    """Many attributes of many values each: the request's whole size is limited too."""
    values = "<value>v</value>" * 1_000
    attributes = f'<attr name="x">{values}</attr>\n' * (LIMITS.max_pending // 1_000 + 5)
    request = _subject("000002").replace("<attributes>\n", "<attributes>\n" + attributes, 1)
    path = _feed(tmp_path, request)
    _refused(read_items, path, "éléments à garder à la fois")


def test_deep_nesting_inside_a_value(tmp_path: Path, read_items: Reader) -> None:
    """Elements nested past the limit are refused with their line."""
    depth = LIMITS.max_depth + 5
    nested = "<n>" * depth + "x" * 100_000 + "</n>" * depth
    request = _subject("000001").replace("FRANCAIS", "\n" + nested, 1)
    path = _feed(tmp_path, request)
    error = _refused(read_items, path, "niveaux d'éléments imbriqués")
    assert error.line == _line_of(path, "<n><n>")


def _empty_elements(count: int) -> bytes:
    return (HEADER + _subject("000001") + "<x/>" * count + _subject("000002") + FOOTER).encode()


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path, read_items: Reader) -> None:
    """A member that inflates far more than XML does is refused from the archive's directory."""
    path = tmp_path / "ENT2D.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NAME, _empty_elements(2_000_000))
    with pytest.raises(InvalidFileError, match="taux de compression anormal") as caught:
        read_items(path)
    assert caught.value.file == f"ENT2D.zip!{NAME}"
    assert f"au plus {MAX_RATIO} pour 1" in caught.value.reason


def test_tar_bomb_is_refused_while_listing(tmp_path: Path, read_items: Reader) -> None:
    """The same in a .tar.gz: the sizes the headers declare are checked as they are listed."""
    data = _empty_elements(2_000_000)
    path = tmp_path / "ENT2D.tgz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(NAME)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(InvalidFileError, match="taux de compression anormal") as caught:
        AafSource().open([path], SourceContext())
    assert caught.value.file.startswith("ENT2D.tgz")


@pytest.mark.parametrize("layout", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT], ids=["gnu", "pax"])
def test_tar_header_bomb_is_refused_before_inflating(
    tmp_path: Path, read_items: Reader, layout: int
) -> None:
    """A member name of 30 MB (read whole by tarfile) is refused before it is inflated."""
    path = tmp_path / "ENT2D.tgz"
    with tarfile.open(path, "w:gz", format=layout) as archive:
        archive.addfile(tarfile.TarInfo("a" * 30_000_000), io.BytesIO(b""))
        data = _empty_elements(10)
        info = tarfile.TarInfo(NAME)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    assert path.stat().st_size < 200_000
    assert not AafSource().accepts(path, {})
    with pytest.raises(InvalidFileError, match="taux de compression anormal") as caught:
        AafSource().open([path], SourceContext())
    assert caught.value.file == "ENT2D.tgz"


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_tar_archives_of_every_compression_still_import(
    tmp_path: Path, read_items: Reader, mode: str
) -> None:
    """gzip, bzip2, xz or none: the content decides, as before, and the feed reads whole."""
    data = (HEADER + "".join(_subject(f"{index:06d}") for index in range(50)) + FOOTER).encode()
    path = tmp_path / ("ENT2D.tar" if mode == "w" else "ENT2D.tgz")
    with tarfile.open(path, mode) as archive:  # type: ignore[call-overload]
        info = tarfile.TarInfo(NAME)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    assert AafSource().accepts(path, {})
    assert len(read_items(path)) == 50


def test_ordinary_archives_still_import(tmp_path: Path, read_items: Reader) -> None:
    """A real-looking feed compresses far below the ratio and reads as before."""
    requests = "".join(_subject(f"{index:06d}") for index in range(3_000))
    path = tmp_path / "ENT2D.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NAME, HEADER + requests + FOOTER)
    assert len(read_items(path)) == 3_000


def test_memory_stays_bounded_on_two_million_children(tmp_path: Path) -> None:
    """Under a 1 GiB address-space limit (2.2 GB were needed before) the file is refused cleanly."""
    attributes = "<attr/>" * 2_000_000
    request = _subject("000001").replace("<attributes>\n", "<attributes>\n" + attributes, 1)
    path = _feed(tmp_path, request)
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from entcore import InvalidFileError
        from entcore.plugins.aaf import AafSource
        from entcore.protocols import SourceContext
        try:
            with AafSource().open([{str(path)!r}], SourceContext()) as feed:
                list(feed)
        except InvalidFileError as error:
            print(error)
            sys.exit(3)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "plus de 5000 éléments dans « attributes »" in done.stdout
    assert done.stderr == ""
