"""One directory import: plan each batch against the store, count it, apply it.

The feed is read once, in batches of one kind.  For each batch the engine
*plans* (compares fingerprints with the store, builds the records that are new
or changed, checks their references) and counts the plan into the report; a
real run then *applies* the plan on the import's single transaction, a dry run
does not.  A plan never depends on what earlier batches applied — derived
entities (classes, groups) and the keys already seen are tracked in memory,
and disappearances are computed from rows this import does not touch — so a
dry run's report is the real run's report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import define, field
from sqlalchemy import (
    JSON,
    Connection,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from entcore.directory import rows
from entcore.directory.logins import LoginAllocator
from entcore.model.directory import (
    ClassRef,
    Deletion,
    DirectoryRecord,
    Entry,
    ImportMode,
    Modification,
    Notice,
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
from entcore.model.reports import DirectoryReport, ReportError
from entcore.protocols import DirectoryFeed
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

BATCH_SIZE = 1000
#: Rows per ``IN (...)`` list: below every backend's bound-parameter limit.
CHUNK = 900

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


def bulk_update(connection: Connection, model: Any, values: list[dict[str, Any]]) -> None:
    """One ``UPDATE ... WHERE id = ?`` executed for many rows (each dict has ``id``)."""
    if not values:
        return
    table = model.__table__
    columns = [name for name in values[0] if name != "id"]
    # Bind names must differ from column names, which SQLAlchemy reserves for SET.
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    connection.execute(
        statement,
        [{"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}} for row in values],
    )


def _processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a column's values are handed to the driver."""
    process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    if process is None and isinstance(column_type, JSON):
        # psycopg adapts JSON in its own layer, which a driver-level statement skips.
        return json.dumps
    return process


def bulk_insert(
    connection: Connection,
    model: Any,
    columns: tuple[str, ...],
    values: list[tuple[Any, ...]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert many rows with one driver-level ``executemany``.

    An académie feed writes hundreds of thousands of rows; SQLAlchemy's per-row
    parameter handling would cost more than the database.  Each column's own
    bind processing (dates for SQLite, JSON...) is still applied — looked up
    once per column, and run once for the ``constants`` shared by every row.
    """
    if not values:
        return
    dialect = connection.dialect
    table = model.__table__
    constants = constants or {}
    names = (*columns, *constants)
    processors = [_processor(table.c[name].type, dialect) for name in columns]
    fixed = tuple(
        process(value) if (process := _processor(table.c[name].type, dialect)) else value
        for name, value in constants.items()
    )
    if any(processors) or fixed:
        # Column by column: a processor runs over its column, untouched columns are
        # passed through, and zip rebuilds the rows in C.
        columns_out: list[Any] = []
        for process, column in zip(processors, zip(*values, strict=True), strict=True):
            if process is None:
                columns_out.append(column)
            else:
                columns_out.append([None if v is None else process(v) for v in column])
        columns_out.extend([value] * len(values) for value in fixed)
        values = list(zip(*columns_out, strict=True))
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    )
    connection.exec_driver_sql(statement, values)


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@define
class _Known:
    """Something of the store (or planned by this import) the plan refers to by feed key."""

    id: int | None
    fingerprint: bytes = b""
    label: str | None = None
    uai: str | None = None


@define
class _PersonOp:
    action: str  # "create" | "update"
    external_id: str
    fingerprint: bytes
    record: PersonRecord
    account_id: int | None = None


@define
class _SimpleOp:
    action: str  # "create" | "update"
    key: str
    fingerprint: bytes
    record: DirectoryRecord
    id: int | None = None


@define
class _Derived:
    """Classes or groups: which existed before the import, which it touched, relabelled, updated."""

    preexisting: set[tuple[str, str]]
    touched: set[tuple[str, str]] = field(factory=set)
    relabel: set[tuple[str, str]] = field(factory=set)
    updated: set[tuple[str, str]] = field(factory=set)
    pending: list[tuple[str, str]] = field(factory=list)
    """Created by the plan, not yet inserted."""


_Item = Entry | Modification | Deletion | Rejection


@define
class _Batch:
    kind: RecordKind
    items: list[_Item] = field(factory=list)


class DirectoryImport:
    """Plans and (unless ``dry_run``) applies one feed on one connection."""

    def __init__(
        self,
        connection: Connection,
        feed: DirectoryFeed,
        *,
        source: str,
        prefix: str,
        delete_after: timedelta,
        dry_run: bool,
        now: datetime,
    ):
        self.connection = connection
        self.feed = feed
        self.source = source
        self.prefix = prefix
        self.delete_after = delete_after
        self.dry_run = dry_run
        self.now = now
        self.report = DirectoryReport(
            source=source,
            mode=feed.mode.value,
            dry_run=dry_run,
            files=[file.name for file in feed.files],
            started_at=now,
        )
        self.full = feed.mode is ImportMode.FULL
        self.complete = {file.kind for file in feed.files if file.mode is ImportMode.FULL}
        self.seen: dict[str, set[str]] = {
            "person": set(),
            "structure": set(),
            "subject": set(),
            "mef": set(),
        }
        self.covered: set[str] = set()
        # Structures the feed's accounts are attached to: the coverage of a full feed
        # that has no structure file of its own (a guest list, a one-school export).
        self.attached: set[str] = set()
        self._logins = LoginAllocator(connection)
        self._load_state()

    # -- state ------------------------------------------------------------------------------

    def _load_state(self) -> None:
        c = self.connection
        self.structures: dict[str, _Known] = {
            row.external_id: _Known(row.id, row.fingerprint, row.name, row.uai)
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
            row.code: _Known(row.id, row.fingerprint, row.label)
            for row in c.execute(
                select(Subject.id, Subject.code, Subject.fingerprint, Subject.label)
            )
        }
        self.mefs = {
            row.code: _Known(row.id, row.fingerprint, row.label)
            for row in c.execute(select(Mef.id, Mef.code, Mef.fingerprint, Mef.label))
        }
        self.classes: dict[tuple[str, str], _Known] = {}
        for row in c.execute(
            select(SchoolClass.id, SchoolClass.structure_id, SchoolClass.code, SchoolClass.label)
        ):
            self.classes[self.structure_by_id[row.structure_id], row.code] = _Known(
                row.id, label=row.label
            )
        self.groups: dict[tuple[str, str], _Known] = {}
        for row in c.execute(select(Group.id, Group.structure_id, Group.code, Group.label)):
            self.groups[self.structure_by_id[row.structure_id], row.code] = _Known(
                row.id, label=row.label
            )
        self.derived = {
            "classes": _Derived(preexisting=set(self.classes)),
            "groups": _Derived(preexisting=set(self.groups)),
        }
        self._reverse: tuple[dict[int, ClassRef], dict[int, ClassRef]] | None = None

    def _structure_label(self, key: str | None) -> str | None:
        if key is None:
            return None
        known = self.structures.get(key)
        return (known.uai if known and known.uai else None) or key

    # -- driver -------------------------------------------------------------------------------

    def run(self) -> DirectoryReport:
        """Read the whole feed; the caller commits (real run) or rolls back (dry run)."""
        batch: _Batch | None = None
        relatives_done = False
        for item in self.feed:
            if isinstance(item, Notice):
                self._warn(item.origin, item.message)
                continue
            if batch is not None and (
                batch.kind is not item.kind or len(batch.items) >= BATCH_SIZE
            ):
                self._process(batch)
                if batch.kind is not item.kind and batch.kind is RecordKind.RELATIVE:
                    self._relatives_disappeared()
                    relatives_done = True
                batch = None
            if batch is None:
                batch = _Batch(item.kind)
            batch.items.append(item)
        if batch is not None:
            self._process(batch)
        if not relatives_done:
            self._relatives_disappeared()
        self._accounts_disappeared()
        self._count_unchanged_groups()
        return self.report

    def _process(self, batch: _Batch) -> None:
        if batch.kind is RecordKind.STRUCTURE:
            self._process_structures(batch.items)
        elif batch.kind in (RecordKind.SUBJECT, RecordKind.MEF):
            self._process_nomenclature(batch.kind, batch.items)
        else:
            self._process_people(batch.kind, batch.items)

    # -- report helpers -----------------------------------------------------------------------

    def _reject(
        self, category: str, origin: Origin, reason: str, structure: str | None = None
    ) -> None:
        self.report.count(category, "rejected", structure)
        self.report.errors.append(ReportError(origin.file, origin.entry_id, reason, origin.line))

    def _warn(self, origin: Origin, message: str) -> None:
        self.report.warnings.append(ReportError(origin.file, origin.entry_id, message, origin.line))

    def _first_time(
        self, namespace: str, key: str, category: str, item: Entry | Modification | Deletion
    ) -> bool:
        seen = self.seen[namespace]
        if key in seen:
            self._reject(
                category, item.origin, "entrée en double dans l'import (déjà lue plus haut)"
            )
            return False
        seen.add(key)
        return True

    @staticmethod
    def _build(entry: Entry) -> DirectoryRecord:
        return entry.build()

    # -- structures ---------------------------------------------------------------------------

    def _process_structures(self, items: list[_Item]) -> None:
        creates: list[_SimpleOp] = []
        updates: list[_SimpleOp] = []
        deletes: list[int] = []
        for item in items:
            if isinstance(item, Rejection):
                self._reject("structures", item.origin, item.reason)
                continue
            key = self.prefix + item.external_id
            if not self._first_time("structure", key, "structures", item):
                continue
            if isinstance(item, Deletion):
                known = self.structures.get(key)
                if known is None or known.id is None:
                    self._reject(
                        "structures", item.origin, "suppression d'un établissement inconnu"
                    )
                    continue
                deletes.append(known.id)
                self.report.count("structures", "deleted", self._structure_label(key))
                continue
            if isinstance(item, Entry):
                known = self.structures.get(key)
                if known is not None and known.fingerprint == item.fingerprint:
                    self.covered.add(key)
                    self.report.count("structures", "unchanged", self._structure_label(key))
                    continue
                try:
                    record = item.build()
                except RecordError as error:
                    self._reject("structures", item.origin, str(error))
                    continue
                fingerprint = item.fingerprint
            else:  # Modification
                known = self.structures.get(key)
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
                known = _Known(None, fingerprint, record.name, record.uai)
                self.structures[key] = known
                creates.append(_SimpleOp("create", key, fingerprint, record))
                outcome = "created"
            else:
                known.fingerprint, known.label, known.uai = fingerprint, record.name, record.uai
                updates.append(_SimpleOp("update", key, fingerprint, record, known.id))
                outcome = "updated"
            if record.uai:
                self.by_uai[record.uai] = key
            self.covered.add(key)
            self.report.count("structures", outcome, self._structure_label(key))
        if self.dry_run:
            return
        c = self.connection
        for op in creates:
            assert isinstance(op.record, StructureRecord)
            new_id = c.execute(
                insert(Structure).returning(Structure.id),
                {
                    **rows.structure_row(op.record, op.key),
                    "source": self.source,
                    "fingerprint": op.fingerprint,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
            ).scalar_one()
            self.structures[op.key].id = new_id
            self.structure_by_id[new_id] = op.key
        for op in updates:
            assert isinstance(op.record, StructureRecord) and op.id is not None
            c.execute(
                update(Structure).where(Structure.id == op.id),
                {
                    **rows.structure_row(op.record, op.key),
                    "fingerprint": op.fingerprint,
                    "updated_at": self.now,
                },
            )
        for chunk in chunks(deletes):
            c.execute(delete(Structure).where(Structure.id.in_(chunk)))

    def _adopt(self, old_key: str, key: str) -> _Known:
        known = self.structures.pop(old_key)
        self.structures[key] = known
        if known.id is not None:
            self.structure_by_id[known.id] = key
        for category, table in (("classes", self.classes), ("groups", self.groups)):
            derived = self.derived[category]
            for old in [k for k in table if k[0] == old_key]:
                new = (key, old[1])
                table[new] = table.pop(old)
                for keys in (
                    derived.preexisting,
                    derived.touched,
                    derived.relabel,
                    derived.updated,
                ):
                    if old in keys:
                        keys.discard(old)
                        keys.add(new)
        return known

    # -- subjects and MEFs ---------------------------------------------------------------------

    def _process_nomenclature(self, kind: RecordKind, items: list[_Item]) -> None:
        category = CATEGORY_OF_KIND[kind]
        table: Any = Subject if kind is RecordKind.SUBJECT else Mef
        known_map = self.subjects if kind is RecordKind.SUBJECT else self.mefs
        namespace = "subject" if kind is RecordKind.SUBJECT else "mef"
        creates: list[_SimpleOp] = []
        updates: list[_SimpleOp] = []
        deletes: list[int] = []
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
                deletes.append(known.id)
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
                known_map[key] = _Known(None, fingerprint, getattr(record, "label", None))
                creates.append(_SimpleOp("create", key, fingerprint, record))
                self.report.count(category, "created")
            else:
                known.fingerprint = fingerprint
                updates.append(_SimpleOp("update", key, fingerprint, record, known.id))
                self.report.count(category, "updated")
        if self.dry_run:
            return
        c = self.connection
        if creates:
            # RETURNING the natural key rather than relying on parameter order: SQLite
            # keeps that order only by running one statement per row.
            inserted = c.execute(
                insert(table).returning(table.id, table.code),
                [
                    {
                        **rows.nomenclature_row(op.record),
                        "source": self.source,
                        "fingerprint": op.fingerprint,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                    for op in creates
                ],
            )
            for new_id, code in inserted:
                known_map[code].id = new_id
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
                for op in updates
            ],
        )
        for chunk in chunks(deletes):
            c.execute(delete(table).where(table.id.in_(chunk)))

    # -- people -------------------------------------------------------------------------------

    def _lookup(self, keys: list[str]) -> dict[str, Any]:
        """Stored accounts of a batch, by feed key: id, fingerprint, profile, state, structure."""
        found: dict[str, Any] = {}
        for chunk in chunks(keys):
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
                found[row.external_id] = row
        return found

    def _account_structure_id(self, record: PersonRecord) -> int | None:
        """The structure an account is counted in: its first attachment, else its first function's."""
        key = self._person_structure(record)
        return self.structures[key].id if key is not None else None

    def _check_person(self, record: PersonRecord, origin: Origin) -> PersonRecord | None:
        """``record`` with references to unknown structures dropped, or ``None`` when it must be rejected."""
        category = CATEGORY_OF_PROFILE[record.profile]
        attachments = [self.prefix + key for key in record.structures]
        unknown = [key for key in attachments if key not in self.structures]
        if unknown:
            names = ", ".join(key[len(self.prefix) :] for key in unknown)
            self._reject(category, origin, f"établissement de rattachement inconnu : {names}")
            return None
        if record.profile is Profile.STUDENT and not attachments:
            self._reject(category, origin, "élève sans établissement de rattachement")
            return None
        structures = self.structures
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
        dropped = {structure for structure in referenced if prefix + structure not in structures}
        if not dropped:
            return record

        def known(structure: str) -> bool:
            return structure not in dropped

        self._warn(
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

    def _person_structure(self, record: PersonRecord) -> str | None:
        if record.structures:
            return self.prefix + record.structures[0]
        if record.functions:
            return self.prefix + record.functions[0].structure
        return None

    def _plan_derived(self, record: PersonRecord) -> None:
        """Plan the classes and groups ``record`` refers to that do not exist yet, and label changes."""
        class_refs = [*record.classes, *record.head_teacher_of]
        group_refs = list(record.groups)
        for teaching in record.teachings:
            ref = ClassRef(teaching.structure, teaching.code)
            (class_refs if teaching.target is TeachingTarget.CLASS else group_refs).append(ref)
        for ref in class_refs:
            self._touch("classes", self.classes, ref)
        for ref in group_refs:
            self._touch("groups", self.groups, ref)

    def _touch(self, category: str, table: dict[tuple[str, str], _Known], ref: ClassRef) -> None:
        key = (self.prefix + ref.structure, ref.code)
        derived = self.derived[category]
        derived.touched.add(key)
        known = table.get(key)
        if known is None:
            table[key] = _Known(None, label=ref.label)
            derived.pending.append(key)
            self.report.count(category, "created", self._structure_label(key[0]))
        elif ref.label and ref.label != known.label:
            known.label = ref.label
            derived.relabel.add(key)
            if key in derived.preexisting and key not in derived.updated:
                derived.updated.add(key)
                self.report.count(category, "updated", self._structure_label(key[0]))

    def _process_people(self, kind: RecordKind, items: list[_Item]) -> None:
        keys = [
            jointure_key(self.prefix, item.external_id)
            for item in items
            if not isinstance(item, Rejection)
        ]
        existing = self._lookup(keys)
        ops: list[_PersonOp] = []
        restores: list[int] = []
        deletes: list[int] = []
        for item in items:
            if isinstance(item, Rejection):
                self._reject(CATEGORY_OF_KIND[kind], item.origin, item.reason)
                continue
            key = jointure_key(self.prefix, item.external_id)
            row = existing.get(key)
            if row is not None:
                category = CATEGORY_OF_PROFILE[Profile(row.profile)]
            else:
                category = CATEGORY_OF_KIND[kind]
            if not self._first_time("person", key, category, item):
                continue
            stored_key = self.structure_by_id.get(row.structure_id) if row is not None else None
            if stored_key is not None:
                self.attached.add(stored_key)
            stored_structure = self._structure_label(stored_key)
            if isinstance(item, Deletion):
                if row is None:
                    self._reject(category, item.origin, "suppression d'un compte inconnu")
                    continue
                deletes.append(row.id)
                self.report.count(category, "deleted", stored_structure)
                continue
            if isinstance(item, Entry):
                if row is not None and row.fingerprint == item.fingerprint:
                    if row.disappeared_at is not None:
                        restores.append(row.id)
                        self.report.count(category, "restored", stored_structure)
                    else:
                        self.report.count(category, "unchanged", stored_structure)
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
            self._plan_derived(record)
            self.attached.update(self.prefix + key for key in record.structures)
            category = CATEGORY_OF_PROFILE[record.profile]
            structure = self._structure_label(self._person_structure(record))
            if row is None:
                ops.append(_PersonOp("create", key, fingerprint, record))
                self.report.count(category, "created", structure)
            else:
                ops.append(_PersonOp("update", key, fingerprint, record, row.id))
                self.report.count(
                    category, "restored" if row.disappeared_at else "updated", structure
                )
        if not self.dry_run:
            self._apply_people(ops, restores, deletes)

    def _stored_person(self, account_id: int) -> PersonRecord:
        if self._reverse is None:
            # Only existing classes and groups can be referenced by a stored account.
            def unprefixed(key: tuple[str, str], known: _Known) -> ClassRef:
                return ClassRef(key[0][len(self.prefix) :], key[1], known.label)

            self._reverse = (
                {k.id: unprefixed(key, k) for key, k in self.classes.items() if k.id is not None},
                {k.id: unprefixed(key, k) for key, k in self.groups.items() if k.id is not None},
            )
        structures = {
            sid: key[len(self.prefix) :]
            for sid, key in self.structure_by_id.items()
            if sid is not None
        }
        return rows.load_person(
            self.connection, account_id, self.prefix, structures, *self._reverse
        )

    # -- applying people ----------------------------------------------------------------------

    def _ensure_derived(self) -> None:
        """Insert the classes (with their spaces) and groups planned so far, and relabel."""
        c = self.connection
        for category, table, model in (
            ("classes", self.classes, SchoolClass),
            ("groups", self.groups, Group),
        ):
            derived = self.derived[category]
            if derived.pending:
                by_key = {(self.structures[key[0]].id, key[1]): key for key in derived.pending}
                inserted = c.execute(
                    insert(model).returning(model.id, model.structure_id, model.code),
                    [
                        {
                            "structure_id": structure_id,
                            "code": code,
                            "label": table[key].label,
                            "created_at": self.now,
                            **({"kind": "option"} if model is Group else {}),
                        }
                        for (structure_id, code), key in by_key.items()
                    ],
                )
                for new_id, structure_id, code in inserted:
                    table[by_key[structure_id, code]].id = new_id
                if model is SchoolClass:
                    c.execute(
                        insert(ClassSpace),
                        [
                            {
                                "class_id": table[key].id,
                                "name": f"Classe {table[key].label or key[1]}",
                                "created_at": self.now,
                            }
                            for key in derived.pending
                        ],
                    )
                derived.pending.clear()
            for key in sorted(derived.relabel):
                known = table[key]
                c.execute(update(model).where(model.id == known.id), {"label": known.label})
            derived.relabel.clear()

    def _apply_people(self, ops: list[_PersonOp], restores: list[int], deletes: list[int]) -> None:
        c = self.connection
        self._ensure_derived()
        creates = [op for op in ops if op.action == "create"]
        updates = [op for op in ops if op.action == "update"]
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
        for chunk in chunks(restores):
            c.execute(
                update(Account).where(Account.id.in_(chunk)),
                {"disappeared_at": None, "updated_at": self.now},
            )
        self._insert_links(ops)
        for chunk in chunks(deletes):
            c.execute(delete(Account).where(Account.id.in_(chunk)))

    def _insert_links(self, ops: list[_PersonOp]) -> None:
        structures: set[tuple[int, int, str]] = set()
        class_members: set[tuple[int, int, str]] = set()
        group_members: set[tuple[int, int, str]] = set()
        teachings: set[tuple[int, int | None, int | None, str | None]] = set()
        functions: dict[tuple[int, int, str, str], tuple[Any, ...]] = {}
        relatives: dict[tuple[int, str], tuple[Any, ...]] = {}

        def sid(key: str) -> int:
            known = self.structures[self.prefix + key]
            assert known.id is not None
            return known.id

        def cid(ref_structure: str, code: str) -> int:
            known = self.classes[self.prefix + ref_structure, code]
            assert known.id is not None
            return known.id

        def gid(ref_structure: str, code: str) -> int:
            known = self.groups[self.prefix + ref_structure, code]
            assert known.id is not None
            return known.id

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
                relatives[account, self.prefix + link.relative] = (
                    account,
                    self.prefix + link.relative,
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
        bulk_insert(
            c,
            RelativeLinkRow,
            RELATIVE_COLUMNS,
            list(relatives.values()),
        )

    # -- disappearance ------------------------------------------------------------------------

    def _covered_ids(self) -> list[int]:
        """Structures a full import speaks for: those of its structure files, else its accounts'."""
        covered = self.covered if RecordKind.STRUCTURE in self.complete else self.attached
        return [known.id for key in covered if (known := self.structures[key]).id is not None]

    def _scope(self) -> Any:
        condition = Account.source == self.source
        if self.prefix:
            condition = and_(
                condition, Account.external_id.startswith(self.prefix, autoescape=True)
            )
        return condition

    def _settle_absent(self, candidates: Iterable[Any]) -> None:
        """Mark absent accounts disappeared; delete those gone longer than the delay.

        ``candidates`` rows carry ``id``, ``external_id``, ``profile``,
        ``disappeared_at`` and ``structure_id``; they are streamed, never held.
        """
        disappear: list[int] = []
        remove: list[int] = []
        limit = self.now - self.delete_after
        seen = self.seen["person"]
        for row in candidates:
            if row.external_id in seen:
                continue
            structure = self._structure_label(self.structure_by_id.get(row.structure_id))
            category = CATEGORY_OF_PROFILE[Profile(row.profile)]
            if row.disappeared_at is None:
                disappear.append(row.id)
                self.report.count(category, "disappeared", structure)
            elif row.disappeared_at <= limit:
                remove.append(row.id)
                self.report.count(category, "deleted", structure)
        if self.dry_run:
            return
        for chunk in chunks(disappear):
            self.connection.execute(
                update(Account).where(Account.id.in_(chunk)), {"disappeared_at": self.now}
            )
        for chunk in chunks(remove):
            self.connection.execute(delete(Account).where(Account.id.in_(chunk)))

    def _stream(self, statement: Any) -> Iterator[Any]:
        """Rows of ``statement`` fetched in slices, so that an académie's accounts never sit in memory."""
        # On the statement, not the connection: a connection's options would stay set
        # and put every later statement of the import on a server-side cursor.
        yield from self.connection.execute(statement.execution_options(yield_per=2000))

    def _relatives_disappeared(self) -> None:
        """Relatives absent from a full relatives file, judged on the links as they were before this import.

        A relative still linked to a student of a structure the import does not
        cover is kept: another feed speaks for that child.
        """
        if not (self.full and RecordKind.RELATIVE in self.complete):
            return
        covered = set(self._covered_ids())
        elsewhere = (
            select(RelativeLinkRow.relative_external_id)
            .join(Account, Account.id == RelativeLinkRow.student_id)
            .where(Account.structure_id.is_not(None), Account.structure_id.not_in(covered))
        )
        protected = set(self.connection.execute(elsewhere).scalars()) if covered else set()
        candidates = self._stream(
            select(
                Account.id,
                Account.external_id,
                Account.profile,
                Account.disappeared_at,
                Account.structure_id,
            ).where(self._scope(), Account.profile == Profile.RELATIVE.value)
        )
        self._settle_absent(row for row in candidates if row.external_id not in protected)

    def _accounts_disappeared(self) -> None:
        """Students, staff and guests of the covered structures absent from the full files of their kind."""
        if not self.full:
            return
        profiles = [
            profile.value
            for kind in (RecordKind.STUDENT, RecordKind.STAFF, RecordKind.GUEST)
            if kind in self.complete
            for profile in PROFILES_OF_KIND[kind]
        ]
        covered = self._covered_ids()
        if not profiles or not covered:
            return
        attached = (
            select(AccountStructure.account_id)
            .where(AccountStructure.structure_id.in_(covered))
            .distinct()
            .subquery()
        )
        self._settle_absent(
            self._stream(
                select(
                    Account.id,
                    Account.external_id,
                    Account.profile,
                    Account.disappeared_at,
                    Account.structure_id,
                )
                .join(attached, attached.c.account_id == Account.id)
                .where(self._scope(), Account.profile.in_(profiles))
            )
        )

    def _count_unchanged_groups(self) -> None:
        """Existing classes and groups this import referred to (or whose structure it covers) and left alone."""
        for category in ("classes", "groups"):
            derived = self.derived[category]
            for key in sorted(derived.preexisting - derived.updated):
                if key in derived.touched or (self.full and key[0] in self.covered):
                    self.report.count(category, "unchanged", self._structure_label(key[0]))


def _derive(fingerprint: bytes, changes: tuple[tuple[str, object], ...]) -> bytes:
    """The fingerprint of a record after a modification (never equal to a feed entry's)."""
    return hashlib.blake2b(fingerprint + repr(changes).encode(), digest_size=16).digest()
