"""entcore.schoolyear: names, bounds and the school year of a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from entcore import schoolyear
from entcore.model import SchoolYear


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2024, 9, 1), "2024-2025"),
        (date(2024, 12, 31), "2024-2025"),
        (date(2025, 1, 1), "2024-2025"),
        (date(2025, 7, 4), "2024-2025"),
        (date(2025, 8, 31), "2024-2025"),
        (date(2025, 9, 1), "2025-2026"),
        (date(1, 9, 1), "0001-0002"),
    ],
)
def test_school_year_of_a_day(day: date, year: str) -> None:
    assert schoolyear.school_year_of(day) == year
    start, end = schoolyear.bounds(year)
    assert start <= day <= end


def test_bounds_are_the_administrative_year() -> None:
    assert schoolyear.bounds("2024-2025") == (date(2024, 9, 1), date(2025, 8, 31))
    assert schoolyear.bounds(2024) == schoolyear.bounds("2024-2025")
    assert schoolyear.bounds("2023-2024") == (date(2023, 9, 1), date(2024, 8, 31))


def test_bounds_and_school_year_of_agree_day_by_day() -> None:
    start, end = schoolyear.bounds("2027-2028")  # a leap year's February inside
    day = start - timedelta(days=3)
    while day <= end + timedelta(days=3):
        inside = start <= day <= end
        assert (schoolyear.school_year_of(day) == "2027-2028") == inside, day
        day += timedelta(days=1)


@pytest.mark.parametrize("text", ["2024-2025", " 2024-2025 ", "0001-0002", "9998-9999"])
def test_parse_accepts_consecutive_years(text: str) -> None:
    rentree = schoolyear.parse(text)
    assert schoolyear.label(rentree) == text.strip()
    assert schoolyear.is_school_year(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2024", "attendu AAAA-AAAA, par exemple 2024-2025"),
        ("2024/2025", "attendu AAAA-AAAA"),
        ("24-25", "attendu AAAA-AAAA"),
        ("2024-2025-2026", "attendu AAAA-AAAA"),
        ("", "attendu AAAA-AAAA"),
        ("２０２４-２０２５", "attendu AAAA-AAAA"),
        ("2024-2026", "les deux années doivent se suivre, par exemple 2024-2025"),
        ("2025-2024", "les deux années doivent se suivre, par exemple 2025-2026"),
        ("0000-0001", "les deux années doivent se suivre, par exemple 0001-0002"),
        ("99999999999999999999-1", "attendu AAAA-AAAA"),
    ],
)
def test_parse_refuses_in_one_french_line(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"année scolaire « .* » invalide") as raised:
        schoolyear.parse(text)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not schoolyear.is_school_year(text)


@pytest.mark.parametrize("rentree", [0, -1, 9999, 10**20])
def test_label_refuses_years_out_of_range(rentree: int) -> None:
    with pytest.raises(ValueError, match="année de rentrée hors limites"):
        schoolyear.label(rentree)
    with pytest.raises(ValueError, match="année de rentrée hors limites"):
        schoolyear.bounds(rentree)


@pytest.mark.parametrize(
    ("start", "year"),
    [
        (date(2024, 9, 2), "2024-2025"),
        (date(2024, 8, 26), "2024-2025"),  # pré-rentrée in late August
        (date(2024, 7, 1), "2024-2025"),  # a calendar prepared before the summer
        (date(2025, 1, 6), "2024-2025"),  # a second-semester export
        (date(2025, 6, 30), "2024-2025"),
    ],
)
def test_school_year_starting(start: date, year: str) -> None:
    assert schoolyear.school_year_starting(start) == year
    # The timetable model names its years with the same rule.
    assert SchoolYear(start, start + timedelta(days=300), schoolyear.monday_of(start)).label == year


@pytest.mark.parametrize(
    ("day", "monday", "school_monday"),
    [
        (date(2024, 9, 2), date(2024, 9, 2), date(2024, 9, 2)),  # a Monday
        (date(2024, 9, 4), date(2024, 9, 2), date(2024, 9, 2)),  # a Wednesday
        (date(2024, 9, 7), date(2024, 9, 2), date(2024, 9, 9)),  # a Saturday
        (date(2024, 9, 1), date(2024, 8, 26), date(2024, 9, 2)),  # a Sunday
    ],
)
def test_mondays(day: date, monday: date, school_monday: date) -> None:
    assert schoolyear.monday_of(day) == monday
    assert schoolyear.school_week_monday(day) == school_monday
