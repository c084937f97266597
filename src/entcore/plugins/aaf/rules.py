"""How the attributes of one AAF category map onto record fields.

A :class:`CategorySpec` lists, for a category of one degree (1D or 2D):

* :class:`Field` rules: one attribute → one record field (``last_name``), a
  part of a nested record (``address.city``) or a fact kept in
  ``PersonRecord.extra`` (``extra.accommodation``);
* :class:`Composite` rules: fields computed from several attributes together
  (a staff member's profile, teachings merged from four attributes);
* attributes known but deliberately not carried (legacy or without a field).

The same rules build whole records (``addRequest``) and the field changes of a
``modifyRequest``, so both always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from entcore.model import (
    Address,
    DirectoryRecord,
    MefRecord,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    StructureRecord,
    SubjectRecord,
)

if TYPE_CHECKING:
    from datetime import date

    from entcore.plugins.aaf.values import Converter

#: Attribute name → its raw values, as grouped for building.
Attributes = Mapping[str, Sequence[str]]

#: Record field path → typed value.
Fields = dict[str, Any]

EXTRA = "extra."
ADDRESS = "address."

MISSING_STRUCTURE_NAME = "nom de la structure manquant"
MISSING_LABEL = "libellé manquant"
MISSING_LAST_NAME = "nom de famille manquant"
MISSING_FIRST_NAME = "prénom manquant"
MISSING_BIRTH_DATE = "date de naissance manquante"


@dataclass(frozen=True)
class Field:
    """One attribute converted into one field."""

    path: str
    convert: Converter


@dataclass(frozen=True)
class Composite:
    """Fields computed from several attributes.

    ``compose`` receives the attributes (absent ones missing from the mapping)
    and returns the fields.  ``partial``, when given, computes what can still
    be decided when a modification lists only some of ``sources``; it returns
    ``None`` when nothing can.
    """

    paths: tuple[str, ...]
    sources: tuple[str, ...]
    compose: Callable[[Attributes], Fields]
    partial: Callable[[Attributes], Fields | None] | None = None


Maker = Callable[[str, Fields], DirectoryRecord]


@dataclass(frozen=True)
class CategorySpec:
    """The mapping of one category of one degree."""

    kind: RecordKind
    degree: str
    key: str
    """The jointure attribute, which must agree with ``identifier/id``."""
    fields: Mapping[str, tuple[Field, ...]]
    composites: tuple[Composite, ...]
    ignored: frozenset[str]
    make: Maker
    required: Mapping[str, str]
    """Field path → French reason when a modification empties it."""
    known: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        known = {self.key, *self.fields, *self.ignored}
        for composite in self.composites:
            known.update(composite.sources)
        object.__setattr__(self, "known", frozenset(known))

    def build(self, external_id: str, attributes: Attributes) -> DirectoryRecord:
        """The record of an ``addRequest``; raises :class:`RecordError` when invalid."""
        values: Fields = {}
        for name, raw in attributes.items():
            for rule in self.fields.get(name, ()):
                values[rule.path] = rule.convert(name, raw)
        for composite in self.composites:
            values.update(composite.compose(attributes))
        return self.make(external_id, values)


def _address(values: Fields) -> Address | None:
    lines = values.get("address.lines") or ()
    postal_code = values.get("address.postal_code")
    city = values.get("address.city")
    country = values.get("address.country")
    if not (lines or postal_code or city or country):
        return None
    return Address(tuple(lines), postal_code, city, country)


def _extra(values: Fields) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for path, value in values.items():
        if path.startswith(EXTRA):
            key = path[len(EXTRA) :]
            pairs.extend((key, item) for item in value)
    return tuple(pairs)


def _required(value: object, reason: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(reason)
    return value


def make_structure(external_id: str, values: Fields) -> StructureRecord:
    """A :class:`StructureRecord`; the name is required."""
    return StructureRecord(
        external_id=external_id,
        name=_required(values.get("name"), MISSING_STRUCTURE_NAME),
        uai=values.get("uai"),
        type=values.get("type"),
        academy=values.get("academy"),
        contract=values.get("contract"),
        ministry=values.get("ministry"),
        siret=values.get("siret"),
        address=_address(values),
        phone=values.get("phone"),
        email=values.get("email"),
        parents=values.get("parents", ()),
        extra=_extra(values),
    )


def make_subject(external_id: str, values: Fields) -> SubjectRecord:
    """A :class:`SubjectRecord`; the label is required."""
    return SubjectRecord(code=external_id, label=_required(values.get("label"), MISSING_LABEL))


def make_mef(external_id: str, values: Fields) -> MefRecord:
    """A :class:`MefRecord`; the label is required."""
    return MefRecord(
        code=external_id,
        label=_required(values.get("label"), MISSING_LABEL),
        attachment=values.get("attachment"),
        statistical=values.get("statistical"),
    )


def person_maker(profile: Profile | None) -> Maker:
    """A maker of :class:`PersonRecord` of a fixed ``profile``, or of the computed one when None.

    Last and first names are required; students also need a birth date.
    """

    def make(external_id: str, values: Fields) -> PersonRecord:
        last_name = _required(values.get("last_name"), MISSING_LAST_NAME)
        first_name = _required(values.get("first_name"), MISSING_FIRST_NAME)
        chosen: Profile = profile or values.get("profile") or Profile.PERSONNEL
        birth: date | None = values.get("birth_date")
        if chosen is Profile.STUDENT and birth is None:
            raise RecordError(MISSING_BIRTH_DATE)
        return PersonRecord(
            external_id=external_id,
            profile=chosen,
            last_name=last_name,
            first_name=first_name,
            birth_name=values.get("birth_name"),
            other_first_names=values.get("other_first_names", ()),
            title=values.get("title"),
            birth_date=birth,
            email=values.get("email"),
            ine=values.get("ine"),
            structures=values.get("structures", ()),
            classes=values.get("classes", ()),
            groups=values.get("groups", ()),
            class_periods=values.get("class_periods", ()),
            relatives=values.get("relatives", ()),
            functions=values.get("functions", ()),
            teachings=values.get("teachings", ()),
            head_teacher_of=values.get("head_teacher_of", ()),
            mefs=values.get("mefs", ()),
            mef=values.get("mef"),
            address=_address(values),
            home_phone=values.get("home_phone"),
            work_phone=values.get("work_phone"),
            mobile_phones=values.get("mobile_phones", ()),
            extra=_extra(values),
        )

    return make


def fields(*rules: tuple[str, str, Converter]) -> dict[str, tuple[Field, ...]]:
    """Build a :attr:`CategorySpec.fields` table from ``(attribute, path, converter)`` triples."""
    table: dict[str, list[Field]] = {}
    for attribute, path, convert in rules:
        table.setdefault(attribute, []).append(Field(path, convert))
    return {attribute: tuple(rules_) for attribute, rules_ in table.items()}


PERSON_REQUIRED = {"last_name": MISSING_LAST_NAME, "first_name": MISSING_FIRST_NAME}
STUDENT_REQUIRED = {**PERSON_REQUIRED, "birth_date": MISSING_BIRTH_DATE}
