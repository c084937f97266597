"""The ``udt`` timetable format: an UnDeuxTemps export archive read into a snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entcore import FormatContext, InvalidFileError
from entcore.model import (
    Course,
    ItemKind,
    MembershipKind,
    StudentMembership,
    Timetable,
    TimetableClass,
    TimetableGroup,
    TimetableRoom,
    TimetableStudent,
    TimetableSubject,
    TimetableTeacher,
)
from entcore_udt import archive as udt_archive
from entcore_udt.archive import UdtArchive
from entcore_udt.courses import COTEACHING, LINES, CourseBuilder, Line, read_coteachers, read_lines
from entcore_udt.notices import (
    ENTITY_ADDED,
    GIVEN_VALUE,
    GROUP_SKIPPED,
    ROWS_IGNORED,
    WEEKLY_FILE_IGNORED,
    Notices,
)
from entcore_udt.school_calendar import PARAMETERS, PERIODS, UdtCalendar, read_calendar
from entcore_udt.tables import (
    CLASSES,
    MEMBERSHIPS,
    ROOMS,
    STUDENTS,
    SUBJECTS,
    TEACHERS,
    Groups,
    Membership,
    Regroupement,
    Student,
    read_classes,
    read_fiches,
    read_groups,
    read_half_sequences,
    read_memberships,
    read_regroupements,
    read_rooms,
    read_students,
    read_subjects,
    read_teachers,
)
from entcore_udt.values import bcn_subject

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

SOFTWARE = "UnDeuxTemps"


class UdtFormat:
    """Reads an UnDeuxTemps export (``<UAI>_<aaaammjjhhmmss>_UDT.zip``) into a snapshot."""

    name = "udt"
    label = "UnDeuxTemps (archive ZIP de fichiers UDCal)"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        """True for a ZIP archive with ``UDCal_*.xml`` files at its top level (no setting matters)."""
        return udt_archive.sniff(path, head)

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        """The snapshot of the archive at ``path``.

        :raises entcore.InvalidFileError: not a readable UDT archive, a malformed
            member, or no way to tell the school's UAI.
        """
        shown = context.filename or path.name
        try:
            with UdtArchive(path, shown) as archive:
                return _read(archive, (context.filename, path.name), context.uai)
        except OSError as error:
            raise InvalidFileError(
                shown, f"fichier illisible : {error.strerror or error}"
            ) from None


class _Entities:
    """The export's reference tables, completed by the codes lines refer to.

    A line may name a class, room or subject its table lacks: the code alone is
    what the directory is matched on, so a minimal entry is added rather than
    losing the reference.  An unknown teacher code is added with empty names
    (the core then reports it unmatched).
    """

    def __init__(self, archive: UdtArchive, notices: Notices):
        self.notices = notices
        self.rooms = read_rooms(archive)
        self.teachers = read_teachers(archive)
        self.subjects = read_subjects(archive)
        self.classes = read_classes(archive)
        self.fiches, self.unplaced = read_fiches(archive, read_half_sequences(archive))
        self.students = read_students(archive)
        self.groups: Groups = read_groups(archive)
        self.regroupements = read_regroupements(archive)
        self.memberships = read_memberships(archive)
        for division, code in self.groups.skipped:
            notices.add(GROUP_SKIPPED, f"groupe « {code} » de {division} ignoré : pas de code STS")

    def _added(self, what: str, code: str, table: str) -> None:
        self.notices.add(
            ENTITY_ADDED, f"{what} « {code} » absent(e) de {table} : ajouté(e) d'après les cours"
        )

    def room(self, code: str) -> str:
        if code not in self.rooms:
            self._added("salle", code, ROOMS)
            self.rooms[code] = TimetableRoom(key=code, name=code)
        return code

    def subject(self, code: str) -> str:
        if code not in self.subjects:
            self._added("matière", code, SUBJECTS)
            self.subjects[code] = TimetableSubject(code, code, code, bcn_subject(code))
        return code

    def division(self, code: str) -> str:
        if code not in self.classes:
            self._added("classe", code, CLASSES)
            self.classes[code] = TimetableClass(key=code, name=code)
        return code

    def teacher(self, code: str) -> str:
        if code not in self.teachers:
            self._added("professeur", code, TEACHERS)
            self.teachers[code] = TimetableTeacher(key=code, last_name="", first_name="")
        return code

    def coteacher(self, code: str, epj: str) -> str:
        if code in self.teachers or (code and not epj):
            return self.teacher(code)
        for teacher in self.teachers.values():
            if teacher.directory_id == epj:
                return teacher.key
        key = code or f"epj:{epj}"
        self._added("professeur", key, TEACHERS)
        self.teachers[key] = TimetableTeacher(
            key=key, last_name="", first_name="", directory_id=epj
        )
        return key

    def audience(self, line: Line) -> tuple[ItemKind, str] | None:
        """The regroupement, else the group, else the class (groups replace classes, as in EDT)."""
        regroupement = self.regroupements.get(line.regroupement) if line.regroupement else None
        if regroupement is not None:
            return ItemKind.GROUP, regroupement.key
        if line.group or line.group_id:
            group = self.groups.find(line.division, line.group, line.group_id)
            # A group that is not an STS group is part of a class: giving the
            # course to the whole class would be wrong, so it has no audience.
            return (ItemKind.GROUP, group.key) if group else None
        return ItemKind.CLASS, self.division(line.division)


def _read(archive: UdtArchive, names: Iterable[str], given_uai: str | None) -> Timetable:
    calendar, parameter_uai = read_calendar(archive)
    notices = Notices()
    uai, generated_at = None, None
    for name in names:
        uai, generated_at = udt_archive.name_facts(name)
        if uai:
            break
    uai = uai or parameter_uai
    if uai is None and given_uai:
        # The user said which school the archive is for (--uai): take it, and say so.
        uai = given_uai
        notices.add(
            GIVEN_VALUE,
            f"UAI absent du nom de l'archive et de {PARAMETERS} : {uai}, celui de l'import, "
            "est retenu",
        )
    if uai is None:
        raise InvalidFileError(
            archive.name,
            "impossible de déterminer l'UAI de l'établissement : l'archive ne suit pas le nommage "
            f"<UAI>_<aaaammjjhhmmss>_UDT.zip, {PARAMETERS} n'en indique pas et aucun --uai "
            "n'est donné",
        )
    entities = _Entities(archive, notices)
    courses = _courses(archive, calendar, entities)
    students, groups = _people(calendar, entities)
    return Timetable(
        format="udt",
        uai=uai,
        school_year=calendar.school_year,
        software=SOFTWARE,
        generated_at=generated_at,
        subjects=tuple(entities.subjects.values()),
        teachers=tuple(entities.teachers.values()),
        classes=tuple(entities.classes.values()),
        groups=groups,
        rooms=tuple(entities.rooms.values()),
        students=students,
        courses=courses,
        closures=calendar.closures,
        notices=notices.all(),
    )


def _courses(archive: UdtArchive, calendar: UdtCalendar, entities: _Entities) -> tuple[Course, ...]:
    notices = entities.notices
    builder = CourseBuilder(
        entities.fiches,
        entities.unplaced,
        notices,
        audience=entities.audience,
        teacher=entities.teacher,
        coteacher=entities.coteacher,
        room=entities.room,
        subject=entities.subject,
    )
    theoretical_coteachers = (
        read_coteachers(archive, member) if (member := archive.find(COTEACHING)) else {}
    )
    weekly_coteachers = archive.weekly(23)
    # A weekly file counts only when its week starts a publication period (entcore).
    weekly: dict[int, str] = {}
    for week, member in archive.weekly(12).items():
        if calendar.is_period_start(week):
            weekly[week] = member
        else:
            notices.add(
                WEEKLY_FILE_IGNORED,
                f"{member} ignoré : la semaine ISO {week} ne commence aucune période "
                f"de publication ({PERIODS})",
            )
    replaced = [w for w in (calendar.school_week(week) for week in weekly) if w is not None]
    theoretical = archive.find(LINES)
    if theoretical:
        builder.add(
            read_lines(archive, theoretical, notices),
            theoretical_coteachers,
            calendar.theoretical_weeks(replaced),
        )
    for iso_week, member in weekly.items():
        school_week = calendar.school_week(iso_week)
        if school_week is None:
            continue
        # Without its own co-teaching file, a week keeps the theoretical co-teaching.
        coteachers = (
            read_coteachers(archive, weekly_coteachers[iso_week])
            if iso_week in weekly_coteachers
            else theoretical_coteachers
        )
        builder.add(
            read_lines(archive, member, notices), coteachers, calendar.week_mask(school_week)
        )
    return builder.courses()


class _Masks:
    """Membership masks by (student, kind, key); ``None`` stands for the whole year."""

    def __init__(self) -> None:
        self.masks: dict[tuple[str, MembershipKind, str], int | None] = {}

    def add(self, student: str, kind: MembershipKind, key: str, iso_weeks: int) -> None:
        entry = (student, kind, key)
        if iso_weeks == 0 or (entry in self.masks and self.masks[entry] is None):
            self.masks[entry] = None
        else:
            self.masks[entry] = (self.masks.get(entry) or 0) | iso_weeks


def _people(
    calendar: UdtCalendar, entities: _Entities
) -> tuple[tuple[TimetableStudent, ...], tuple[TimetableGroup, ...]]:
    """Students with their memberships, and the groups with their students.

    A regroupement becomes a group whose ``classes`` are its whole classes and
    whose ``students`` are those of its class groups (from ``ele_gpe``), each
    with the membership period of the class group that brings them in.  Class
    groups that are not STS groups still bring their students into the
    regroupements they belong to.
    """
    in_regroupements: dict[tuple[str, str], list[Regroupement]] = {}
    for regroupement in entities.regroupements.values():
        for member in regroupement.groups:
            in_regroupements.setdefault(member, []).append(regroupement)
    masks = _Masks()
    unknown = 0
    for membership in entities.memberships:
        if membership.student in entities.students:
            _add_membership(membership, entities, in_regroupements, masks)
        else:
            unknown += 1
    if unknown:
        entities.notices.add(
            ROWS_IGNORED,
            f"{MEMBERSHIPS} : {unknown} appartenance(s) d'élèves absents de {STUDENTS} ignorée(s)",
        )

    periods: dict[str, list[StudentMembership]] = {}
    group_students: dict[str, list[str]] = {}
    year = calendar.school_year
    for (student, kind, key), mask in masks.masks.items():
        ranges = [(year.start, year.end)] if mask is None else calendar.membership_periods(mask)
        for start, end in ranges:
            periods.setdefault(student, []).append(StudentMembership(kind, key, start, end))
        if ranges and kind is MembershipKind.GROUP:
            group_students.setdefault(key, []).append(student)

    students = tuple(
        _student(student, tuple(periods.get(student.code, ())))
        for student in entities.students.values()
    )
    groups = [
        TimetableGroup(
            key=group.key,
            name=group.name,
            label=group.label,
            students=tuple(group_students.get(group.key, ())),
        )
        for group in entities.groups.by_code.values()
    ]
    groups.extend(
        TimetableGroup(
            key=regroupement.key,
            name=regroupement.name,
            classes=tuple(entities.division(code) for code in regroupement.classes),
            students=tuple(group_students.get(regroupement.key, ())),
        )
        for regroupement in entities.regroupements.values()
    )
    return students, tuple(groups)


def _add_membership(
    membership: Membership,
    entities: _Entities,
    in_regroupements: dict[tuple[str, str], list[Regroupement]],
    masks: _Masks,
) -> None:
    student, division, code = membership.student, membership.division, membership.group
    if not code:
        if division:
            masks.add(
                student, MembershipKind.CLASS, entities.division(division), membership.iso_weeks
            )
        return
    group = entities.groups.find(division, code)
    if group is not None:
        masks.add(student, MembershipKind.GROUP, group.key, membership.iso_weeks)
    for regroupement in in_regroupements.get((division, code), ()):
        masks.add(student, MembershipKind.GROUP, regroupement.key, membership.iso_weeks)


def _student(student: Student, memberships: tuple[StudentMembership, ...]) -> TimetableStudent:
    return TimetableStudent(
        key=student.code,
        last_name=student.last_name,
        first_name=student.first_name,
        birth_date=student.birth_date,
        memberships=memberships,
    )
