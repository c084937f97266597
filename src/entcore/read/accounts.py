"""Account views, built a batch at a time.

For a batch of account rows, each kind of related row (structures, functions,
classes, groups, teachings, relatives, children, MEF structures) is fetched
with one query over the batch's ids: a fixed number of queries per batch,
never one per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, func, or_, select
from sqlalchemy.orm import aliased

from entcore.model.directory import Address, Profile, Relationship, TeachingTarget
from entcore.model.views import (
    AccountState,
    AccountView,
    ClassMembership,
    FunctionView,
    GroupKind,
    GroupMembership,
    LinkedAccount,
    MefAssignment,
    MemberRole,
    StructureRef,
    TeachingView,
)
from entcore.read.paging import AnySelect
from entcore.store.schema import (
    Account,
    AccountStructure,
    ClassMember,
    Function,
    Group,
    GroupMember,
    RelativeLinkRow,
    SchoolClass,
    Structure,
    TeachingAssignment,
)

#: The account columns a view is built from; the first is the keyset key.
COLUMNS = (
    Account.id,
    Account.login,
    Account.external_id,
    Account.profile,
    Account.disappeared_at,
    Account.last_name,
    Account.first_name,
    Account.display_name,
    Account.birth_name,
    Account.title,
    Account.birth_date,
    Account.email,
    Account.ine,
    Account.mef,
    Account.federated,
    Account.source,
    Account.structure_id,
    Account.details,
)

#: The fact of the feed that lists a student's subjects (AAF ``ENTEleveCodeEnseignements``).
STUDIED_SUBJECT = "subject_code"


def state_of(disappeared_at: object) -> AccountState:
    """The state an account's ``disappeared_at`` column says."""
    return AccountState.ACTIVE if disappeared_at is None else AccountState.DISAPPEARED


def address_of(data: Any) -> Address | None:
    """The :class:`~entcore.model.Address` stored in a ``details`` column, if any."""
    if not isinstance(data, dict):
        return None
    return Address(
        tuple(data.get("lines") or ()),
        data.get("postal_code"),
        data.get("city"),
        data.get("country"),
    )


def filters(
    *,
    structure_id: int | None,
    profiles: frozenset[Profile] | None,
    include_disappeared: bool,
) -> list[ColumnElement[bool]]:
    """WHERE conditions selecting the accounts of a listing.

    A structure's accounts are those attached to it or holding a function
    there, and the relatives of its students (relatives have no structure of
    their own in the feeds).
    """
    conditions: list[ColumnElement[bool]] = []
    if not include_disappeared:
        conditions.append(Account.disappeared_at.is_(None))
    if profiles is not None:
        conditions.append(Account.profile.in_(sorted(profile.value for profile in profiles)))
    if structure_id is not None:
        members = select(AccountStructure.account_id).where(
            AccountStructure.structure_id == structure_id
        )
        student = aliased(Account)
        students = (
            select(AccountStructure.account_id)
            .join(student, student.id == AccountStructure.account_id)
            .where(AccountStructure.structure_id == structure_id)
        )
        if not include_disappeared:
            students = students.where(student.disappeared_at.is_(None))
        relatives = select(RelativeLinkRow.relative_external_id).where(
            RelativeLinkRow.student_id.in_(students)
        )
        conditions.append(
            or_(
                Account.id.in_(members),
                and_(
                    Account.profile == Profile.RELATIVE.value,
                    Account.external_id.in_(relatives),
                ),
            )
        )
    return conditions


def listing(conditions: list[ColumnElement[bool]]) -> Callable[[int], AnySelect]:
    """The keyset statement factory of a listing (see :func:`entcore.read.paging.keyset`)."""

    def statement(last: int) -> AnySelect:
        return select(*COLUMNS).where(Account.id > last, *conditions).order_by(Account.id)

    return statement


def build_accounts(
    connection: Connection,
    rows: Sequence[Row[Any]],
    *,
    prefix: str,
    include_disappeared: bool,
) -> list[AccountView]:
    """The views of a batch of account rows (selected with :data:`COLUMNS`), in their order."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    related = _Related(connection, ids, [row.external_id for row in rows], include_disappeared)
    mef_structures = _mef_structures(connection, rows, prefix)
    views = []
    for row in rows:
        details = row.details or {}
        extra = tuple((str(key), str(value)) for key, value in details.get("extra") or ())
        mefs = tuple(
            MefAssignment(
                mef_structures.get(prefix + key, (None,))[0], prefix + key, code, label or ""
            )
            for key, code, label in details.get("mefs") or ()
        )
        views.append(
            AccountView(
                login=row.login,
                external_id=row.external_id,
                profile=Profile(row.profile),
                state=state_of(row.disappeared_at),
                disappeared_at=row.disappeared_at,
                last_name=row.last_name,
                first_name=row.first_name,
                display_name=row.display_name,
                birth_name=row.birth_name,
                other_first_names=tuple(details.get("other_first_names") or ()),
                title=row.title,
                birth_date=row.birth_date,
                email=row.email,
                ine=row.ine,
                address=address_of(details.get("address")),
                federated=bool(row.federated),
                source=row.source,
                structures=related.structures(row.id, row.structure_id),
                functions=tuple(related.functions[row.id]),
                classes=tuple(related.classes[row.id]),
                groups=tuple(related.groups[row.id]),
                teachings=tuple(related.teachings[row.id]),
                mef=row.mef,
                mefs=mefs,
                subjects_studied=tuple(value for key, value in extra if key == STUDIED_SUBJECT),
                relatives=tuple(related.relatives[row.id]),
                children=tuple(related.children[row.external_id]),
                extra=extra,
            )
        )
    return views


def _mef_structures(
    connection: Connection, rows: Sequence[Row[Any]], prefix: str
) -> dict[str, tuple[str | None]]:
    # Teachers' MEFs name their structure by the feed's key (no académie prefix).
    keys = {
        prefix + str(entry[0])
        for row in rows
        for entry in (row.details or {}).get("mefs") or ()
        if entry
    }
    if not keys:
        return {}
    return {
        external_id: (uai,)
        for external_id, uai in connection.execute(
            select(Structure.external_id, Structure.uai).where(Structure.external_id.in_(keys))
        )
    }


class _Related:
    """The related rows of one batch of accounts, grouped by account."""

    def __init__(
        self,
        connection: Connection,
        ids: list[int],
        external_ids: list[str],
        include_disappeared: bool,
    ):
        self._connection = connection
        self._ids = ids
        self._structures: dict[int, dict[str, tuple[StructureRef, int]]] = defaultdict(dict)
        self.functions: dict[int, list[FunctionView]] = defaultdict(list)
        self.classes: dict[int, list[ClassMembership]] = defaultdict(list)
        self.groups: dict[int, list[GroupMembership]] = defaultdict(list)
        self.teachings: dict[int, list[TeachingView]] = defaultdict(list)
        self.relatives: dict[int, list[LinkedAccount]] = defaultdict(list)
        self.children: dict[str, list[LinkedAccount]] = defaultdict(list)
        self._load_structures()
        self._load_functions()
        self._load_classes()
        self._load_groups()
        self._load_teachings()
        self._load_links(external_ids, include_disappeared)

    def structures(self, account_id: int, main: int | None) -> tuple[StructureRef, ...]:
        """Attachments first (the account's main structure leading), then function-only ones."""
        refs = self._structures.get(account_id, {})
        return tuple(
            ref
            for ref, structure_id in sorted(
                refs.values(),
                key=lambda item: (
                    not item[0].attachment,
                    item[1] != main,
                    item[0].uai or "",
                    item[0].external_id,
                ),
            )
        )

    def _load_structures(self) -> None:
        statement = (
            select(
                AccountStructure.account_id,
                AccountStructure.role,
                Structure.id,
                Structure.external_id,
                Structure.uai,
                Structure.name,
            )
            .join(Structure, Structure.id == AccountStructure.structure_id)
            .where(AccountStructure.account_id.in_(self._ids))
        )
        for account_id, role, structure_id, external_id, uai, name in self._connection.execute(
            statement
        ):
            refs = self._structures[account_id]
            attachment = role == "attachment" or (
                external_id in refs and refs[external_id][0].attachment
            )
            refs[external_id] = (StructureRef(external_id, uai, name, attachment), structure_id)

    def _load_functions(self) -> None:
        statement = (
            select(
                Function.account_id,
                Structure.uai,
                Structure.external_id,
                Function.code,
                Function.label,
                Function.discipline_code,
                Function.discipline_label,
            )
            .join(Structure, Structure.id == Function.structure_id)
            .where(Function.account_id.in_(self._ids))
            .order_by(Function.account_id, Function.id)
        )
        for (
            account_id,
            uai,
            structure,
            code,
            label,
            discipline,
            discipline_label,
        ) in self._connection.execute(statement):
            self.functions[account_id].append(
                FunctionView(uai, structure, code, label, discipline, discipline_label)
            )

    def _load_classes(self) -> None:
        # Directory and timetable memberships alike; one per (class, role).
        statement = (
            select(
                ClassMember.account_id,
                Structure.uai,
                Structure.external_id,
                SchoolClass.code,
                SchoolClass.label,
                ClassMember.role,
            )
            .distinct()
            .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
            .join(Structure, Structure.id == SchoolClass.structure_id)
            .where(ClassMember.account_id.in_(self._ids))
            .order_by(
                ClassMember.account_id, Structure.external_id, SchoolClass.code, ClassMember.role
            )
        )
        for account_id, uai, structure, code, label, role in self._connection.execute(statement):
            self.classes[account_id].append(
                ClassMembership(uai, structure, code, label, MemberRole(role))
            )

    def _load_groups(self) -> None:
        statement = (
            select(
                GroupMember.account_id,
                Structure.uai,
                Structure.external_id,
                Group.code,
                Group.label,
                Group.kind,
                GroupMember.role,
            )
            .distinct()
            .join(Group, Group.id == GroupMember.group_id)
            .join(Structure, Structure.id == Group.structure_id)
            .where(GroupMember.account_id.in_(self._ids))
            .order_by(GroupMember.account_id, Structure.external_id, Group.code, GroupMember.role)
        )
        for account_id, uai, structure, code, label, kind, role in self._connection.execute(
            statement
        ):
            self.groups[account_id].append(
                GroupMembership(uai, structure, code, label, GroupKind(kind), MemberRole(role))
            )

    def _load_teachings(self) -> None:
        statement = (
            select(
                TeachingAssignment.account_id,
                Structure.uai,
                Structure.external_id,
                SchoolClass.code,
                Group.code,
                TeachingAssignment.subject_code,
            )
            .outerjoin(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .outerjoin(Group, Group.id == TeachingAssignment.group_id)
            .join(
                Structure,
                Structure.id == func.coalesce(SchoolClass.structure_id, Group.structure_id),
            )
            .where(TeachingAssignment.account_id.in_(self._ids))
            .order_by(TeachingAssignment.account_id, TeachingAssignment.id)
        )
        for account_id, uai, structure, class_code, group_code, subject in self._connection.execute(
            statement
        ):
            target = TeachingTarget.CLASS if class_code is not None else TeachingTarget.GROUP
            code = class_code if class_code is not None else group_code
            self.teachings[account_id].append(TeachingView(uai, structure, target, code, subject))

    def _load_links(self, external_ids: list[str], include_disappeared: bool) -> None:
        # Both directions first, then the UAIs of every linked account in one query.
        relative, child = aliased(Account), aliased(Account)
        to_relatives = (
            select(
                RelativeLinkRow.student_id,
                relative.id,
                RelativeLinkRow.relative_external_id,
                relative.login,
                relative.last_name,
                relative.first_name,
                relative.display_name,
                relative.disappeared_at,
                *_LINK_FLAGS,
            )
            .outerjoin(relative, relative.external_id == RelativeLinkRow.relative_external_id)
            .where(RelativeLinkRow.student_id.in_(self._ids))
            .order_by(RelativeLinkRow.student_id, RelativeLinkRow.relative_external_id)
        )
        to_children = (
            select(
                RelativeLinkRow.relative_external_id,
                child.id,
                child.external_id,
                child.login,
                child.last_name,
                child.first_name,
                child.display_name,
                child.disappeared_at,
                *_LINK_FLAGS,
            )
            .join(child, child.id == RelativeLinkRow.student_id)
            .where(RelativeLinkRow.relative_external_id.in_(external_ids))
            .order_by(RelativeLinkRow.relative_external_id, child.external_id)
        )
        if not include_disappeared:
            relatives = [
                row
                for row in self._connection.execute(to_relatives)
                if row.id is None or row.disappeared_at is None
            ]
            to_children = to_children.where(child.disappeared_at.is_(None))
        else:
            relatives = list(self._connection.execute(to_relatives))
        children = list(self._connection.execute(to_children))
        linked = {row[1] for row in (*relatives, *children) if row[1] is not None}
        uais: dict[int, list[str]] = defaultdict(list)
        if linked:
            for account_id, uai in self._connection.execute(
                select(AccountStructure.account_id, Structure.uai)
                .join(Structure, Structure.id == AccountStructure.structure_id)
                .where(
                    AccountStructure.account_id.in_(sorted(linked)),
                    AccountStructure.role == "attachment",
                )
                .order_by(AccountStructure.account_id, Structure.uai)
            ):
                if uai is not None:
                    uais[account_id].append(uai)
        for student_id, account_id, *fields in relatives:
            self.relatives[student_id].append(_linked(fields, uais.get(account_id, ())))
        for relative_external_id, account_id, *fields in children:
            self.children[relative_external_id].append(_linked(fields, uais.get(account_id, ())))


_LINK_FLAGS = (
    RelativeLinkRow.relationship,
    RelativeLinkRow.code,
    RelativeLinkRow.legal,
    RelativeLinkRow.financial,
    RelativeLinkRow.in_charge,
    RelativeLinkRow.contact,
    RelativeLinkRow.payer,
)


def _linked(fields: list[Any], uais: Sequence[str]) -> LinkedAccount:
    """A linked account from (external id, login, names, disappeared_at, *link flags)."""
    external_id, login, last_name, first_name, display_name, disappeared_at, *link = fields
    relationship, code, legal, financial, in_charge, contact, payer = link
    return LinkedAccount(
        external_id=external_id,
        login=login,
        last_name=last_name,
        first_name=first_name,
        display_name=display_name,
        state=None if login is None else state_of(disappeared_at),
        uais=tuple(uais),
        relationship=Relationship(relationship),
        code=code,
        legal=bool(legal),
        financial=bool(financial),
        in_charge=bool(in_charge),
        contact=bool(contact),
        payer=bool(payer),
    )
