"""One line for every way the database can fail, never carrying what the store holds.

SQLAlchemy's own messages quote the SQL statement and its parameters, and the
database's messages can quote values too (PostgreSQL's ``DETAIL: Key
(login)=(jean.dupont) already exists``, ``invalid input syntax: "Dupont"``).
Both are people's data: :func:`store_failure` turns an error raised by
SQLAlchemy or the driver into a :class:`~entcore.StoreError` whose message is
built from the kind of failure only — SQLite's error code, PostgreSQL's
SQLSTATE and the names of the constraint or table at fault — in French, as the
users read it.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from entcore.errors import StoreBusy, StoreError


def import_in_progress(url: str, wait: float) -> str:
    """Said when another import holds the store's import lock past ``wait`` seconds."""
    waited = f" (attendu {wait:g} s)" if wait > 0 else ""
    return (
        f"une importation est déjà en cours sur ce magasin ({url}){waited} : "
        "réessayez quand elle sera terminée"
    )


#: Said when another connection holds the SQLite write lock past the busy timeout.
WRITE_IN_PROGRESS = (
    "le magasin {url} est occupé par une autre écriture (une importation en cours ?) : "
    "réessayez quand elle sera terminée"
)

_SQLITE: dict[str, str] = {
    "SQLITE_CORRUPT": "le fichier du magasin est endommagé (base SQLite corrompue) : "
    "restaurez une sauvegarde",
    "SQLITE_NOTADB": "le fichier du magasin n'est pas une base SQLite",
    "SQLITE_FULL": "le disque du magasin est plein",
    "SQLITE_IOERR": "erreur d'entrée-sortie sur le fichier du magasin",
    "SQLITE_READONLY": "le fichier du magasin est en lecture seule",
    "SQLITE_CANTOPEN": "impossible d'ouvrir le fichier du magasin",
    "SQLITE_PERM": "accès refusé au fichier du magasin",
    "SQLITE_NOMEM": "mémoire insuffisante pour le magasin",
    "SQLITE_INTERRUPT": "opération sur le magasin interrompue",
}

# PostgreSQL SQLSTATE classes (the first two characters) whose message is ours.
_POSTGRESQL_CLASSES: dict[str, str] = {
    "08": "connexion au serveur du magasin perdue ou impossible",
    "22": "valeur refusée par le magasin (hors limites ou mal formée)",
    "23": "écriture refusée par le magasin : contrainte non respectée",
    "25": "transaction du magasin dans un état invalide",
    "28": "authentification refusée par le serveur du magasin",
    "3D": "la base du magasin n'existe pas",
    "40": "conflit avec une écriture concurrente sur le magasin : réessayez",
    "42": "le schéma du magasin ne correspond pas à cette version d'entcore",
    "53": "ressources insuffisantes sur le serveur du magasin (disque, mémoire, connexions)",
    "54": "limite du serveur du magasin dépassée",
    "55": "objet du magasin verrouillé ou indisponible",
    "57": "opération annulée par le serveur du magasin (arrêt, délai dépassé)",
    "58": "erreur système sur le serveur du magasin",
}


def store_failure(error: BaseException, url: str) -> StoreError:
    """The :class:`~entcore.StoreError` to raise instead of ``error``, in one line.

    ``error`` is what SQLAlchemy, the driver or Alembic raised while using the
    store at ``url`` (password hidden).  Raise the result ``from None``: the
    original's text and its chain may hold SQL parameters.
    """
    if isinstance(error, StoreError):
        return error
    if isinstance(error, DBAPIError):
        return _dbapi_failure(error.orig, url)
    if isinstance(error, StatementError):
        # A value the driver could not even send (e.g. an integer over 64 bits): the
        # original exception's text may quote it, so only its kind is said.
        kind = type(error.orig).__name__ if error.orig is not None else "StatementError"
        return StoreError(f"{url} : valeur refusée par le magasin ({kind})")
    if isinstance(error, OverflowError):
        return StoreError(f"{url} : valeur hors des limites du magasin")
    if isinstance(error, SQLAlchemyError):
        return StoreError(f"{url} : erreur du magasin ({type(error).__name__})")
    # Alembic's errors name revisions and scripts, never data.
    return StoreError(f"{url} : migration impossible : {_first_line(str(error))}")


def _dbapi_failure(orig: BaseException | None, url: str) -> StoreError:
    if isinstance(orig, sqlite3.Error):
        return _sqlite_failure(orig, url)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return _postgresql_failure(orig, sqlstate, url)
    return StoreError(f"{url} : erreur du magasin ({type(orig).__name__})")


def _sqlite_failure(orig: sqlite3.Error, url: str) -> StoreError:
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    base = name.split("_", 2)[:2]
    primary = "_".join(base) if len(base) == 2 else name
    if primary in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(orig):
        return StoreBusy(WRITE_IN_PROGRESS.format(url=url))
    if primary in _SQLITE:
        return StoreError(f"{url} : {_SQLITE[primary]}")
    if "file is not a database" in str(orig):
        return StoreError(f"{url} : {_SQLITE['SQLITE_NOTADB']}")
    if "malformed" in str(orig):
        return StoreError(f"{url} : {_SQLITE['SQLITE_CORRUPT']}")
    if primary == "SQLITE_CONSTRAINT":
        # SQLite names the columns of the constraint ("UNIQUE constraint failed:
        # accounts.login"), never the values.
        return StoreError(
            f"{url} : écriture refusée par le magasin ({_first_line(str(orig))}) : "
            "une autre écriture a-t-elle eu lieu en même temps ? réessayez"
        )
    # Other SQLite messages name tables and columns ("no such table: x"), not data.
    return StoreError(f"{url} : erreur du magasin : {_first_line(str(orig))}")


def _postgresql_failure(orig: BaseException | None, sqlstate: str, url: str) -> StoreError:
    if sqlstate == "55P03":
        return StoreBusy(WRITE_IN_PROGRESS.format(url=url))
    described = _POSTGRESQL_CLASSES.get(sqlstate[:2], "erreur du serveur du magasin")
    diag = getattr(orig, "diag", None)
    # Identifiers only: the constraint or table at fault, never the message or detail.
    names = [
        f"{label} {value}"
        for label, value in (
            ("contrainte", getattr(diag, "constraint_name", None)),
            ("table", getattr(diag, "table_name", None)),
        )
        if value
    ]
    where = f", {', '.join(names)}" if names else ""
    return StoreError(f"{url} : {described} (SQLSTATE {sqlstate}{where})")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "?"
