"""The UDT school calendar: school year, closures, publication periods, week arithmetic.

UDT counts in ISO weeks (``premiere_semaine_ISO``, ``semaines.xml``, the
``UDCal_12_WW`` files, the ``ele_gpe@semaines`` masks); the snapshot counts
school weeks from :attr:`~entcore.model.SchoolYear.first_monday`.  This module
converts between the two, crossing New Year, and decides which weeks each part
of the export is active in.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import TYPE_CHECKING

from entcore import InvalidFileError
from entcore.model import Closure, SchoolYear, mask_of
from entcore_udt.reader import Row, rows
from entcore_udt.values import UAI, parse_date, parse_int

if TYPE_CHECKING:
    from collections.abc import Iterable

    from entcore_udt.archive import UdtArchive

CALENDAR = "UDCal_24.xml"
PARAMETERS = "UDCal_00.xml"
PERIODS = "semaines.xml"

# Attribute or element names under which a UAI might appear in UDCal_00 (the
# file's full content is undocumented; these are the names used elsewhere).
_UAI_NAMES = frozenset({"uai", "code_uai", "rne", "code_rne", "uaj", "code_uaj"})

_SCHOOL_DAYS = 5


class UdtCalendar:
    """The calendar of one export.

    :param school_year: ``debut_eleve``/``fin_eleve`` and week 1.
    :param closures: the ``fermeture`` ranges.
    :param period_starts: ISO weeks at which ``semaines.xml`` starts a publication period.
    """

    def __init__(
        self,
        school_year: SchoolYear,
        closures: tuple[Closure, ...],
        period_starts: Iterable[int],
    ):
        self.school_year = school_year
        self.closures = closures
        starts = {self.school_week(week) for week in period_starts}
        self.period_starts: tuple[int, ...] = tuple(sorted(w for w in starts if w and w >= 1))
        """School weeks at which publication periods start, increasing."""
        self.closed_weeks = frozenset(self._closed_weeks())
        """School weeks whose Monday to Friday are all closed to students."""

    def school_week(self, iso_week: int) -> int | None:
        """The school week of ISO week ``iso_week``, the school year crossing New Year.

        ISO weeks from the one of week 1 onwards belong to the first calendar
        year, earlier numbers to the next; ``None`` for a week 53 the year lacks.
        """
        first = self.school_year.first_monday
        base = first.isocalendar().year
        for year in (base, base + 1):
            try:
                monday = date.fromisocalendar(year, iso_week, 1)
            except ValueError:
                return None
            if monday >= first:
                return self.school_year.week_of(monday)
        return None

    def _closed_weeks(self) -> Iterable[int]:
        year = self.school_year
        for week in range(1, year.week_count + 1):
            monday = year.monday(week)
            days = [monday + timedelta(days=offset) for offset in range(_SCHOOL_DAYS)]
            if all(self.is_closed(day) for day in days):
                yield week

    def is_closed(self, day: date) -> bool:
        """True for a day outside ``debut_eleve``…``fin_eleve`` or inside a closure."""
        year = self.school_year
        if day < year.start or day > year.end:
            return True
        return any(closure.start <= day <= closure.end for closure in self.closures)

    def is_period_start(self, iso_week: int) -> bool:
        """True when ``semaines.xml`` starts a publication period at ISO week ``iso_week``."""
        return self.school_week(iso_week) in self.period_starts

    def theoretical_weeks(self, replaced: Iterable[int]) -> int:
        """Weeks in which the theoretical timetable (``UDCal_12.xml``) applies.

        Those of the first publication period (from its start to the week before
        the next period, or to ``fin_eleve`` when it is the only one; the whole
        year without ``semaines.xml``), except whole closed weeks and the
        ``replaced`` school weeks, which have their own weekly file.
        """
        last_week = self.school_year.week_count
        first = self.period_starts[0] if self.period_starts else 1
        last = self.period_starts[1] - 1 if len(self.period_starts) > 1 else last_week
        skip = self.closed_weeks | set(replaced)
        return mask_of([w for w in range(first, min(last, last_week) + 1) if w not in skip])

    def week_mask(self, school_week: int) -> int:
        """The mask of a single school week (0 outside the year)."""
        return mask_of([school_week]) if 1 <= school_week <= self.school_year.week_count else 0

    def membership_periods(self, iso_mask: int) -> list[tuple[date, date]]:
        """Date ranges of a UDT membership mask (bit *i* ⇔ ISO week *i* + 1; 0 = whole year).

        Active weeks are bridged across runs of whole closed weeks (students
        stay in their groups over the holidays), then each run of consecutive
        weeks becomes one range, clipped to the school year.
        """
        year = self.school_year
        if iso_mask == 0:
            return [(year.start, year.end)]
        weeks: set[int] = set()
        for bit in range(iso_mask.bit_length()):
            if iso_mask >> bit & 1:
                week = self.school_week(bit + 1)
                if week is not None and 1 <= week <= year.week_count:
                    weeks.add(week)
        ordered = sorted(weeks)
        for before, after in itertools.pairwise(ordered):
            gap = range(before + 1, after)
            if all(week in self.closed_weeks for week in gap):
                weeks.update(gap)
        periods: list[tuple[date, date]] = []
        run_start: int | None = None
        for week in range(1, year.week_count + 2):
            if week in weeks and run_start is None:
                run_start = week
            elif week not in weeks and run_start is not None:
                start = max(year.monday(run_start), year.start)
                end = min(year.monday(week) - timedelta(days=1), year.end)
                periods.append((start, end))
                run_start = None
        return periods


def read_calendar(archive: UdtArchive) -> tuple[UdtCalendar, str | None]:
    """The calendar of the export, and a UAI if ``UDCal_00.xml`` carries one."""
    member = archive.find(CALENDAR)
    if member is None:
        raise InvalidFileError(
            archive.name,
            f"calendrier scolaire {CALENDAR} absent de l'archive : "
            "impossible de situer les semaines",
        )
    texts: dict[str, tuple[Row, str]] = {}
    closures: list[Closure] = []
    for row in rows(archive, member, ("annee", "debut_eleve", "fin_eleve", "fermeture")):
        if row.tag == "fermeture":
            start, end = row.parsed(parse_date, row["debut"]), row.parsed(parse_date, row["fin"])
            if end < start:
                raise row.error(f"fermeture du {row['debut']} au {row['fin']} : fin avant début")
            label = row["libelle"] or row["nom"] or None
            closures.append(Closure(start, end, label))
        elif row.tag not in texts:
            # The first occurrence wins, as in entcore.
            texts[row.tag] = (row, row.text)
    bounds: list[date] = []
    for tag in ("debut_eleve", "fin_eleve"):
        if tag not in texts or not texts[tag][1]:
            raise InvalidFileError(archive.label(member), f"date « {tag} » absente du calendrier")
        row, text = texts[tag]
        bounds.append(row.parsed(parse_date, text))
    start, end = bounds
    if end < start:
        raise texts["fin_eleve"][0].error("fin d'année antérieure au début (debut_eleve)")
    first_iso, uai = _read_parameters(archive)
    if first_iso is None:
        # Without UDCal_00, week 1 is the week of the first day of school.
        first_monday = start - timedelta(days=start.weekday())
    else:
        try:
            first_monday = date.fromisocalendar(start.year, first_iso, 1)
        except ValueError:
            raise InvalidFileError(
                archive.label(archive.find(PARAMETERS) or PARAMETERS),
                f"premiere_semaine_ISO={first_iso} n'existe pas en {start.year}",
            ) from None
    school_year = SchoolYear(start=start, end=end, first_monday=first_monday)
    return UdtCalendar(school_year, tuple(closures), _read_periods(archive)), uai


def _read_parameters(archive: UdtArchive) -> tuple[int | None, str | None]:
    member = archive.find(PARAMETERS)
    if member is None:
        return None, None
    first_iso: int | None = None
    uai: str | None = None
    for row in rows(archive, member, None):
        if row.tag == "init" and first_iso is None and row["premiere_semaine_ISO"]:
            first_iso = row.parsed(
                parse_int, row["premiere_semaine_ISO"], "premiere_semaine_ISO", 1, 53
            )
        if uai is None:
            candidates = [v for k, v in row.attributes.items() if k.lower() in _UAI_NAMES]
            if row.tag.lower() in _UAI_NAMES:
                candidates.append(row.text)
            uai = next((c.upper() for c in candidates if UAI.match(c.upper())), None)
    return first_iso, uai


def _read_periods(archive: UdtArchive) -> list[int]:
    member = archive.find(PERIODS)
    if member is None:
        return []
    weeks = []
    for row in rows(archive, member, ("semaine",)):
        weeks.append(row.parsed(parse_int, row["num"], "numéro de semaine", 1, 53))
    return weeks
