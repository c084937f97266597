"""School years: their names (``2024-2025``), their bounds and the year a day belongs to.

A school year is named by the two calendar years it spans, the first being the
year of its *rentrée*: ``2024-2025`` starts in September 2024.  That name is what
the store keeps (a structure's current year, a timetable import's year), what
reports print and what users type.

Two questions have two different answers, and this module keeps them apart:

* **Which school year is a day in?** (:func:`school_year_of`, :func:`bounds`)
  The administrative year runs from 1 September to 31 August, as STS-Web's
  ``ANNEE_SCOLAIRE`` states it: 31 August 2025 is still in ``2024-2025``.
* **Which school year does a calendar that starts on a given day cover?**
  (:func:`school_year_starting`)  Timetable exports open their year on the
  pre-rentrée, sometimes in late August, or in July for a calendar prepared
  before the summer: a start from July onwards belongs to the year whose
  rentrée follows.  :attr:`entcore.model.SchoolYear.label` answers this way.

Weeks: :func:`monday_of` and :func:`school_week_monday` give the Monday that
week numbers count from (week 1 of :class:`~entcore.model.SchoolYear`).

Pure functions on :class:`datetime.date`, no store and no settings: plugins use
them freely (they are part of the public API).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = [
    "bounds",
    "is_school_year",
    "label",
    "monday_of",
    "parse",
    "rentree_year",
    "school_week_monday",
    "school_year_of",
    "school_year_starting",
]

_LABEL = re.compile(r"([0-9]{4})-([0-9]{4})")
# A calendar that starts from this month on belongs to the year of the coming rentrée.
_PREPARED_FROM = 7
_RENTREE_MONTH = 9
_SATURDAY = 5


def label(rentree: int) -> str:
    """The name of the school year whose rentrée is in ``rentree``: ``label(2024) == "2024-2025"``."""
    if not 1 <= rentree <= 9998:
        raise ValueError(f"année de rentrée hors limites : {rentree}")
    return f"{rentree:04d}-{rentree + 1:04d}"


def parse(text: str) -> int:
    """The rentrée year of a school year's name: ``parse("2024-2025") == 2024``.

    Accepts exactly ``YYYY-YYYY`` with consecutive years (surrounding blanks are
    ignored); raises :class:`ValueError`, with a French message for the user,
    otherwise.
    """
    match = _LABEL.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"année scolaire « {text} » invalide : attendu AAAA-AAAA, par exemple 2024-2025"
        )
    first, second = int(match[1]), int(match[2])
    if first == 0 or second != first + 1:
        raise ValueError(
            f"année scolaire « {text} » invalide : les deux années doivent se suivre, "
            f"par exemple {label(max(first, 1))}"
        )
    return first


def is_school_year(text: str) -> bool:
    """True when ``text`` is a school year's name that :func:`parse` accepts."""
    try:
        parse(text)
    except ValueError:
        return False
    return True


def rentree_year(day: date) -> int:
    """The rentrée year of the administrative school year ``day`` is in (1 September - 31 August)."""
    return day.year if day.month >= _RENTREE_MONTH else day.year - 1


def school_year_of(day: date) -> str:
    """The administrative school year ``day`` is in: ``school_year_of(date(2025, 8, 31))`` is
    ``"2024-2025"``, ``school_year_of(date(2025, 9, 1))`` is ``"2025-2026"``."""
    return label(rentree_year(day))


def bounds(year: str | int) -> tuple[date, date]:
    """First and last day (1 September, 31 August) of a school year, by name or rentrée year.

    ``bounds("2024-2025") == (date(2024, 9, 1), date(2025, 8, 31))``; a day ``d``
    is in ``bounds(y)`` exactly when ``school_year_of(d) == y``.
    """
    rentree = parse(year) if isinstance(year, str) else year
    label(rentree)  # validates the range
    return date(rentree, _RENTREE_MONTH, 1), date(rentree + 1, _RENTREE_MONTH, 1) - timedelta(1)


def school_year_starting(start: date) -> str:
    """The school year a calendar that starts on ``start`` covers.

    The administrative year of ``start``, except that a start in July or August
    opens the year whose rentrée follows: ``school_year_starting(date(2024, 8,
    26)) == "2024-2025"``.
    """
    return label(start.year if start.month >= _PREPARED_FROM else start.year - 1)


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def school_week_monday(day: date) -> date:
    """The Monday of the school week ``day`` opens: its own week, the next one from a weekend.

    1 September 2024, a Sunday, opens the week of Monday 2 September.
    """
    monday = monday_of(day)
    return monday + timedelta(weeks=1) if day.weekday() >= _SATURDAY else monday
