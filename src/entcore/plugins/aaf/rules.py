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


#: Makes the record of an external id from its fields (no ``extra.`` path among
#: them; the maker may take some out) and its ``extra`` pairs.
Maker = Callable[[str, Fields, tuple[tuple[str, str], ...]], DirectoryRecord]


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
    read: frozenset[str] = field(init=False)
    """The attributes :meth:`build` reads: those of the field and composite rules."""

    def __post_init__(self) -> None:
        read = set(self.fields)
        for composite in self.composites:
            read.update(composite.sources)
        object.__setattr__(self, "read", frozenset(read))
        object.__setattr__(self, "known", frozenset({self.key, *read, *self.ignored}))

    def build(self, external_id: str, attributes: Attributes) -> DirectoryRecord:
        """The record of an ``addRequest``; raises :class:`RecordError` when invalid.

        The reference of what a record is; :class:`~.builder.Builder` computes
        the same faster.
        """
        values: Fields = {}
        for name, raw in attributes.items():
            for rule in self.fields.get(name, ()):
                values[rule.path] = rule.convert(name, raw)
        for composite in self.composites:
            values.update(composite.compose(attributes))
        plain = {path: value for path, value in values.items() if extra_key(path) is None}
        return self.make(external_id, plain, extra_pairs(values))


def _address(values: Fields) -> Address | None:
    get = values.get
    lines = get("address.lines") or ()
    postal_code = get("address.postal_code")
    city = get("address.city")
    country = get("address.country")
    if not (lines or postal_code or city or country):
        return None
    return Address(tuple(lines), postal_code, city, country)


def extra_key(path: str) -> str | None:
    """The key in ``extra`` of a field path (``extra.level`` → ``level``), or None."""
    return path[len(EXTRA) :] if path.startswith(EXTRA) else None


def extra_pairs(values: Fields) -> tuple[tuple[str, str], ...]:
    """The ``extra`` of a record: every value of every ``extra.`` path, paths in order."""
    pairs: list[tuple[str, str]] = []
    for path, value in values.items():
        key = extra_key(path)
        if key is not None:
            pairs.extend((key, item) for item in value)
    return tuple(pairs)


def _required(value: object, reason: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(reason)
    return value


def make_structure(
    external_id: str, values: Fields, extra: tuple[tuple[str, str], ...]
) -> StructureRecord:
    """A :class:`StructureRecord`; the name is required."""
    get = values.get
    return StructureRecord(
        external_id=external_id,
        name=_required(get("name"), MISSING_STRUCTURE_NAME),
        uai=get("uai"),
        type=get("type"),
        academy=get("academy"),
        contract=get("contract"),
        ministry=get("ministry"),
        siret=get("siret"),
        address=_address(values),
        phone=get("phone"),
        email=get("email"),
        parents=get("parents", ()),
        extra=extra,
    )


def make_subject(
    external_id: str, values: Fields, extra: tuple[tuple[str, str], ...]
) -> SubjectRecord:
    """A :class:`SubjectRecord`; the label is required."""
    return SubjectRecord(code=external_id, label=_required(values.get("label"), MISSING_LABEL))


def make_mef(external_id: str, values: Fields, extra: tuple[tuple[str, str], ...]) -> MefRecord:
    """A :class:`MefRecord`; the label is required."""
    get = values.get
    return MefRecord(
        code=external_id,
        label=_required(get("label"), MISSING_LABEL),
        attachment=get("attachment"),
        statistical=get("statistical"),
    )


def person_maker(profile: Profile | None) -> Maker:
    """A maker of :class:`PersonRecord` of a fixed ``profile``, or of the computed one when None.

    Last and first names are required; students also need a birth date.  Every
    path of a person spec other than ``address.…`` and ``profile`` is the name of
    a field of the record.
    """

    def make(external_id: str, values: Fields, extra: tuple[tuple[str, str], ...]) -> PersonRecord:
        get = values.get
        last_name = get("last_name")
        if not isinstance(last_name, str) or not last_name.strip():
            raise RecordError(MISSING_LAST_NAME)
        first_name = get("first_name")
        if not isinstance(first_name, str) or not first_name.strip():
            raise RecordError(MISSING_FIRST_NAME)
        # What is not a field of the record is taken out; every other path is
        # one, and an absent one gets the record's default.
        pop = values.pop
        chosen: Profile = profile or pop("profile", None) or Profile.PERSONNEL
        if chosen is Profile.STUDENT and get("birth_date") is None:
            raise RecordError(MISSING_BIRTH_DATE)
        lines = pop("address.lines", None) or ()
        postal_code = pop("address.postal_code", None)
        city = pop("address.city", None)
        country = pop("address.country", None)
        values["address"] = (
            Address(tuple(lines), postal_code, city, country)
            if lines or postal_code or city or country
            else None
        )
        values["external_id"] = external_id
        values["profile"] = chosen
        values["extra"] = extra
        # One mapping of keywords: cheaper than merging explicit ones into it.
        return PersonRecord(**values)

    return make


def fields(*rules: tuple[str, str, Converter]) -> dict[str, tuple[Field, ...]]:
    """Build a :attr:`CategorySpec.fields` table from ``(attribute, path, converter)`` triples."""
    table: dict[str, list[Field]] = {}
    for attribute, path, convert in rules:
        table.setdefault(attribute, []).append(Field(path, convert))
    return {attribute: tuple(rules_) for attribute, rules_ in table.items()}


PERSON_REQUIRED = {"last_name": MISSING_LAST_NAME, "first_name": MISSING_FIRST_NAME}
STUDENT_REQUIRED = {**PERSON_REQUIRED, "birth_date": MISSING_BIRTH_DATE}
