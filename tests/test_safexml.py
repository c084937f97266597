"""entcore.safexml: bounded streaming, no silent loss, and errors at the right line.

Every document is built here; limits are set small where that keeps the files small.
"""

from __future__ import annotations

import io

import pytest
from lxml import etree

from entcore import InvalidFileError, safexml

Events = list[tuple[str, str]]


def _stream(
    data: bytes, *, limits: safexml.Limits = safexml.DEFAULT_LIMITS, **options: object
) -> Events:
    """The (event, local tag) pairs the caller gets, clearing each element as a reader would."""
    seen: Events = []
    for event, element in safexml.iterparse(io.BytesIO(data), "f.xml", limits=limits, **options):  # type: ignore[arg-type]
        seen.append((event, etree.QName(element).localname))
        if event == "end":
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    return seen


def _refused(data: bytes, reason: str, **options: object) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        _stream(data, **options)  # type: ignore[arg-type]
    assert caught.value.file == "f.xml"
    assert "\n" not in str(caught.value)
    return caught.value


RECORD = b"<rec><a>1</a><b>2</b></rec>\n"


# -- what the caller is handed --------------------------------------------------------------


def test_only_the_events_and_tags_asked_for() -> None:
    """The root's start, added to watch the tree, never reaches a caller that did not ask."""
    data = b"<root>\n" + RECORD * 3 + b"<root/></root>"
    assert _stream(data, tag="rec") == [("end", "rec")] * 3
    both = _stream(data, tag="rec", events=("start", "end"))
    assert both == [("start", "rec"), ("end", "rec")] * 3
    # A nested element named like the root is handed over only when asked for.
    assert ("end", "root") in _stream(data, tag=("rec", "root"))


def test_all_elements_without_a_tag_filter() -> None:
    """Without a filter the caller gets every end event, the root's last."""
    events = _stream(b"<root>" + RECORD + b"</root>")
    assert events == [("end", "a"), ("end", "b"), ("end", "rec"), ("end", "root")]


def test_namespaced_and_utf16_documents() -> None:
    """The root is found behind a namespace and in UTF-16 alike."""
    data = '<?xml version="1.0" encoding="UTF-16"?><r:root xmlns:r="urn:x"><r:rec/></r:root>'
    assert _stream(data.encode("utf-16"), tag="{*}rec") == [("end", "rec")]


def test_expected_root() -> None:
    """A document of another kind is refused at its root's line, not read as empty."""
    error = _refused(
        b"<?xml version='1.0'?>\n\n<other>" + RECORD + b"</other>",
        "élément racine « other » inattendu",
        tag="rec",
        roots=("root",),
    )
    assert error.line == 3
    assert _stream(b"<root/>", tag="rec", roots=("root",)) == []


# -- no silent loss -------------------------------------------------------------------------


def test_undeclared_entity_behind_a_doctype() -> None:
    """libxml2 only warns when an unread DTD might declare it: still an error at its line."""
    data = b'<!DOCTYPE root SYSTEM "root.dtd">\n<root>\n<rec><a>MATH&x;EMATIQUES</a></rec>\n</root>'
    error = _refused(data, "entité « x » non définie")
    assert error.line == 3


def test_undeclared_entity_in_a_long_document() -> None:
    """Without a DOCTYPE it is fatal: the message names it at its line, not the next chunk's."""
    data = b"<root>\n<rec><a>MATH&x;EMATIQUES</a></rec>\n" + RECORD * 5_000 + b"</root>"
    error = _refused(data, "entité « x » non définie", tag="rec")
    assert error.line == 2


def test_undeclared_entity_in_a_whole_document() -> None:
    """parse_bytes refuses it too."""
    data = b'<!DOCTYPE root SYSTEM "root.dtd">\n<root>&x;</root>'
    with pytest.raises(InvalidFileError, match="entité « x » non définie") as caught:
        safexml.parse_bytes(data, "f.xml")
    assert caught.value.line == 2


def test_predefined_entities_and_references_are_read() -> None:
    """The five XML entities and character references are declared: they read whole."""
    data = b'<!DOCTYPE root SYSTEM "root.dtd">\n<root><a>A&amp;B&#201;&lt;</a></root>'
    root = safexml.parse_bytes(data, "f.xml")
    assert root[0].text == "A&BÉ<"


# -- bounded work ---------------------------------------------------------------------------


def test_junk_between_records() -> None:
    """Elements the caller never sees pile up under the root: refused past the limit."""
    data = b"<root>\n" + RECORD + b"<x/>" * 50_000 + b"\n" + RECORD + b"</root>"
    error = _refused(data, "plus de 10000 éléments dans « root »", tag="rec")
    assert error.line == 3


def test_junk_before_the_first_record() -> None:
    """Before any record is handed over the tree is watched all the same."""
    data = b"<root>\n" + b"<x/>" * 50_000 + RECORD + b"</root>"
    _refused(data, "plus de 10000 éléments dans « root »", tag="rec")


def test_elements_held_at_once() -> None:
    """Many small children under many parents: the total the tree holds is limited."""
    limits = safexml.Limits(max_pending=1_000)
    data = (
        b"<root><rec>"
        + b"<a>"
        + b"<v/>" * 500
        + b"</a>" * 1
        + (b"<a>" + b"<v/>" * 500 + b"</a>") * 20
        + b"</rec></root>"
    )
    _refused(data, "plus de 1000 éléments à garder à la fois", tag="rec", limits=limits)


def test_depth_is_exact_without_a_filter() -> None:
    """Every element passes through when no filter is set: nesting is checked at each start."""
    limits = safexml.Limits(max_depth=5)
    error = _refused(
        b"<r>\n<a>\n<b>\n<c>\n<d>\n<e>\n</e></d></c></b></a></r>",
        "plus de 5 niveaux",
        limits=limits,
    )
    assert error.line == 6
    assert len(_stream(b"<r><a><b><c><d/></c></b></a></r>", limits=limits)) == 5


def test_depth_with_a_filter() -> None:
    """With a filter, nesting is checked on what the parser holds at each read."""
    limits = safexml.Limits(max_depth=5)
    data = b"<r>\n" + b"<n>" * 10 + b"x" * 100_000 + b"</n>" * 10 + b"</r>"
    error = _refused(data, "plus de 5 niveaux", tag="rec", limits=limits)
    assert error.line == 2


def test_bytes_without_an_element_for_the_reader() -> None:
    """Megabytes of text the reader never gets are refused past the gap."""
    limits = safexml.Limits(max_gap=1 << 16)
    data = b"<root>\n" + RECORD + b"<x>" + b"y" * 200_000 + b"</x>" + RECORD + b"</root>"
    error = _refused(
        data, "plus de 64 Kio d'affilée sans élément attendu", tag="rec", limits=limits
    )
    assert error.line == 3


def test_document_size() -> None:
    """The whole document can be capped."""
    limits = safexml.Limits(max_bytes=100_000)
    _refused(
        b"<root>" + RECORD * 10_000 + b"</root>",
        "fichier trop volumineux",
        tag="rec",
        limits=limits,
    )


def test_a_reader_that_clears_is_never_limited_by_the_file_size() -> None:
    """Far more records than any limit stream through when each is cleared."""
    limits = safexml.Limits(max_children=10, max_pending=100)
    events = _stream(b"<root>" + RECORD * 20_000 + b"</root>", tag="rec", limits=limits)
    assert len(events) == 20_000
