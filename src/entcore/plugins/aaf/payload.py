"""The canonical text of an entry: what its fingerprint digests, what its record comes from.

Each ``addRequest`` is kept as the text libxml2 serialises it into, rather than
having every value turned into a Python string: the serialisation runs in C,
and an entry whose fingerprint has not changed is never decoded at all.  The
parser has already dropped the blank text between elements, replaced entities
and character references by the characters they stand for, and forgotten how
attributes were quoted and in which encoding the file was written, so the text
does not change when the rectorat's exporter re-indents its files or changes
its line ends, quotes or encoding.

Decoding the ``attributes`` element gives back exactly what walking it would
have given: one ``(name, values)`` pair per ``attr`` child, in document order,
the text of each child element of the ``attr`` as a value (``""`` for an empty
one).  The text of a plain entry is decoded by a regular expression; anything
else (mixed content, nested or unexpected elements, extra XML attributes) is
parsed again with the hardened parser and walked.
"""

from __future__ import annotations

import functools
import re
from itertools import chain
from typing import TYPE_CHECKING

from lxml import etree

from entcore import safexml

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Sequence

#: ``(name, values)`` of each ``attr``, in document order.
Attributes = tuple[tuple[str, tuple[str, ...]], ...]

_OPEN = "<attributes>"
_CLOSE = "</attributes>"
_FRAME = len(_OPEN) + len(_CLOSE)

#: The canonical text of an ``addRequest`` of the usual shape up to its attributes: one
#: category value, one id, nothing but elements; groups: the category value and the id.
ENVELOPE = (
    r'<addRequest><operationalAttributes><attr name="[^"]*"><value>([^<]*)</value></attr>'
    r"</operationalAttributes><identifier><id>([^<]*)</id></identifier>"
)

#: What follows the name of an attribute of the plain form: only value children
#: holding only text.  libxml2 escapes "<" in text and '"' in attribute values,
#: so the character classes cannot run past an element.
TAIL = r"/>|>(?:<value>[^<]*</value>|<value/>)*</attr>"
_ATTR = re.compile(rf'<attr name="([^"]*)"({TAIL})')
# The fixed characters of a match around its two groups: '<attr name="' and '"'.
_ATTR_FRAME = len('<attr name=""')
_EMPTY_VALUE = "<value/>"
_VALUE_SEPARATOR = "</value><value>"
# What precedes the first value ('><value>') and follows the last ('</value></attr>').
_VALUES_START = len("><value>")
_VALUES_END = -len("</value></attr>")

#: The XML attributes of every ``attr`` start tag (``' name="sn"'``, ``' name="x"/'``…).
#: ``\b`` keeps ``<attributes>`` out; any other tag starting with ``<attr`` is caught.
ATTR_TAG = re.compile(r"<attr\b([^>]*)>")

# Characters libxml2 escapes in text content.
_TEXT_ESCAPED = re.compile("[&<>\r]")

_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def serialize(element: etree._Element) -> str:
    """The canonical text of an element of a parsed feed."""
    # As text rather than UTF-8 bytes: libxml2 then writes without an output
    # encoder, which is faster, and records are built from text anyway.
    return etree.tostring(element, encoding="unicode", with_tail=False)


def from_attributes(attributes: Iterable[tuple[str, Sequence[str]]]) -> str:
    """The canonical text of ``(name, values)`` pairs: what the parsed element would give.

    An empty value becomes ``<value/>``, as the parser leaves an empty element
    without text, so a request read from a file and the same request given as
    pairs serialise alike.
    """
    root = etree.Element("attributes")
    _fill(root, attributes)
    return serialize(root)


def _fill(parent: etree._Element, attributes: Iterable[tuple[str, Sequence[str]]]) -> None:
    for name, values in attributes:
        attr = etree.SubElement(parent, "attr", name=name)
        for value in values:
            node = etree.SubElement(attr, "value")
            if value:
                node.text = value


def from_request(
    category: str | None, identifier: str | None, attributes: Iterable[tuple[str, Sequence[str]]]
) -> str:
    """The canonical text of a whole ``addRequest`` given as values (see :func:`from_attributes`)."""
    root = etree.Element("addRequest")
    if category is not None:
        # The name of the operational attribute is not kept in a request, nor read.
        attr = etree.SubElement(etree.SubElement(root, "operationalAttributes"), "attr")
        attr.set("name", "categorie")
        node = etree.SubElement(attr, "value")
        if category:
            node.text = category
    if identifier is not None:
        node = etree.SubElement(etree.SubElement(root, "identifier"), "id")
        if identifier:
            node.text = identifier
    _fill(etree.SubElement(root, "attributes"), attributes)
    return serialize(root)


def text_form(text: str) -> str | None:
    """``text`` as element content of canonical text; None when some character is escaped there.

    Also None for an empty text, which is written as an empty element.
    """
    if text and (text.isalnum() or _TEXT_ESCAPED.search(text) is None):
        return text
    return None


def tag_forms(name: str) -> tuple[str, str]:
    """How the start tag of an ``attr`` named ``name`` appears to :data:`ATTR_TAG`.

    The two forms are those of an ``attr`` with values and of an empty one.
    """
    escaped = f' name="{name.translate(_ATTRIBUTE_ESCAPES)}"'
    return escaped, escaped + "/"


def _alternation(words: list[str]) -> str:
    """A regular expression matching exactly ``words``, factored by common prefixes.

    sre tries the branches of an alternation one after the other; factored, a
    tag is told known or not in about as many steps as its name has characters.
    """
    groups: dict[str, list[str]] = {}
    optional = False
    for word in words:
        if word:
            groups.setdefault(word[0], []).append(word[1:])
        else:
            optional = True
    branches = [re.escape(head) + _alternation(rest) for head, rest in sorted(groups.items())]
    if not branches:
        return ""
    if len(branches) == 1 and not optional:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if optional else group


@functools.lru_cache(maxsize=64)
def unknown_tag(names: frozenset[str]) -> re.Pattern[str]:
    """A pattern finding the ``attr`` start tags of canonical text not named in ``names``.

    Searching with it allocates nothing when every attribute is known, which is
    the common case; it also finds tags with other XML attributes than ``name``.
    """
    forms = sorted({tag_forms(name)[0] for name in names})
    if not forms:
        return re.compile(r"<attr\b")
    return re.compile(r"<attr\b(?!" + _alternation(forms) + r"/?>)")


def _replace(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named is not None:
        return _NAMED[named]
    return chr(int(decimal) if decimal is not None else int(hexadecimal, 16))


def unescape(text: str) -> str:
    """The characters a piece of canonical text stands for: references replaced."""
    return _REFERENCE.sub(_replace, text) if "&" in text else text


def plain(text: str) -> list[tuple[str, str]] | None:
    """``(name, tail)`` of every attribute when ``text`` holds plain ones only, else None.

    The tail is what follows the name (see :func:`values_of`); names are as
    the text holds them, escaped.  The matches must tile the element exactly:
    their lengths plus the frame must add up to the length of the text, so
    nothing between them was skipped.
    """
    if not (text.startswith(_OPEN) and text.endswith(_CLOSE)):
        return None
    matches: list[tuple[str, str]] = _ATTR.findall(text, len(_OPEN), len(text) - len(_CLOSE))
    covered = _FRAME + _ATTR_FRAME * len(matches) + sum(map(len, chain.from_iterable(matches)))
    return matches if covered == len(text) else None


def values_of(tail: str) -> tuple[str, ...]:
    """The values of a plain attribute from what follows its name (``/>`` or ``>…</attr>``)."""
    if len(tail) <= len("></attr>"):
        return ()
    if _EMPTY_VALUE in tail:
        tail = tail.replace(_EMPTY_VALUE, "<value></value>")
    values = tail[_VALUES_START:_VALUES_END].split(_VALUE_SEPARATOR)
    if "&" in tail:
        return tuple([unescape(value) for value in values])
    return tuple(values)


def _walk(payload: str) -> Attributes:
    # The text was serialised by libxml2 from a parsed feed, but is parsed with
    # the hardened parser all the same (a new one: parsers are not thread-safe).
    root = safexml.parse_bytes(payload.encode("utf-8"), "attributes")
    return tuple(
        [
            (attr.get("name") or "", tuple([value.text or "" for value in attr]))
            for attr in root
            if attr.tag == "attr"
        ]
    )


def decode(payload: str) -> Attributes:
    """The ``(name, values)`` pairs of canonical text, in document order."""
    if not payload:
        return ()
    matches = plain(payload)
    if matches is None:
        return _walk(payload)
    return tuple([(unescape(name), values_of(tail)) for name, tail in matches])


def group(attributes: Iterable[tuple[str, Sequence[str]]]) -> dict[str, Sequence[str]]:
    """Attribute name → values; an attribute repeated in one entry has its values joined."""
    grouped: dict[str, Sequence[str]] = {}
    for name, raw in attributes:
        previous = grouped.get(name)
        grouped[name] = raw if previous is None else (*previous, *raw)
    return grouped


def grouped(payload: str, wanted: Container[str]) -> dict[str, Sequence[str]]:
    """:func:`group` of :func:`decode`, keeping only the ``wanted`` names."""
    return group(pair for pair in decode(payload) if pair[0] in wanted)
