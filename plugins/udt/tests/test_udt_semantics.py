"""UDT semantics around the reference export: periods, closures, weekly files, courses, memberships."""

from __future__ import annotations

from datetime import date, time

import pytest
from entcore_udt import UdtFormat
from entcore_udt.notices import GIVEN_VALUE
from udt_support import BuildArchive, parse, reference_members, xml

from entcore import FormatContext, InvalidFileError
from entcore.model import Course, ItemKind, MembershipKind, StudentMembership, Timetable, weeks_of

# The reference year: week 1 = 2024-09-02, fin_eleve in week 44; the two
# fermetures close weeks 8-9 (Toussaint) and 17-18 (Noël) from Monday to Friday.
CLOSED = {8, 9, 17, 18}
YEAR = [w for w in range(1, 45) if w not in CLOSED]

MATHS_LINES = (
    '<ligfiche code="10101" fic="101" div="6A" mat="MATHS" prof="{prof}" rgpmt="0" gpe="" '
    'idgpe="" salle="S101"/>'
    '<ligfiche code="10201" fic="102" div="6A" mat="MATHS" prof="{prof}" rgpmt="0" gpe="" '
    'idgpe="" salle="S101"/>'
)


def lines(*rows: str) -> bytes:
    return xml("<lignes>" + "".join(rows) + "</lignes>")


def course_of(timetable: Timetable, subject: str) -> Course:
    (course,) = [c for c in timetable.courses if c.subject == subject]
    return course


def weeks(course: Course) -> dict[tuple[ItemKind, str], list[int]]:
    return {(item.kind, item.key): list(weeks_of(item.weeks)) for item in course.items}


def calendar(*closures: str) -> bytes:
    return xml(
        "<calendrier><annee>2024</annee><debut_eleve>02/09/2024</debut_eleve>"
        "<fin_eleve>04/07/2025</fin_eleve>" + "".join(closures) + "</calendrier>"
    )


REFERENCE_CLOSURES = (
    '<fermeture debut="19/10/2024" fin="03/11/2024"/>',
    '<fermeture debut="21/12/2024" fin="05/01/2025"/>',
)


def test_single_period_runs_to_fin_eleve(build_archive: BuildArchive) -> None:
    """With one period, theoretical lines run to fin_eleve minus closed weeks; UDCal_12_37 is ignored."""
    path = build_archive({"semaines.xml": xml('<semaines><semaine num="36"/></semaines>')})
    timetable = parse(path)
    assert (
        "weekly_file_ignored",
        "UDCal_12_37.xml ignoré : la semaine ISO 37 ne commence aucune période de publication "
        "(semaines.xml)",
    ) in [(n.kind, n.message) for n in timetable.notices]
    maths = weeks(course_of(timetable, "MATHS"))
    assert maths[ItemKind.TEACHER, "P01"] == YEAR
    assert maths[ItemKind.TEACHER, "P02"] == YEAR  # co-teacher only
    assert maths[ItemKind.CLASS, "6A"] == YEAR


def test_without_semaines_the_theoretical_timetable_covers_the_year(
    build_archive: BuildArchive,
) -> None:
    """No semaines.xml: one period, and weekly files start no period."""
    path = build_archive({"semaines.xml": None})
    maths = weeks(course_of(parse(path), "MATHS"))
    assert maths[ItemKind.TEACHER, "P01"] == YEAR
    assert maths[ItemKind.TEACHER, "P02"] == YEAR


def test_partial_closures_keep_their_week(build_archive: BuildArchive) -> None:
    """A one-day closure keeps the week (and is a closure); a Monday-Friday one removes it."""
    path = build_archive(
        {
            "semaines.xml": None,
            "UDCal_24.xml": calendar(
                *REFERENCE_CLOSURES,
                '<fermeture debut="11/11/2024" fin="11/11/2024" libelle="Armistice"/>',
                '<fermeture debut="17/02/2025" fin="21/02/2025"/>',
            ),
        }
    )
    timetable = parse(path)
    assert timetable.closures[2].label == "Armistice"
    active = weeks(course_of(timetable, "MATHS"))[ItemKind.TEACHER, "P01"]
    assert 11 in active  # week of 2024-11-11
    assert 25 not in active  # 2025-02-17 to 21
    assert active == [w for w in YEAR if w != 25]


def test_weekly_file_across_new_year(build_archive: BuildArchive) -> None:
    """ISO week 2 is January 2025, school week 19; the first period ends the week before."""
    path = build_archive(
        {
            "semaines.xml": xml('<semaines><semaine num="36"/><semaine num="2"/></semaines>'),
            "UDCal_12_37.xml": None,
            "UDCal_12_02.xml": lines(MATHS_LINES.format(prof="P03")),
        }
    )
    maths = weeks(course_of(parse(path), "MATHS"))
    first_period = [w for w in range(1, 19) if w not in CLOSED]
    assert maths[ItemKind.TEACHER, "P01"] == first_period
    assert maths[ItemKind.TEACHER, "P03"] == [19]
    assert maths[ItemKind.TEACHER, "P02"] == [*first_period, 19]  # theoretical co-teaching
    assert maths[ItemKind.CLASS, "6A"] == [*first_period, 19]


def test_weekly_file_replaces_the_theoretical_week(build_archive: BuildArchive) -> None:
    """A weekly file for the first period's start replaces the theoretical lines that week."""
    path = build_archive(
        {
            "UDCal_12_36.xml": lines(MATHS_LINES.format(prof="P03")),
            "UDCal_12_37.xml": None,
        }
    )
    timetable = parse(path)
    maths = weeks(course_of(timetable, "MATHS"))
    assert (ItemKind.TEACHER, "P01") not in maths
    assert maths[ItemKind.TEACHER, "P03"] == [1]
    # English has no line in UDCal_12_36.xml, and week 37 has no file: never taught.
    assert [c.subject for c in timetable.courses] == ["MATHS"]


def test_weekly_coteaching_file(build_archive: BuildArchive) -> None:
    """UDCal_23_37.xml replaces the theoretical co-teaching in week 37."""
    path = build_archive(
        {
            "UDCal_23_37.xml": xml(
                '<coenseignements><coens lignefic="10101" prof="P03" epj="2397002"/>'
                "</coenseignements>"
            )
        }
    )
    maths = weeks(course_of(parse(path), "MATHS"))
    assert maths[ItemKind.TEACHER, "P01"] == [1]
    assert maths[ItemKind.TEACHER, "P02"] == [1, 2]
    assert maths[ItemKind.TEACHER, "P03"] == [2]


def test_without_parameters_week_one_is_the_week_of_debut_eleve(
    build_archive: BuildArchive,
) -> None:
    """No UDCal_00.xml: a Wednesday debut_eleve gives that week's Monday."""
    path = build_archive(
        {
            "UDCal_00.xml": None,
            "UDCal_24.xml": xml(
                "<c><debut_eleve>04/09/2024</debut_eleve><fin_eleve>04/07/2025</fin_eleve></c>"
            ),
        }
    )
    year = parse(path).school_year
    assert (year.first_monday, year.start) == (date(2024, 9, 2), date(2024, 9, 4))


def test_iso_week_53_that_does_not_exist(build_archive: BuildArchive) -> None:
    """premiere_semaine_ISO=53 in a 52-week year is refused."""
    path = build_archive(
        {"UDCal_00.xml": xml('<parametres><init premiere_semaine_ISO="53"/></parametres>')}
    )
    with pytest.raises(InvalidFileError, match="premiere_semaine_ISO=53 n'existe pas en 2024"):
        parse(path)


def mask(*iso_weeks: int) -> int:
    return sum(1 << (week - 1) for week in iso_weeks)


def test_membership_masks_bridge_closed_weeks(build_archive: BuildArchive) -> None:
    """Bit i is ISO week i+1; runs join across whole closed weeks and split at open gaps."""
    bridged = mask(*range(36, 43), *range(45, 52))  # Toussaint (ISO 43-44) is closed
    split = mask(36, 37, 38, 40, 41)  # ISO 39 is a school week
    path = build_archive(
        {
            "UDCal_21.xml": xml(
                f'<x><ele_gpe ele="E1" gpe="G1" code_div="6A" semaines="{bridged}"/>'
                f'<ele_gpe ele="E1" gpe="" code_div="6A" semaines="{split}"/>'
                '<ele_gpe ele="E404" gpe="G1" code_div="6A" semaines="0"/></x>'
            )
        }
    )
    timetable = parse(path)
    assert (
        "rows_ignored",
        "UDCal_21.xml : 1 appartenance(s) d'élèves absents de UDCal_10.xml ignorée(s)",
    ) in [(n.kind, n.message) for n in timetable.notices]
    (student,) = timetable.students
    assert student.memberships == (
        StudentMembership(MembershipKind.GROUP, "gpe:101", date(2024, 9, 2), date(2024, 12, 22)),
        StudentMembership(MembershipKind.GROUP, "rgpmt:201", date(2024, 9, 2), date(2024, 12, 22)),
        StudentMembership(MembershipKind.CLASS, "6A", date(2024, 9, 2), date(2024, 9, 22)),
        StudentMembership(MembershipKind.CLASS, "6A", date(2024, 9, 30), date(2024, 10, 13)),
    )


def test_empty_membership_mask_is_the_whole_year(build_archive: BuildArchive) -> None:
    """An empty semaines attribute means the whole year, like 0."""
    path = build_archive(
        {"UDCal_21.xml": xml('<x><ele_gpe ele="E1" gpe="G1" code_div="6A" semaines=""/></x>')}
    )
    (student,) = parse(path).students
    assert student.memberships[0] == StudentMembership(
        MembershipKind.GROUP, "gpe:101", date(2024, 9, 2), date(2025, 7, 4)
    )


def test_a_lone_line_makes_a_course(build_archive: BuildArchive) -> None:
    """Unlike entcore, a single half-sequence is not lost."""
    path = build_archive(
        {
            "UDCal_12.xml": lines(
                '<ligfiche code="10101" fic="101" div="6A" mat="MATHS" prof="P01" salle="S101"/>'
            ),
            "UDCal_12_37.xml": None,
        }
    )
    (course,) = parse(path).courses
    assert (course.subject, course.day, course.start, course.end) == (
        "MATHS",
        1,
        time(8, 0),
        time(8, 30),
    )


def test_non_consecutive_half_sequences_are_two_courses(build_archive: BuildArchive) -> None:
    """Half-sequences 1 and 3 of one day do not merge."""
    path = build_archive(
        {
            "UDCal_07.xml": xml(
                '<d><demi_seq code_jour="1" code="1" code_site="1" hre_deb="08h00" hre_fin="08h30"/>'
                '<demi_seq code_jour="1" code="3" code_site="1" hre_deb="09h00" hre_fin="09h30"/></d>'
            ),
            "UDCal_11.xml": xml(
                '<f><fiche code="101" jour="1" demi_seq="1" site="1"/>'
                '<fiche code="103" jour="1" demi_seq="3" site="1"/></f>'
            ),
            "UDCal_12.xml": lines(
                '<ligfiche code="10101" fic="101" div="6A" mat="MATHS" prof="P01" salle="S101"/>'
                '<ligfiche code="10301" fic="103" div="6A" mat="MATHS" prof="P01" salle="S101"/>'
            ),
            "UDCal_12_37.xml": None,
        }
    )
    spans = [(c.start, c.end) for c in parse(path).courses]
    assert spans == [(time(8, 0), time(8, 30)), (time(9, 0), time(9, 30))]


def test_regroupement_lines_of_several_classes_are_one_course(
    build_archive: BuildArchive,
) -> None:
    """Lines of 6A and 6B for regroupement R1 make one course for the regroupement only."""
    row = (
        '<ligfiche code="{c}" fic="201" div="{d}" mat="AGL1" prof="P02" rgpmt="R1" gpe="" '
        'salle="S101"/>'
    )
    path = build_archive(
        {
            "UDCal_12.xml": lines(row.format(c="20101", d="6A"), row.format(c="20102", d="6B")),
            "UDCal_12_37.xml": None,
        }
    )
    (course,) = parse(path).courses
    assert weeks(course) == {
        (ItemKind.TEACHER, "P02"): [1],
        (ItemKind.GROUP, "rgpmt:201"): [1],
        (ItemKind.ROOM, "S101"): [1],
    }


def test_a_group_that_is_not_an_sts_group_gives_no_audience(build_archive: BuildArchive) -> None:
    """G9 has no code_sts: its course is not given to the whole class."""
    path = build_archive(
        {
            "UDCal_12.xml": lines(
                '<ligfiche code="20101" fic="201" div="6A" mat="AGL1" prof="P02" rgpmt="0" '
                'gpe="G9" idgpe="109" salle="S101"/>'
            ),
            "UDCal_12_37.xml": None,
        }
    )
    timetable = parse(path)
    (course,) = timetable.courses
    assert {item.kind for item in course.items} == {ItemKind.TEACHER, ItemKind.ROOM}
    assert (
        "course_without_audience",
        "cours AGL1 de 6A, jour 2 08:00-08:30 : le groupe « G9 » n'est pas un groupe STS, "
        "cours sans classe ni groupe",
    ) in [(n.kind, n.message) for n in timetable.notices]


def test_group_name_without_code_sts_attribute(build_archive: BuildArchive) -> None:
    """Without a code_sts attribute the name is code_div + code, the key the UDT id."""
    path = build_archive(
        {"UDCal_19.xml": xml('<g><gpe code="G2" code_div="6B" id="102" libelle="Latin"/></g>')}
    )
    group = next(g for g in parse(path).groups if g.key == "gpe:102")
    assert (group.name, group.label) == ("6BG2", "Latin")


def test_lower_case_member_names(build_archive: BuildArchive) -> None:
    """udcal_… members read like UDCal_… ones."""
    lowered = {name.lower(): data for name, data in reference_members().items()}
    path = build_archive(base=lowered)
    reference = parse(build_archive())
    assert parse(path).courses == reference.courses


def test_codes_missing_from_their_tables_are_kept(build_archive: BuildArchive) -> None:
    """Unknown class, subject, room and teacher codes get minimal entries."""
    path = build_archive(
        {
            "UDCal_12.xml": lines(
                '<ligfiche code="10101" fic="101" div="6C" mat="SVT" prof="P99" salle="S999"/>'
            ),
            "UDCal_12_37.xml": None,
            "UDCal_23.xml": None,
        }
    )
    timetable = parse(path)
    assert ("6C", "6C") in [(c.key, c.name) for c in timetable.classes]
    assert ("SVT", "SVT", None) in [(s.key, s.label, s.national_code) for s in timetable.subjects]
    assert ("S999", "S999") in [(r.key, r.name) for r in timetable.rooms]
    teacher = next(t for t in timetable.teachers if t.key == "P99")
    assert (teacher.last_name, teacher.first_name) == ("", "")
    added = {n.message for n in timetable.notices if n.kind == "entity_added"}
    assert added == {
        "matière « SVT » absent(e) de UDCal_05.xml : ajouté(e) d'après les cours",
        "professeur « P99 » absent(e) de UDCal_04.xml : ajouté(e) d'après les cours",
        "classe « 6C » absent(e) de UDCal_08.xml : ajouté(e) d'après les cours",
        "salle « S999 » absent(e) de UDCal_03.xml : ajouté(e) d'après les cours",
    }
    (course,) = timetable.courses
    assert {(i.kind, i.key) for i in course.items} == {
        (ItemKind.TEACHER, "P99"),
        (ItemKind.CLASS, "6C"),
        (ItemKind.ROOM, "S999"),
    }


def test_coteacher_found_by_epj(build_archive: BuildArchive) -> None:
    """A coens without prof code is matched to the teacher with that epj.

    Week 37 has no UDCal_23_37.xml, so it keeps the theoretical co-teaching.
    """
    path = build_archive(
        {"UDCal_23.xml": xml('<c><coens lignefic="10101" prof="" epj="2397002"/></c>')}
    )
    maths = weeks(course_of(parse(path), "MATHS"))
    assert maths[ItemKind.TEACHER, "P03"] == [1, 2]


def test_uai_from_parameters(build_archive: BuildArchive) -> None:
    """An archive not named by the convention takes a UAI found in UDCal_00.xml."""
    path = build_archive(
        {
            "UDCal_00.xml": xml(
                '<p><init premiere_semaine_ISO="36"/><etablissement uai="0123456a"/></p>'
            )
        },
        name="export.zip",
    )
    timetable = parse(path)
    assert (timetable.uai, timetable.generated_at) == ("0123456A", None)


def test_uai_from_the_uploaded_name(build_archive: BuildArchive) -> None:
    """The name the file was uploaded under wins over the stored file's name."""
    path = build_archive(name="upload.zip")
    assert parse(path, filename="0888888Y_20240901080000_UDT.zip").uai == "0888888Y"


def test_uai_that_cannot_be_determined(build_archive: BuildArchive) -> None:
    """No UAI in the name, the parameters or the import: the export is refused, in French."""
    path = build_archive(name="export.zip")
    with pytest.raises(InvalidFileError, match=r"impossible de déterminer l'UAI.*aucun --uai"):
        parse(path)


def test_uai_given_by_the_user(build_archive: BuildArchive) -> None:
    """An archive that does not say its school takes the UAI of the import, and says so."""
    path = build_archive(name="export.zip")
    timetable = UdtFormat().parse(path, FormatContext("export.zip", uai="0777777Z"))
    assert timetable.uai == "0777777Z"
    assert (
        GIVEN_VALUE,
        "UAI absent du nom de l'archive et de UDCal_00.xml : 0777777Z, celui "
        "de l'import, est retenu",
    ) in [(n.kind, n.message) for n in timetable.notices]
    # What the archive says wins (the core then refuses another school's file).
    named = build_archive(name="0888888Y_20240901080000_UDT.zip")
    assert UdtFormat().parse(named, FormatContext(named.name, uai="0777777Z")).uai == "0888888Y"


def test_lines_that_cannot_be_placed_are_reported(build_archive: BuildArchive) -> None:
    """A line in an unknown fiche, or in a fiche off the grid, is left out and reported."""
    path = build_archive(
        {
            "UDCal_11.xml": xml(
                '<f><fiche code="101" jour="1" demi_seq="1" site="1"/>'
                '<fiche code="102" jour="1" demi_seq="7" site="1"/></f>'
            ),
            "UDCal_12.xml": lines(
                MATHS_LINES.format(prof="P01"),
                '<ligfiche code="99901" fic="999" div="6A" mat="MATHS" prof="P01"/>',
                '<ligfiche code="99902" fic="" mat="EPS" prof="P01"/>',
            ),
            "UDCal_12_37.xml": None,
        }
    )
    timetable = parse(path)
    (course,) = timetable.courses
    assert (course.start, course.end) == (time(8, 0), time(8, 30))
    archive = "0999999X_20240830120000_UDT.zip/UDCal_12.xml"
    assert [(n.kind, n.message) for n in timetable.notices] == [
        ("group_skipped", "groupe « G9 » de 6A ignoré : pas de code STS"),
        ("rows_ignored", "UDCal_12.xml : 1 ligne(s) de fiche sans classe (div) ignorée(s)"),
        (
            "course_skipped",
            f"ligne de fiche « 10201 » ({archive}, ligne 2) non importée : "
            "demi-séquence 7 du jour 1 (site « 1 ») absente de UDCal_07.xml",
        ),
        (
            "course_skipped",
            f"ligne de fiche « 99901 » ({archive}, ligne 2) non importée : fiche « 999 » inconnue",
        ),
    ]
