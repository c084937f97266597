"""The preliminary import report (*bilan préliminaire d'import*) of a timetable import.

A :class:`TimetableReport` is computed from the plan a validation applies, so
the preview shows exactly what validating does.  Counts compare the import with
the structure's last validated import; the weekly figures (replacements,
cancellations, exceptional courses) are also given as running totals since the
start of the school year.  :meth:`TimetableReport.to_json` is the JSON form the
CLI prints and the store keeps; :mod:`entcore.timetable.render` renders it in
French.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import Factory, define, field, frozen

from entcore.model._converter import structure, unstructure

#: Statuses of an import.
PENDING = "pending"
VALIDATED = "validated"
CANCELLED = "cancelled"


@define
class SubjectCounts:
    """*Matières*: subjects new to this import, and subjects whose label changed."""

    added: int = 0
    modified: int = 0


@define
class ClosureCounts:
    """*Périodes de fermeture* added and deleted."""

    added: int = 0
    deleted: int = 0


@define
class AlternationCounts:
    """*Alternances* (week patterns) added, modified (same name, other weeks) and deleted."""

    added: int = 0
    modified: int = 0
    deleted: int = 0


@define
class ServiceCounts:
    """*Services d'enseignement* added, modified and deleted, each with how many are incomplete."""

    added: int = 0
    added_incomplete: int = 0
    modified: int = 0
    modified_incomplete: int = 0
    deleted: int = 0
    deleted_incomplete: int = 0


@define
class SessionCounts:
    """*Séances*: how many more (positive) or fewer (negative) than the previous import."""

    delta: int = 0


@define
class ImportedCounts:
    """Classes, option groups or teachers whose services or courses were imported, or not."""

    imported: int = 0
    not_imported: int = 0


@define
class Tally:
    """A weekly figure: change since the previous import and total since the start of the year."""

    delta: int = 0
    total: int = 0


@define
class WeeklyCounts:
    """*Emploi du temps à la semaine*: replacements, cancellations, exceptional courses."""

    replacements: Tally = Factory(Tally)
    cancellations: Tally = Factory(Tally)
    exceptional_courses: Tally = Factory(Tally)


@frozen
class ReportWarning:
    """Something left out of the import, or matched loosely, and why (French message)."""

    kind: str
    """What happened: ``class_part_course``, ``unknown_teacher``, ``teacher_matched_by_name``..."""
    message: str
    details: dict[str, Any] = Factory(dict)
    """Names and keys of what the warning is about (the course, the class, what was tried...)."""

    def to_json(self) -> dict[str, Any]:
        """``{"kind", "message", ...details}``."""
        return {"kind": self.kind, "message": self.message, **self.details}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportWarning:
        """The warning :meth:`to_json` wrote."""
        details = {k: v for k, v in data.items() if k not in ("kind", "message")}
        return cls(str(data["kind"]), str(data["message"]), details)


#: Keys of the counting sections, in display order.
SECTIONS: tuple[str, ...] = (
    "subjects",
    "closure_periods",
    "alternations",
    "teaching_services",
    "sessions",
    "classes",
    "option_groups",
    "teachers",
)


@define
class TimetableReport:
    """The report of one timetable import, identical in the preview and after validation."""

    uai: str
    format: str
    """Name of the timetable format that read the file."""
    file_name: str
    school_year: str
    """``2024-2025``."""
    id: int | None = None
    """Id of the stored import (what ``validate``, ``cancel`` and ``report`` take)."""
    status: str = PENDING
    subjects: SubjectCounts = Factory(SubjectCounts)
    closure_periods: ClosureCounts = Factory(ClosureCounts)
    alternations: AlternationCounts = Factory(AlternationCounts)
    teaching_services: ServiceCounts = Factory(ServiceCounts)
    sessions: SessionCounts = Factory(SessionCounts)
    classes: ImportedCounts = Factory(ImportedCounts)
    option_groups: ImportedCounts = Factory(ImportedCounts)
    teachers: ImportedCounts = Factory(ImportedCounts)
    groups_to_create: int = 0
    groups_to_rename: int = 0
    classes_and_groups_with_teachers_to_add: int = 0
    classes_and_groups_with_students_to_add: int = 0
    weekly: WeeklyCounts = Factory(WeeklyCounts)
    warnings: list[ReportWarning] = Factory(list)
    created_at: datetime | None = None
    validated_at: datetime | None = None
    as_of: str | None = field(default=None)
    """The replayed reference time (ISO, Europe/Paris) when ``--as-of`` was given."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the issue: counts as integers, warnings as objects."""
        data: dict[str, Any] = {
            "id": self.id,
            "uai": self.uai,
            "format": self.format,
            "status": self.status,
        }
        for section in SECTIONS:
            data[section] = unstructure(getattr(self, section))
        data["groups_to_create"] = self.groups_to_create
        data["groups_to_rename"] = self.groups_to_rename
        data["classes_and_groups_with_teachers_to_add"] = (
            self.classes_and_groups_with_teachers_to_add
        )
        data["classes_and_groups_with_students_to_add"] = (
            self.classes_and_groups_with_students_to_add
        )
        data["weekly"] = unstructure(self.weekly)
        data["warnings"] = [warning.to_json() for warning in self.warnings]
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        data["validated_at"] = self.validated_at.isoformat() if self.validated_at else None
        data["file_name"] = self.file_name
        data["school_year"] = self.school_year
        data["as_of"] = self.as_of
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimetableReport:
        """The report :meth:`to_json` wrote."""
        sections = {
            section: structure(data[section], _SECTION_TYPES[section]) for section in SECTIONS
        }
        return cls(
            uai=data["uai"],
            format=data["format"],
            file_name=data["file_name"],
            school_year=data["school_year"],
            id=data["id"],
            status=data["status"],
            groups_to_create=data["groups_to_create"],
            groups_to_rename=data["groups_to_rename"],
            classes_and_groups_with_teachers_to_add=data["classes_and_groups_with_teachers_to_add"],
            classes_and_groups_with_students_to_add=data["classes_and_groups_with_students_to_add"],
            weekly=structure(data["weekly"], WeeklyCounts),
            warnings=[ReportWarning.from_json(item) for item in data["warnings"]],
            created_at=_instant(data["created_at"]),
            validated_at=_instant(data["validated_at"]),
            as_of=data["as_of"],
            **sections,
        )

    def counts_json(self) -> dict[str, Any]:
        """The JSON form without what differs between a preview and its validation."""
        data = self.to_json()
        for key in ("id", "status", "created_at", "validated_at"):
            data.pop(key)
        return data


_SECTION_TYPES: dict[str, type[Any]] = {
    "subjects": SubjectCounts,
    "closure_periods": ClosureCounts,
    "alternations": AlternationCounts,
    "teaching_services": ServiceCounts,
    "sessions": SessionCounts,
    "classes": ImportedCounts,
    "option_groups": ImportedCounts,
    "teachers": ImportedCounts,
}


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
