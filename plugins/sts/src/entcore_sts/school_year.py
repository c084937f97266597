"""Deciding the school year of an STS-Web file.

``sts_emp`` states it (``ANNEE_SCOLAIRE`` with ``DATE_DEBUT``/``DATE_FIN``, the
administrative year, e.g. 1 September to 31 August); ``emp_sts`` has no such
element as far as is known, but its alternances list the Monday of every week
they cover.

* **Week 1** (``first_monday``) is the earliest week of any alternance, when the
  file has alternances: their masks then start at week 1.  Otherwise it is the
  school week of the year's first day: the Monday of that day's week, or the
  next Monday when the first day falls on a weekend (1 September 2024, a
  Sunday, gives Monday 2 September, the rentrée).
* **Start and end** are ``DATE_DEBUT``/``DATE_FIN`` when given; otherwise the
  span of the alternances (first Monday to the Sunday ending the last week),
  which is what the file actually covers; otherwise 1 September to 31 August
  of the rentrée year (``ANNEE_SCOLAIRE@ANNEE``, else the year in the file name).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from entcore.model import SchoolYear
from entcore.schoolyear import bounds, monday_of, school_week_monday, school_year_starting

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["decide", "monday_of", "school_week_monday"]


def decide(
    start: date | None,
    end: date | None,
    week_starts: Iterable[date],
    rentree: int | None,
) -> SchoolYear | None:
    """The school year from what the file gives; ``None`` when it gives nothing to go on.

    :param start: ``DATE_DEBUT``.
    :param end: ``DATE_FIN``.
    :param week_starts: the ``DATE_DEBUT_SEMAINE`` of every alternance.
    :param rentree: the rentrée year (``ANNEE_SCOLAIRE@ANNEE`` or the file name's).
    """
    mondays = sorted({monday_of(day) for day in week_starts})
    spans: list[tuple[date, date]] = []
    if mondays:
        spans.append((mondays[0], mondays[-1] + timedelta(days=6)))
    if rentree:
        spans.append(bounds(rentree))
    year_start = start or next((span[0] for span in spans), None)
    if year_start is None:
        return None
    # A start without an end closes on the 31 August that follows it.
    year_end = end or next((span[1] for span in spans), bounds(school_year_starting(year_start))[1])
    first_monday = mondays[0] if mondays else school_week_monday(year_start)
    return SchoolYear(start=year_start, end=year_end, first_monday=first_monday)
