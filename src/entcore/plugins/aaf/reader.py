"""Streaming reader of one ``ficAlimMENESR`` document into plain request tuples.

:class:`Document` checks the start of the file (entity declarations refused,
root element must be ``ficAlimMENESR``), then runs lxml's ``iterparse`` on the
end of each ``addRequest`` / ``modifyRequest`` / ``deleteRequest``, hands the
element over (:meth:`Document.elements`) or turns it into plain values
(:func:`read`), then clears it and deletes its already-read siblings, so that
memory does not grow with the file.

An ``addRequest`` becomes an :class:`Addition`: its envelope as strings, its
attributes as the canonical text of :mod:`~.payload`, decoded only when a
record is built.  Modifications and deletions, rare, become a :class:`Request`
of plain strings.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING, NamedTuple, Protocol, cast

from entcore import InvalidFileError, safexml
from entcore.plugins.aaf import payload as canonical

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml import etree

ROOT = b"ficAlimMENESR"

_TAGS = ("addRequest", "modifyRequest", "deleteRequest")
_OPERATIONS = {"addRequest": "add", "modifyRequest": "modify", "deleteRequest": "delete"}

# The prolog of a hostile file may be padded; past this size it is refused.
_MAX_PROLOG = 1 << 20
_PEEK_SIZES = (1 << 12, 1 << 16, _MAX_PROLOG)

#: What one AAF document may make the parser hold (see :class:`entcore.safexml.Limits`).
#: A real request has a few dozen attributes and at most a hundred-odd elements in all
#: (the corpus: 108, 32 children, 4 levels below the root); the limits leave a wide
#: margin and still keep a hostile file from growing memory past a few megabytes.
LIMITS = safexml.Limits(
    max_depth=12,
    max_children=5_000,
    max_pending=20_000,
    max_gap=16 << 20,
)

#: Most elements that may stand between the requests of one file, in all: the DTD
#: allows none, and those a hostile file piles up would cost time for nothing.
MAX_STRAY_ELEMENTS = 10_000

_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"
_NAME = re.compile(rb"[A-Za-z_:][-A-Za-z0-9_.:]*")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DEGREE = re.compile(rb"""degre\s*=\s*["']([12])D["']""")
_FIRST_REQUEST = re.compile(rb"<(?:add|modify|delete)Request\b")

_ENVELOPE = re.compile(canonical.ENVELOPE + "(?=<attributes[>/])")
_EMPTY_ATTRIBUTES = "<attributes/>"
_ATTRIBUTES_START = "<attributes>"
_ATTRIBUTES_END = "</attributes>"
_REQUEST_END = "</addRequest>"


class Peekable(Protocol):
    """A binary stream that can show what comes next without consuming it."""

    def peek(self, size: int) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class Request(NamedTuple):
    """One request of the file, reduced to plain strings."""

    operation: str
    """``add``, ``modify`` or ``delete``."""
    category: str | None
    """The value of ``operationalAttributes/attr`` (e.g. ``Eleve``, ``MatEducNat``)."""
    identifier: str | None
    """The text of ``identifier/id``, as read."""
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    """``(name, values)`` of each ``attr`` (or ``modification``), in document order."""
    line: int
    """Line of the request's start tag."""
    unsupported: tuple[str, ...] = ()
    """Names of ``modification`` elements whose operation is not ``replace``."""


class Addition(NamedTuple):
    """An ``addRequest``, its attributes kept as canonical text (see :mod:`~.payload`).

    It reads like a :class:`Request`: ``attributes`` decodes the text on each
    access, which only the rare paths do.
    """

    category: str | None
    """The value of ``operationalAttributes/attr`` (e.g. ``Eleve``, ``MatEducNat``)."""
    identifier: str | None
    """The text of ``identifier/id``, as read."""
    payload: str
    """The canonical text of the ``attributes`` element; empty when there is none."""
    line: int
    """Line of the request's start tag."""
    request: str
    """The canonical text of the whole request: what the fingerprint digests."""

    @property
    def operation(self) -> str:
        """Always ``add``."""
        return "add"

    @property
    def unsupported(self) -> tuple[str, ...]:
        """Always empty: only modifications have operations."""
        return ()

    @property
    def attributes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``(name, values)`` of each ``attr``, in document order (decoded on each access)."""
        return canonical.decode(self.payload)


def addition(request: Request) -> Addition:
    """The :class:`Addition` of an ``add`` :class:`Request`, as the reader would have made it."""
    attributes = request.attributes
    return Addition(
        request.category,
        request.identifier,
        canonical.from_attributes(attributes) if attributes else "",
        request.line,
        canonical.from_request(request.category, request.identifier, attributes),
    )


class _Prolog(NamedTuple):
    root_offset: int
    root_name: bytes


def _skip_doctype(head: bytes, position: int) -> int | None:
    """Offset just past the DOCTYPE declaration starting at ``position``; None if incomplete."""
    quote: int | None = None
    in_subset = False
    for index in range(position + 9, len(head)):
        char = head[index]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in b"\"'":
            quote = char
        elif char == ord("["):
            in_subset = True
        elif char == ord("]"):
            in_subset = False
        elif char == ord(">") and not in_subset:
            return index + 1
    return None


def _find_root(head: bytes, name: str) -> _Prolog | None:
    """Where the root element starts in ``head``; None when ``head`` ends before it.

    Walks the prolog (XML declaration, comments, processing instructions,
    DOCTYPE with or without internal subset) exactly, so that markup inside a
    comment cannot be mistaken for the root.
    """
    position = len(_BOM) if head.startswith(_BOM) else 0
    size = len(head)
    while True:
        while position < size and head[position] in _BLANK:
            position += 1
        if position >= size:
            return None
        if head.startswith(b"<?", position):
            end = head.find(b"?>", position + 2)
            if end < 0:
                return None
            position = end + 2
        elif head.startswith(b"<!--", position):
            end = head.find(b"-->", position + 4)
            if end < 0:
                return None
            position = end + 3
        elif head.startswith(b"<!DOCTYPE", position):
            after = _skip_doctype(head, position)
            if after is None:
                return None
            position = after
        elif head.startswith(b"<", position):
            match = _NAME.match(head, position + 1)
            if match is None:
                if position + 1 >= size:
                    return None
                raise InvalidFileError(
                    name, "XML mal formé : début de document illisible", _line(head, position)
                )
            if match.end() >= size:
                return None
            return _Prolog(position, match.group(0))
        else:
            raise InvalidFileError(
                name,
                "XML mal formé : contenu inattendu avant l'élément racine",
                _line(head, position),
            )


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


class Document:
    """One AAF XML document read as a stream of :class:`Request`.

    Construction reads and checks the start of the file and raises
    :class:`~entcore.InvalidFileError` for a file that is empty, declares
    entities, or has another root element.  Iteration raises it for a file
    that is not well-formed or truncated, with the line.

    :param stream: the decoded bytes (see :class:`~.entities.EntityDecoder`).
    :param name: the file name used in error messages.
    """

    def __init__(self, stream: Peekable, name: str):
        self._stream = stream
        self.name = name
        head = b""
        prolog: _Prolog | None = None
        for size in _PEEK_SIZES:
            head = stream.peek(size)
            prolog = _find_root(head, name)
            if prolog is not None or len(head) < size:
                break
        if prolog is None:
            if not head.strip(_BLANK + _BOM):
                raise InvalidFileError(name, "fichier vide")
            if len(head) >= _MAX_PROLOG:
                raise InvalidFileError(name, "prologue XML trop long avant l'élément racine")
            raise InvalidFileError(name, "XML mal formé : document tronqué", _line(head, len(head)))
        declaration = _ENTITY_DECLARATION.search(head, 0, prolog.root_offset)
        if declaration is not None:
            raise InvalidFileError(
                name,
                "déclaration d'entités interdite (DTD interne refusée)",
                _line(head, declaration.start()),
            )
        if prolog.root_name != ROOT:
            raise InvalidFileError(
                name,
                f"élément racine « {prolog.root_name.decode('utf-8', 'replace')} » inattendu "
                "(ficAlimMENESR attendu)",
                _line(head, prolog.root_offset),
            )
        self.degree: str | None = None
        """``"1D"`` or ``"2D"`` when a ``degre="…"`` comment precedes the first request."""
        first = _FIRST_REQUEST.search(head, prolog.root_offset)
        preamble = head[prolog.root_offset : first.start() if first else len(head)]
        degree = _DEGREE.search(preamble)
        if degree is not None:
            self.degree = degree.group(1).decode("ascii") + "D"

    def __iter__(self) -> Iterator[Addition | Request]:
        for element in self.elements():
            yield read(element)

    def elements(self) -> Iterator[etree._Element]:
        """The request elements (see :func:`read`), each valid until the next one is asked for."""
        # safexml asks for IO[bytes] but only reads (and peeks) from it.
        source = cast("IO[bytes]", self._stream)
        # Blank text between elements is dropped while parsing, so that the
        # canonical text of an entry does not depend on the file's indentation.
        stray = 0
        for _, element in safexml.iterparse(
            source,
            self.name,
            tag=_TAGS,
            limits=LIMITS,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=True,
        ):
            yield element
            # Drop what has been read: the element's content and every earlier
            # sibling still hanging off the root, so memory stays flat.
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while (previous := element.getprevious()) is not None:
                    if previous.tag not in _OPERATIONS:
                        stray += 1
                    del parent[0]
                if stray > MAX_STRAY_ELEMENTS:
                    raise InvalidFileError(
                        self.name,
                        f"XML refusé : plus de {MAX_STRAY_ELEMENTS} éléments hors des requêtes "
                        "(ficAlimMENESR ne contient que des addRequest, modifyRequest et "
                        "deleteRequest)",
                        cast("int | None", element.sourceline),
                    )


def read(element: etree._Element, text: str | None = None) -> Addition | Request:
    """The :class:`Addition` or :class:`Request` of a request element.

    ``text``, when given, is the element's canonical text (:func:`~.payload.serialize`).
    """
    if element.tag != "addRequest":
        return _request(element)
    # lxml-stubs declare sourceline as "..."; it is an int, or None for built trees.
    line = cast("int | None", element.sourceline) or 0
    # Serialising the whole request costs no more than its attributes alone, and
    # the envelope is then read by one match instead of a walk of six elements.
    if text is None:
        text = canonical.serialize(element)
    envelope = _ENVELOPE.match(text)
    if envelope is not None:
        start = envelope.end()
        end = len(text) - len(_REQUEST_END)
        # Exactly one attributes element: an empty one, or one whose end tag is
        # the first after it and the last of the request.
        if (
            start + len(_EMPTY_ATTRIBUTES) == end and text.startswith(_EMPTY_ATTRIBUTES, start)
        ) or (
            text.startswith(_ATTRIBUTES_START, start)
            and text.find(_ATTRIBUTES_END, start) == end - len(_ATTRIBUTES_END)
        ):
            category, identifier = envelope.group(1, 2)
            return Addition(
                canonical.unescape(category),
                canonical.unescape(identifier),
                text[start:end],
                line,
                text,
            )
    category_value: str | None = None
    identifier_value: str | None = None
    payload = ""
    for child in element:
        tag = child.tag
        if tag == "attributes":
            if payload:
                # Several attributes elements: read value by value.
                return _odd(element, text)
            payload = canonical.serialize(child)
        elif tag == "identifier":
            for item in child:
                if item.tag == "id":
                    identifier_value = item.text or ""
        elif tag == "operationalAttributes":
            for attr in child:
                for value in attr:
                    category_value = value.text or ""
        elif tag == "modifications":
            return _odd(element, text)
    return Addition(category_value, identifier_value, payload, line, text)


def _odd(element: etree._Element, text: str) -> Addition:
    """An addRequest of an unusual shape, read value by value; the digest stays its text."""
    request = _request(element)
    attributes = request.attributes
    return Addition(
        request.category,
        request.identifier,
        canonical.from_attributes(attributes) if attributes else "",
        request.line,
        text,
    )


def _request(element: etree._Element) -> Request:
    """The :class:`Request` of a request element (an ``lxml`` element).

    The parser drops comments and processing instructions, so every child of an
    ``attr`` is an element; the DTD allows only ``value`` there, and any other
    element's text is read as a value too rather than spending a tag test on
    each of the millions of values of a feed.
    """
    operation = _OPERATIONS[element.tag]
    category: str | None = None
    identifier: str | None = None
    attributes: list[tuple[str, tuple[str, ...]]] = []
    unsupported: list[str] = []
    for child in element:
        tag = child.tag
        if tag == "attributes":
            for attr in child:
                if attr.tag == "attr":
                    attributes.append(
                        (attr.get("name") or "", tuple([value.text or "" for value in attr]))
                    )
        elif tag == "modifications":
            for modification in child:
                if modification.tag != "modification":
                    continue
                name = modification.get("name") or ""
                if modification.get("operation", "replace") != "replace":
                    unsupported.append(name)
                else:
                    attributes.append((name, tuple([value.text or "" for value in modification])))
        elif tag == "identifier":
            for item in child:
                if item.tag == "id":
                    identifier = item.text or ""
        elif tag == "operationalAttributes":
            for attr in child:
                for value in attr:
                    category = value.text or ""
    # lxml-stubs declare sourceline as "..."; it is an int, or None for built trees.
    line = cast("int | None", element.sourceline) or 0
    return Request(operation, category, identifier, tuple(attributes), line, tuple(unsupported))
