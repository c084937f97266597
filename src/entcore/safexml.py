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

Streaming (:func:`iterparse`) is bounded: what the parser holds is checked
against :class:`Limits` each time it reads a further chunk, so that junk
between records, a record with millions of children or deep nesting is
refused before it costs memory.  Nothing is lost silently: an entity
reference left unresolved (declared, perhaps, in an external DTD that is never
read) and a root element other than the ones expected are errors too.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Collection, Iterator
from typing import IO, Any, cast

from attrs import frozen
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
    made = parser(**options)
    try:
        root = etree.fromstring(data, made)
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, name, made.error_log) from None
    for entry in made.error_log:
        if entry.type_name == _UNDECLARED_ENTITY:
            raise InvalidFileError(
                name, f"XML mal formé : {_french(entry.message)}", entry.line or None
            )
    return root


@frozen
class Limits:
    """Bounds on one document, enforced while it streams (see :func:`iterparse`).

    The defaults suit any file a school or an académie sends; a format passes
    tighter or looser ones for its own shape.  Counts are of elements the
    parser holds at once — what the reader has not yet cleared — so a reader
    that clears each record as it goes is never limited by the size of the
    file, only by what lies inside or between its records.
    """

    max_depth: int = 32
    """Most elements open one inside another, the root included."""
    max_children: int = 10_000
    """Most children held at once by one element (records not yet cleared, or junk between them)."""
    max_pending: int = 100_000
    """Most elements held at once in the whole tree."""
    max_gap: int = 64 << 20
    """Most bytes parsed without the reader being handed an element (inside or between records)."""
    max_bytes: int | None = None
    """Most bytes in the document; ``None`` for no limit beyond the others."""


#: The limits :func:`iterparse` applies when the caller gives none.
DEFAULT_LIMITS = Limits()

# libxml2 keeps parsing past an entity reference it cannot resolve when the
# document names an external DTD (which might have declared it), leaving an
# entity node where the text was: the value would be read cut short.
_UNDECLARED_ENTITY = "WAR_UNDECLARED_ENTITY"


def _line_of(element: etree._Element) -> int | None:
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


class _Guard:
    """Checks the tree lxml is building each time lxml asks for more bytes.

    lxml reads the source chunk by chunk and hands over the events of a chunk
    before reading the next, so at each read the reader has cleared what it
    has finished with and what remains is what the file made the parser hold:
    that is what the limits bound.
    """

    __slots__ = (
        "_count",
        "_limits",
        "_log_seen",
        "_name",
        "_source",
        "consumed",
        "context",
        "last_event",
        "root",
    )

    def __init__(self, source: IO[bytes], name: str, limits: Limits):
        self._source = source
        self._name = name
        self._limits = limits
        self.root: etree._Element | None = None
        """The document's root, once its start has been parsed."""
        self.context: etree.iterparse | None = None
        self.consumed = 0
        """Bytes read so far."""
        self.last_event = 0
        """What :attr:`consumed` was when the last event came through."""
        self._log_seen = 0
        # One evaluator per document: lxml's XPath objects are not to be shared
        # between threads.
        self._count = etree.XPath("count(//*)")

    def read(self, size: int = -1, /) -> bytes:
        self.check()
        data = self._source.read(size)
        self.consumed += len(data)
        limits = self._limits
        if limits.max_bytes is not None and self.consumed > limits.max_bytes:
            raise InvalidFileError(
                self._name, f"fichier trop volumineux (plus de {_size(limits.max_bytes)})"
            )
        return data

    def check(self) -> None:
        """Refuse the document if what the parser holds exceeds the limits."""
        self.check_log()
        limits = self._limits
        deepest = self._deepest()
        if self.consumed - self.last_event > limits.max_gap:
            raise InvalidFileError(
                self._name,
                f"XML refusé : plus de {_size(limits.max_gap)} d'affilée sans élément attendu",
                None if deepest is None else _line_of(deepest),
            )
        if self.root is None or deepest is None:
            return
        # Counted by libxml2 itself: the tree holds only what is not yet cleared.
        pending = int(cast("float", self._count(self.root)))
        if pending > limits.max_pending:
            raise InvalidFileError(
                self._name,
                f"XML refusé : plus de {limits.max_pending} éléments à garder à la fois",
                _line_of(deepest),
            )

    def _deepest(self) -> etree._Element | None:
        """The last element the parser has reached, after checking each one above it."""
        element = self.root
        if element is None:
            return None
        limits = self._limits
        depth = 1
        while True:
            count = len(element)
            if count > limits.max_children:
                raise InvalidFileError(
                    self._name,
                    f"XML refusé : plus de {limits.max_children} éléments "
                    f"dans « {_local(element)} »",
                    _line_of(element[-1]),
                )
            if not count:
                return element
            element = element[-1]
            depth += 1
            if depth > limits.max_depth:
                raise self.too_deep(element)

    def too_deep(self, element: etree._Element) -> InvalidFileError:
        """The error for an element nested deeper than the limit."""
        return InvalidFileError(
            self._name,
            f"XML refusé : plus de {self._limits.max_depth} niveaux d'éléments imbriqués",
            _line_of(element),
        )

    def check_log(self) -> None:
        """Refuse what the parser logged: an error, or an entity reference left unresolved.

        An unresolved reference would leave a value cut short.  An error must
        be caught here, before the next chunk: lxml would feed that chunk to a
        fresh parse and report its complaint instead, at the wrong line.
        """
        if self.context is None:
            return
        log = self.context.error_log
        if len(log) == self._log_seen:
            return
        self._log_seen = len(log)
        for entry in log:
            if entry.type_name == _UNDECLARED_ENTITY or entry.level >= etree.ErrorLevels.ERROR:
                raise InvalidFileError(
                    self._name,
                    f"XML mal formé : {_french(_clean(entry.message))}",
                    entry.line or None,
                )


def _size(count: int) -> str:
    return f"{count >> 20} Mio" if count >= 1 << 20 else f"{count >> 10} Kio"


def iterparse(
    source: IO[bytes],
    name: str,
    *,
    events: tuple[str, ...] = ("end",),
    tag: Any = None,
    limits: Limits = DEFAULT_LIMITS,
    roots: Collection[str] | None = None,
    **options: Any,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from a binary file object, safely and in bounded memory.

    The prolog is screened first (:func:`check_prolog`); the caller clears the
    elements it has processed so that memory stays flat, and ``limits``
    (:class:`Limits`) bound what a file can make the parser hold besides:
    junk between records, a record with millions of children, deep nesting,
    megabytes that never close an element the reader asked for.  ``roots``,
    when given, are the local names the root element may have: a document of
    another kind is refused rather than read as one without records.  Syntax
    errors, truncation, hostile prologs, an entity reference left unresolved,
    another root and a limit exceeded raise :class:`~entcore.InvalidFileError`
    with the file name and the line.
    """
    head = source.read(MAX_PROLOG + 1)
    check_prolog(head, name, complete=len(head) <= MAX_PROLOG)
    guard = _Guard(io.BufferedReader(_Prefixed(head, source), 1 << 16), name, limits)
    wanted_events = frozenset(events)
    # The tree is only reachable through an element handed over: ask for the
    # start events too, so that what piles up before the first element the
    # caller wants is bounded as well, and hand the caller only what it asked for.
    inner_events = tuple(dict.fromkeys((*events, "start", "end")))
    inner_tag = tag
    wanted: _TagFilter | None = None
    root = root_name(head)
    if tag is not None:
        wanted = _TagFilter(tag)
        if root is not None:
            inner_tag = [*([tag] if isinstance(tag, str) else tag), f"{{*}}{root}"]
    context = etree.iterparse(
        guard, events=inner_events, tag=inner_tag, **{**SAFE_OPTIONS, **options}
    )
    guard.context = context
    try:
        # The first event is the root's start (asked for above): check its name.
        first = next(context, None)
        if first is None:
            return
        top = first[1].getroottree().getroot()
        if roots is not None and _local(top) not in roots:
            raise InvalidFileError(
                name,
                f"élément racine « {_local(top)} » inattendu ({' ou '.join(sorted(roots))} attendu)",
                _line_of(top),
            )
        guard.root = top
        parsed = itertools.chain((first,), context)
        if wanted is None:
            # Every element passes here: nesting is checked exactly.
            depth = 0
            most = limits.max_depth
            for event, element in parsed:
                if event == "start":
                    depth += 1
                    if depth > most:
                        raise guard.too_deep(element)
                else:
                    depth -= 1
                guard.last_event = guard.consumed
                if event in wanted_events:
                    yield event, element
        else:
            # Only the caller's tags and the root's name come through: the
            # filter is asked about the latter alone (a record may share it).
            local = _local(top)
            suffix = "}" + local
            for event, element in parsed:
                guard.last_event = guard.consumed
                if event in wanted_events:
                    name_ = element.tag
                    if (name_ != local and not name_.endswith(suffix)) or wanted(name_):
                        yield event, element
        guard.check_log()
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, name, context.error_log) from None


class _TagFilter:
    """Whether a tag matches an lxml tag filter (a name, ``{*}name``, ``{ns}*``, or several)."""

    def __init__(self, tag: Any):
        self._tag = tag
        self._known: dict[str, bool] = {}

    def __call__(self, tag: object) -> bool:
        key = str(tag)
        known = self._known.get(key)
        if known is None:
            # lxml's own matcher decides, on a lone element of the same tag.
            known = next(etree.Element(key).iter(self._tag), None) is not None
            self._known[key] = known
        return known


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


def syntax_error(
    error: etree.XMLSyntaxError, name: str, log: etree._ListErrorLog | None = None
) -> InvalidFileError:
    """The :class:`~entcore.InvalidFileError` for an lxml syntax error, in French when known.

    ``log`` is the parser's error log: its first error is the cause, where the
    exception a streaming parse raises may only say that the document ended.
    """
    line = error.lineno if getattr(error, "lineno", None) else None
    message = str(error.msg if getattr(error, "msg", None) else error)
    for entry in log or ():
        if entry.level >= etree.ErrorLevels.ERROR:
            line, message = entry.line or None, entry.message
            break
    return InvalidFileError(name, f"XML mal formé : {_french(_clean(message))}", line)


def _clean(message: str) -> str:
    return re.sub(r",? line \d+, column \d+.*$", "", message).strip() or "document tronqué"
