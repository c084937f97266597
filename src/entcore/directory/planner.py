"""The planning half of a directory import: compare the feed with a snapshot, count the report.

The planner reads the store only for what this import has not touched: the
structures, subjects, MEFs, classes and groups are loaded once, before any
write, and kept up to date in memory with what the import plans; an account is
looked up only the first time its key appears, and its answer is remembered.
Accounts the import itself marked disappeared or deleted on the way (absent
relatives) are seen as they were before.  So the plan, and the report counted
from it, are the same whether the applier writes each plan or not.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import attrs
from attrs import define, field
from sqlalchemy import Connection, and_, select

from entcore.directory import rows
from entcore.directory.plan import (
    AbsencePlan,
    DerivedKey,
    DerivedPlan,
    NomenclaturePlan,
    PeoplePlan,
    PersonOp,
    SettlementPlan,
    SimpleOp,
    StructuresPlan,
)
from entcore.model.directory import (
    ClassRef,
    Deletion,
    DirectoryRecord,
    Entry,
    ImportMode,
    Modification,
    Origin,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    Rejection,
    StructureRecord,
    TeachingTarget,
)
from entcore.model.jointure import jointure_key
from entcore.model.reports import DirectoryReport, HeldBack, ReportError
from entcore.protocols import DirectoryFeed
from entcore.store.bulk import chunks
from entcore.store.schema import (
    Account,
    AccountStructure,
    Group,
    Mef,
    RelativeLinkRow,
    SchoolClass,
    Structure,
    Subject,
)

CATEGORY_OF_PROFILE = {
    Profile.STUDENT: "students",
    Profile.RELATIVE: "relatives",
    Profile.TEACHER: "teachers",
    Profile.PERSONNEL: "personnels",
    Profile.GUEST: "guests",
}
CATEGORY_OF_KIND = {
    RecordKind.STRUCTURE: "structures",
    RecordKind.SUBJECT: "subjects",
    RecordKind.MEF: "mefs",
    RecordKind.RELATIVE: "relatives",
    RecordKind.STUDENT: "students",
    # A staff entry rejected before its profile is known counts as non-teaching staff.
    RecordKind.STAFF: "personnels",
    RecordKind.GUEST: "guests",
}
PROFILES_OF_KIND = {
    RecordKind.STUDENT: (Profile.STUDENT,),
    RecordKind.RELATIVE: (Profile.RELATIVE,),
    RecordKind.STAFF: (Profile.TEACHER, Profile.PERSONNEL),
    RecordKind.GUEST: (Profile.GUEST,),
}
DUPLICATE = "entrée en double dans l'import (déjà lue plus haut)"

_Item = Entry | Modification | Deletion | Rejection


@define
class Known:
    """Something of the store (or planned by this import) the plan refers to by feed key."""

    id: int | None
    """The stored row's id; ``None`` for what this import creates (never filled in later)."""
    fingerprint: bytes = b""
    label: str | None = None
    uai: str | None = None


class StoredAccount(NamedTuple):
    """An account as it was before this import."""

    id: int
    external_id: str
    fingerprint: bytes
    profile: str
    disappeared_at: datetime | None
    structure_id: int | None


@define
class _Derived:
    """Classes or groups: which existed before the import, which it touched, updated."""

    preexisting: set[DerivedKey]
    touched: set[DerivedKey] = field(factory=set)
    updated: set[DerivedKey] = field(factory=set)


class Planner:
    """Builds the plans of one feed, batch after batch, and counts them into ``report``."""

    def __init__(
        self,
        connection: Connection,
        feed: DirectoryFeed,
        report: DirectoryReport,
        *,
        source: str,
        prefix: str,
        delete_after: timedelta,
        now: datetime,
        threshold: float | None,
    ):
        self.connection = connection
        self.report = report
        self.source = source
        self.prefix = prefix
        self.delete_after = delete_after
        self.now = now
        self.threshold = threshold
        self.full = feed.mode is ImportMode.FULL
        self.complete = {file.kind for file in feed.files if file.mode is ImportMode.FULL}
        self.seen: dict[str, set[str]] = {"structure": set(), "subject": set(), "mef": set()}
        self.people: dict[str, str] = {}
        """Every account key this import has read, with the category its first reading was counted in."""
        self.covered: set[str] = set()
        # Structures the feed's accounts are attached to: the coverage of a full feed
        # that has no structure file of its own (a guest list, a one-school export).
        self.attached: set[str] = set()
        self.deleted_structures: set[str] = set()
        self.structure_deletes: list[int] = []
        # Accounts the import marked disappeared (or deleted) before reading them again.
        self.marked: set[int] = set()
        self.gone: set[int] = set()
        # The mass-disappearance guard: per school, accounts of the judged kinds that were
        # active before the import and that the feed holds; students the import keeps.
        self.judged = {
            profile.value
            for kind in (RecordKind.STUDENT, RecordKind.STAFF, RecordKind.GUEST)
            if self.full and kind in self.complete
            for profile in PROFILES_OF_KIND[kind]
        }
        self.active_seen: Counter[int | None] = Counter()
        self.students_kept: Counter[str] = Counter()
        self._load_state()

    # -- snapshot ---------------------------------------------------------------------------

    def _load_state(self) -> None:
        c = self.connection
        self.structures: dict[str, Known] = {
            row.external_id: Known(row.id, row.fingerprint, row.name, row.uai)
            for row in c.execute(
                select(
                    Structure.id,
                    Structure.external_id,
                    Structure.fingerprint,
                    Structure.name,
                    Structure.uai,
                )
            )
        }
        self.structure_by_id = {known.id: key for key, known in self.structures.items()}
        self.by_uai = {known.uai: key for key, known in self.structures.items() if known.uai}
        self.subjects = {
            row.code: Known(row.id, row.fingerprint, row.label)
            for row in c.execute(
                select(Subject.id, Subject.code, Subject.fingerprint, Subject.label)
            )
        }
        self.mefs = {
            row.code: Known(row.id, row.fingerprint, row.label)
            for row in c.execute(select(Mef.id, Mef.code, Mef.fingerprint, Mef.label))
        }
        self.classes: dict[DerivedKey, Known] = {}
        for row in c.execute(
            select(SchoolClass.id, SchoolClass.structure_id, SchoolClass.code, SchoolClass.label)
        ):
            self.classes[self.structure_by_id[row.structure_id], row.code] = Known(
                row.id, label=row.label
            )
        self.groups: dict[DerivedKey, Known] = {}
        for row in c.execute(select(Group.id, Group.structure_id, Group.code, Group.label)):
            self.groups[self.structure_by_id[row.structure_id], row.code] = Known(
                row.id, label=row.label
            )
        self.derived = {
            "classes": _Derived(preexisting=set(self.classes)),
            "groups": _Derived(preexisting=set(self.groups)),
        }
        self._reverse: tuple[dict[int, ClassRef], dict[int, ClassRef], dict[int, str]] | None = None

    def structure_label(self, key: str | None) -> str | None:
        """How the report names a structure: its UAI, else its key."""
        if key is None:
            return None
        known = self.structures.get(key)
        return (known.uai if known and known.uai else None) or key

    # -- report helpers -----------------------------------------------------------------------

    def _reject(
        self, category: str, origin: Origin, reason: str, structure: str | None = None
    ) -> None:
        self.report.count(category, "rejected", structure)
        self.report.errors.append(ReportError(origin.file, origin.entry_id, reason, origin.line))

    def warn(self, origin: Origin, message: str) -> None:
        """Record a warning of the feed (a notice, a dropped reference)."""
        self.report.warnings.append(ReportError(origin.file, origin.entry_id, message, origin.line))

    def _first_time(
        self, namespace: str, key: str, category: str, item: Entry | Modification | Deletion
    ) -> bool:
        seen = self.seen[namespace]
        if key in seen:
            self._reject(category, item.origin, DUPLICATE)
            return False
        seen.add(key)
        return True

    # -- structures ---------------------------------------------------------------------------

    def plan_structures(self, items: list[_Item]) -> StructuresPlan:
        """Structures of one batch; deletions are kept for the settlement."""
        plan = StructuresPlan()
        for item in items:
            if isinstance(item, Rejection):
                self._reject("structures", item.origin, item.reason)
                continue
            key = self.prefix + item.external_id
            if not self._first_time("structure", key, "structures", item):
                continue
            known = self.structures.get(key)
            if isinstance(item, Deletion):
                if known is None or known.id is None:
                    self._reject(
                        "structures", item.origin, "suppression d'un établissement inconnu"
                    )
                    continue
                self.structure_deletes.append(known.id)
                self.deleted_structures.add(key)
                self.report.count("structures", "deleted", self.structure_label(key))
                continue
            if isinstance(item, Entry):
                if known is not None and known.fingerprint == item.fingerprint:
                    self.covered.add(key)
                    self.report.count("structures", "unchanged", self.structure_label(key))
                    continue
                try:
                    record: DirectoryRecord = item.build()
                except RecordError as error:
                    self._reject("structures", item.origin, str(error))
                    continue
                fingerprint = item.fingerprint
            else:  # Modification
                if known is None or known.id is None:
                    self._reject(
                        "structures", item.origin, "modification d'un établissement inconnu"
                    )
                    continue
                record = rows.evolve(
                    rows.load_structure(self.connection, known.id, self.prefix), item.changes
                )
                fingerprint = _derive(known.fingerprint, item.changes)
            assert isinstance(record, StructureRecord)
            if known is None and record.uai and record.uai in self.by_uai:
                old_key = self.by_uai[record.uai]
                if old_key in self.seen["structure"]:
                    self._reject(
                        "structures",
                        item.origin,
                        f"UAI {record.uai} déjà porté par l'établissement {old_key}",
                    )
                    continue
                # The same school under a new key: match it on its UAI and adopt the new key.
                known = self._adopt(old_key, key)
            if known is None:
                self.structures[key] = Known(None, fingerprint, record.name, record.uai)
                plan.creates.append(SimpleOp("create", key, fingerprint, record))
                outcome = "created"
            else:
                known.fingerprint, known.label, known.uai = fingerprint, record.name, record.uai
                plan.updates.append(SimpleOp("update", key, fingerprint, record, known.id))
                outcome = "updated"
            if record.uai:
                self.by_uai[record.uai] = key
            self.covered.add(key)
            self.report.count("structures", outcome, self.structure_label(key))
        return plan

    def _adopt(self, old_key: str, key: str) -> Known:
        known = self.structures.pop(old_key)
        self.structures[key] = known
        if known.id is not None:
            self.structure_by_id[known.id] = key
        for category, table in (("classes", self.classes), ("groups", self.groups)):
            derived = self.derived[category]
            for old in [k for k in table if k[0] == old_key]:
                new = (key, old[1])
                table[new] = table.pop(old)
                for keys in (derived.preexisting, derived.touched, derived.updated):
                    if old in keys:
                        keys.discard(old)
                        keys.add(new)
        return known

    # -- subjects and MEFs ---------------------------------------------------------------------

    def plan_nomenclature(self, kind: RecordKind, items: list[_Item]) -> NomenclaturePlan:
        """Subjects or MEFs of one batch."""
        category = CATEGORY_OF_KIND[kind]
        known_map = self.subjects if kind is RecordKind.SUBJECT else self.mefs
        namespace = "subject" if kind is RecordKind.SUBJECT else "mef"
        plan = NomenclaturePlan(kind)
        for item in items:
            if isinstance(item, Rejection):
                self._reject(category, item.origin, item.reason)
                continue
            key: str = item.external_id
            if not self._first_time(namespace, key, category, item):
                continue
            known = known_map.get(key)
            if isinstance(item, Deletion):
                if known is None or known.id is None:
                    self._reject(category, item.origin, "suppression d'une entrée inconnue")
                    continue
                plan.deletes.append(known.id)
                self.report.count(category, "deleted")
                continue
            if isinstance(item, Entry):
                if known is not None and known.fingerprint == item.fingerprint:
                    self.report.count(category, "unchanged")
                    continue
                try:
                    record = item.build()
                except RecordError as error:
                    self._reject(category, item.origin, str(error))
                    continue
                fingerprint = item.fingerprint
            else:
                if known is None or known.id is None:
                    self._reject(category, item.origin, "modification d'une entrée inconnue")
                    continue
                loader = rows.load_subject if kind is RecordKind.SUBJECT else rows.load_mef
                record = rows.evolve(loader(self.connection, key), item.changes)
                fingerprint = _derive(known.fingerprint, item.changes)
            if known is None:
                known_map[key] = Known(None, fingerprint, getattr(record, "label", None))
                plan.creates.append(SimpleOp("create", key, fingerprint, record))
                self.report.count(category, "created")
            else:
                known.fingerprint = fingerprint
                plan.updates.append(SimpleOp("update", key, fingerprint, record, known.id))
                self.report.count(category, "updated")
        return plan

    # -- people -------------------------------------------------------------------------------

    def _lookup(self, keys: Iterable[str]) -> dict[str, StoredAccount]:
        """Stored accounts of keys this import has not read yet, as they were before it."""
        found: dict[str, StoredAccount] = {}
        marked, gone = self.marked, self.gone
        for chunk in chunks(list(keys)):
            for row in self.connection.execute(
                select(
                    Account.id,
                    Account.external_id,
                    Account.fingerprint,
                    Account.profile,
                    Account.disappeared_at,
                    Account.structure_id,
                ).where(Account.external_id.in_(chunk))
            ):
                stored = StoredAccount(*row)
                if marked or gone:
                    if stored.id in gone:
                        continue
                    if stored.id in marked:
                        stored = stored._replace(disappeared_at=None)
                found[stored.external_id] = stored
        return found

    def person_structure(self, record: PersonRecord) -> str | None:
        """The structure an account is counted in: its first attachment, else its first function's."""
        if record.structures:
            return self.prefix + record.structures[0]
        if record.functions:
            return self.prefix + record.functions[0].structure
        return None

    def _known_structure(self, key: str) -> bool:
        return key in self.structures and key not in self.deleted_structures

    def _check_person(self, record: PersonRecord, origin: Origin) -> PersonRecord | None:
        """``record`` with references to unknown structures dropped, or ``None`` when it must be rejected."""
        category = CATEGORY_OF_PROFILE[record.profile]
        attachments = [self.prefix + key for key in record.structures]
        unknown = [key for key in attachments if not self._known_structure(key)]
        if unknown:
            names = ", ".join(key[len(self.prefix) :] for key in unknown)
            self._reject(category, origin, f"établissement de rattachement inconnu : {names}")
            return None
        if record.profile is Profile.STUDENT and not attachments:
            self._reject(category, origin, "élève sans établissement de rattachement")
            return None
        prefix = self.prefix
        referenced = {
            ref.structure
            for refs in (
                record.classes,
                record.groups,
                record.class_periods,
                record.functions,
                record.teachings,
                record.head_teacher_of,
                record.mefs,
            )
            for ref in refs
        }
        dropped = {s for s in referenced if not self._known_structure(prefix + s)}
        if not dropped:
            return record

        def known(structure: str) -> bool:
            return structure not in dropped

        self.warn(
            origin,
            "références ignorées vers des établissements inconnus : " + ", ".join(sorted(dropped)),
        )
        return attrs.evolve(
            record,
            classes=tuple(ref for ref in record.classes if known(ref.structure)),
            groups=tuple(ref for ref in record.groups if known(ref.structure)),
            class_periods=tuple(p for p in record.class_periods if known(p.structure)),
            functions=tuple(f for f in record.functions if known(f.structure)),
            teachings=tuple(t for t in record.teachings if known(t.structure)),
            head_teacher_of=tuple(ref for ref in record.head_teacher_of if known(ref.structure)),
            mefs=tuple(m for m in record.mefs if known(m.structure)),
        )

    def _plan_derived(self, record: PersonRecord, plan: PeoplePlan) -> None:
        """Plan the classes and groups ``record`` refers to that do not exist yet, and label changes."""
        class_refs = [*record.classes, *record.head_teacher_of]
        group_refs = list(record.groups)
        for teaching in record.teachings:
            ref = ClassRef(teaching.structure, teaching.code)
            (class_refs if teaching.target is TeachingTarget.CLASS else group_refs).append(ref)
        for ref in class_refs:
            self._touch("classes", self.classes, ref, plan.classes)
        for ref in group_refs:
            self._touch("groups", self.groups, ref, plan.groups)

    def _touch(
        self, category: str, table: dict[DerivedKey, Known], ref: ClassRef, plan: DerivedPlan
    ) -> None:
        key = (self.prefix + ref.structure, ref.code)
        derived = self.derived[category]
        derived.touched.add(key)
        known = table.get(key)
        if known is None:
            table[key] = Known(None, label=ref.label)
            plan.creates.append((key, ref.label))
            self.report.count(category, "created", self.structure_label(key[0]))
        elif ref.label and ref.label != known.label:
            known.label = ref.label
            plan.relabels.append((key, ref.label))
            if key in derived.preexisting and key not in derived.updated:
                derived.updated.add(key)
                self.report.count(category, "updated", self.structure_label(key[0]))

    def plan_people(self, kind: RecordKind, items: list[_Item]) -> PeoplePlan:
        """Accounts of one batch (of one file kind)."""
        people = self.people
        prefix = self.prefix
        keys = {
            jointure_key(prefix, item.external_id)
            for item in items
            if not isinstance(item, Rejection)
        }
        existing = self._lookup({key for key in keys if key not in people})
        plan = PeoplePlan()
        judged = self.judged
        kind_category = CATEGORY_OF_KIND[kind]
        for item in items:
            if isinstance(item, Rejection):
                self._reject(kind_category, item.origin, item.reason)
                continue
            key = jointure_key(prefix, item.external_id)
            if key in people:
                # Counted where the first reading was counted (kept in memory), never
                # from the row an earlier batch of this import may have written.
                self._reject(people[key], item.origin, DUPLICATE)
                continue
            row = existing.get(key)
            if row is not None:
                category = CATEGORY_OF_PROFILE[Profile(row.profile)]
                if row.disappeared_at is None and row.profile in judged:
                    self.active_seen[row.structure_id] += 1
            else:
                category = kind_category
            people[key] = category
            stored_key = self.structure_by_id.get(row.structure_id) if row is not None else None
            if stored_key is not None:
                self.attached.add(stored_key)
            stored_structure = self.structure_label(stored_key)
            if isinstance(item, Deletion):
                if row is None:
                    self._reject(category, item.origin, "suppression d'un compte inconnu")
                    continue
                plan.deletes.append(row.id)
                self.report.count(category, "deleted", stored_structure)
                continue
            if isinstance(item, Entry):
                if row is not None and row.fingerprint == item.fingerprint:
                    if row.disappeared_at is not None:
                        plan.restores.append(row.id)
                        self.report.count(category, "restored", stored_structure)
                    else:
                        self.report.count(category, "unchanged", stored_structure)
                    if row.profile == Profile.STUDENT.value and stored_key is not None:
                        self.students_kept[stored_key] += 1
                    continue
                try:
                    built = item.build()
                except RecordError as error:
                    self._reject(category, item.origin, str(error), stored_structure)
                    continue
                fingerprint = item.fingerprint
            else:  # Modification
                if row is None:
                    self._reject(category, item.origin, "modification d'un compte inconnu")
                    continue
                try:
                    built = rows.evolve(self._stored_person(row.id), item.changes)
                except (TypeError, ValueError) as error:
                    self._reject(category, item.origin, f"modification invalide : {error}")
                    continue
                fingerprint = _derive(row.fingerprint, item.changes)
            if not isinstance(built, PersonRecord) or built.profile not in PROFILES_OF_KIND.get(
                kind, ()
            ):
                self._reject(category, item.origin, "entrée d'un type inattendu pour ce fichier")
                continue
            record = self._check_person(built, item.origin)
            if record is None:
                continue
            self._plan_derived(record, plan)
            self.attached.update(prefix + key for key in record.structures)
            category = CATEGORY_OF_PROFILE[record.profile]
            people[key] = category
            main = self.person_structure(record)
            if record.profile is Profile.STUDENT and main is not None:
                self.students_kept[main] += 1
            structure = self.structure_label(main)
            if row is None:
                plan.ops.append(PersonOp("create", key, fingerprint, record))
                self.report.count(category, "created", structure)
            else:
                plan.ops.append(PersonOp("update", key, fingerprint, record, row.id))
                self.report.count(
                    category, "restored" if row.disappeared_at else "updated", structure
                )
        return plan

    def _stored_person(self, account_id: int) -> PersonRecord:
        """A stored account as a record (for a modification), in the keys this import uses."""
        if self._reverse is None:
            # Built once people are read, after every structure (and any adoption of a key).
            # Only classes and groups of the snapshot can be referenced by a stored account.
            cut = len(self.prefix)
            self._reverse = (
                {
                    k.id: ClassRef(key[0][cut:], key[1], k.label)
                    for key, k in self.classes.items()
                    if k.id is not None
                },
                {
                    k.id: ClassRef(key[0][cut:], key[1], k.label)
                    for key, k in self.groups.items()
                    if k.id is not None
                },
                {sid: key[cut:] for sid, key in self.structure_by_id.items() if sid is not None},
            )
        classes, groups, structures = self._reverse
        return rows.load_person(
            self.connection, account_id, self.prefix, structures, classes, groups
        )

    # -- disappearance ------------------------------------------------------------------------

    def _covered_ids(self) -> list[int]:
        """Structures a full import speaks for: those of its structure files, else its accounts'."""
        covered = self.covered if RecordKind.STRUCTURE in self.complete else self.attached
        return [
            known.id
            for key in covered
            if (known := self.structures.get(key)) is not None and known.id is not None
        ]

    def _scope(self) -> Any:
        condition = Account.source == self.source
        if self.prefix:
            condition = and_(
                condition, Account.external_id.startswith(self.prefix, autoescape=True)
            )
        return condition

    def _stream(self, statement: Any) -> Iterator[Any]:
        """Rows of ``statement`` fetched in slices, so that an académie's accounts never sit in memory."""
        # On the statement, not the connection: a connection's options would stay set
        # and put every later statement of the import on a server-side cursor.
        yield from self.connection.execute(statement.execution_options(yield_per=2000))

    def _candidates(self, condition: Any, attached: Any = None) -> Iterator[Any]:
        statement = select(
            Account.id,
            Account.external_id,
            Account.profile,
            Account.disappeared_at,
            Account.structure_id,
        )
        if attached is not None:
            statement = statement.join(attached, attached.c.account_id == Account.id)
        people = self.people
        # Accounts this import read are present; those it did not are as they were before it.
        return (
            row
            for row in self._stream(statement.where(self._scope(), condition))
            if row.external_id not in people
        )

    def plan_relatives_absent(self) -> AbsencePlan:
        """Relatives absent from a full relatives file, judged on the links as they were before this import.

        Planned when the relatives are read, before any student (feeds come in
        record-kind order).  A relative still linked to a student of a structure
        the import does not cover is kept: another feed speaks for that child.
        """
        plan = AbsencePlan()
        if not (self.full and RecordKind.RELATIVE in self.complete):
            return plan
        covered = set(self._covered_ids())
        elsewhere = (
            select(RelativeLinkRow.relative_external_id)
            .join(Account, Account.id == RelativeLinkRow.student_id)
            .where(Account.structure_id.is_not(None), Account.structure_id.not_in(covered))
        )
        protected = set(self.connection.execute(elsewhere).scalars()) if covered else set()
        limit = self.now - self.delete_after
        for row in self._candidates(Account.profile == Profile.RELATIVE.value):
            if row.external_id in protected:
                continue
            structure = self.structure_label(self.structure_by_id.get(row.structure_id))
            if row.disappeared_at is None:
                plan.disappear.append(row.id)
                self.report.count("relatives", "disappeared", structure)
            elif row.disappeared_at <= limit:
                plan.remove.append(row.id)
                self.report.count("relatives", "deleted", structure)
        self.marked.update(plan.disappear)
        self.gone.update(plan.remove)
        return plan

    def plan_settlement(self) -> SettlementPlan:
        """The end of the feed: absent accounts (with the mass-disappearance guard), structure deletions."""
        plan = SettlementPlan(structure_deletes=self.structure_deletes)
        covered = self._covered_ids()
        if not self.judged or not covered:
            return plan
        attached = (
            select(AccountStructure.account_id)
            .where(AccountStructure.structure_id.in_(covered))
            .distinct()
            .subquery()
        )
        limit = self.now - self.delete_after
        # Per school (the account's own structure): ids to mark, and counts per category.
        disappearing: dict[int | None, list[int]] = {}
        by_category: Counter[tuple[int | None, str]] = Counter()
        students: Counter[int | None] = Counter()
        for row in self._candidates(Account.profile.in_(sorted(self.judged)), attached):
            category = CATEGORY_OF_PROFILE[Profile(row.profile)]
            if row.disappeared_at is None:
                disappearing.setdefault(row.structure_id, []).append(row.id)
                by_category[row.structure_id, category] += 1
                if category == "students":
                    students[row.structure_id] += 1
            elif row.disappeared_at <= limit:
                plan.absence.remove.append(row.id)
                self.report.count(
                    category,
                    "deleted",
                    self.structure_label(self.structure_by_id.get(row.structure_id)),
                )
        for structure_id, ids in disappearing.items():
            key = self.structure_by_id.get(structure_id)
            held = self._hold_back(structure_id, key, len(ids), students[structure_id])
            if held is not None:
                self.report.held_back.append(held)
                continue
            plan.absence.disappear.extend(ids)
            label = self.structure_label(key)
            for category in CATEGORY_OF_PROFILE.values():
                if count := by_category[structure_id, category]:
                    self.report.count(category, "disappeared", label, count)
        self.report.held_back.sort(key=lambda held: (held.uai or "", held.name or ""))
        return plan

    def count_unchanged_groups(self) -> None:
        """Existing classes and groups this import referred to (or whose structure it covers) and left alone."""
        for category in ("classes", "groups"):
            derived = self.derived[category]
            for key in sorted(derived.preexisting - derived.updated):
                if key in derived.touched or (self.full and key[0] in self.covered):
                    self.report.count(category, "unchanged", self.structure_label(key[0]))

    def _hold_back(
        self, structure_id: int | None, key: str | None, count: int, students: int
    ) -> HeldBack | None:
        """The guard's verdict on one school's ``count`` disappearances (``students`` of them students)."""
        if self.threshold is None or structure_id is None or key is None:
            return None
        active = count + self.active_seen[structure_id]
        if count / active > self.threshold:
            reason = "share"
        elif students and not self.students_kept[key]:
            reason = "no_student"
        else:
            return None
        known = self.structures.get(key)
        uai = known.uai if known is not None else None
        name = known.label if known is not None else None
        return HeldBack(uai or key[len(self.prefix) :], name, count, active, reason, self.threshold)


def _derive(fingerprint: bytes, changes: tuple[tuple[str, object], ...]) -> bytes:
    """The fingerprint of a record after a modification (never equal to a feed entry's)."""
    return hashlib.blake2b(fingerprint + repr(changes).encode(), digest_size=16).digest()
