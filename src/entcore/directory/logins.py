"""Logins: ``prénom.nom``, normalised, made unique with a counter, never changed once given."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Connection, bindparam, select

from entcore.store.schema import Account

_PART = re.compile(r"[^a-z0-9]+")
_MAX_PART = 30
# Logins of the form base + digits sort between base+"0" and base+":".  Built once: an
# académie's first import asks it for every homonym, and building the expression each
# time cost more than running it.
_SUFFIXED = select(Account.login).where(
    Account.login >= bindparam("low"), Account.login < bindparam("high")
)


@lru_cache(maxsize=1 << 16)
def _part(name: str) -> str:
    # Cached: an académie has a few thousand first names and far fewer surnames than people.
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _PART.sub("", plain.lower())[:_MAX_PART]


def base_login(first_name: str, last_name: str) -> str:
    """``first.last`` lower-cased, accents removed, other characters dropped, parts capped at 30.

    >>> base_login("Élodie-Anne", "D'Arc")
    'elodieanne.darc'
    """
    parts = [part for part in (_part(first_name), _part(last_name)) if part]
    return ".".join(parts) or "utilisateur"


class LoginAllocator:
    """Hands out unique logins within one transaction.

    Runs at apply time, on the transaction's connection, so that logins given
    by earlier batches of the same import are visible: no in-memory set of all
    the platform's logins is needed.
    """

    def __init__(self, connection: Connection):
        self._connection = connection
        self._next: dict[str, int] = {}

    def _taken(self, bases: Iterable[str]) -> set[str]:
        found: set[str] = set()
        pending = sorted(set(bases) - set(self._next))
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            found.update(
                self._connection.execute(select(Account.login).where(Account.login.in_(chunk)))
                .scalars()
                .all()
            )
        return found

    def _highest_suffix(self, base: str) -> int:
        rows = self._connection.execute(
            _SUFFIXED, {"low": base + "0", "high": base + ":"}
        ).scalars()
        highest = 1
        for login in rows:
            suffix = login[len(base) :]
            if suffix.isdigit():
                highest = max(highest, int(suffix))
        return highest

    def allocate(self, names: list[tuple[str, str]]) -> list[str]:
        """One unique login per ``(first_name, last_name)``, in order."""
        bases = [base_login(first, last) for first, last in names]
        taken = self._taken(bases)
        # Logins of this call, not in the store yet: a base ending in digits can be
        # another base's counter ("lea.eleve1" + "2" is "Léa Eleve12"'s login).
        given: set[str] = set()
        logins = []
        for base in bases:
            if base not in self._next and base not in taken and base not in given:
                # 0: the bare base is now used; the next counter is looked up when needed.
                self._next[base] = 0
                login = base
            else:
                if not self._next.get(base):
                    self._next[base] = self._highest_suffix(base) + 1
                login = f"{base}{self._next[base]}"
                self._next[base] += 1
                while login in given:
                    login = f"{base}{self._next[base]}"
                    self._next[base] += 1
            given.add(login)
            self._skip_counters(login)
            logins.append(login)
        return logins

    def _skip_counters(self, login: str) -> None:
        """Move past ``login`` every counter that would give it again (``base`` + digits)."""
        end = len(login)
        start = end
        while start > 0 and login[start - 1].isdigit():
            start -= 1
        for cut in range(start, end):
            if login[cut] == "0":
                continue  # counters are written without leading zeros
            counter = self._next.get(login[:cut])
            number = int(login[cut:])
            if counter and counter <= number:
                self._next[login[:cut]] = number + 1
