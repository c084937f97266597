"""The ``sts`` timetable format: STS-Web's ``sts_emp`` and the ``emp_sts`` sent back to it.

GEPI's users often give one file for the other (their names are anagrams).
Both are timetable facts, so this format reads both; it recognises them by
their root element, never by file name, and the snapshot's ``software`` says
which one was read.  A real ``emp_sts`` names its teachers by their STS id
only; given with the matching ``sts_emp`` in one import
(:meth:`StsFormat.parse_files`), the pair makes one snapshot with their names.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from entcore import FormatContext, InvalidFileError, safexml
from entcore.model import (
    Alternation,
    Course,
    CourseItem,
    ItemKind,
    SchoolYear,
    TeachingService,
    Timetable,
    TimetableClass,
    TimetableGroup,
    TimetableNotice,
    TimetableRoom,
    TimetableSubject,
    TimetableTeacher,
    mask_of,
)
from entcore_sts.document import EMP_STS, ROOTS, STS_EMP, RawService, StsDocument, read_document
from entcore_sts.school_year import decide

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import time

#: ``software`` of the snapshot, by root element.
SOFTWARE = {STS_EMP: "STS-Web (sts_emp)", EMP_STS: "EDT→STS (emp_sts)"}
#: ``software`` of the snapshot of a pair.
PAIR_SOFTWARE = "STS-Web (sts_emp + emp_sts)"

#: Notice kinds.
COURSE_SKIPPED = "course_skipped"
ENTITY_ADDED = "entity_added"
GIVEN_VALUE = "given_value"

_KIND = {STS_EMP: "sts_emp", EMP_STS: "emp_sts"}

_FILE_NAME = re.compile(r"^(?:sts_emp|emp_sts)_(\d{7}[A-Za-z])_(\d{4})\.xml$", re.IGNORECASE)
_ITEM_ORDER = {kind: rank for rank, kind in enumerate(ItemKind)}


class StsFormat:
    """Reads ``sts_emp_<UAI>_<année>.xml`` (root ``STS_EDT``) and ``emp_sts_…`` (``EDT_STS``),
    alone or as a pair (a :class:`entcore.MultiFileTimetableFormat`)."""

    name = "sts"
    label = "STS-Web (sts_emp, emp_sts)"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        """True when the document's root element is ``STS_EDT`` or ``EDT_STS`` (no setting matters)."""
        try:
            return safexml.root_name(head) in ROOTS
        except Exception:  # sniffing must answer for any content, whatever breaks
            return False

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        """The snapshot of the file at ``path``.

        The UAI and the school year come from the file, else from its name
        (``sts_emp_<UAI>_<année>.xml``), else from what the user gave
        (``context.uai``, ``context.school_year``).

        :raises entcore.InvalidFileError: not well-formed, another root, an
            unreadable value, or no way to tell the UAI or the school year.
        """
        document = _read(path, context.filename or path.name)
        return _snapshot(document, (context.filename, path.name), context)

    def parse_files(self, paths: Sequence[Path], context: FormatContext) -> Timetable:
        """One snapshot of an ``sts_emp`` and the ``emp_sts`` sent back for it.

        A real ``emp_sts`` names teachers by their STS id only: the matching
        ``sts_emp`` gives their names and birth dates (so that they can be found
        in the directory by name when their id is unknown to it), the subjects'
        labels, the groups' classes and the school year.  Services and courses
        are those of ``emp_sts``, the timetable that will be sent up.

        :raises entcore.InvalidFileError: other than one file of each kind, or
            files of two schools or two school years, or any error of :meth:`parse`.
        """
        names = [
            context.filenames[index] if index < len(context.filenames) else path.name
            for index, path in enumerate(paths)
        ]
        if len(paths) == 1:
            return self.parse(paths[0], context)
        if len(paths) != len(ROOTS):
            raise InvalidFileError(
                names[2] if len(paths) > len(ROOTS) else names[0],
                f"{len(paths)} fichiers STS-Web donnés : un import en prend un seul, ou la "
                "paire sts_emp + emp_sts",
            )
        documents = [_read(path, name) for path, name in zip(paths, names, strict=True)]
        by_root = {document.root: document for document in documents}
        if len(by_root) != len(ROOTS):
            raise InvalidFileError(
                documents[1].name,
                f"deux fichiers {_KIND[documents[0].root]} : une paire se compose d'un sts_emp "
                "(racine STS_EDT) et d'un emp_sts (racine EDT_STS)",
            )
        merged = _merge(by_root[STS_EMP], by_root[EMP_STS])
        return _snapshot(merged, tuple(names), context, PAIR_SOFTWARE)


def _read(path: Path, shown: str) -> StsDocument:
    try:
        with path.open("rb", buffering=1 << 17) as stream:
            return read_document(stream, shown)
    except OSError as error:
        raise InvalidFileError(shown, f"fichier illisible : {error.strerror or error}") from None


def _merge(sts_emp: StsDocument, emp_sts: StsDocument) -> StsDocument:
    """``emp_sts`` completed by what ``sts_emp`` describes; refuses files of two schools or years."""
    uais = [document.uai or _name_facts((document.name,))[0] for document in (sts_emp, emp_sts)]
    if uais[0] and uais[1] and uais[0] != uais[1]:
        raise InvalidFileError(
            emp_sts.name,
            f"ce fichier concerne l'établissement {uais[1]}, le sts_emp {sts_emp.name} "
            f"l'établissement {uais[0]}",
        )
    years = [_own_year(document) for document in (sts_emp, emp_sts)]
    if years[0] is not None and years[1] is not None and years[0].label != years[1].label:
        raise InvalidFileError(
            emp_sts.name,
            f"ce fichier couvre l'année scolaire {years[1].label}, le sts_emp "
            f"{sts_emp.name} l'année {years[0].label}",
        )
    merged = StsDocument(root=EMP_STS, name=f"{sts_emp.name} + {emp_sts.name}")
    merged.uai = uais[1] or uais[0]
    # The year as sts_emp states it (ANNEE_SCOLAIRE, else its name); week 1 is
    # still decided by the alternances of emp_sts.
    rentree = _rentree(sts_emp) or _rentree(emp_sts)
    merged.year = str(rentree) if rentree else None
    merged.year_start = sts_emp.year_start or emp_sts.year_start
    merged.year_end = sts_emp.year_end or emp_sts.year_end
    merged.subjects = {**emp_sts.subjects, **sts_emp.subjects}
    merged.teachers = {**emp_sts.teachers, **sts_emp.teachers}
    merged.classes = {**emp_sts.classes, **sts_emp.classes}
    merged.groups = dict(sts_emp.groups)
    for code, group in emp_sts.groups.items():
        known = merged.groups.get(code)
        if known is None:
            merged.groups[code] = group
        else:
            known.classes.extend(c for c in group.classes if c not in known.classes)
    merged.rooms = dict(emp_sts.rooms)
    merged.alternations = dict(emp_sts.alternations)
    merged.services = list(emp_sts.services)
    return merged


def _rentree(document: StsDocument) -> int | None:
    """The rentrée year the document states (``ANNEE_SCOLAIRE@ANNEE``), else its name's."""
    if document.year and document.year.isdigit():
        return int(document.year)
    return _name_facts((document.name,))[1]


def _own_year(document: StsDocument) -> SchoolYear | None:
    """The school year of one file of a pair by itself, when it tells one."""
    week_starts = [day for alt in document.alternations.values() for day in alt.week_starts]
    return decide(document.year_start, document.year_end, week_starts, _rentree(document))


def _name_facts(names: tuple[str, ...]) -> tuple[str | None, int | None]:
    """UAI and rentrée year from a name like ``sts_emp_0999999X_2024.xml``."""
    for name in names:
        match = _FILE_NAME.match(PurePosixPath(name.replace("\\", "/")).name)
        if match:
            return match[1].upper(), int(match[2])
    return None, None


def _school_year(
    document: StsDocument, name_year: int | None, given: int | None, entities: _Entities
) -> SchoolYear:
    rentree = int(document.year) if document.year and document.year.isdigit() else name_year
    week_starts = [day for alt in document.alternations.values() for day in alt.week_starts]
    year = decide(document.year_start, document.year_end, week_starts, rentree)
    if year is None and given is not None:
        year = decide(None, None, (), given)
        entities.notice(
            GIVEN_VALUE,
            f"année scolaire absente du fichier et de son nom : {given}-{given + 1}, "
            "celle de l'import, est retenue",
        )
    if year is None:
        raise InvalidFileError(
            document.name,
            "année scolaire introuvable : ni ANNEE_SCOLAIRE, ni alternances, "
            "ni année dans le nom du fichier, ni --school-year",
        )
    if year.end < year.start:
        raise InvalidFileError(document.name, "année scolaire qui finit avant de commencer")
    return year


class _Entities:
    """The file's entities, completed by the codes its services refer to.

    ``emp_sts`` lists no individuals: a teacher is known by its STS id alone,
    which is also what matching uses, so a teacher (or subject, or class)
    referred to but not described gets a minimal entry rather than being lost.
    That is reported only when the file has the table that should describe it.
    """

    def __init__(self, document: StsDocument):
        self.document = document
        self.notices: dict[str, TimetableNotice] = {}
        self._described_teachers = bool(document.teachers)
        self._described_subjects = bool(document.subjects)

    def notice(self, kind: str, message: str) -> None:
        self.notices.setdefault(message, TimetableNotice(kind, message))

    def teacher(self, ident: str) -> str:
        if ident not in self.document.teachers:
            if self._described_teachers:
                self.notice(ENTITY_ADDED, f"enseignant STS {ident} absent de INDIVIDUS : ajouté")
            self.document.teachers[ident] = TimetableTeacher(
                key=ident, last_name="", first_name="", sts_id=ident
            )
        return ident

    def subject(self, code: str) -> str:
        if code not in self.document.subjects:
            if self._described_subjects:
                self.notice(ENTITY_ADDED, f"matière « {code} » absente de MATIERES : ajoutée")
            self.document.subjects[code] = TimetableSubject(
                key=code, code=code, label=code, national_code=code
            )
        return code

    def division(self, code: str) -> str:
        if code not in self.document.classes:
            self.document.classes[code] = TimetableClass(key=code, name=code)
        return code


def _snapshot(
    document: StsDocument,
    names: tuple[str, ...],
    context: FormatContext,
    software: str | None = None,
) -> Timetable:
    entities = _Entities(document)
    name_uai, name_year = _name_facts(names)
    uai = document.uai or name_uai
    if uai is None and context.uai:
        uai = context.uai
        entities.notice(
            GIVEN_VALUE,
            f"UAI absent du fichier et de son nom : {uai}, celui de l'import, est retenu",
        )
    if uai is None:
        raise InvalidFileError(
            document.name,
            "UAI introuvable : ni PARAMETRES/UAJ dans le fichier, ni nom de fichier "
            "sts_emp_<UAI>_<année>.xml, ni --uai",
        )
    year = _school_year(document, name_year, context.rentree_year, entities)
    alternations = {
        code: Alternation(
            code=code,
            label=raw.label,
            weeks=mask_of([year.week_of(day) for day in raw.week_starts]),
        )
        for code, raw in document.alternations.items()
    }
    services = _services(document.services, entities)
    courses = _courses(document, alternations, entities)
    groups = tuple(
        TimetableGroup(
            key=group.code,
            name=group.code,
            label=group.label,
            classes=tuple(entities.division(code) for code in group.classes),
        )
        for group in document.groups.values()
    )
    return Timetable(
        format="sts",
        uai=uai,
        school_year=year,
        software=software or SOFTWARE[document.root],
        subjects=tuple(document.subjects.values()),
        teachers=tuple(document.teachers.values()),
        classes=tuple(document.classes.values()),
        groups=groups,
        rooms=tuple(document.rooms.values()),
        courses=courses,
        alternations=tuple(alternations.values()),
        services=services,
        notices=tuple(entities.notices.values()),
    )


def _services(raw_services: list[RawService], entities: _Entities) -> tuple[TeachingService, ...]:
    """One service per (subject, audience, alternance), with every teacher who teaches it.

    A teacher's alternances are those of their courses (none in ``sts_emp``, and
    none for a teacher without courses: the service then has no alternation).
    A ``SERVICE`` without ``ENSEIGNANTS`` is kept with no teacher: an
    incomplete service.  Services differing by their ``CODE_MOD_COURS`` stay apart.
    """
    merged: dict[tuple[str, ItemKind, str, str | None, str | None], list[str]] = {}
    for raw in raw_services:
        subject = entities.subject(raw.subject)
        if raw.audience is ItemKind.CLASS:
            entities.division(raw.target)
        if not raw.teachers:
            merged.setdefault((subject, raw.audience, raw.target, None, raw.modality), [])
        for teacher in raw.teachers:
            key = entities.teacher(teacher.ident)
            codes: list[str | None] = [*dict.fromkeys(c.alternation for c in teacher.courses)]
            for code in codes or [None]:
                teachers = merged.setdefault(
                    (subject, raw.audience, raw.target, code, raw.modality), []
                )
                if key not in teachers:
                    teachers.append(key)
    return tuple(
        TeachingService(subject, audience, target, tuple(teachers), alternation, modality)
        for (subject, audience, target, alternation, modality), teachers in merged.items()
    )


def _courses(
    document: StsDocument, alternations: dict[str, Alternation], entities: _Entities
) -> tuple[Course, ...]:
    """Weekly courses from ``COURS``: one per (subject, audience, day, times).

    Items are the teacher, the class or group and the room, each active in the
    weeks of its course's alternance; co-teachers or alternating teachers of
    one slot share a course.
    """
    drafts: dict[tuple[str, ItemKind, str, int, time, time], dict[tuple[ItemKind, str], int]] = {}
    for raw in document.services:
        for teacher in raw.teachers:
            for course in teacher.courses:
                alternation = alternations.get(course.alternation)
                if alternation is None:
                    entities.notice(
                        COURSE_SKIPPED,
                        f"cours ligne {course.line} non importé : alternance "
                        f"« {course.alternation} » absente de ALTERNANCES",
                    )
                    continue
                identity = (
                    raw.subject,
                    raw.audience,
                    raw.target,
                    course.day,
                    course.start,
                    course.end,
                )
                items = drafts.setdefault(identity, {})
                resources = [(ItemKind.TEACHER, teacher.ident), (raw.audience, raw.target)]
                if course.room:
                    resources.append((ItemKind.ROOM, course.room))
                    if course.room not in document.rooms:
                        document.rooms[course.room] = _room(course.room)
                for resource in resources:
                    items[resource] = items.get(resource, 0) | alternation.weeks
    courses = []
    for (subject, audience, target, day, start, end), items in drafts.items():
        active = sorted(
            (CourseItem(kind, key, weeks) for (kind, key), weeks in items.items() if weeks),
            key=lambda item: (_ITEM_ORDER[item.kind], item.key),
        )
        if active:
            courses.append(
                Course(
                    key=f"{subject}|{audience}:{target}|{day}|{start:%H:%M}-{end:%H:%M}",
                    subject=subject,
                    day=day,
                    start=start,
                    end=end,
                    items=tuple(active),
                )
            )
    return tuple(sorted(courses, key=lambda course: (course.day, course.start, course.key)))


def _room(code: str) -> TimetableRoom:
    return TimetableRoom(key=code, name=code)
