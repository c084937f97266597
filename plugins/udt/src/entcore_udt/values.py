"""Parsers for the textual values of UDT files: dates, times of day, numbers, codes.

Each raises :class:`ValueError` with a French message; the callers know the file
and line and turn it into an :class:`~entcore.InvalidFileError`.
"""

from __future__ import annotations

import re
from datetime import date, time

_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_HOUR = re.compile(r"^(\d{1,2})\s*[hH:]\s*(\d{2})?$")
_BCN_SUBJECT = re.compile(r"^\d{6}$")
#: UAI (ex-RNE): three digits of département, four digits, a check letter.
UAI = re.compile(r"^\d{7}[A-Z]$")


def parse_date(value: str) -> date:
    """A date written ``dd/mm/yyyy`` (UDT's own format) or ``yyyy-mm-dd``."""
    match = _FRENCH_DATE.match(value)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        match = _ISO_DATE.match(value)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"date impossible « {value} »") from None
    raise ValueError(f"date illisible « {value} » (attendu jj/mm/aaaa)")


def parse_optional_date(value: str) -> date | None:
    """:func:`parse_date`, or ``None`` for an empty value."""
    return parse_date(value) if value else None


def parse_hour(value: str) -> time:
    """A time of day written ``08h00`` (also ``8h``, ``08:00``)."""
    match = _HOUR.match(value)
    if match is None:
        raise ValueError(f"heure illisible « {value} » (attendu hhHmm, par exemple 08h00)")
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"heure impossible « {value} »")
    return time(hour, minute)


def parse_int(value: str, what: str, low: int | None = None, high: int | None = None) -> int:
    """A decimal integer, optionally bounded; ``what`` names it in the message."""
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{what} n'est pas un nombre : « {value} »") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{what} hors limites : « {value} »")
    return number


def number_key(value: str) -> str:
    """A numeric code compared by value (``01`` and ``1`` are the same day or site)."""
    return str(int(value)) if value.isdigit() else value


def bcn_subject(*candidates: str) -> str | None:
    """The first candidate that has the shape of a BCN subject code (six digits)."""
    for candidate in candidates:
        if _BCN_SUBJECT.match(candidate):
            return candidate
    return None
