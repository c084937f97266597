"""A streaming byte filter that makes AAF files palatable to a strict XML parser.

Real AAF exports contain HTML named entities (``&eacute;``) that their DTD does
not declare, and apostrophes escaped twice (``&amp;apos;``, which would read as
the literal text ``&apos;``).  :class:`EntityDecoder` sits between the raw bytes
and lxml and rewrites, block by block:

* every HTML 4 named entity (the Latin-1, symbol and special sets) into the
  equivalent numeric character reference (``&eacute;`` → ``&#233;``), which is
  valid in any encoding, so the filter never needs to decode the text;
* ``&amp;apos;`` into ``&apos;``;
* any other undeclared name into literal text (``&foo;`` → ``&amp;foo;``), so
  that lxml does not silently drop it as an unresolved entity reference;
* carriage returns into line feeds, as the XML parser would anyway, so that
  the line numbers lxml reports are right for CR-only files too.

The five XML entities (``&amp; &lt; &gt; &quot; &apos;``) are left alone.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})

_NUMERIC: dict[bytes, bytes] = {
    name.encode("ascii"): b"&#%d;" % codepoint
    for name, codepoint in name2codepoint.items()
    if name.encode("ascii") not in _XML_ENTITIES
}

_REFERENCE = re.compile(rb"&(?:amp;(apos);|([A-Za-z][A-Za-z0-9]{0,31});)")

# Longest rewritable sequence is "&amp;apos;" (10 bytes) or an HTML name of 8
# letters plus '&' and ';'; a tail this long may hold the start of one.
_CARRY_WINDOW = 16

#: Default size of the blocks read from the source.
BLOCK_SIZE = 1 << 16


class Readable(Protocol):
    """What the decoder reads from: any binary stream."""

    def read(self, size: int = -1, /) -> bytes: ...


def _rewrite(match: re.Match[bytes]) -> bytes:
    if match.group(1) is not None:
        return b"&apos;"
    name = match.group(2)
    numeric = _NUMERIC.get(name)
    if numeric is not None:
        return numeric
    if name in _XML_ENTITIES:
        return match.group(0)
    return b"&amp;" + name + b";"


def decode_block(data: bytes) -> bytes:
    """Apply the rewrites to a block that holds no partial reference or CRLF pair."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"&" in data:
        data = _REFERENCE.sub(_rewrite, data)
    return data


class EntityDecoder:
    """A read-only binary stream: ``source`` with the rewrites applied.

    :param source: the raw stream (a file, an archive member).
    :param on_read: called with the number of raw bytes each time some are read.
    :param block_size: how many raw bytes to read at a time.
    """

    def __init__(
        self,
        source: Readable,
        on_read: Callable[[int], None] | None = None,
        block_size: int = BLOCK_SIZE,
    ):
        self._source = source
        self._on_read = on_read
        self._block_size = block_size
        self._buffer = b""
        self._carry = b""
        self._eof = False

    def _fill(self) -> bool:
        """Decode one more block into the buffer; False at the end of the source."""
        while not self._eof:
            raw = self._source.read(self._block_size)
            if raw and self._on_read is not None:
                self._on_read(len(raw))
            data = self._carry + raw
            if not raw:
                self._eof = True
                cut = len(data)
            else:
                # Hold back what may be the start of a reference or of a CRLF pair
                # until the next block completes it.
                cut = len(data) - 1 if data.endswith(b"\r") else len(data)
                ampersand = data.rfind(b"&", max(0, cut - _CARRY_WINDOW), cut)
                if ampersand >= 0:
                    cut = ampersand
            self._carry = data[cut:]
            decoded = decode_block(data[:cut])
            if decoded:
                self._buffer += decoded
                return True
        return False

    def peek(self, size: int) -> bytes:
        """Up to ``size`` decoded bytes from the current position, without consuming them."""
        while len(self._buffer) < size and self._fill():
            pass
        return self._buffer[:size]

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` decoded bytes (all that is left when ``size`` is negative)."""
        if size < 0:
            while self._fill():
                pass
            data, self._buffer = self._buffer, b""
            return data
        if not self._buffer:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
