"""Converters from the values of one AAF attribute to typed record values.

Each converter takes the attribute name (for error messages) and the raw
values as read, and returns a typed value; it raises
:class:`~entcore.model.RecordError` with a French reason when a value is
invalid.  Conventions shared by all of them:

* a value that spans several lines (pretty-printed XML) loses its leading and
  trailing whitespace; a one-line value is kept exactly, inner spaces included;
* empty values are skipped; repeated values are kept once, in feed order;
* ``$``-separated values are split by position, empty positions allowed: a
  missing trailing field reads as empty.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from entcore.model import (
    ClassRef,
    FunctionAssignment,
    MefRef,
    RecordError,
    RelativeLink,
    Teaching,
    TeachingTarget,
)
from entcore.plugins.aaf import codes

T = TypeVar("T", bound=Hashable)

Converter = Callable[[str, Sequence[str]], object]

_DATE = re.compile(r"(\d{2})/(\d{2})/((?:19|20)\d{2})\Z")
_UAI = re.compile(r"\d{7}[A-Z]\Z")
_TRUE = frozenset({"O", "Y", "OUI", "1"})
_FALSE = frozenset({"N", "NON", "0"})


def clean(value: str) -> str:
    """``value`` without the indentation of a value written over several lines."""
    return value.strip() if "\n" in value else value


def present(values: Iterable[str]) -> list[str]:
    """The non-blank values, cleaned."""
    # clean() inlined: this runs for most attributes of most entries.
    return [
        value.strip() if "\n" in value else value
        for value in values
        if value and not value.isspace()
    ]


def unique(items: Iterable[T]) -> tuple[T, ...]:
    """``items`` without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(items))


def split(value: str, count: int) -> list[str]:
    """The ``count`` positional ``$`` fields of ``value``; the last one keeps any further ``$``."""
    fields = value.split("$", count - 1)
    if len(fields) < count:
        fields.extend([""] * (count - len(fields)))
    return fields


def text(name: str, values: Sequence[str]) -> str | None:
    """The first non-blank value, or ``None``."""
    for value in values:
        if value and not value.isspace():
            return clean(value)
    return None


def texts(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Every non-blank value, once each."""
    if len(values) == 1:
        # Most attributes hold one value: no list, no deduplication.
        value = values[0]
        if value and not value.isspace():
            return (value.strip() if "\n" in value else value,)
        return ()
    return tuple(
        dict.fromkeys(
            [
                value.strip() if "\n" in value else value
                for value in values
                if value and not value.isspace()
            ]
        )
    )


@functools.lru_cache(maxsize=4096)
def _calendar_date(value: str) -> date | None:
    # Birth and entry dates repeat a lot across a feed; the cache is bounded.
    match = _DATE.match(value)
    if match is None:
        return None
    day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(name: str, value: str) -> date | None:
    """A ``dd/mm/yyyy`` date (year 19xx or 20xx); ``None`` when blank."""
    value = value.strip()
    if not value:
        return None
    parsed = _calendar_date(value)
    if parsed is not None:
        return parsed
    raise RecordError(
        f"{name} : date invalide « {value} » (jj/mm/aaaa attendu, année 19xx ou 20xx)"
    )


def birth_date(name: str, values: Sequence[str]) -> date | None:
    """The date of the first non-blank value."""
    value = text(name, values)
    return None if value is None else parse_date(name, value)


def iso_dates(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Each date as ``yyyy-mm-dd`` text (for ``extra``)."""
    return unique(
        parsed.isoformat()
        for parsed in (parse_date(name, value) for value in present(values))
        if parsed is not None
    )


def flag(value: str) -> bool | None:
    """``O``/``Y`` → True, ``N`` → False, anything else → None."""
    upper = value.strip().upper()
    if upper in _TRUE:
        return True
    if upper in _FALSE:
        return False
    return None


def flags(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """A yes/no attribute as ``"true"``/``"false"`` text (for ``extra``); other text kept as is."""
    if len(values) == 1:
        value = values[0]
        if not value or value.isspace():
            return ()
        value = value.strip() if "\n" in value else value
        parsed = flag(value)
        return (value if parsed is None else "true" if parsed else "false",)
    result = []
    for value in present(values):
        parsed = flag(value)
        result.append(value if parsed is None else "true" if parsed else "false")
    return unique(result)


def structure_name(name: str, values: Sequence[str]) -> str | None:
    """A structure name; the parts of ``TYPE$NAME$CITY`` joined with ``-``."""
    value = text(name, values)
    return None if value is None else value.replace("$", "-")


def uai(name: str, values: Sequence[str]) -> str | None:
    """A UAI: seven digits and an upper-case letter."""
    value = text(name, values)
    if value is None:
        return None
    value = value.strip()
    if not _UAI.match(value):
        raise RecordError(
            f"{name} : UAI invalide « {value} » (7 chiffres suivis d'une lettre majuscule attendus)"
        )
    return value


def address_lines(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Postal address lines, ``$``-separated; trailing empty lines dropped, inner ones kept."""
    value = text(name, values)
    return () if value is None else _lines(name, value)


def _lines(name: str, value: str) -> tuple[str, ...]:
    lines = value.split("$")
    while lines and not lines[-1].strip():
        lines.pop()
    return tuple(lines)


def _same(name: str, value: str) -> str:
    return value


def _alone(name: str, value: str) -> tuple[str, ...]:
    return (value,)


def class_refs(name: str, values: Sequence[str]) -> tuple[ClassRef, ...]:
    """2D ``structure$code`` values (classes, groups, head-teacher classes)."""
    refs = []
    for value in present(values):
        structure, code = split(value, 2)
        if structure and code:
            refs.append(ClassRef(structure, code))
    return unique(refs)


def class_refs_1d(name: str, values: Sequence[str]) -> tuple[ClassRef, ...]:
    """1D five-field values: structure (1), class or group id (4) and label (5)."""
    refs = []
    for value in present(values):
        structure, _, _, code, label = split(value, 5)
        if structure and code:
            refs.append(ClassRef(structure, code, label or None))
    return unique(refs)


def teachings(values: Sequence[str], target: TeachingTarget) -> list[Teaching]:
    """``structure$code$subject`` values; the subject may be missing."""
    result = []
    for value in present(values):
        structure, code, subject = split(value, 3)
        if structure and code:
            result.append(Teaching(structure, target, code, subject or None))
    return result


def functions(name: str, values: Sequence[str]) -> tuple[FunctionAssignment, ...]:
    """Five-field ``structure$code$label$discipline code$discipline label`` values."""
    return unique(FunctionAssignment(*split(value, 5)) for value in present(values))


def mef_refs(name: str, values: Sequence[str]) -> tuple[MefRef, ...]:
    """``structure$mef code$mef label`` values."""
    refs = []
    for value in present(values):
        structure, code, label = split(value, 3)
        if structure and code:
            refs.append(MefRef(structure, code, label))
    return unique(refs)


def relatives(name: str, values: Sequence[str]) -> tuple[RelativeLink, ...]:
    """2D ``relative$relationship$financial$legal$contact$payer`` values."""
    # Links are deduplicated on their plain fields rather than by hashing the
    # records (whose enum field hashes in Python): the relationship follows from
    # the code, so equal keys mean equal links.
    links: dict[tuple[str, str, bool, bool, bool, bool, bool], RelativeLink] = {}
    for value in present(values):
        fields = value.split("$", 5)
        if len(fields) < 6:
            fields.extend([""] * (6 - len(fields)))
        relative = fields[0].strip()
        if not relative:
            continue
        relationship, code, is_legal, in_charge = codes.describe(fields[1], fields[3])
        financial = fields[2].strip() == "1"
        contact = fields[4].strip() == "1"
        payer = fields[5].strip() == "1"
        key = (relative, code, financial, is_legal, in_charge, contact, payer)
        if key not in links:
            links[key] = RelativeLink(
                relative=relative,
                relationship=relationship,
                code=code,
                financial=financial,
                legal=is_legal,
                in_charge=in_charge,
                contact=contact,
                payer=payer,
            )
    return tuple(links.values())


def relatives_1d(name: str, values: Sequence[str]) -> tuple[RelativeLink, ...]:
    """1D ``ENTEleveAutoriteParentale``: ``relative`` or ``relative$relationship``.

    Everyone listed there holds parental authority, hence a legal representative.
    """
    links = []
    for value in present(values):
        relative, code = split(value, 2)
        relative = relative.strip()
        if relative:
            links.append(
                RelativeLink(
                    relative=relative,
                    relationship=codes.relationship(code),
                    code=code.strip(),
                    legal=True,
                )
            )
    return unique(links)


#: What some converters make of an attribute holding exactly one value, for
#: callers that have that value without a sequence: the result for a blank
#: value, and the function of the non-blank value once cleaned (see clean()).
#: ``convert(name, [value])`` gives the same.
ONE_VALUE: dict[Converter, tuple[object, Callable[[str, str], object]]] = {
    text: (None, _same),
    texts: ((), _alone),
    birth_date: (None, parse_date),
    address_lines: ((), _lines),
}
