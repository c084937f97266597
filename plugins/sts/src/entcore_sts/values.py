"""Parsers for the textual values of STS-Web files: dates, ``HHMM`` times and durations, days.

Each raises :class:`ValueError` with a French message; the callers know the file
and line and turn it into an :class:`~entcore.InvalidFileError`.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_HHMM = re.compile(r"^(\d{1,2}):?(\d{2})$")
#: UAI (ex-RNE): three digits of département, four digits, a check letter.
UAI = re.compile(r"^\d{7}[A-Z]$")


def parse_date(value: str) -> date:
    """A date written ``yyyy-mm-dd`` (STS-Web's format) or ``dd/mm/yyyy``."""
    try:
        match = _ISO_DATE.match(value)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _FRENCH_DATE.match(value)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(f"date impossible « {value} »") from None
    raise ValueError(f"date illisible « {value} » (attendu aaaa-mm-jj)")


def parse_optional_date(value: str) -> date | None:
    """:func:`parse_date`, or ``None`` for an empty value."""
    return parse_date(value) if value else None


def _hours_minutes(value: str, what: str) -> tuple[int, int]:
    match = _HHMM.match(value)
    if match is None:
        raise ValueError(f"{what} illisible « {value} » (attendu HHMM, par exemple 0800)")
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{what} impossible « {value} »")
    return hours, minutes


def parse_hhmm(value: str) -> time:
    """A time of day written ``HHMM`` (``0800``), also ``HH:MM``."""
    return time(*_hours_minutes(value, "heure"))


def parse_duration(value: str) -> timedelta:
    """A duration written ``HHMM``: ``0150`` is 1 h 50 min."""
    hours, minutes = _hours_minutes(value, "durée")
    if hours == minutes == 0:
        raise ValueError(f"durée nulle « {value} »")
    return timedelta(hours=hours, minutes=minutes)


def parse_day(value: str) -> int:
    """An ISO weekday number, 1 = Monday."""
    if not value.isdigit() or not 1 <= int(value) <= 7:
        raise ValueError(f"jour illisible « {value} » (attendu 1 = lundi … 7 = dimanche)")
    return int(value)


def add_duration(start: time, duration: timedelta) -> time:
    """``start`` + ``duration``, within the same day."""
    minutes = start.hour * 60 + start.minute + duration.seconds // 60
    if minutes >= 24 * 60:
        raise ValueError(f"cours de {start:%H:%M} qui finit après minuit")
    return time(minutes // 60, minutes % 60)
