"""Reports of directory imports, and the structure view handed to lifecycle hooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import Factory, define, field, frozen

#: The categories a directory report counts, in display order.
DIRECTORY_CATEGORIES: tuple[str, ...] = (
    "structures",
    "subjects",
    "mefs",
    "students",
    "relatives",
    "teachers",
    "personnels",
    "guests",
    "classes",
    "groups",
)

#: The outcomes counted per category.
OUTCOMES: tuple[str, ...] = (
    "created",
    "updated",
    "unchanged",
    "disappeared",
    "restored",
    "deleted",
    "rejected",
)


@frozen
class StructureInfo:
    """What lifecycle hooks learn about a structure."""

    external_id: str
    uai: str | None
    name: str


@define
class Counts:
    """How many entities of one category an import created, updated, left alone..."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    disappeared: int = 0
    restored: int = 0
    deleted: int = 0
    rejected: int = 0

    def add(self, outcome: str, count: int = 1) -> None:
        """Count ``count`` more entities with ``outcome``."""
        setattr(self, outcome, getattr(self, outcome) + count)

    @property
    def changed(self) -> int:
        """Entities the import writes."""
        return self.created + self.updated + self.disappeared + self.restored + self.deleted

    def to_json(self) -> dict[str, int]:
        """``{"created": n, ...}`` with every outcome."""
        return {outcome: getattr(self, outcome) for outcome in OUTCOMES}


@frozen
class ReportError:
    """A rejected entry (or, in ``warnings``, a reference dropped from an accepted one)."""

    file: str
    id: str
    reason: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"file", "id", "reason", "line"}``."""
        return {"file": self.file, "id": self.id, "reason": self.reason, "line": self.line}


@frozen
class HeldBack:
    """A school whose disappearances a full import held back: too many, or its last students.

    ``reason`` is ``share`` (more than ``threshold`` of its active accounts would
    disappear) or ``no_student`` (no active student would be left).
    """

    uai: str | None
    name: str | None
    disappearing: int
    """Accounts of the school the import would have marked disappeared."""
    active: int
    """Active accounts of the school before the import, of the kinds the feed judged."""
    reason: str
    threshold: float

    def message(self) -> str:
        """The French sentence shown to the operator."""
        school = self.uai or "?"
        if self.name:
            school += f" ({self.name})"
        if self.reason == "no_student":
            why = "l'établissement n'aurait plus aucun élève"
        else:
            why = "plus de " + f"{self.threshold * 100:.4g}".replace(".", ",") + " %"
        return (
            f"Établissement {school} : {self.disappearing} disparition"
            f"{'s' if self.disappearing > 1 else ''} sur {self.active} compte"
            f"{'s' if self.active > 1 else ''} actif{'s' if self.active > 1 else ''} "
            f"retenue{'s' if self.disappearing > 1 else ''} ({why}) ; relancez avec "
            "--allow-mass-disappearance pour les appliquer."
        )

    def to_json(self) -> dict[str, Any]:
        """``{"uai", "name", "disappearing", "active", "reason", "threshold"}``."""
        return {
            "uai": self.uai,
            "name": self.name,
            "disappearing": self.disappearing,
            "active": self.active,
            "reason": self.reason,
            "threshold": self.threshold,
        }


def _counts() -> dict[str, Counts]:
    return {category: Counts() for category in DIRECTORY_CATEGORIES}


@define
class DirectoryReport:
    """The report of one directory import, identical for ``--dry-run`` and for the real run."""

    source: str
    """Name of the directory source that read the feed."""
    mode: str
    """``full`` or ``delta``."""
    dry_run: bool
    files: list[str] = Factory(list)
    counts: dict[str, Counts] = Factory(_counts)
    by_structure: dict[str, dict[str, Counts]] = Factory(dict)
    """Counts per structure (keyed by UAI, or external id when it has none)."""
    errors: list[ReportError] = Factory(list)
    warnings: list[ReportError] = Factory(list)
    held_back: list[HeldBack] = Factory(list)
    """Schools whose disappearances were not applied (see ``mass_disappearance_threshold``)."""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    id: int | None = field(default=None)
    """Id of the stored report, once a real import has been committed."""

    def count(self, category: str, outcome: str, structure: str | None = None, n: int = 1) -> None:
        """Count ``n`` entities of ``category`` with ``outcome``, globally and for ``structure``."""
        self.counts[category].add(outcome, n)
        if structure is not None:
            per = self.by_structure.setdefault(structure, {})
            per.setdefault(category, Counts()).add(outcome, n)

    @property
    def has_changes(self) -> bool:
        """True when applying the import writes anything."""
        return any(counts.changed for counts in self.counts.values())

    def to_json(self) -> dict[str, Any]:
        """The JSON form: one key per category, plus ``errors``, ``warnings`` and context."""
        data: dict[str, Any] = {
            category: self.counts[category].to_json() for category in DIRECTORY_CATEGORIES
        }
        data["errors"] = [error.to_json() for error in self.errors]
        data["warnings"] = [warning.to_json() for warning in self.warnings]
        data["held_back"] = [held.to_json() for held in self.held_back]
        data["by_structure"] = {
            structure: {category: counts.to_json() for category, counts in sorted(per.items())}
            for structure, per in sorted(self.by_structure.items())
        }
        data["source"] = self.source
        data["mode"] = self.mode
        data["dry_run"] = self.dry_run
        data["files"] = list(self.files)
        data["id"] = self.id
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data
