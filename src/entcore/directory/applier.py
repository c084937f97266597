"""The writing half of a directory import: execute the planner's plans on the import's transaction.

The applier resolves the feed keys of a plan to ids: the snapshot's ids, which
the planner read before anything was written, and the ids of the rows the
applier itself inserted, which it keeps to itself — the planner never learns
them, so that planning cannot depend on what was written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from entcore.directory import rows
from entcore.directory.logins import LoginAllocator
from entcore.directory.plan import (
    AbsencePlan,
    DerivedKey,
    DerivedPlan,
    NomenclaturePlan,
    PeoplePlan,
    PersonOp,
    Plan,
    SettlementPlan,
    StructuresPlan,
)
from entcore.directory.planner import Known, Planner
from entcore.model.directory import (
    PersonRecord,
    Profile,
    RecordKind,
    StructureRecord,
    TeachingTarget,
)
from entcore.store.bulk import bulk_insert, bulk_update, chunks
from entcore.store.schema import (
    Account,
    AccountStructure,
    ClassMember,
    ClassSpace,
    Function,
    Group,
    GroupMember,
    Mef,
    RelativeLinkRow,
    SchoolClass,
    Structure,
    Subject,
    TeachingAssignment,
)

RELATIVE_COLUMNS = (
    "student_id",
    "relative_external_id",
    "relationship",
    "code",
    "financial",
    "legal",
    "in_charge",
    "contact",
    "payer",
)


class Applier:
    """Writes plans on ``connection``; ``planner`` lends its snapshot ids (read only)."""

    def __init__(self, connection: Connection, planner: Planner, *, source: str, now: datetime):
        self.connection = connection
        self.planner = planner
        self.source = source
        self.now = now
        self.prefix = planner.prefix
        self._logins = LoginAllocator(connection)
        self._structures: dict[str, int] = {}
        self._classes: dict[DerivedKey, int] = {}
        self._groups: dict[DerivedKey, int] = {}

    def apply(self, plan: Plan) -> None:
        """Write ``plan``."""
        if isinstance(plan, StructuresPlan):
            self._structures_plan(plan)
        elif isinstance(plan, NomenclaturePlan):
            self._nomenclature(plan)
        elif isinstance(plan, PeoplePlan):
            self._people(plan)
        elif isinstance(plan, AbsencePlan):
            self._absence(plan)
        else:
            self._settlement(plan)

    # -- ids ----------------------------------------------------------------------------------

    @staticmethod
    def _id(known: Known | None, created: dict[Any, int], key: Any) -> int:
        if known is not None and known.id is not None:
            return known.id
        return created[key]

    def structure_id(self, key: str) -> int:
        """The id of a (prefixed) structure key."""
        return self._id(self.planner.structures.get(key), self._structures, key)

    def _class_id(self, key: DerivedKey) -> int:
        return self._id(self.planner.classes.get(key), self._classes, key)

    def _group_id(self, key: DerivedKey) -> int:
        return self._id(self.planner.groups.get(key), self._groups, key)

    # -- structures and nomenclature ----------------------------------------------------------

    def _structures_plan(self, plan: StructuresPlan) -> None:
        c = self.connection
        for op in plan.creates:
            assert isinstance(op.record, StructureRecord)
            self._structures[op.key] = c.execute(
                insert(Structure).returning(Structure.id),
                {
                    **rows.structure_row(op.record, op.key),
                    "source": self.source,
                    "fingerprint": op.fingerprint,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
            ).scalar_one()
        for op in plan.updates:
            assert isinstance(op.record, StructureRecord) and op.id is not None
            c.execute(
                update(Structure).where(Structure.id == op.id),
                {
                    **rows.structure_row(op.record, op.key),
                    "fingerprint": op.fingerprint,
                    "updated_at": self.now,
                },
            )

    def _nomenclature(self, plan: NomenclaturePlan) -> None:
        c = self.connection
        table: Any = Subject if plan.kind is RecordKind.SUBJECT else Mef
        if plan.creates:
            c.execute(
                insert(table),
                [
                    {
                        **rows.nomenclature_row(op.record),
                        "source": self.source,
                        "fingerprint": op.fingerprint,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                    for op in plan.creates
                ],
            )
        bulk_update(
            c,
            table,
            [
                {
                    "id": op.id,
                    **rows.nomenclature_row(op.record),
                    "fingerprint": op.fingerprint,
                    "updated_at": self.now,
                }
                for op in plan.updates
            ],
        )
        for chunk in chunks(plan.deletes):
            c.execute(delete(table).where(table.id.in_(chunk)))

    # -- people -------------------------------------------------------------------------------

    def _derived(self, plan: DerivedPlan, model: Any, created: dict[DerivedKey, int]) -> None:
        """Insert the planned classes (with their spaces) or groups, and relabel."""
        c = self.connection
        if plan.creates:
            labels = dict(plan.creates)
            for key, label in plan.relabels:
                if key in labels:  # created and relabelled by the same batch: created as last read
                    labels[key] = label
            by_id = {(self.structure_id(key[0]), key[1]): key for key in labels}
            # RETURNING the natural key rather than relying on parameter order: SQLite
            # keeps that order only by running one statement per row.
            inserted = c.execute(
                insert(model).returning(model.id, model.structure_id, model.code),
                [
                    {
                        "structure_id": structure_id,
                        "code": code,
                        "label": labels[key],
                        "created_at": self.now,
                        **({"kind": "option"} if model is Group else {}),
                    }
                    for (structure_id, code), key in by_id.items()
                ],
            )
            for new_id, structure_id, code in inserted:
                created[by_id[structure_id, code]] = new_id
            if model is SchoolClass:
                c.execute(
                    insert(ClassSpace),
                    [
                        {
                            "class_id": created[key],
                            "name": f"Classe {labels[key] or key[1]}",
                            "created_at": self.now,
                        }
                        for key in labels
                    ],
                )
        relabel = dict(plan.relabels)
        for key in sorted(relabel):
            target = self._id(
                (self.planner.classes if model is SchoolClass else self.planner.groups).get(key),
                created,
                key,
            )
            c.execute(update(model).where(model.id == target), {"label": relabel[key]})

    def _account_structure_id(self, record: PersonRecord) -> int | None:
        key = self.planner.person_structure(record)
        return self.structure_id(key) if key is not None else None

    def _people(self, plan: PeoplePlan) -> None:
        c = self.connection
        self._derived(plan.classes, SchoolClass, self._classes)
        self._derived(plan.groups, Group, self._groups)
        creates = [op for op in plan.ops if op.action == "create"]
        updates = [op for op in plan.ops if op.action == "update"]
        if creates:
            logins = self._logins.allocate(
                [(op.record.first_name, op.record.last_name) for op in creates]
            )
            rows_out = []
            for op, login in zip(creates, logins, strict=True):
                row = rows.account_row(op.record, op.external_id)
                rows_out.append(
                    (
                        *row.values(),
                        self._account_structure_id(op.record),
                        login,
                        # Guests sign in with a password they set on activation; everyone
                        # else comes from an identity federation and never gets one.
                        op.record.profile is not Profile.GUEST,
                        op.fingerprint,
                    )
                )
            bulk_insert(
                c,
                Account,
                (*rows.ACCOUNT_COLUMNS, "structure_id", "login", "federated", "fingerprint"),
                rows_out,
                {"source": self.source, "created_at": self.now, "updated_at": self.now},
            )
            by_key = {op.external_id: op for op in creates}
            for chunk in chunks(list(by_key)):
                for new_id, key in c.execute(
                    select(Account.id, Account.external_id).where(Account.external_id.in_(chunk))
                ):
                    by_key[key].account_id = new_id
        if updates:
            bulk_update(
                c,
                Account,
                [
                    {
                        "id": op.account_id,
                        **rows.account_row(op.record, op.external_id),
                        "structure_id": self._account_structure_id(op.record),
                        "fingerprint": op.fingerprint,
                        "updated_at": self.now,
                        "disappeared_at": None,
                    }
                    for op in updates
                ],
            )
            changed = [op.account_id for op in updates]
            for chunk in chunks(changed):
                for table, column in (
                    (AccountStructure, AccountStructure.account_id),
                    (Function, Function.account_id),
                    (TeachingAssignment, TeachingAssignment.account_id),
                    (RelativeLinkRow, RelativeLinkRow.student_id),
                ):
                    c.execute(delete(table).where(column.in_(chunk)))
                for member in (ClassMember, GroupMember):
                    c.execute(
                        delete(member).where(
                            member.account_id.in_(chunk), member.source == "directory"
                        )
                    )
        for chunk in chunks(plan.restores):
            c.execute(
                update(Account).where(Account.id.in_(chunk)),
                {"disappeared_at": None, "updated_at": self.now},
            )
        self._insert_links(plan.ops)
        for chunk in chunks(plan.deletes):
            c.execute(delete(Account).where(Account.id.in_(chunk)))

    def _insert_links(self, ops: list[PersonOp]) -> None:
        structures: set[tuple[int, int, str]] = set()
        class_members: set[tuple[int, int, str]] = set()
        group_members: set[tuple[int, int, str]] = set()
        teachings: set[tuple[int, int | None, int | None, str | None]] = set()
        functions: dict[tuple[int, int, str, str], tuple[Any, ...]] = {}
        relatives: dict[tuple[int, str], tuple[Any, ...]] = {}
        prefix = self.prefix

        def sid(key: str) -> int:
            return self.structure_id(prefix + key)

        def cid(ref_structure: str, code: str) -> int:
            return self._class_id((prefix + ref_structure, code))

        def gid(ref_structure: str, code: str) -> int:
            return self._group_id((prefix + ref_structure, code))

        for op in ops:
            record, account = op.record, op.account_id
            assert record is not None and account is not None
            for key in record.structures:
                structures.add((account, sid(key), "attachment"))
            for function in record.functions:
                structures.add((account, sid(function.structure), "function"))
                structure = sid(function.structure)
                functions[account, structure, function.code, function.discipline_code] = (
                    account,
                    structure,
                    function.code,
                    function.label,
                    function.discipline_code,
                    function.discipline_label,
                )
            role = "student" if record.profile is Profile.STUDENT else "teacher"
            for ref in record.classes:
                class_members.add((cid(ref.structure, ref.code), account, role))
            for ref in record.groups:
                group_members.add((gid(ref.structure, ref.code), account, role))
            for ref in record.head_teacher_of:
                class_members.add((cid(ref.structure, ref.code), account, "head_teacher"))
            for teaching in record.teachings:
                if teaching.target is TeachingTarget.CLASS:
                    target = cid(teaching.structure, teaching.code)
                    class_members.add((target, account, "teacher"))
                    teachings.add((account, target, None, teaching.subject))
                else:
                    target = gid(teaching.structure, teaching.code)
                    group_members.add((target, account, "teacher"))
                    teachings.add((account, None, target, teaching.subject))
            for link in record.relatives:
                relatives[account, prefix + link.relative] = (
                    account,
                    prefix + link.relative,
                    link.relationship.value,
                    link.code,
                    link.financial,
                    link.legal,
                    link.in_charge,
                    link.contact,
                    link.payer,
                )
        c = self.connection
        bulk_insert(c, AccountStructure, ("account_id", "structure_id", "role"), sorted(structures))
        bulk_insert(
            c,
            ClassMember,
            ("class_id", "account_id", "role", "source"),
            [(k, a, r, "directory") for k, a, r in sorted(class_members)],
        )
        bulk_insert(
            c,
            GroupMember,
            ("group_id", "account_id", "role", "source"),
            [(g, a, r, "directory") for g, a, r in sorted(group_members)],
        )
        bulk_insert(
            c,
            TeachingAssignment,
            ("account_id", "class_id", "group_id", "subject_code"),
            sorted(teachings, key=repr),
        )
        bulk_insert(
            c,
            Function,
            ("account_id", "structure_id", "code", "label", "discipline_code", "discipline_label"),
            list(functions.values()),
        )
        bulk_insert(c, RelativeLinkRow, RELATIVE_COLUMNS, list(relatives.values()))

    # -- disappearance and deletions ----------------------------------------------------------

    def _absence(self, plan: AbsencePlan) -> None:
        c = self.connection
        for chunk in chunks(plan.disappear):
            c.execute(update(Account).where(Account.id.in_(chunk)), {"disappeared_at": self.now})
        for chunk in chunks(plan.remove):
            c.execute(delete(Account).where(Account.id.in_(chunk)))

    def _settlement(self, plan: SettlementPlan) -> None:
        self._absence(plan.absence)
        for chunk in chunks(plan.structure_deletes):
            self.connection.execute(delete(Structure).where(Structure.id.in_(chunk)))
