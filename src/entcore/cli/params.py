"""Parameter types shared by the commands: ids and dates the store can hold, else usage errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

#: The dates the commands accept: far enough from year 1 and 9999 that converting
#: from Europe/Paris to UTC or adding a school year can never overflow.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
#: Import ids are PostgreSQL ``integer`` keys.
MAX_ID = 2**31 - 1


class ImportId(click.ParamType[int]):
    """An import number: a positive integer the store can hold (else a usage error)."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip()
        if not text.isdecimal() or not 1 <= int(text) <= MAX_ID:
            self.fail(
                f"numéro d'import attendu (entier de 1 à {MAX_ID}), reçu {text!r}", param, ctx
            )
        return int(text)


def _in_range(day: date, value: str, option: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise click.BadParameter(
            f"date hors limites {value!r} : attendue entre {FIRST_DAY} et {LAST_DAY}",
            param_hint=option,
        )


def day_option(value: str | None, option: str) -> date | None:
    """``value`` of ``option`` as a day within the accepted range, else a usage error."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"date attendue AAAA-MM-JJ, reçu {value!r}", param_hint=option
        ) from None
    _in_range(day, value, option)
    return day


def moment_option(value: str | None, option: str = "--as-of") -> date | datetime | None:
    """``option`` (``--as-of`` by default) as a day or an instant within the accepted range, else a usage error."""
    if value is None:
        return None
    try:
        moment = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"date attendue AAAA-MM-JJ (ou AAAA-MM-JJTHH:MM), reçu {value!r}", param_hint=option
        ) from None
    _in_range(moment.date() if isinstance(moment, datetime) else moment, value, option)
    return moment
