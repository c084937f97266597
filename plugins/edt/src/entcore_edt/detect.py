"""The two documents this plugin reads and how to recognise them from their first bytes."""

from __future__ import annotations

from attrs import frozen
from entcore import InvalidFileError, safexml
from lxml import etree

#: Namespace of the encrypted container (``ConteneurExportChiffre.xsd``).
CONTAINER_NAMESPACE = "http://www.index-education.com/conteneurexportchiffre"
#: Namespace of the clear export (``ExportEmploiDuTemps.xsd``).
EXPORT_NAMESPACE = "http://www.index-education.com/exportemploidutemps"

#: Qualified root tag of an encrypted container.
CONTAINER_ROOT = f"{{{CONTAINER_NAMESPACE}}}EXPORT_INDEX_EDUCATION"
#: Qualified root tag of a clear export.
EXPORT_ROOT = f"{{{EXPORT_NAMESPACE}}}ExportEmploiDuTemps"

UTF8_BOM = b"\xef\xbb\xbf"

#: How many bytes are enough to reach the root start tag of any export seen.
HEAD_SIZE = 65536

# Fed in small chunks so that recognising a file costs about the size of its
# prolog and root start tag, whatever head the caller passes.
_CHUNK = 2048


@frozen
class Root:
    """The root element's start tag."""

    tag: str
    """Qualified tag, ``{namespace}local``."""
    attributes: dict[str, str]

    @property
    def local_name(self) -> str:
        """The tag without its namespace."""
        return self.tag.rpartition("}")[2]


def read_root(data: bytes) -> Root | None:
    """The root start tag found in ``data`` (the start of a document).

    Returns ``None`` when ``data`` ends before the root start tag is complete.
    Raises :class:`lxml.etree.XMLSyntaxError` when ``data`` is not the start of
    an XML document.  Nothing is resolved or fetched: the parser has
    :data:`entcore.safexml.SAFE_OPTIONS`.
    """
    parser = etree.XMLPullParser(events=("start",), **safexml.SAFE_OPTIONS)
    for offset in range(0, len(data), _CHUNK):
        try:
            parser.feed(data[offset : offset + _CHUNK])
        except etree.XMLSyntaxError:
            # An error after the root start tag (in the same chunk) is not
            # this function's business: the full parse will report it.
            root = _first_start(parser)
            if root is None:
                raise
            return root
        root = _first_start(parser)
        if root is not None:
            return root
    return None


def _first_start(parser: etree.XMLPullParser) -> Root | None:
    for _, element in parser.read_events():
        if isinstance(element, etree._Element):
            attributes = {str(k): str(v) for k, v in element.attrib.items()}
            return Root(str(element.tag), attributes)
    return None


def source_line(element: etree._Element) -> int | None:
    """The line of ``element`` in its document, when lxml knows it."""
    # lxml's stubs do not type sourceline (Optional[int] at run time).
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def require_root(head: bytes, name: str, tags: tuple[str, ...], expected: str) -> Root:
    """The root of the document starting with ``head``, which must be one of ``tags``.

    Raises :class:`~entcore.InvalidFileError` naming file ``name`` otherwise;
    ``expected`` says, in French, what the file should have been.
    """
    # Entity declarations get their own message rather than a syntax error.
    safexml.check_prolog(head, name)
    try:
        root = read_root(head)
    except etree.XMLSyntaxError as error:
        raise safexml.syntax_error(error, name) from None
    if root is None:
        reason = "fichier vide" if not head.strip() else "élément racine introuvable"
        raise InvalidFileError(name, f"{reason} : {expected} attendu")
    if root.tag not in tags:
        raise InvalidFileError(
            name, f"racine inattendue « {root.local_name} » : {expected} attendu"
        )
    return root
