"""Records to rows, and stored rows back to records (for ``modifyRequest`` merges)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
from sqlalchemy import Connection, select

from entcore.model.directory import (
    Address,
    ClassPeriod,
    ClassRef,
    FunctionAssignment,
    MefRecord,
    MefRef,
    PersonRecord,
    Profile,
    Relationship,
    RelativeLink,
    StructureRecord,
    SubjectRecord,
    Teaching,
    TeachingTarget,
)
from entcore.store.schema import (
    Account,
    AccountStructure,
    ClassMember,
    Function,
    GroupMember,
    Mef,
    RelativeLinkRow,
    Structure,
    Subject,
    TeachingAssignment,
)


def _address_out(address: Address) -> dict[str, Any]:
    return {
        "lines": list(address.lines),
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
    }


def _address_in(data: dict[str, Any]) -> Address:
    return Address(tuple(data["lines"]), data["postal_code"], data["city"], data["country"])


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day_in(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _same(value: Any) -> Any:
    return value


# The ``details`` column holds the record fields that need no column of their own.
# Encoded by hand rather than through the cattrs converter: this runs for every
# created or changed account of an académie feed, where a generic converter
# costs more than the rest of the row (each codec is a pair of inverse functions).
_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "other_first_names": (list, tuple),
    "address": (_address_out, _address_in),
    "home_phone": (_same, _same),
    "work_phone": (_same, _same),
    "mobile_phones": (list, tuple),
    "class_periods": (
        lambda periods: [[p.structure, p.code, _day(p.start), _day(p.end)] for p in periods],
        lambda rows: tuple(ClassPeriod(s, c, _day_in(a), _day_in(b)) for s, c, a, b in rows),
    ),
    "mefs": (
        lambda mefs: [[m.structure, m.code, m.label] for m in mefs],
        lambda rows: tuple(MefRef(*row) for row in rows),
    ),
    # Pairs are stored as they are: JSON writes tuples as lists.
    "extra": (list, lambda rows: tuple((key, value) for key, value in rows)),
    "contract": (_same, _same),
    "ministry": (_same, _same),
    "siret": (_same, _same),
    "phone": (_same, _same),
    "email": (_same, _same),
    "parents": (list, tuple),
}

#: PersonRecord fields kept whole in the ``details`` JSON column.
PERSON_DETAILS = (
    "other_first_names",
    "address",
    "home_phone",
    "work_phone",
    "mobile_phones",
    "class_periods",
    "mefs",
    "extra",
)

STRUCTURE_DETAILS = (
    "contract",
    "ministry",
    "siret",
    "address",
    "phone",
    "email",
    "parents",
    "extra",
)


def _details(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The non-empty fields ``names`` of ``record`` as JSON-ready data."""
    details = {}
    for name in names:
        value = getattr(record, name)
        if value not in (None, (), ""):
            details[name] = _CODECS[name][0](value)
    return details


def _from_details(details: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _CODECS[name][1](details[name]) for name in names if name in details}


def structure_row(record: StructureRecord, external_id: str) -> dict[str, Any]:
    """Column values of a structure."""
    return {
        "external_id": external_id,
        "uai": record.uai,
        "name": record.name,
        "type": record.type,
        "academy": record.academy,
        "details": _details(record, STRUCTURE_DETAILS),
    }


def subject_row(record: SubjectRecord) -> dict[str, Any]:
    """Column values of a subject."""
    return {"code": record.code, "label": record.label}


def mef_row(record: MefRecord) -> dict[str, Any]:
    """Column values of a MEF."""
    return {
        "code": record.code,
        "label": record.label,
        "attachment": record.attachment,
        "statistical": record.statistical,
    }


def nomenclature_row(record: object) -> dict[str, Any]:
    """Column values of a subject or a MEF."""
    if isinstance(record, SubjectRecord):
        return subject_row(record)
    if isinstance(record, MefRecord):
        return mef_row(record)
    raise TypeError(f"not a subject nor a MEF: {record!r}")


#: The columns :func:`account_row` fills, in its order.
ACCOUNT_COLUMNS = (
    "external_id",
    "profile",
    "display_name",
    "last_name",
    "first_name",
    "birth_name",
    "birth_date",
    "title",
    "email",
    "ine",
    "mef",
    "details",
)


def account_row(record: PersonRecord, external_id: str) -> dict[str, Any]:
    """Column values of an account (:data:`ACCOUNT_COLUMNS`, in that order)."""
    return {
        "external_id": external_id,
        "profile": record.profile.value,
        "display_name": f"{record.last_name} {record.first_name}".strip(),
        "last_name": record.last_name,
        "first_name": record.first_name,
        "birth_name": record.birth_name,
        "birth_date": record.birth_date,
        "title": record.title,
        "email": record.email,
        "ine": record.ine,
        "mef": record.mef,
        "details": _details(record, PERSON_DETAILS),
    }


def load_person(
    connection: Connection,
    account_id: int,
    prefix: str,
    structures: dict[int, str],
    classes: dict[int, ClassRef],
    groups: dict[int, ClassRef],
) -> PersonRecord:
    """Rebuild the record an account was written from, with feed keys (prefix removed).

    ``structures``, ``classes`` and ``groups`` name the stored ids with feed keys.
    """

    def unprefix(key: str) -> str:
        return key[len(prefix) :] if prefix and key.startswith(prefix) else key

    account = connection.execute(select(Account).where(Account.id == account_id)).one()._mapping
    attachments = tuple(
        structures[sid]
        for sid in connection.execute(
            select(AccountStructure.structure_id).where(
                AccountStructure.account_id == account_id, AccountStructure.role == "attachment"
            )
        ).scalars()
    )
    class_roles = connection.execute(
        select(ClassMember.class_id, ClassMember.role).where(
            ClassMember.account_id == account_id, ClassMember.source == "directory"
        )
    ).all()
    group_roles = connection.execute(
        select(GroupMember.group_id, GroupMember.role).where(
            GroupMember.account_id == account_id, GroupMember.source == "directory"
        )
    ).all()
    teachings = []
    for assignment in connection.execute(
        select(TeachingAssignment).where(TeachingAssignment.account_id == account_id)
    ):
        if assignment.class_id is not None:
            ref, target = classes[assignment.class_id], TeachingTarget.CLASS
        else:
            assert assignment.group_id is not None
            ref, target = groups[assignment.group_id], TeachingTarget.GROUP
        teachings.append(Teaching(ref.structure, target, ref.code, assignment.subject_code))
    functions = tuple(
        FunctionAssignment(
            structures[row.structure_id],
            row.code,
            row.label,
            row.discipline_code,
            row.discipline_label,
        )
        for row in connection.execute(select(Function).where(Function.account_id == account_id))
    )
    relatives = tuple(
        RelativeLink(
            unprefix(row.relative_external_id),
            Relationship(row.relationship),
            row.code,
            row.financial,
            row.legal,
            row.in_charge,
            row.contact,
            row.payer,
        )
        for row in connection.execute(
            select(RelativeLinkRow).where(RelativeLinkRow.student_id == account_id)
        )
    )
    details = _from_details(account["details"] or {}, PERSON_DETAILS)
    return PersonRecord(
        external_id=unprefix(account["external_id"]),
        profile=Profile(account["profile"]),
        last_name=account["last_name"],
        first_name=account["first_name"],
        birth_name=account["birth_name"],
        title=account["title"],
        birth_date=account["birth_date"],
        email=account["email"],
        ine=account["ine"],
        structures=attachments,
        classes=tuple(classes[cid] for cid, role in class_roles if role == "student"),
        groups=tuple(groups[gid] for gid, role in group_roles if role == "student"),
        relatives=relatives,
        functions=functions,
        teachings=tuple(teachings),
        head_teacher_of=tuple(classes[cid] for cid, role in class_roles if role == "head_teacher"),
        mef=account["mef"],
        **details,
    )


def load_structure(connection: Connection, structure_id: int, prefix: str) -> StructureRecord:
    """Rebuild the record a structure was written from."""
    row = connection.execute(select(Structure).where(Structure.id == structure_id)).one()
    external_id = (
        row.external_id[len(prefix) :]
        if prefix and row.external_id.startswith(prefix)
        else row.external_id
    )
    return StructureRecord(
        external_id=external_id,
        name=row.name,
        uai=row.uai,
        type=row.type,
        academy=row.academy,
        **_from_details(row.details or {}, STRUCTURE_DETAILS),
    )


def load_subject(connection: Connection, code: str) -> SubjectRecord:
    """Rebuild a subject record."""
    row = connection.execute(select(Subject).where(Subject.code == code)).one()
    return SubjectRecord(code=row.code, label=row.label)


def load_mef(connection: Connection, code: str) -> MefRecord:
    """Rebuild a MEF record."""
    row = connection.execute(select(Mef).where(Mef.code == code)).one()
    return MefRecord(row.code, row.label, row.attachment, row.statistical)


def evolve(record: Any, changes: tuple[tuple[str, object], ...]) -> Any:
    """``record`` with ``changes`` applied; dotted names reach into nested records."""
    nested: dict[str, list[tuple[str, object]]] = {}
    direct: dict[str, object] = {}
    for name, value in changes:
        head, _, rest = name.partition(".")
        if rest:
            nested.setdefault(head, []).append((rest, value))
        else:
            direct[head] = value
    for head, inner in nested.items():
        current = direct.get(head, getattr(record, head))
        if current is None:
            current = _nested_default(typing.get_type_hints(type(record))[head])
        direct[head] = evolve(current, tuple(inner))
    return attrs.evolve(record, **direct)


def _nested_default(field_type: Any) -> Any:
    # Optional nested records (Address | None) start empty when a modification fills one part.
    for candidate in getattr(field_type, "__args__", (field_type,)):
        if attrs.has(candidate):
            return candidate()
    raise ValueError(f"cannot modify a part of a field of type {field_type}")
