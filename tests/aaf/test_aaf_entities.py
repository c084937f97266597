"""The byte filter that decodes HTML entities and double-escaped apostrophes."""

from __future__ import annotations

import io

import pytest

from entcore.plugins.aaf.entities import EntityDecoder, decode_block


def _decode(data: bytes, block_size: int = 1 << 16, read_size: int = 32768) -> bytes:
    decoder = EntityDecoder(io.BytesIO(data), block_size=block_size)
    chunks = []
    while chunk := decoder.read(read_size):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (b"&eacute;", b"&#233;"),
        (b"&Eacute;COLE", b"&#201;COLE"),
        (b"&oelig;uvre &euro; &nbsp;", b"&#339;uvre &#8364; &#160;"),
        (b"D&amp;apos;ETABLISSEMENT", b"D&apos;ETABLISSEMENT"),
        (b"&amp; &lt; &gt; &quot; &apos;", b"&amp; &lt; &gt; &quot; &apos;"),
        (b"&#201; &#xC9;", b"&#201; &#xC9;"),
        (b"&inconnu;", b"&amp;inconnu;"),
        (b"A & B", b"A & B"),
        (b"a\r\nb\rc\nd", b"a\nb\nc\nd"),
    ],
)
def test_rewrites(raw: bytes, decoded: bytes) -> None:
    """HTML names become numeric references; XML's five stay; unknown names become text."""
    assert decode_block(raw) == decoded
    assert _decode(raw) == decoded


def test_result_does_not_depend_on_block_boundaries() -> None:
    """References and CRLF pairs split across reads are rewritten as if read whole."""
    raw = (
        b"<v>caf&eacute; D&amp;apos;ETAB &amp;&THORN;&thetasym;\r\n&yuml;\r\r\n"
        b"&inconnu; &amp;apos;&amp;apos; fin&eacute;</v>\r"
    )
    expected = decode_block(raw)
    for block_size in range(1, 24):
        for read_size in (1, 3, 7, 4096):
            assert _decode(raw, block_size, read_size) == expected, (block_size, read_size)


def test_peek_does_not_consume() -> None:
    """``peek`` shows decoded bytes that ``read`` then returns again."""
    decoder = EntityDecoder(io.BytesIO(b"<a>&eacute;</a>"), block_size=2)
    assert decoder.peek(5) == b"<a>&#"
    assert decoder.read(-1) == b"<a>&#233;</a>"
    assert decoder.read(10) == b""


def test_progress_counts_raw_bytes() -> None:
    """``on_read`` receives the number of bytes read from the source, before rewriting."""
    raw = b"&eacute;" * 1000
    seen: list[int] = []
    decoder = EntityDecoder(io.BytesIO(raw), on_read=seen.append, block_size=100)
    decoder.read(-1)
    assert sum(seen) == len(raw)
