"""Streaming UDT records out of archive members.

UDT's wrappers, namespaces and encodings are not documented, so a record is
recognised by its element name alone, wherever it sits; its attributes (and
text, for the calendar's text elements) are all a UDT reader needs.  Parsing
goes through :mod:`entcore.safexml` (no network, no DTD, no entities), which
honours the declared encoding and defaults to UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from entcore import InvalidFileError, safexml

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

    from entcore_udt.archive import UdtArchive

T = TypeVar("T")


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
    with archive.open(member) as stream:
        for _event, element in safexml.iterparse(stream, label, tag=wanted):
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
