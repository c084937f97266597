"""The canonical text of entries: serialisation, exact decoding, tag patterns."""

from __future__ import annotations

import pytest
from lxml import etree

from entcore import safexml
from entcore.plugins.aaf import payload as canonical


def _parse(xml: str) -> etree._Element:
    """An element as the reader's parser makes it: blank text, comments and PIs dropped."""
    parser = safexml.parser(remove_blank_text=True, remove_comments=True, remove_pis=True)
    return etree.fromstring(xml.encode(), parser)


def _walk(element: etree._Element) -> canonical.Attributes:
    """What reading an attributes element value by value gives (the reference)."""
    return tuple(
        (attr.get("name") or "", tuple(value.text or "" for value in attr))
        for attr in element
        if attr.tag == "attr"
    )


PLAIN = [
    '<attributes><attr name="sn"><value>DUPONT</value></attr></attributes>',
    '<attributes><attr name="a"/><attr name="b"><value/></attr>'
    '<attr name="c"><value></value><value> </value></attr></attributes>',
    '<attributes><attr name="a"><value>x &amp; y &lt;z&gt; "q" \'a\'</value>'
    "<value>é€Œ</value></attr></attributes>",
    '<attributes><attr name="a"><value>line&#13;feed</value></attr></attributes>',
    '<attributes><attr name="a&amp;b"><value>1</value></attr>'
    "<attr name='q\"'><value>2</value></attr></attributes>",
    '<attributes><attr name=""><value>empty name</value></attr></attributes>',
    '<attributes><attr name="a"><value>1</value></attr><attr name="a"><value>2</value></attr>'
    "</attributes>",
    '<attributes>\n  <attr name="a">\n    <value>\n   multi\n  </value>\n  </attr>\n</attributes>',
]

UNUSUAL = [
    "<attributes/>",
    "<attributes><attr><value>nameless</value></attr></attributes>",
    '<attributes><attr name="a" other="1"><value>x</value></attr></attributes>',
    '<attributes><attr name="a"><other>o</other><value>v</value></attr></attributes>',
    '<attributes><attr name="a">mixed<value>v</value>tail</attr></attributes>',
    '<attributes><attr name="a"><value>t<b>x</b>u</value></attr></attributes>',
    '<attributes><attr name="a"><value><attr name="sn"><value>nested</value></attr></value>'
    "</attr></attributes>",
    '<attributes>text<foo/><attr name="a"><value>v</value></attr></attributes>',
    '<attributes kind="x"><attr name="a"><value>v</value></attr></attributes>',
]


@pytest.mark.parametrize("xml", PLAIN)
def test_plain_attributes_are_decoded_by_the_regular_expression(xml: str) -> None:
    """The usual shapes never need a second parse, and decode exactly."""
    element = _parse(xml)
    text = canonical.serialize(element)
    assert canonical.plain(text) is not None
    assert canonical.decode(text) == _walk(element)


@pytest.mark.parametrize("xml", UNUSUAL)
def test_unusual_attributes_are_parsed_again_and_walked(xml: str) -> None:
    """Anything the regular expression does not tile is read as the element would be."""
    element = _parse(xml)
    text = canonical.serialize(element)
    assert canonical.plain(text) is None
    assert canonical.decode(text) == _walk(element)


def test_text_does_not_depend_on_how_the_file_was_written() -> None:
    """Indentation, quotes and character references do not change the canonical text."""
    compact = '<attributes><attr name="sn"><value>Hélène &amp; Cie</value></attr></attributes>'
    written = (
        "<attributes>\n\t<attr name='sn'>\n\t\t<value>H&#233;l&#xE8;ne &#38; Cie</value>\n"
        "\t</attr>\n</attributes>"
    )
    assert canonical.serialize(_parse(compact)) == canonical.serialize(_parse(written))


def test_text_of_values_is_the_text_read() -> None:
    """A value whose spaces differ is another text: one-line values are kept exactly."""
    one = canonical.serialize(
        _parse('<attributes><attr name="sn"><value>A</value></attr></attributes>')
    )
    two = canonical.serialize(
        _parse('<attributes><attr name="sn"><value>A </value></attr></attributes>')
    )
    assert one != two


def test_pairs_serialise_as_the_parsed_element_does() -> None:
    """A request given as values has the text of the same request read from a file."""
    pairs = (("sn", ("DUPONT",)), ("x", ()), ("y", ("",)), ("z", ("a & b", "<c>", "é")))
    xml = (
        '<attributes><attr name="sn"><value>DUPONT</value></attr><attr name="x"></attr>'
        '<attr name="y"><value></value></attr>'
        '<attr name="z"><value>a &amp; b</value><value>&lt;c&gt;</value><value>é</value></attr>'
        "</attributes>"
    )
    text = canonical.from_attributes(pairs)
    assert text == canonical.serialize(_parse(xml))
    assert canonical.decode(text) == pairs


@pytest.mark.parametrize(
    ("tail", "values"),
    [
        ("/>", ()),
        ("></attr>", ()),
        ("><value/></attr>", ("",)),
        ("><value>a</value><value/><value>b&amp;c</value></attr>", ("a", "", "b&c")),
        ("><value>&lt;x&gt; &#13;</value></attr>", ("<x> \r",)),
    ],
)
def test_values_of_a_tail(tail: str, values: tuple[str, ...]) -> None:
    """What follows a name in canonical text gives the values back, unescaped."""
    assert canonical.values_of(tail) == values


@pytest.mark.parametrize(
    ("text", "form"),
    [("700001", "700001"), ("a b-c.d", "a b-c.d"), ("", None), ("a&b", None), ("a<b", None)],
)
def test_text_form(text: str, form: str | None) -> None:
    """Element content written as is, or None when canonical text escapes part of it."""
    assert canonical.text_form(text) == form


def test_unknown_tag_finds_only_what_is_not_known() -> None:
    """Known names (escaped as the text writes them) pass; anything else is found."""
    pattern = canonical.unknown_tag(frozenset({"sn", "s", "givenName", 'q"&'}))
    for known in ('<attr name="sn">', '<attr name="s"/>', '<attr name="q&quot;&amp;">'):
        assert pattern.search(known) is None, known
    assert pattern.search("<attributes>") is None
    for unknown in (
        '<attr name="sn2">',
        '<attr name="snx"/>',
        '<attr name="">',
        "<attr>",
        "<attr/>",
        '<attr name="sn" x="1">',
        '<attr-x name="sn">',
    ):
        assert pattern.search(unknown) is not None, unknown
    assert canonical.unknown_tag(frozenset()).search('<attr name="sn">') is not None


@pytest.mark.parametrize("name", ["sn", 'q"&<>', "a\tb\nc\rd"])
def test_tag_forms_are_what_the_text_holds(name: str) -> None:
    """The forms of a name are the attribute groups ATTR_TAG finds for it."""
    attr = etree.Element("attr", name=name)
    empty = canonical.ATTR_TAG.findall(canonical.serialize(attr))
    etree.SubElement(attr, "value").text = "v"
    full = canonical.ATTR_TAG.findall(canonical.serialize(attr))
    assert (full[0], empty[0]) == canonical.tag_forms(name)
