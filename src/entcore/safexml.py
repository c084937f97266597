"""Hardened XML parsing for plugins: no network, no DTD, no entity expansion.

Every input file is hostile until parsed.  The parsers made here never fetch a
DTD or anything else over the network, never read a local file named by the
document, and refuse documents that declare entities (the "billion laughs"
family) before parsing them.  Errors become :class:`~entcore.InvalidFileError`
naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from entcore.errors import InvalidFileError

#: Options every entcore parser uses.
SAFE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def check_prolog(head: bytes, name: str) -> None:
    """Refuse a document whose prolog (what precedes the root element) declares entities.

    ``head`` is the start of the file; it must reach past the DOCTYPE.  Plain
    ``<!DOCTYPE root SYSTEM "x.dtd">`` declarations are fine (the DTD is never read).
    """
    # Skip the XML declaration, comments, processing instructions and the DOCTYPE
    # to find where the root starts; entity declarations can only come before it.
    text = head
    position = 0
    while True:
        match = _ROOT_START.search(text, position)
        if match is None:
            prolog = text
            break
        start = match.start()
        if text.startswith(b"<!", start) or text.startswith(b"<?", start):
            position = start + 2
            continue
        prolog = text[:start]
        break
    if _ENTITY_DECLARATION.search(prolog):
        line = prolog[: _ENTITY_DECLARATION.search(prolog).start()].count(b"\n") + 1  # type: ignore[union-attr]
        raise InvalidFileError(name, "déclaration d'entités interdite (DTD interne refusée)", line)


def parser(**options: Any) -> etree.XMLParser:
    """A new :class:`lxml.etree.XMLParser` with :data:`SAFE_OPTIONS` (extra options allowed)."""
    return etree.XMLParser(**{**SAFE_OPTIONS, **options})


def parse_bytes(data: bytes, name: str, **options: Any) -> etree._Element:
    """Parse a whole document held in memory; for small files only."""
    check_prolog(data[:65536], name)
    try:
        return etree.fromstring(data, parser(**options))
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, name) from None


def iterparse(
    source: IO[bytes],
    name: str,
    *,
    events: tuple[str, ...] = ("end",),
    tag: Any = None,
    **options: Any,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from a binary file object, safely.

    The caller clears elements it has processed so that memory stays flat.
    Syntax errors, truncation and entity declarations raise
    :class:`~entcore.InvalidFileError` with the file name and line.
    """
    head = source.peek(65536) if hasattr(source, "peek") else b""
    if head:
        check_prolog(head[:65536], name)
    context = etree.iterparse(source, events=events, tag=tag, **{**SAFE_OPTIONS, **options})
    try:
        yield from context
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, name) from None


def syntax_error(error: etree.XMLSyntaxError, name: str) -> InvalidFileError:
    """The :class:`~entcore.InvalidFileError` for an lxml syntax error."""
    line = error.lineno if getattr(error, "lineno", None) else None
    message = str(error.msg if getattr(error, "msg", None) else error)
    message = re.sub(r",? line \d+, column \d+.*$", "", message).strip() or "document tronqué"
    return InvalidFileError(name, f"XML mal formé : {message}", line)
