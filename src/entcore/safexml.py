"""Hardened XML parsing for plugins: no network, no DTD, no entity declarations.

Every input file is hostile until parsed.  The parsers made here never fetch a
DTD or anything else over the network and never resolve an entity.  Before
parsing, the whole prolog (what precedes the root element: XML declaration,
comments, processing instructions, DOCTYPE) is screened in whatever encoding
the first bytes announce, and a DOCTYPE that opens an internal subset — the
only place entities can be declared — is refused, as is a prolog longer than
:data:`MAX_PROLOG`.  A plain ``<!DOCTYPE root SYSTEM "x.dtd">`` is accepted and
ignored.  Errors are :class:`~entcore.InvalidFileError` naming the file and
the line, in French.
"""

from __future__ import annotations

import io
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

#: How much of a document may precede its root element.
MAX_PROLOG = 1 << 20

_QUOTES = (ord('"'), ord("'"))
_SPACES = b" \t\r\n"
_NAME = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?)")


def _ascii_view(head: bytes) -> bytes:
    """``head`` re-encoded so that markup characters are single ASCII bytes."""
    for marks, encoding in (
        ((b"\xff\xfe\x00\x00", b"<\x00\x00\x00"), "utf-32-le"),
        ((b"\x00\x00\xfe\xff", b"\x00\x00\x00<"), "utf-32-be"),
        ((b"\xff\xfe", b"<\x00"), "utf-16-le"),
        ((b"\xfe\xff", b"\x00<"), "utf-16-be"),
    ):
        if head.startswith(marks):
            width = 4 if "32" in encoding else 2
            usable = head[: len(head) - len(head) % width]
            return usable.decode(encoding, errors="replace").lstrip("\ufeff").encode()
    return head.removeprefix(b"\xef\xbb\xbf")


def _unfinished(name: str, complete: bool) -> None:
    # A prolog cut by the end of the head is hostile unless the head is the whole document.
    if not complete:
        raise InvalidFileError(
            name,
            f"prologue XML anormalement long (plus de {MAX_PROLOG // 1024} Kio avant la racine)",
        )


def _root_offset(head: bytes, name: str, *, complete: bool) -> int | None:
    """Where the root element starts in the ASCII view of ``head``, or ``None``.

    ``None`` when the document ends inside its prolog or has text before its
    root (the XML parser reports those with a line number).
    """
    text = _ascii_view(head)
    size = len(text)
    position = 0
    while True:
        while position < size and text[position] in _SPACES:
            position += 1
        if position >= size:
            _unfinished(name, complete)
            return None
        if text.startswith(b"<?", position):
            end = text.find(b"?>", position + 2)
            if end < 0:
                _unfinished(name, complete)
                return None
            position = end + 2
        elif text.startswith(b"<!--", position):
            end = text.find(b"-->", position + 4)
            if end < 0:
                _unfinished(name, complete)
                return None
            position = end + 3
        elif text.startswith(b"<!", position):
            cursor = position + 2
            quote: int | None = None
            while cursor < size:
                char = text[cursor]
                if quote is not None:
                    if char == quote:
                        quote = None
                elif char in _QUOTES:
                    quote = char
                elif char == ord("["):
                    raise InvalidFileError(
                        name,
                        "DTD interne refusée : les déclarations d'entités sont interdites",
                        text.count(b"\n", 0, cursor) + 1,
                    )
                elif char == ord(">"):
                    break
                cursor += 1
            else:
                _unfinished(name, complete)
                return None
            position = cursor + 1
        elif text.startswith(b"<", position):
            return position
        else:
            return None


def check_prolog(head: bytes, name: str, *, complete: bool = True) -> None:
    """Refuse a hostile prolog: an internal DTD subset, or one longer than :data:`MAX_PROLOG`.

    ``head`` is the start of the document (at least :data:`MAX_PROLOG` bytes of
    it, or all of it); ``complete`` says whether it is the whole document.
    """
    _root_offset(head[:MAX_PROLOG], name, complete=complete and len(head) <= MAX_PROLOG)


def root_name(head: bytes) -> str | None:
    """The local name of the root element, read from the start of a document; never raises.

    For sniffing: ``None`` when ``head`` holds no root start tag or a hostile prolog.
    """
    try:
        offset = _root_offset(head, "", complete=True)
    except InvalidFileError:
        return None
    if offset is None:
        return None
    match = _NAME.match(_ascii_view(head), offset)
    return match[1].decode("ascii").rsplit(":", 1)[-1] if match else None


class _Prefixed(io.RawIOBase):
    """The bytes already read from a stream, then the rest of that stream."""

    def __init__(self, prefix: bytes, rest: IO[bytes]):
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def parser(**options: Any) -> etree.XMLParser:
    """A new :class:`lxml.etree.XMLParser` with :data:`SAFE_OPTIONS` (extra options allowed)."""
    return etree.XMLParser(**{**SAFE_OPTIONS, **options})


def parse_bytes(data: bytes, name: str, **options: Any) -> etree._Element:
    """Parse a whole document held in memory; for small files only."""
    check_prolog(data[: MAX_PROLOG + 1], name, complete=len(data) <= MAX_PROLOG)
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

    The prolog is screened first (:func:`check_prolog`); the caller clears the
    elements it has processed so that memory stays flat.  Syntax errors,
    truncation and hostile prologs raise :class:`~entcore.InvalidFileError`
    with the file name and line.
    """
    head = source.read(MAX_PROLOG + 1)
    check_prolog(head, name, complete=len(head) <= MAX_PROLOG)
    stream = io.BufferedReader(_Prefixed(head, source), 1 << 16)
    context = etree.iterparse(stream, events=events, tag=tag, **{**SAFE_OPTIONS, **options})
    try:
        yield from context
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, name) from None


#: libxml2's most frequent messages, in French; others are kept as libxml2 words them.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (
            r"Opening and ending tag mismatch: (\S+) line \d+ and (\S+)",
            r"balise « \1 » fermée par « \2 »",
        ),
        (r"Premature end of data in tag (\S+)", r"fin prématurée du fichier dans la balise « \1 »"),
        (r"EndTag: '</' not found", "balise fermante introuvable (fichier tronqué ?)"),
        (r"Extra content at the end of the document", "contenu après la fin du document"),
        (r"Start tag expected, '<' not found", "balise ouvrante attendue"),
        (r"Document is empty", "document vide"),
        (r"no element found", "document vide ou tronqué"),
        (r"Entity '([^']+)' not defined", r"entité « \1 » non définie"),
        (r"Couldn't find end of Start Tag (\S+)", r"balise ouvrante « \1 » non terminée"),
        (r"xmlParseEntityRef: no name", "« & » isolé (il faut écrire &amp;amp;)"),
        (
            r"Input is not proper UTF-8.*",
            "octets invalides pour l'encodage déclaré (UTF-8 par défaut)",
        ),
        (r"Unsupported encoding (\S+)", r"encodage non pris en charge : \1"),
        (r"Char 0x([0-9A-Fa-f]+) out of allowed range", r"caractère interdit (0x\1)"),
        (r"attributes construct error", "attributs mal formés"),
        (
            r"Specification mandates value for attribute (\S+)",
            r"valeur manquante pour l'attribut « \1 »",
        ),
    )
)


def _french(message: str) -> str:
    for pattern, french in _MESSAGES:
        match = pattern.search(message)
        if match:
            return match.expand(french)
    return message


def syntax_error(error: etree.XMLSyntaxError, name: str) -> InvalidFileError:
    """The :class:`~entcore.InvalidFileError` for an lxml syntax error, in French when known."""
    line = error.lineno if getattr(error, "lineno", None) else None
    message = str(error.msg if getattr(error, "msg", None) else error)
    message = re.sub(r",? line \d+, column \d+.*$", "", message).strip() or "document tronqué"
    return InvalidFileError(name, f"XML mal formé : {_french(message)}", line)
