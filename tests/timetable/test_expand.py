"""Session expansion and derivations: the synthesized fixtures of the reference note §10.2–10.5."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

from entcore.model import (
    Alternation,
    Closure,
    Course,
    ItemKind,
    MembershipKind,
    SchoolYear,
    StudentMembership,
    Timetable,
    TimetableClass,
    TimetableGroup,
    TimetableRoom,
    TimetableStudent,
    TimetableSubject,
    TimetableTeacher,
    weeks_of,
)
from entcore.timetable import PlannedSession, expand, expand_sessions
from entcore.timetable.derive import alternation_label, derive, normalise
from tests.timetable.builders import (
    ANNUAL,
    ANNUAL_WEEKS,
    FORTNIGHTLY,
    STS_YEAR,
    item,
    minimal_snapshot,
    sts_emp_snapshot,
    weeks,
)

PARIS = ZoneInfo("Europe/Paris")
EDT_MINIMAL = (
    Path(__file__).resolve().parents[2]
    / "plugins"
    / "edt"
    / "tests"
    / "fixtures"
    / "edt_minimal.xml"
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def of(sessions: list[PlannedSession], subject: str, weekday: int) -> list[PlannedSession]:
    """Sessions of one course, found by subject code and weekday (plugins key courses their way)."""
    return [s for s in sessions if s.subject_code == subject and s.date.isoweekday() == weekday]


def check_minimal_expansion(snapshot: Timetable) -> None:
    """The expected expansion of §10.2, whoever built the snapshot."""
    expansion = expand(snapshot)
    sessions = list(expansion.sessions)
    active = [s for s in sessions if s.status == "active"]

    maths = of(active, "MATHS", 1)
    assert len(maths) == 36
    assert maths[0].start == at(date(2024, 9, 2), 8) and maths[0].end == at(date(2024, 9, 2), 9, 50)
    assert maths[-1].date == date(2025, 6, 30)
    assert {s.class_names for s in maths} == {("6A",)} and {s.room_names for s in maths} == {
        ("S101",)
    }
    assert [s.teacher_names for s in maths if s.date == date(2024, 9, 16)] == [("PETIT Léa",)]
    assert {s.teacher_names for s in maths if s.date != date(2024, 9, 16)} == {("MARTIN Claire",)}
    assert not [s for s in maths if date(2024, 10, 21) <= s.date <= date(2024, 11, 3)]
    replaced = [s for s in maths if s.kind == "replacement"]
    assert [s.date for s in replaced] == [date(2024, 9, 16)]
    assert len({s.series for s in maths}) == 1, "a replacement keeps the course's series"

    english = of(sessions, "AGL1", 2)
    assert len([s for s in english if s.status == "active"]) == 17
    assert [s.date for s in english if s.status == "cancelled"] == [date(2024, 10, 1)]
    assert english[0].start == at(date(2024, 9, 3), 10, 5)
    assert english[0].end == at(date(2024, 9, 3), 11, 0)
    assert {s.group_names for s in english} == {("6AB ANGL G1",)}
    assert {s.class_names for s in english} == {()}

    assert of(sessions, "EPS", 4) == []
    (left,) = expansion.left_out
    assert left.reason == "class_part"
    assert left.classes == ("6A",) and left.parts == ("12",)
    assert "EPS" in left.description and "jeudi" in left.description

    (once,) = of(sessions, "MATHS", 5)
    assert (once.date, once.start, once.end) == (
        date(2024, 9, 13),
        at(date(2024, 9, 13), 11),
        at(date(2024, 9, 13), 11, 55),
    )
    assert once.class_names == ("6B",) and once.teacher_names == ("MARTIN Claire",)
    assert once.kind == "exceptional"
    assert len(sessions) == 36 + 18 + 1


def test_minimal_edt_expansion() -> None:
    """§10.2 from a constructed snapshot: 36 + 17 sessions, a replacement, a cancellation, one-off."""
    check_minimal_expansion(minimal_snapshot())


def test_minimal_edt_expansion_through_the_edt_plugin() -> None:
    """§10.2 read by the real EDT plugin from the synthesized file expands the same."""
    edt = pytest.importorskip("entcore_edt")
    if not EDT_MINIMAL.is_file():
        pytest.skip(f"EDT fixture not found at {EDT_MINIMAL}")
    from entcore import FormatContext

    snapshot = edt.EdtFormat().parse(EDT_MINIMAL, FormatContext(EDT_MINIMAL.name))
    check_minimal_expansion(snapshot)


def test_minimal_edt_memberships_snapshot() -> None:
    """§10.2: DUPONT is in group 6AB ANGL G1 through part 11; BERNARD's part 22 is in no group."""
    snapshot = minimal_snapshot()
    group = snapshot.groups[0]
    parts = {m.key for s in snapshot.students if s.last_name == "DUPONT" for m in s.memberships}
    assert set(group.parts) & parts == {"11"}
    parts = {m.key for s in snapshot.students if s.last_name == "BERNARD" for m in s.memberships}
    assert not set(group.parts) & parts


def test_derivations_of_the_minimal_export() -> None:
    """Closures are the holiday runs, alternations are named, the one-off course is exceptional."""
    derived = derive(minimal_snapshot())
    assert derived.closures == (
        (date(2024, 10, 21), date(2024, 11, 3)),
        (date(2024, 12, 23), date(2025, 1, 5)),
        (date(2025, 2, 24), date(2025, 3, 9)),
        (date(2025, 4, 21), date(2025, 5, 4)),
    )
    assert derived.alternations == {ANNUAL: "Toutes les semaines", FORTNIGHTLY: "Semaine A"}
    assert [shape.exceptional for shape in derived.shapes] == [False, False, False, True]
    services = {(s.subject, s.audience, s.target): s.teachers for s in derived.services}
    assert services == {
        ("1", ItemKind.CLASS, "1"): frozenset({"1"}),
        ("2", ItemKind.GROUP, "1"): frozenset({"2"}),
        ("3", ItemKind.PART, "12"): frozenset({"2"}),
    }


def test_weeks_dropped_from_a_common_alternation_are_cancellations() -> None:
    """A weekly course missing one week of the usual weeks has a cancelled session that week."""
    snapshot = minimal_snapshot()
    more = [
        Course(
            f"weekly-{n}",
            "1",
            3,
            time(8 + n, 0),
            time(9 + n, 0),
            items=(item(ItemKind.TEACHER, "1", ANNUAL), item(ItemKind.CLASS, "2", ANNUAL)),
        )
        for n in range(3)
    ]
    gap = Course(
        "gap",
        "2",
        4,
        time(14, 0),
        time(15, 0),
        items=(
            item(ItemKind.TEACHER, "2", ANNUAL & ~(1 << 12)),
            item(ItemKind.CLASS, "2", ANNUAL & ~(1 << 12)),
        ),
    )
    snapshot = attrs.evolve(snapshot, courses=(*snapshot.courses, *more, gap))
    expansion = expand(snapshot)
    gap_sessions = [s for s in expansion.sessions if s.course == "gap"]
    assert len(gap_sessions) == 36
    (cancelled,) = [s for s in gap_sessions if s.status == "cancelled"]
    assert cancelled.date == date(2024, 11, 21)  # Thursday of week 12
    assert ANNUAL & ~(1 << 12) not in expansion.derived.alternations


def test_daylight_saving_keeps_wall_clock_time() -> None:
    """The Monday after the last Sunday of October keeps 08:00 Paris time (07:00 UTC, not 06:00)."""
    every_week = weeks(*range(1, 44))
    snapshot = minimal_snapshot(
        courses=(
            Course(
                "weekly",
                "1",
                1,
                time(8, 0),
                time(9, 0),
                items=(
                    item(ItemKind.TEACHER, "1", every_week),
                    item(ItemKind.CLASS, "1", every_week),
                ),
            ),
        )
    )
    sessions = {s.date: s for s in expand_sessions(snapshot)}
    before, after = sessions[date(2024, 10, 21)], sessions[date(2024, 10, 28)]
    assert before.start.hour == after.start.hour == 8
    assert before.start.utcoffset() == timedelta(hours=2)
    assert after.start.utcoffset() == timedelta(hours=1)
    assert after.start.astimezone(ZoneInfo("UTC")).hour == 7
    spring = sessions[date(2025, 3, 31)]
    assert spring.start.hour == 8 and spring.start.utcoffset() == timedelta(hours=2)


def test_dates_outside_the_school_year_are_skipped() -> None:
    """Week 1 sessions before DateDebut and sessions after DateFin are not expanded."""
    year = SchoolYear(start=date(2024, 9, 4), end=date(2024, 9, 12), first_monday=date(2024, 9, 2))
    snapshot = minimal_snapshot(
        school_year=year,
        courses=(
            Course(
                "daily",
                "1",
                1,
                time(8),
                time(9),
                items=(item(ItemKind.CLASS, "1", weeks(1, 2, 3)),),
            ),
            Course(
                "thursday",
                "1",
                4,
                time(8),
                time(9),
                items=(item(ItemKind.CLASS, "1", weeks(1, 2, 3)),),
            ),
        ),
    )
    assert sorted(s.date for s in expand_sessions(snapshot)) == [
        date(2024, 9, 5),
        date(2024, 9, 9),
        date(2024, 9, 12),
    ]


def test_series_and_session_keys_are_stable() -> None:
    """Keys depend on the course, not on the export's course keys or order; a date is in the key."""
    first = expand_sessions(minimal_snapshot())
    shuffled = minimal_snapshot()
    shuffled = attrs.evolve(
        shuffled,
        courses=tuple(
            attrs.evolve(c, key=f"other-{i}") for i, c in enumerate(reversed(shuffled.courses))
        ),
    )
    second = expand_sessions(shuffled)
    assert sorted(s.key for s in first) == sorted(s.key for s in second)
    assert len({s.key for s in first}) == len(first)
    assert all(s.key.startswith(s.series) and s.key.endswith(f"{s.date:%Y%m%d}") for s in first)
    moved = minimal_snapshot()
    moved = attrs.evolve(
        moved,
        courses=tuple(
            attrs.evolve(c, start=time(8, 5)) if c.key == "maths-6a" else c for c in moved.courses
        ),
    )
    moved_keys = {s.key for s in expand_sessions(moved) if s.subject_code == "MATHS"}
    assert not moved_keys & {
        s.key for s in first if s.subject_code == "MATHS" and s.date.isoweekday() == 1
    }


def test_courses_without_audience_or_items() -> None:
    """A course with only a subject is silently empty; one with a teacher only is left out."""
    snapshot = minimal_snapshot(
        courses=(
            Course("subject-only", "1", 1, time(8), time(9)),
            Course(
                "teacher-only",
                "1",
                2,
                time(8),
                time(9),
                items=(item(ItemKind.TEACHER, "1", ANNUAL),),
            ),
        )
    )
    expansion = expand(snapshot)
    assert expansion.sessions == ()
    assert [(left.course, left.reason) for left in expansion.left_out] == [
        ("teacher-only", "no_audience")
    ]


def test_groups_win_over_classes() -> None:
    """A session with a group and a class has the group as audience only."""
    snapshot = minimal_snapshot(
        courses=(
            Course(
                "both",
                "2",
                3,
                time(9),
                time(10),
                items=(
                    item(ItemKind.CLASS, "1", ANNUAL),
                    item(ItemKind.GROUP, "1", ANNUAL),
                ),
            ),
        )
    )
    sessions = expand_sessions(snapshot)
    assert {(s.class_names, s.group_names) for s in sessions} == {((), ("6AB ANGL G1",))}


@pytest.mark.parametrize(
    ("listed", "label"),
    [
        (ANNUAL_WEEKS, "Toutes les semaines"),
        (list(weeks_of(FORTNIGHTLY)), "Semaine A"),
        (ANNUAL_WEEKS[1::2], "Semaine B"),
        (ANNUAL_WEEKS[2::3], "Semaine 3 sur 3"),
        ([w for w in ANNUAL_WEEKS if w != 5], "Toutes les semaines sauf la semaine 5"),
        (
            [w for w in ANNUAL_WEEKS if w not in (5, 6)],
            "Toutes les semaines sauf les semaines 5 et 6",
        ),
        (ANNUAL_WEEKS[:14], "Semaines 1 à 16"),
        ([3], "Semaine 3"),
        ([1, 2, 45], "Semaines 1, 2, 45"),
        ([1, 2, 3, 9], "Semaines 1 à 3, 9"),
    ],
)
def test_alternation_labels(listed: list[int], label: str) -> None:
    """Alternations are named by comparison with the school weeks."""
    assert alternation_label(weeks(*listed), ANNUAL) == label


def test_normalise() -> None:
    """Accents, case, spaces, hyphens and apostrophes do not count."""
    assert (
        normalise("  Léa-Marie d'Artagnan ")
        == normalise("LEA MARIE DARTAGNAN")
        == "leamariedartagnan"
    )


# -- UDT (§10.3), as the UDT plugin reads the synthesized archive -------------------------------

UDT_YEAR = SchoolYear(start=date(2024, 9, 2), end=date(2025, 7, 4), first_monday=date(2024, 9, 2))


def udt_snapshot() -> Timetable:
    """§10.3: theoretical week 36 (school week 1) and the weekly file of ISO week 37 (week 2)."""
    return Timetable(
        format="udt",
        uai="0999999X",
        school_year=UDT_YEAR,
        subjects=(
            TimetableSubject("MATHS", "MATHS", "MATHEMATIQUES", "061300"),
            TimetableSubject("AGL1", "AGL1", "ANGLAIS LV1", "030201"),
        ),
        teachers=(
            TimetableTeacher("P01", "MARTIN", "Claire", date(1980, 3, 12), directory_id="2397000"),
            TimetableTeacher("P02", "DURAND", "Paul", directory_id="2397001"),
        ),
        classes=(TimetableClass("6A", "6A", "6EME A"), TimetableClass("6B", "6B", "6EME B")),
        groups=(
            TimetableGroup("101", "6A_ANG_G1", classes=()),
            TimetableGroup("201", "6AB_ANGL", classes=("6B",)),
        ),
        rooms=(TimetableRoom("S101", "Salle 101"),),
        students=(
            TimetableStudent(
                "E1",
                "DUPONT",
                "Lucas",
                date(2013, 5, 14),
                memberships=(
                    StudentMembership(MembershipKind.CLASS, "6A"),
                    StudentMembership(MembershipKind.GROUP, "101"),
                    StudentMembership(MembershipKind.GROUP, "201"),
                ),
            ),
        ),
        courses=(
            Course(
                "6A$MATHS",
                "MATHS",
                1,
                time(8),
                time(9),
                items=(
                    item(ItemKind.TEACHER, "P01", weeks(1)),
                    item(ItemKind.TEACHER, "P02", weeks(1, 2)),
                    item(ItemKind.CLASS, "6A", weeks(1, 2)),
                    item(ItemKind.ROOM, "S101", weeks(1, 2)),
                ),
            ),
            Course(
                "6A$AGL1$G1",
                "AGL1",
                2,
                time(8),
                time(9),
                items=(
                    item(ItemKind.TEACHER, "P02", weeks(1, 2)),
                    item(ItemKind.GROUP, "101", weeks(1, 2)),
                    item(ItemKind.ROOM, "S101", weeks(1, 2)),
                ),
            ),
        ),
        closures=(
            Closure(date(2024, 10, 19), date(2024, 11, 3)),
            Closure(date(2024, 12, 21), date(2025, 1, 5)),
        ),
    )


def check_udt_expansion(snapshot: Timetable) -> None:
    sessions = expand_sessions(snapshot)
    maths = sorted(of(sessions, "MATHS", 1), key=lambda s: s.date)
    assert [(s.start, s.end) for s in maths] == [
        (at(date(2024, 9, 2), 8), at(date(2024, 9, 2), 9)),
        (at(date(2024, 9, 9), 8), at(date(2024, 9, 9), 9)),
    ]
    assert sorted(name.split()[0] for name in maths[0].teacher_names) == ["DURAND", "MARTIN"]
    assert [name.split()[0] for name in maths[1].teacher_names] == ["DURAND"]
    assert {s.class_names for s in maths} == {("6A",)}
    english = sorted(of(sessions, "AGL1", 2), key=lambda s: s.date)
    assert [s.start for s in english] == [at(date(2024, 9, 3), 8), at(date(2024, 9, 10), 8)]
    assert {(s.group_names, s.class_names) for s in english} == {(("6A_ANG_G1",), ())}
    assert all(s.date < date(2024, 9, 16) for s in sessions), "nothing for ISO weeks >= 38"
    assert all(s.status == "active" for s in sessions)


def test_udt_expansion() -> None:
    """§10.3: merged half-sequences, the co-teacher, the week-37 replacement, nothing after."""
    snapshot = udt_snapshot()
    check_udt_expansion(snapshot)
    sessions = expand_sessions(snapshot)
    assert [s.kind for s in sorted(of(sessions, "MATHS", 1), key=lambda s: s.date)] == [
        "regular",
        "replacement",
    ]
    assert derive(snapshot).closures == (
        (date(2024, 10, 19), date(2024, 11, 3)),
        (date(2024, 12, 21), date(2025, 1, 5)),
    )


UDT_FILES = {
    "UDCal_24.xml": "<calendrier><annee>2024</annee><debut_eleve>02/09/2024</debut_eleve>"
    '<fin_eleve>04/07/2025</fin_eleve><fermeture debut="19/10/2024" fin="03/11/2024"/>'
    '<fermeture debut="21/12/2024" fin="05/01/2025"/></calendrier>',
    "UDCal_00.xml": '<parametres><init premiere_semaine_ISO="36" duree_seq="55"/></parametres>',
    "semaines.xml": '<semaines><semaine num="36"/><semaine num="37"/><semaine num="38"/></semaines>',
    "UDCal_03.xml": '<salles><salle code="S101" nom="Salle 101"/></salles>',
    "UDCal_04.xml": '<profs><prof code="P01" nom="MARTIN" prenom="Claire" epj="2397000" '
    'date_naissance="12/03/1980" civilite="Mme" mail="" code_matppl="MATHS"/><prof code="P02" '
    'nom="DURAND" prenom="Paul" epj="2397001" code_matppl="AGL1"/></profs>',
    "UDCal_05.xml": '<matieres><mat code="MATHS" libelle="MATHEMATIQUES" code_gep1="061300"/>'
    '<mat code="AGL1" libelle="ANGLAIS LV1" code_gep1="030201"/></matieres>',
    "UDCal_07.xml": '<demi_sequences><demi_seq code_jour="1" code="1" code_site="1" hre_deb="08h00" '
    'hre_fin="08h30"/><demi_seq code_jour="1" code="2" code_site="1" hre_deb="08h30" hre_fin="09h00"/>'
    '<demi_seq code_jour="2" code="1" code_site="1" hre_deb="08h00" hre_fin="08h30"/><demi_seq '
    'code_jour="2" code="2" code_site="1" hre_deb="08h30" hre_fin="09h00"/></demi_sequences>',
    "UDCal_08.xml": '<divisions><div code="6A" libelle="6EME A" code_gep="6A"/><div code="6B" '
    'libelle="6EME B" code_gep="6B"/></divisions>',
    "UDCal_10.xml": '<eleves><eleve code="E1" nom="DUPONT" prenom="Lucas" naissance="14/05/2013"/></eleves>',
    "UDCal_19.xml": '<groupes><gpe code="G1" code_div="6A" code_sts="6A_ANG_G1" id="101"/><gpe '
    'code="G9" code_div="6A" code_sts="" id="109"/></groupes>',
    "UDCal_13.xml": '<regroupements><rgpmt code="R1" code_div="6A" code_gpe="G1" nom="6AB_ANGL" '
    'id="201"/><rgpmt code="R1" code_div="6B" code_gpe="" nom="6AB_ANGL" id="201"/></regroupements>',
    "UDCal_21.xml": '<eleves_groupes><ele_gpe ele="E1" gpe="G1" code_div="6A" semaines="0"/></eleves_groupes>',
    "UDCal_23.xml": '<coenseignements><coens lignefic="10101" prof="P02" epj="2397001"/></coenseignements>',
    "UDCal_11.xml": '<fiches><fiche code="101" jour="1" demi_seq="1" site="1"/><fiche code="102" '
    'jour="1" demi_seq="2" site="1"/><fiche code="201" jour="2" demi_seq="1" site="1"/><fiche '
    'code="202" jour="2" demi_seq="2" site="1"/></fiches>',
}
UDT_LINES = (
    '<lignes><ligfiche code="10101" fic="101" div="6A" mat="MATHS" prof="{p}" rgpmt="0" gpe="" '
    'idgpe="" salle="S101"/><ligfiche code="10201" fic="102" div="6A" mat="MATHS" prof="{p}" '
    'rgpmt="0" gpe="" idgpe="" salle="S101"/><ligfiche code="20101" fic="201" div="6A" mat="AGL1" '
    'prof="P02" rgpmt="0" gpe="G1" idgpe="101" salle="S101"/><ligfiche code="20201" fic="202" '
    'div="6A" mat="AGL1" prof="P02" rgpmt="0" gpe="G1" idgpe="101" salle="S101"/></lignes>'
)


def _parse_with_plugin(module: object, path: Path, factory: Callable[..., object]) -> Timetable:
    app = factory([module], builtins=False)
    fmt = app.timetable.format_for(path)  # type: ignore[attr-defined]
    from entcore import FormatContext

    parsed: Timetable = fmt.parse(path, FormatContext(path.name))
    return parsed


def test_udt_expansion_through_the_udt_plugin(
    tmp_path: Path, entcore_app_factory: Callable[..., object]
) -> None:
    """§10.3 read by the real UDT plugin from the synthesized archive expands as expected."""
    udt = pytest.importorskip("entcore_udt")
    import zipfile

    archive = tmp_path / "0999999X_20240830120000_UDT.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, text in UDT_FILES.items():
            handle.writestr(name, text)
        handle.writestr("UDCal_12.xml", UDT_LINES.format(p="P01"))
        handle.writestr("UDCal_12_37.xml", UDT_LINES.format(p="P02"))
    check_udt_expansion(_parse_with_plugin(udt, archive, entcore_app_factory))


# -- STS-Web (§10.4 and §10.5) ------------------------------------------------------------------


def test_sts_emp_has_services_and_no_session() -> None:
    """§10.4: no course, hence no session; the explicit services are used as they are."""
    snapshot = sts_emp_snapshot()
    assert expand_sessions(snapshot) == []
    services = {(s.target, s.teachers) for s in derive(snapshot).services}
    assert services == {
        ("6A", frozenset({"8949"})),
        ("6B", frozenset()),
        ("6AB_ANGL", frozenset({"3506"})),
    }


def emp_sts_snapshot() -> Timetable:
    """§10.5: a weekly maths course on alternation H (every week of the year)."""
    every = weeks(*range(1, 45))
    return Timetable(
        format="sts",
        uai="0999999X",
        school_year=STS_YEAR,
        subjects=(TimetableSubject("061300", "061300", "MATHEMATIQUES", "061300"),),
        teachers=(TimetableTeacher("8949", "", "", sts_id="8949"),),
        classes=(TimetableClass("6A", "6A"),),
        rooms=(TimetableRoom("S101", "S101"),),
        alternations=(
            Alternation("H", "Toutes les semaines", every),
            Alternation("Q1", "Semaine A", weeks(1, 3)),
        ),
        courses=(
            Course(
                "6A-061300-8949-1",
                "061300",
                1,
                time(8),
                time(9, 50),
                items=(
                    item(ItemKind.TEACHER, "8949", every),
                    item(ItemKind.CLASS, "6A", every),
                    item(ItemKind.ROOM, "S101", every),
                ),
            ),
        ),
    )


def check_emp_sts_expansion(snapshot: Timetable) -> None:
    sessions = expand_sessions(snapshot)
    assert sessions, "the weekly course yields sessions"
    assert {(s.start.time(), s.end.time(), s.date.isoweekday()) for s in sessions} == {
        (time(8), time(9, 50), 1)
    }
    assert sessions[0].date == date(2024, 9, 2)
    assert {s.class_names for s in sessions} == {("6A",)}
    assert {s.room_names for s in sessions} == {("S101",)}
    assert all(s.status == "active" and s.kind == "regular" for s in sessions)


def test_emp_sts_expansion() -> None:
    """§10.5: Mondays 08:00–09:50 for 6A in S101, every week of alternation H."""
    snapshot = emp_sts_snapshot()
    check_emp_sts_expansion(snapshot)
    assert len(expand_sessions(snapshot)) == 44
    assert derive(snapshot).alternations[weeks(1, 3)] == "Semaine A"


STS_EMP = """<?xml version="1.0" encoding="ISO-8859-15"?>
<STS_EDT>
  <PARAMETRES>
    <UAJ CODE="0999999X">
      <ACADEMIE><CODE>01</CODE><LIBELLE>PARIS</LIBELLE></ACADEMIE>
      <SIGLE>CLG</SIGLE><DENOM_PRINC>COLLEGE</DENOM_PRINC><DENOM_COMPL>JEAN MOULIN</DENOM_COMPL>
      <CODE_POSTAL>75001</CODE_POSTAL><COMMUNE>PARIS</COMMUNE>
    </UAJ>
    <ANNEE_SCOLAIRE ANNEE="2024"><DATE_DEBUT>2024-09-01</DATE_DEBUT><DATE_FIN>2025-08-31</DATE_FIN></ANNEE_SCOLAIRE>
  </PARAMETRES>
  <NOMENCLATURES>
    <MATIERES>
      <MATIERE CODE="061300"><CODE_GESTION>MATHS</CODE_GESTION><LIBELLE_COURT>MATHEMATIQUES</LIBELLE_COURT><LIBELLE_LONG>MATHEMATIQUES</LIBELLE_LONG><LIBELLE_EDITION>Mathématiques</LIBELLE_EDITION></MATIERE>
      <MATIERE CODE="030201"><CODE_GESTION>AGL1</CODE_GESTION><LIBELLE_COURT>ANGLAIS LV1</LIBELLE_COURT><LIBELLE_LONG>ANGLAIS LV1</LIBELLE_LONG><LIBELLE_EDITION>Anglais LV1</LIBELLE_EDITION></MATIERE>
    </MATIERES>
  </NOMENCLATURES>
  <DONNEES>
    <INDIVIDUS>
      <INDIVIDU ID="8949" TYPE="epp">
        <SEXE>2</SEXE><CIVILITE>2</CIVILITE><NOM_USAGE>MARTIN</NOM_USAGE><NOM_PATRONYMIQUE>MARTIN</NOM_PATRONYMIQUE>
        <PRENOM>CLAIRE</PRENOM><DATE_NAISSANCE>1980-03-12</DATE_NAISSANCE><FONCTION>ENS</FONCTION>
        <PROFS_PRINC><PROF_PRINC><CODE_STRUCTURE>6A</CODE_STRUCTURE></PROF_PRINC></PROFS_PRINC>
        <DISCIPLINES><DISCIPLINE CODE="L1300"><LIBELLE_COURT>MATHEMATIQUES</LIBELLE_COURT></DISCIPLINE></DISCIPLINES>
      </INDIVIDU>
      <INDIVIDU ID="3506" TYPE="local"><SEXE/><CIVILITE>3</CIVILITE><NOM_USAGE>REMPLACANTE</NOM_USAGE><NOM_PATRONYMIQUE/><PRENOM>ANNE</PRENOM></INDIVIDU>
    </INDIVIDUS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE="6A"><SERVICES>
          <SERVICE CODE_MATIERE="061300" CODE_MOD_COURS="CG"><ENSEIGNANTS><ENSEIGNANT ID="8949" TYPE="epp"/></ENSEIGNANTS></SERVICE>
        </SERVICES></DIVISION>
        <DIVISION CODE="6B"><SERVICES>
          <SERVICE CODE_MATIERE="061300" CODE_MOD_COURS="CG"/>
        </SERVICES></DIVISION>
      </DIVISIONS>
      <GROUPES>
        <GROUPE CODE="6AB_ANGL"><LIBELLE_LONG>6EME ANGLAIS G1</LIBELLE_LONG>
          <DIVISIONS_APPARTENANCE><DIVISION_APPARTENANCE CODE="6A"/><DIVISION_APPARTENANCE CODE="6B"/></DIVISIONS_APPARTENANCE>
          <SERVICES><SERVICE CODE_MATIERE="030201" CODE_MOD_COURS="CG"><ENSEIGNANTS><ENSEIGNANT ID="3506" TYPE="local"/></ENSEIGNANTS></SERVICE></SERVICES>
        </GROUPE>
      </GROUPES>
    </STRUCTURE>
  </DONNEES>
</STS_EDT>
"""

EMP_STS = """<?xml version="1.0" encoding="ISO-8859-15"?>
<EDT_STS>
  <PARAMETRES><UAJ>0999999X</UAJ></PARAMETRES>
  <DONNEES>
    <ALTERNANCES>
      <ALTERNANCE CODE="H"><LIBELLE_COURT>HEBDO</LIBELLE_COURT><LIBELLE_LONG>Toutes les semaines</LIBELLE_LONG>
        <SEMAINES>{weeks}</SEMAINES>
      </ALTERNANCE>
      <ALTERNANCE CODE="Q1"><LIBELLE_COURT>SEM A</LIBELLE_COURT><LIBELLE_LONG>Semaine A</LIBELLE_LONG>
        <SEMAINES><DATE_DEBUT_SEMAINE>2024-09-02</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>2024-09-16</DATE_DEBUT_SEMAINE></SEMAINES>
      </ALTERNANCE>
    </ALTERNANCES>
    <SALLES_COURS><SALLE_COURS CODE="S101"/></SALLES_COURS>
    <STRUCTURE>
      <DIVISIONS>
        <DIVISION CODE="6A"><SERVICES>
          <SERVICE CODE_MATIERE="061300" CODE_MOD_COURS="CG"><ENSEIGNANTS>
            <ENSEIGNANT TYPE="epp" ID="8949"><COURS_RATTACHES>
              <COURS><CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>1</JOUR><HEURE_DEBUT>0800</HEURE_DEBUT><DUREE>0150</DUREE><CODE_SALLE>S101</CODE_SALLE></COURS>
            </COURS_RATTACHES></ENSEIGNANT>
          </ENSEIGNANTS></SERVICE>
        </SERVICES></DIVISION>
      </DIVISIONS>
    </STRUCTURE>
  </DONNEES>
</EDT_STS>
"""


def test_sts_files_through_the_sts_plugin(
    tmp_path: Path, entcore_app_factory: Callable[..., object]
) -> None:
    """§10.4 and §10.5 read by the real STS plugin (ISO-8859-15 files) give services and sessions."""
    sts = pytest.importorskip("entcore_sts")
    emp = tmp_path / "sts_emp_0999999X_2024.xml"
    emp.write_bytes(STS_EMP.encode("iso-8859-15"))
    parsed = _parse_with_plugin(sts, emp, entcore_app_factory)
    assert expand_sessions(parsed) == []
    services = {len(s.teachers) for s in derive(parsed).services}
    assert services == {0, 1}
    mondays = "".join(
        f"<DATE_DEBUT_SEMAINE>{date(2024, 9, 2) + timedelta(weeks=n)}</DATE_DEBUT_SEMAINE>"
        for n in range(44)
    )
    back = tmp_path / "emp_sts_0999999X_2024.xml"
    back.write_bytes(EMP_STS.format(weeks=mondays).encode("iso-8859-15"))
    check_emp_sts_expansion(_parse_with_plugin(sts, back, entcore_app_factory))
