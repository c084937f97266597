"""What a directory import will write: the plans the planner builds and the applier executes.

A plan names stored rows by their id as the import found them (``None`` for
rows the import creates) and everything else by feed key; the applier resolves
the keys of the rows it creates itself.  Plans hold records, never rows read
back from the store after the import has written.
"""

from __future__ import annotations

from attrs import define, field

from entcore.model.directory import DirectoryRecord, PersonRecord, RecordKind

#: A class or group by (prefixed structure key, code).
DerivedKey = tuple[str, str]


@define
class SimpleOp:
    """Create or update one structure, subject or MEF."""

    action: str  # "create" | "update"
    key: str
    fingerprint: bytes
    record: DirectoryRecord
    id: int | None = None
    """The stored row updated (``None`` for a creation)."""


@define
class PersonOp:
    """Create or update one account, with all its links."""

    action: str  # "create" | "update"
    external_id: str
    fingerprint: bytes
    record: PersonRecord
    account_id: int | None = None
    """The stored account updated (``None`` for a creation, until the applier inserts it)."""


@define
class StructuresPlan:
    """Structures to create and update; their deletions wait for the :class:`SettlementPlan`."""

    creates: list[SimpleOp] = field(factory=list)
    updates: list[SimpleOp] = field(factory=list)


@define
class NomenclaturePlan:
    """Subjects or MEFs (``kind``) to create, update and delete."""

    kind: RecordKind
    creates: list[SimpleOp] = field(factory=list)
    updates: list[SimpleOp] = field(factory=list)
    deletes: list[int] = field(factory=list)


@define
class DerivedPlan:
    """Classes or groups to create (key, label) and existing ones to relabel (id, label)."""

    creates: list[tuple[DerivedKey, str | None]] = field(factory=list)
    relabels: list[tuple[DerivedKey, str | None]] = field(factory=list)


@define
class PeoplePlan:
    """Accounts of one batch: written with their links, restored, deleted."""

    ops: list[PersonOp] = field(factory=list)
    restores: list[int] = field(factory=list)
    deletes: list[int] = field(factory=list)
    classes: DerivedPlan = field(factory=DerivedPlan)
    groups: DerivedPlan = field(factory=DerivedPlan)


@define
class AbsencePlan:
    """Accounts absent from a full feed: marked disappeared, or deleted after the delay."""

    disappear: list[int] = field(factory=list)
    remove: list[int] = field(factory=list)


@define
class SettlementPlan:
    """The end of the import: absent accounts, then structure deletions (which detach accounts)."""

    absence: AbsencePlan = field(factory=AbsencePlan)
    structure_deletes: list[int] = field(factory=list)


Plan = StructuresPlan | NomenclaturePlan | PeoplePlan | AbsencePlan | SettlementPlan
