"""Streaming UDT records out of archive members.

UDT's wrappers, namespaces and encodings are not documented, so a record is
recognised by its element name alone, wherever it sits; its attributes (and
text, for the calendar's text elements) are all a UDT reader needs.  Parsing
goes through :mod:`entcore.safexml` (no network, no DTD, no entities), which
honours the declared encoding and defaults to UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from entcore import InvalidFileError, safexml

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

    from entcore_udt.archive import UdtArchive

T = TypeVar("T")

#: What one member may make the parser hold (see :class:`entcore.safexml.Limits`).
#: UDT files are flat lists of empty elements, each dropped once read.
LIMITS = safexml.Limits(max_depth=8, max_children=10_000, max_pending=50_000, max_gap=16 << 20)

#: The root element of each member, by file number (weekly variants share theirs),
#: as UDT's own files and the reference note name them.  Other wrappers are read
#: (UDT's are undocumented), but a member that has another root and none of the
#: elements sought is an error: another kind of file, never one read as empty.
ROOTS = {
    "00": "parametres",
    "03": "salles",
    "04": "profs",
    "05": "matieres",
    "07": "demi_sequences",
    "08": "divisions",
    "10": "eleves",
    "11": "fiches",
    "12": "lignes",
    "13": "regroupements",
    "19": "groupes",
    "21": "eleves_groupes",
    "23": "coenseignements",
    "24": "calendrier",
}
#: The root of ``semaines.xml``.
PERIODS_ROOT = "semaines"

# Enough to reach the root of any member (a longer prolog is refused anyway).
_HEAD_SIZE = 1 << 16

_NUMBER = re.compile(r"^udcal_(\d{2})(?:_\d{2})?\.xml$", re.IGNORECASE)


def expected_root(member: str) -> str | None:
    """The root element ``member`` must have, ``None`` for a file whose kind is unknown."""
    if member.lower() == "semaines.xml":
        return PERIODS_ROOT
    match = _NUMBER.match(member)
    return ROOTS.get(match[1]) if match else None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _line(value: object) -> int | None:
    return value if isinstance(value, int) else None


@dataclass(frozen=True, slots=True)
class Row:
    """One element of a UDT file: its name, attributes (trimmed) and text (trimmed)."""

    tag: str
    attributes: dict[str, str]
    text: str
    file: str
    """The member as messages name it (``archive.zip/UDCal_12.xml``)."""
    line: int | None

    def __getitem__(self, attribute: str) -> str:
        """The attribute's value, ``""`` when absent."""
        return self.attributes.get(attribute, "")

    def has(self, attribute: str) -> bool:
        """True when the attribute is present, even empty."""
        return attribute in self.attributes

    def error(self, reason: str) -> InvalidFileError:
        """An :class:`~entcore.InvalidFileError` about this element."""
        return InvalidFileError(self.file, f"élément « {self.tag} » : {reason}", self.line)

    def parsed(self, parse: Callable[..., T], *args: Any) -> T:
        """``parse(*args)``, its :class:`ValueError` turned into an error about this element."""
        try:
            return parse(*args)
        except ValueError as error:
            raise self.error(str(error)) from None


def rows(archive: UdtArchive, member: str, tags: Collection[str] | None) -> Iterator[Row]:
    """The elements named ``tags`` (all elements for ``None``) of ``member``, in document order."""
    label = archive.label(member)
    wanted = None if tags is None else [f"{{*}}{tag}" for tag in tags]
    expected = expected_root(member)
    found = False
    with archive.open(member) as stream:
        # The archive's streams are buffered: the head is looked at, not consumed.
        root = safexml.root_name(stream.peek(_HEAD_SIZE))
        for _event, element in safexml.iterparse(stream, label, tag=wanted, limits=LIMITS):
            found = True
            yield Row(
                tag=_local(element.tag),
                attributes={_local(str(k)): str(v).strip() for k, v in element.attrib.items()},
                text=(element.text or "").strip(),
                file=label,
                line=_line(element.sourceline),
            )
            # Keep memory flat: drop the element and the siblings already seen.
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    if not found and expected is not None and root != expected:
        sought = ", ".join(sorted(tags or ()))
        raise InvalidFileError(
            label,
            f"élément racine « {root or '?'} » inattendu ({expected} attendu) "
            f"et aucun élément {sought} : ce n'est pas le fichier attendu",
        )
