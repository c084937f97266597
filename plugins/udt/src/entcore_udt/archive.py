"""Safe access to a UDT export: a ZIP archive of flat ``UDCal_*.xml`` files.

Nothing is extracted to disk: members are streamed, and only members at the
archive's top level, under the names UDT uses, are ever opened, so member paths
(``../``, absolute names) cannot reach anything.  Encrypted members are
refused, and uncompressed sizes are capped per member and in total, both as
declared in the archive directory and as actually inflated, so a zip bomb stops
early.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from entcore import InvalidFileError
from entcore_udt.values import UAI

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

#: Largest uncompressed member read (UDT files are a few megabytes at most).
MAX_MEMBER_SIZE = 200 * 1024 * 1024
#: Largest uncompressed total read from one archive.
MAX_TOTAL_SIZE = 500 * 1024 * 1024
#: Largest number of entries in the archive directory (a real export has ~170).
MAX_ENTRIES = 10_000
#: Most a member may inflate to per compressed byte past the first MiB: UDT's
#: XML deflates about 10 to 30 to 1, a bomb a thousand to 1.
MAX_RATIO = 200
#: Inflated bytes always allowed, whatever the ratio.
RATIO_SLACK = 1 << 20

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_UDT_MEMBER = re.compile(r"^udcal_\d{2}(?:_\d{2})?\.xml$", re.IGNORECASE)
_WEEKLY = re.compile(r"^udcal_(\d{2})_(\d{2})\.xml$", re.IGNORECASE)
_ARCHIVE_NAME = re.compile(r"^(\d{7}[A-Za-z])_(\d{14})_UDT\.zip$", re.IGNORECASE)
# What zipfile raises on a damaged or unsupported member: bad CRC or header,
# truncated deflate stream, unknown compression method or version, bad name.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def is_udt_member(member: str) -> bool:
    """True for a top-level member named like a UDT file (``UDCal_12.xml``, ``udcal_12_37.xml``)."""
    return _UDT_MEMBER.match(member) is not None


def sniff(path: Path, head: bytes) -> bool:
    """True when ``path`` is a ZIP archive with UDCal files at its top level; never raises."""
    if head and not head.startswith(_ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return any(is_udt_member(name) for name in archive.namelist())
    except Exception:  # sniffing must answer for any content, whatever breaks
        return False


def name_facts(filename: str) -> tuple[str | None, datetime | None]:
    """UAI and export time from a name like ``0999999X_20240830120000_UDT.zip``.

    The time is local French time; ``None`` when the name does not follow the
    convention (or when the time zone database is missing).
    """
    match = _ARCHIVE_NAME.match(PurePosixPath(filename.replace("\\", "/")).name)
    if match is None:
        return None, None
    uai = match[1].upper()
    try:
        stamp = datetime.strptime(match[2], "%Y%m%d%H%M%S").replace(tzinfo=ZoneInfo("Europe/Paris"))
    except (ValueError, ZoneInfoNotFoundError):
        stamp = None
    return (uai if UAI.match(uai) else None), stamp


class _CappedReader(io.RawIOBase):
    """A member stream that stops at the size caps and reports zip errors as invalid files."""

    def __init__(self, inner: IO[bytes], archive: UdtArchive, label: str):
        self._inner = inner
        self._archive = archive
        self._label = label
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except _READ_ERRORS as error:
            raise InvalidFileError(
                self._label, f"membre de l'archive illisible : {error}"
            ) from None
        size = len(data)
        self._read += size
        if self._read > MAX_MEMBER_SIZE:
            raise InvalidFileError(
                self._label, f"fichier décompressé trop gros (plus de {MAX_MEMBER_SIZE >> 20} Mio)"
            )
        self._archive.consume(size)
        buffer[:size] = data
        return size

    def close(self) -> None:
        self._inner.close()
        super().close()


class UdtArchive:
    """An opened UDT export; use as a context manager."""

    def __init__(self, path: Path, name: str):
        self.name = name
        self._consumed = 0
        try:
            self._zip = zipfile.ZipFile(path)
        except Exception:
            # zipfile raises many kinds of errors on a damaged directory
            # (BadZipFile, NotImplementedError, UnicodeDecodeError, OSError...).
            raise InvalidFileError(name, "ce n'est pas une archive ZIP lisible") from None
        try:
            self._members = self._index()
        except InvalidFileError:
            self._zip.close()
            raise

    def _index(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise InvalidFileError(self.name, f"archive anormale : plus de {MAX_ENTRIES} entrées")
        members: dict[str, zipfile.ZipInfo] = {}
        nested = False
        for info in infos:
            base = info.filename
            if "/" in base or "\\" in base or "\x00" in base or info.is_dir():
                nested = nested or is_udt_member(base.replace("\\", "/").rsplit("/", 1)[-1])
                continue
            key = base.lower()
            if key != "semaines.xml" and not is_udt_member(base):
                continue
            known = members.get(key)
            if known is not None:
                # zipfile would silently read the last one, and two spellings of one
                # name (UDCal_12.xml, udcal_12.xml) are as ambiguous: which one UDT meant
                # is unknown.
                same = known.filename == base
                raise InvalidFileError(
                    self.label(base),
                    "présent plusieurs fois dans l'archive"
                    + ("" if same else f" (aussi sous le nom {known.filename})")
                    + " : impossible de savoir lequel lire",
                )
            members[key] = info
        if not any(is_udt_member(name) for name in members):
            if nested:
                raise InvalidFileError(
                    self.name,
                    "les fichiers UDCal sont dans un sous-dossier de l'archive ; "
                    "ils doivent être à sa racine, comme UnDeuxTemps les exporte",
                )
            raise InvalidFileError(
                self.name, "archive ZIP sans fichier UDCal : ce n'est pas un export UnDeuxTemps"
            )
        declared = sum(info.file_size for info in members.values())
        if declared > MAX_TOTAL_SIZE:
            raise InvalidFileError(
                self.name, f"archive trop grosse une fois décompressée ({declared >> 20} Mio)"
            )
        return members

    def __enter__(self) -> UdtArchive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying ZIP file."""
        self._zip.close()

    def label(self, member: str) -> str:
        """How messages name a member: ``archive.zip/UDCal_12.xml``."""
        return f"{self.name}/{member}"

    def find(self, member: str) -> str | None:
        """The archive's spelling of ``member`` (``UDCal_12.xml``, ``udcal_12.xml``), if any."""
        info = self._members.get(member.lower())
        return info.filename if info else None

    def weekly(self, number: int) -> dict[int, str]:
        """Weekly variants of file ``number`` (12 or 23): ISO week → member name."""
        found: dict[int, str] = {}
        for info in self._members.values():
            match = _WEEKLY.match(info.filename)
            if match and int(match[1]) == number:
                found[int(match[2])] = info.filename
        return dict(sorted(found.items()))

    def consume(self, size: int) -> None:
        """Count ``size`` inflated bytes against the archive's total cap."""
        self._consumed += size
        if self._consumed > MAX_TOTAL_SIZE:
            raise InvalidFileError(
                self.name,
                f"archive trop grosse une fois décompressée (plus de {MAX_TOTAL_SIZE >> 20} Mio)",
            )

    def open(self, member: str) -> io.BufferedReader:
        """A buffered binary stream over ``member``; what it reads counts against the total cap."""
        label = self.label(member)
        info = self._members[member.lower()]
        if info.flag_bits & 0x1:
            raise InvalidFileError(label, "fichier chiffré dans l'archive : export illisible")
        if info.file_size > MAX_MEMBER_SIZE:
            raise InvalidFileError(
                label, f"fichier décompressé trop gros ({info.file_size >> 20} Mio)"
            )
        # zipfile never inflates past the declared size, so checking it is enough.
        if info.file_size > RATIO_SLACK + MAX_RATIO * info.compress_size:
            raise InvalidFileError(
                label,
                f"taux de compression anormal ({info.file_size // max(info.compress_size, 1)} "
                f"pour 1, au plus {MAX_RATIO} pour 1) : archive piégée ?",
            )
        try:
            inner = self._zip.open(info)
        except _READ_ERRORS as error:
            raise InvalidFileError(label, f"membre de l'archive illisible : {error}") from None
        return io.BufferedReader(_CappedReader(inner, self, label), buffer_size=1 << 17)

    def members(self) -> Iterator[str]:
        """Names of the UDT members found at the top level."""
        return (info.filename for info in self._members.values())
