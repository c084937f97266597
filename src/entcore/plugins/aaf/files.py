"""Finding the files of an AAF feed in folders, archives and plain file lists.

The rectorat ships ``ficAlimMENESR`` files named
``<prefix>_<Complet|Delta>_[<date>_]<Category>_<NNNN>.xml``, loose in a folder
or inside a ``.zip`` / ``.tar.gz`` / ``.tgz`` archive.  :class:`FeedFiles` lists
the files of such a feed, sorts them in the order the engine needs (by record
kind, then chunk) and opens them one at a time, reading archives member by
member so that nothing is extracted to memory or disk.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from entcore import InvalidFileError
from entcore.model import ImportMode, RecordKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

#: File-name category token → record kind.
CATEGORIES: dict[str, RecordKind] = {
    "EtabEducNat": RecordKind.STRUCTURE,
    "MatiereEducNat": RecordKind.SUBJECT,
    "MefEducNat": RecordKind.MEF,
    "PersRelEleve": RecordKind.RELATIVE,
    "Eleve": RecordKind.STUDENT,
    "PersEducNat": RecordKind.STAFF,
}

_MODES = {"Complet": ImportMode.FULL, "Delta": ImportMode.DELTA}

# The category must follow an underscore, so that "_Eleve_" never matches the
# tail of "_PersRelEleve_"; the chunk number has exactly four digits.
_FILE_NAME = re.compile(
    r"(?:^|_)(?P<mode>Complet|Delta)_(?:.*_)?"
    r"(?P<category>EtabEducNat|MatiereEducNat|MefEducNat|PersRelEleve|PersEducNat|Eleve)"
    r"_(?P<chunk>\d{4})\.(?i:xml)\Z"
)

_KIND_ORDER = {kind: position for position, kind in enumerate(RecordKind)}

#: Largest file of a feed accepted from an archive, once inflated.  The rectorat
#: chunks its exports by some 15,000 entries, a few tens of megabytes per file.
MAX_INFLATED_SIZE = 2 << 30

#: Most an archive may inflate to per byte it weighs.  Real AAF XML deflates about
#: 30 to 1 at best; a bomb of empty elements, thousands to 1.
MAX_RATIO = 200

#: Inflated bytes always allowed, whatever the ratio (tiny files compress oddly).
RATIO_SLACK = 1 << 20

#: How many members of a tar archive :func:`accepts` looks at before giving up.
_TAR_SNIFF_MEMBERS = 64

# What reading a damaged archive or file can raise besides lxml's own errors.
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
)


@dataclass(frozen=True)
class NameInfo:
    """What a file name says: category token, record kind, mode and chunk."""

    category: str
    kind: RecordKind
    mode: ImportMode
    chunk: int


def parse_name(name: str) -> NameInfo | None:
    """The category, kind, mode and chunk a ``ficAlimMENESR`` file name announces, or ``None``.

    Only the last path component counts, so archive members in sub-folders match too.
    """
    match = _FILE_NAME.search(PurePosixPath(name.replace("\\", "/")).name)
    if match is None:
        return None
    category = match["category"]
    return NameInfo(category, CATEGORIES[category], _MODES[match["mode"]], int(match["chunk"]))


def archive_type(path: Path) -> str | None:
    """``"zip"``, ``"tar"`` or ``None`` according to the archive suffix of ``path``."""
    lower = path.name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith((".tar.gz", ".tgz", ".tar")):
        return "tar"
    return None


@dataclass(frozen=True)
class FeedMember:
    """One file of the feed, wherever it lives."""

    name: str
    """The name the user knows: the file name, or ``archive.zip!member.xml``."""
    info: NameInfo
    size: int
    """Uncompressed size in bytes."""
    container: Path
    """The file itself, or the archive holding it."""
    member: str | None = None
    """The member name inside the archive; ``None`` for a plain file."""

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Record kind first, then chunk, then name."""
        return (_KIND_ORDER[self.info.kind], self.info.chunk, self.name)


class FeedFiles:
    """The files of a feed, sorted, and the archives they are read from.

    Archives stay open until :meth:`close`; members are opened one at a time.
    """

    def __init__(self, paths: Sequence[Path]):
        self._zips: dict[Path, zipfile.ZipFile] = {}
        self._tars: dict[Path, tarfile.TarFile] = {}
        # tarfile leaves the streams it is given open.
        self._tar_streams: list[_Budget] = []
        self._tar_members: dict[tuple[Path, str], tarfile.TarInfo] = {}
        members: list[FeedMember] = []
        try:
            for path in paths:
                members.extend(self._collect(Path(path)))
        except BaseException:
            self.close()
            raise
        members.sort(key=lambda member: member.sort_key)
        self.members: tuple[FeedMember, ...] = tuple(members)

    def _collect(self, path: Path) -> Iterator[FeedMember]:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                info = parse_name(child.name)
                if info is not None and child.is_file():
                    yield FeedMember(child.name, info, child.stat().st_size, child)
            return
        if not path.is_file():
            raise InvalidFileError(str(path), "fichier ou dossier introuvable")
        kind = archive_type(path)
        if kind == "zip":
            yield from self._collect_zip(path)
        elif kind == "tar":
            yield from self._collect_tar(path)
        else:
            info = parse_name(path.name)
            if info is None:
                raise InvalidFileError(
                    path.name,
                    "nom de fichier non reconnu : un fichier AAF se nomme "
                    "…_Complet|Delta_…_<Catégorie>_<NNNN>.xml, une archive se termine par "
                    ".zip, .tar.gz ou .tgz",
                )
            yield FeedMember(path.name, info, path.stat().st_size, path)

    def _collect_zip(self, path: Path) -> Iterator[FeedMember]:
        try:
            archive = zipfile.ZipFile(path)
        except READ_ERRORS as error:
            raise InvalidFileError(path.name, f"archive zip illisible : {error}") from None
        self._zips[path] = archive
        for entry in archive.infolist():
            info = parse_name(entry.filename)
            if info is not None and not entry.is_dir():
                # zipfile never inflates a member past its declared size, so
                # checking the directory is enough to stop a bomb before it inflates.
                _check_inflation(
                    f"{path.name}!{entry.filename}", entry.file_size, entry.compress_size
                )
                yield FeedMember(
                    f"{path.name}!{entry.filename}", info, entry.file_size, path, entry.filename
                )

    def _collect_tar(self, path: Path) -> Iterator[FeedMember]:
        # Random-access mode: listing decompresses the archive once without keeping
        # it; members are then read in record-kind order, which may seek backwards.
        # Listing inflates every member to reach the next header: the sizes the
        # headers declare are checked before moving on, and what the listing
        # inflates in all (long-name and pax headers are read whole) is capped,
        # so a bomb stops early (tarfile never reads a member past its declared
        # size either).
        weight = path.stat().st_size
        try:
            stream = _Budget(_decompressed(path), path.name, _allowed(weight))
            self._tar_streams.append(stream)
            archive = tarfile.open(fileobj=stream, mode="r:")  # noqa: SIM115 - kept open until close()
        except READ_ERRORS as error:
            raise InvalidFileError(path.name, f"archive tar illisible : {error}") from None
        self._tars[path] = archive
        inflated = 0
        entries: list[tarfile.TarInfo] = []
        try:
            while (entry := archive.next()) is not None:
                entries.append(entry)
                inflated += entry.size
                _check_inflation(path.name, inflated, weight)
                if parse_name(entry.name) is not None and entry.isfile():
                    _check_inflation(f"{path.name}!{entry.name}", entry.size, weight)
        except READ_ERRORS as error:
            raise InvalidFileError(path.name, f"archive tar illisible : {error}") from None
        # Members are read within their declared sizes, checked above; reading
        # them in another order than the archive's re-inflates, legitimately.
        stream.limit = None
        for entry in entries:
            info = parse_name(entry.name)
            if info is not None and entry.isfile():
                self._tar_members[(path, entry.name)] = entry
                yield FeedMember(f"{path.name}!{entry.name}", info, entry.size, path, entry.name)

    @property
    def total_bytes(self) -> int:
        """Sum of the uncompressed sizes of the selected files."""
        return sum(member.size for member in self.members)

    def open(self, member: FeedMember) -> IO[bytes]:
        """A binary stream over ``member``'s bytes, decompressed on the fly."""
        try:
            if member.member is None:
                return member.container.open("rb")
            archive = self._zips.get(member.container)
            if archive is not None:
                return archive.open(member.member)
            stream = self._tars[member.container].extractfile(
                self._tar_members[(member.container, member.member)]
            )
        except READ_ERRORS as error:
            raise InvalidFileError(member.name, f"lecture impossible : {error}") from None
        if stream is None:
            raise InvalidFileError(member.name, "membre d'archive illisible")
        return stream

    def close(self) -> None:
        """Close the archives (idempotent)."""
        for archive in self._zips.values():
            archive.close()
        for tar in self._tars.values():
            tar.close()
        for stream in self._tar_streams:
            stream.close()
        self._tar_streams.clear()
        self._zips.clear()
        self._tars.clear()
        self._tar_members.clear()


_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"


def _decompressed(path: Path) -> io.BufferedIOBase:
    """``path`` opened for reading, decompressed on the fly by its magic bytes."""
    with path.open("rb") as probe:
        magic = probe.read(6)
    if magic.startswith(_GZIP):
        return gzip.GzipFile(path, "rb")
    if magic.startswith(_BZIP2):
        return bz2.BZ2File(path, "rb")
    if magic.startswith(_XZ):
        return lzma.LZMAFile(path, "rb")
    return path.open("rb")


def _allowed(compressed: int) -> int:
    return min(MAX_INFLATED_SIZE, RATIO_SLACK + MAX_RATIO * compressed)


class _Budget(io.RawIOBase):
    """A seekable stream that delivers at most ``limit`` bytes in all, read or skipped.

    Only forward moves are counted: listing a tar archive never seeks back.
    """

    def __init__(self, inner: io.BufferedIOBase, name: str, limit: int):
        self._inner = inner
        self._name = name
        self.limit: int | None = limit
        self._spent = 0

    def _spend(self, count: int) -> None:
        if self.limit is None:
            return
        self._spent += count
        if self._spent > self.limit:
            raise InvalidFileError(
                self._name,
                f"taux de compression anormal (plus de {self.limit >> 20} Mio décompressés "
                f"pour lister l'archive, au plus {MAX_RATIO} pour 1) : archive piégée ?",
            )

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if self.limit is not None and (size is None or size < 0 or size > self.limit):
            # A header announcing gigabytes is refused before they are inflated.
            self._spend(self.limit + 1)
        data = self._inner.read(-1 if size is None else size)
        self._spend(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        before = self._inner.tell()
        position = self._inner.seek(offset, whence)
        self._spend(max(0, position - before))
        return position

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        self._inner.close()
        super().close()


def _check_inflation(name: str, inflated: int, compressed: int) -> None:
    """Refuse ``inflated`` bytes (declared) from ``compressed`` ones past the limits."""
    if inflated > MAX_INFLATED_SIZE:
        raise InvalidFileError(
            name,
            f"fichier trop volumineux une fois décompressé ({inflated >> 20} Mio, "
            f"au plus {MAX_INFLATED_SIZE >> 20} Mio)",
        )
    if inflated > RATIO_SLACK + MAX_RATIO * compressed:
        raise InvalidFileError(
            name,
            f"taux de compression anormal ({inflated // max(compressed, 1)} pour 1, "
            f"au plus {MAX_RATIO} pour 1) : archive piégée ?",
        )


def _any_match(names: Iterable[str]) -> bool:
    return any(parse_name(name) is not None for name in names)


def accepts(path: Path) -> bool:
    """True when ``path`` is a folder, archive or file holding at least one AAF file.

    Cheap: a folder's names, a zip's directory, the first members of a tar archive.
    Never raises on foreign content.
    """
    try:
        if path.is_dir():
            return any(child.is_file() for child in path.iterdir() if parse_name(child.name))
        if not path.is_file():
            return False
        kind = archive_type(path)
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                return _any_match(archive.namelist())
        if kind == "tar":
            # Stream mode: stop at the first matching member instead of listing it
            # all; what it inflates is capped as when the feed is opened.
            stream = _Budget(_decompressed(path), path.name, _allowed(path.stat().st_size))
            with stream, tarfile.open(fileobj=stream, mode="r|") as archive:
                for count, entry in enumerate(archive):
                    if entry.isfile() and parse_name(entry.name) is not None:
                        return True
                    if count >= _TAR_SNIFF_MEMBERS:
                        break
            return False
        return parse_name(path.name) is not None
    except READ_ERRORS:
        return False
    except InvalidFileError:  # a bomb: not something to recognise
        return False
