"""Checks on an SQLite store file made before entcore opens it for writing.

Opening the store switches the file to WAL and may migrate it: done to a file
that is not entcore's (another application's database, a document given by
mistake) or to a damaged one, that would change someone else's file or make
the damage worse.  So the file is first read without any write — its header,
then its schema through a read-only connection (``mode=ro``) — and refused
with one line when it is not an entcore store of a known revision.

The check reads the schema and the revision table only: a full ``PRAGMA
quick_check`` reads every page, seconds on an académie's store, on every
command.  Damage deeper in the file is reported in one line when a query meets
it (see :mod:`entcore.store.failures`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from pathlib import Path
from urllib.parse import quote

from entcore.errors import StoreError

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"
#: SQLite's file header is 100 bytes long.
HEADER_SIZE = 100


def check_sqlite_file(path: Path, url: str, revisions: Collection[str]) -> None:
    """Refuse, before anything writes to it, a store file entcore must not open.

    ``path`` is the file as SQLite will open it (relative to the working
    directory); ``revisions`` are the migration revisions this entcore knows.
    A file that does not exist yet is fine (it becomes a new store) as long as
    its folder exists: a typo in the folder must not create a new, empty store
    elsewhere.  An existing file must be an SQLite database that is empty or
    holds entcore's tables at a known revision.
    """
    folder = path.parent
    if not folder.is_dir():
        raise StoreError(
            f"le dossier {folder} n'existe pas (magasin {url}) : créez-le ou corrigez l'URL"
        )
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError(f"le magasin {path} n'est pas un fichier")
    try:
        with path.open("rb") as stream:
            header = stream.read(HEADER_SIZE)
    except OSError as error:
        raise StoreError(f"lecture du magasin {path} impossible : {error.strerror}") from None
    if not header:
        return  # an empty file is an empty SQLite database
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_HEADER):
        raise StoreError(
            f"{path} n'est pas un magasin entcore (ce n'est pas une base SQLite, ou elle est "
            "endommagée) : rien n'y a été écrit"
        )
    tables, versions = _read_schema(path)
    if not tables:
        return
    if "alembic_version" not in tables:
        raise StoreError(
            f"{path} n'est pas un magasin entcore (ses tables sont celles d'une autre "
            "application) : rien n'y a été écrit"
        )
    unknown = [version for version in versions if version not in revisions]
    if unknown or not versions:
        raise StoreError(
            f"le magasin {path} est à une révision inconnue de cette version d'entcore "
            f"({', '.join(unknown) or 'aucune'}) : rien n'y a été écrit"
        )


def _read_schema(path: Path) -> tuple[set[str], list[str]]:
    """The file's table names and Alembic revisions, read without writing anything."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise StoreError(f"ouverture du magasin {path} impossible : {error}") from None
    try:
        tables = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        versions: list[str] = []
        if "alembic_version" in tables:
            # Checks the revision table's pages and indexes only (SQLite >= 3.33);
            # a damaged schema already failed on the query above.
            problems = [
                str(row[0]) for row in connection.execute("PRAGMA quick_check(alembic_version)")
            ]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed")
            versions = [
                str(row[0]) for row in connection.execute("SELECT version_num FROM alembic_version")
            ]
    except sqlite3.Error as error:
        raise StoreError(
            f"le magasin {path} est endommagé ou n'est pas une base SQLite ({error}) : "
            "restaurez une sauvegarde ; rien n'y a été écrit"
        ) from None
    finally:
        connection.close()
    return tables, versions
