"""Helpers shared by the UDT format tests (a uniquely named module: the STS tests have their own)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from entcore_udt import UdtFormat

from entcore import FormatContext
from entcore.model import Timetable

FIXTURES = Path(__file__).parent / "fixtures"
ARCHIVE_NAME = "0999999X_20240830120000_UDT.zip"
#: The synthesized export of the timetable reference note (§10.3), one file per member.
MEMBERS_DIR = FIXTURES / ARCHIVE_NAME.removesuffix(".zip")
#: The same members, archived in this order.
MEMBER_ORDER = (
    "UDCal_24.xml",
    "UDCal_00.xml",
    "semaines.xml",
    "UDCal_03.xml",
    "UDCal_04.xml",
    "UDCal_05.xml",
    "UDCal_07.xml",
    "UDCal_08.xml",
    "UDCal_10.xml",
    "UDCal_19.xml",
    "UDCal_13.xml",
    "UDCal_21.xml",
    "UDCal_23.xml",
    "UDCal_11.xml",
    "UDCal_12.xml",
    "UDCal_12_37.xml",
)

BuildArchive = Callable[..., Path]


def reference_members() -> dict[str, bytes]:
    """The reference export's members, name → bytes."""
    return {name: (MEMBERS_DIR / name).read_bytes() for name in MEMBER_ORDER}


def xml(body: str, encoding: str = "UTF-8") -> bytes:
    """A member: an XML declaration and ``body``, encoded as declared."""
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{body}\n'.encode(encoding)


def write_zip(path: Path, members: Mapping[str, bytes]) -> Path:
    """Write ``members`` as a deflated archive at ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 8, 30, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def parse(path: Path, filename: str | None = None) -> Timetable:
    """Parse ``path`` with the ``udt`` format, uploaded as ``filename`` (its own name by default)."""
    return UdtFormat().parse(path, FormatContext(filename=filename or path.name))
