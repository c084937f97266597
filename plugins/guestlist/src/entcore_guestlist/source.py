"""The guest-list directory source: CSV lines to guest records."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path

import entcore
from entcore.model import (
    DirectoryItem,
    Entry,
    FeedFile,
    ImportMode,
    Origin,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    Rejection,
)

SUFFIX = ".invites.csv"
COLUMNS = ("identifiant", "nom", "prénom", "établissement", "courriel")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,63}$")


def _guest(row: dict[str, str]) -> PersonRecord:
    """The record of one CSV row; raises RecordError (in French) when a field is wrong."""
    for column in ("nom", "prénom", "établissement"):
        if not row[column]:
            raise RecordError(f"colonne « {column} » vide")
    email = row.get("courriel") or None
    if email is not None and not _EMAIL.match(email):
        raise RecordError(f"courriel invalide : {email}")
    return PersonRecord(
        external_id=row["identifiant"],
        profile=Profile.GUEST,
        last_name=row["nom"],
        first_name=row["prénom"],
        email=email,
        structures=(row["établissement"],),
    )


class GuestListFeed:
    """The rows of one or more guest lists, read lazily."""

    mode = ImportMode.FULL

    def __init__(self, paths: Sequence[Path], delimiter: str, encoding: str):
        self._paths = list(paths)
        self._delimiter = delimiter
        self._encoding = encoding
        self.files = tuple(
            FeedFile(path.name, RecordKind.GUEST, ImportMode.FULL) for path in self._paths
        )

    def __iter__(self) -> Iterator[DirectoryItem]:
        for path in self._paths:
            yield from self._read(path)

    def _read(self, path: Path) -> Iterator[DirectoryItem]:
        try:
            with path.open(encoding=self._encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self._delimiter)
                header = [name.strip().lower() for name in next(reader, [])]
                missing = [column for column in COLUMNS[:4] if column not in header]
                if missing:
                    raise entcore.InvalidFileError(
                        path.name, f"colonnes manquantes : {', '.join(missing)}", 1
                    )
                for values in reader:
                    line = reader.line_num
                    if not any(value.strip() for value in values):
                        continue
                    row = {name: value.strip() for name, value in zip(header, values, strict=False)}
                    key = row.get("identifiant", "")
                    origin = Origin(path.name, line, key or f"ligne {line}")
                    if not key:
                        yield Rejection(RecordKind.GUEST, "identifiant manquant", origin)
                        continue
                    # The fingerprint covers exactly what the record is built from.
                    fingerprint = hashlib.blake2b(
                        "\x1f".join(row.get(column, "") for column in COLUMNS).encode(),
                        digest_size=16,
                    ).digest()
                    yield Entry(RecordKind.GUEST, key, fingerprint, origin, partial(_guest, row))
        except UnicodeDecodeError as error:
            raise entcore.InvalidFileError(
                path.name, f"encodage illisible ({self._encoding}) : {error.reason}"
            ) from None

    def close(self) -> None:
        """Nothing stays open between rows."""


class GuestListSource:
    """Reads ``*.invites.csv`` files."""

    name = "guestlist"
    label = "Liste d'invités (CSV)"

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        """Guest lists are recognised by their name, whatever the settings."""
        return path.is_file() and path.name.lower().endswith(SUFFIX)

    def open(self, paths: Sequence[Path], context: entcore.SourceContext) -> GuestListFeed:
        """Open the lists; the settings choose the separator and the encoding."""
        return GuestListFeed(
            paths,
            delimiter=str(context.settings.get("delimiter", ";")),
            encoding=str(context.settings.get("encoding", "utf-8-sig")),
        )
