"""Turning the requests of one file into directory items.

:class:`FileTranslator` keeps the per-file state (degree, attributes already
reported as unknown) and turns each request into items:

* ``addRequest`` → :class:`~entcore.model.Entry`, whose fingerprint is a digest
  of :data:`FORMAT_VERSION`, the category, the degree and the canonical text of
  the request (see :mod:`~.payload`), and whose ``build`` decodes and converts
  its attributes (see :mod:`~.builder`);
* ``modifyRequest`` → :class:`~entcore.model.Modification` with typed changes;
* ``deleteRequest`` → :class:`~entcore.model.Deletion`;
* entries without identifier, or whose identifier and jointure disagree →
  :class:`~entcore.model.Rejection`; unknown attributes →
  :class:`~entcore.model.Notice`, once per name and file.

An unchanged entry costs little more than parsing it: its serialisation, the
match that checks its names and reads its identifier and jointure, and the
digest all run in C, and no value is turned into a Python string before
``build``.  Entries of another shape than the previous one, and files whose
degree is not known yet, take the general path (:meth:`FileTranslator.translate`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from typing import TYPE_CHECKING, Any

from entcore.model import (
    Deletion,
    DirectoryItem,
    DirectoryRecord,
    Entry,
    Modification,
    Notice,
    Origin,
    RecordError,
    RecordKind,
    Rejection,
)
from entcore.plugins.aaf import oned, twod, values
from entcore.plugins.aaf import payload as canonical
from entcore.plugins.aaf.builder import Builder, Plan
from entcore.plugins.aaf.reader import Addition, addition, read

if TYPE_CHECKING:
    from lxml import etree

    from entcore.plugins.aaf.reader import Request
    from entcore.plugins.aaf.rules import CategorySpec

#: Changes whenever the translation code changes how records are built, so that
#: every fingerprint changes with it and the engine rebuilds every record once.
FORMAT_VERSION = "entcore-aaf/2"

SPECS: dict[str, dict[str, CategorySpec]] = {"1D": oned.SPECS, "2D": twod.SPECS}

#: Values of ``operationalAttributes`` accepted in a file of each category.
CATEGORY_VALUES: dict[str, frozenset[str]] = {
    "EtabEducNat": frozenset({"EtabEducNat"}),
    "MatiereEducNat": frozenset({"MatEducNat", "MatiereEducNat"}),
    "MefEducNat": frozenset({"MefEducNat"}),
    "PersRelEleve": frozenset({"PersRelEleve"}),
    "Eleve": frozenset({"Eleve"}),
    "PersEducNat": frozenset({"PersEducNat"}),
}

# A separator that cannot occur in XML text (control characters are not
# allowed in XML 1.0), so that the digested bytes are unambiguous.
_FIELD = "\x1e"

group = canonical.group

# What follows the identifier in the canonical text of an entry, and ends it.
_ENVELOPE_END = "</id></identifier>"
_REQUEST_END = "</addRequest>"

# The builders of the entries built in this process from portable items, per
# thread (a Builder keeps per-shape state) and per (degree, category).
_rebuilders = threading.local()


def rebuild(degree: str, category: str, external_id: str, text: str) -> DirectoryRecord:
    """The record of an entry read in another process, from the canonical text of its attributes.

    The same record as the entry's ``build`` in the reading process gives (a
    Builder builds from the attributes' text exactly as from a match of the whole
    request).  Raises :class:`~entcore.model.RecordError` when the entry is invalid.
    """
    builders: dict[tuple[str, str], Builder] | None = getattr(_rebuilders, "builders", None)
    if builders is None:
        builders = _rebuilders.builders = {}
    builder = builders.get((degree, category))
    if builder is None:
        builder = builders[degree, category] = Builder(SPECS[degree][category])
    return builder.build(external_id, text)


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Scope:
    """What the entries of one spec in one file share: digest prefix, patterns, builder."""

    def __init__(self, spec: CategorySpec, category: str, reported: set[str]):
        self.spec = spec
        prefix = _FIELD.join((FORMAT_VERSION, category, spec.degree, "")).encode()
        # The digested text as Latin-1 when it can (a copy, for most feeds), else
        # UTF-8; the byte after the prefix says which, so no two texts collide.
        self.latin1 = prefix + b"\x01"
        self.utf8 = prefix + b"\x02"
        # How a payload starts when its first attribute is the jointure (exports put it there).
        self.jointure = f'<attributes><attr name="{spec.key}"><value>'
        self.unknown = canonical.unknown_tag(spec.known)
        self.builder = Builder(spec)
        # ATTR_TAG groups that need no notice: known names, and names already reported.
        self.quiet: set[str] = set()
        for name in (*spec.known, *reported):
            self.quiet.update(canonical.tag_forms(name))


class FileTranslator:
    """Translates the requests of one file.

    :param file: the file name used in origins and messages.
    :param category: the file-name category token (``Eleve``…).
    :param degree: ``"1D"``/``"2D"`` when the file says so; otherwise detected
        from the attribute names of the first entries (2D until proven 1D).
    :param portable: give each Entry a ``build`` that can be pickled (:func:`rebuild`
        of its attributes' text), for a feed read in a worker process.
    """

    def __init__(
        self, file: str, category: str, degree: str | None = None, *, portable: bool = False
    ):
        self.file = file
        self.category = category
        self._portable = portable
        self._accepted = CATEGORY_VALUES[category]
        self._default = SPECS["2D"][category]
        self._spec: CategorySpec | None = SPECS[degree][category] if degree in SPECS else None
        if SPECS["1D"][category] is self._default:
            # Both degrees read this category alike: nothing to detect.
            self._spec = self._default
        self._reported: set[str] = set()
        self._scope = _Scope(self._spec or self._default, category, self._reported)

    @property
    def kind(self) -> RecordKind:
        """The record kind of the file."""
        return self._default.kind

    def _spec_for(self, request: Request | Addition) -> CategorySpec:
        if self._spec is not None:
            return self._spec
        names = {name for name, _ in request.attributes}
        if names & oned.MARKERS:
            self._spec = SPECS["1D"][self.category]
        elif names & twod.MARKERS:
            self._spec = SPECS["2D"][self.category]
        else:
            return self._default
        return self._spec

    def _origin(self, request: Request, identifier: str) -> Origin:
        return Origin(self.file, request.line or None, identifier)

    def _unknown(self, spec: CategorySpec, name: str, origin: Origin) -> Notice | None:
        if name in self._reported:
            return None
        self._reported.add(name)
        self._scope.quiet.update(canonical.tag_forms(name))
        label = f"« {name} »" if name else "sans nom"
        return Notice(f"attribut {label} inconnu ignoré (fichier {self.category})", origin)

    def translate_element(self, element: etree._Element) -> list[DirectoryItem]:
        """The items of a request element of the file (see :meth:`~.reader.Document.elements`).

        An addRequest of the shape of the previous one is read by one match of
        its canonical text; any other request is read into a request first.
        """
        if element.tag != "addRequest":
            return self.translate(read(element))
        text = canonical.serialize(element)
        scope = self._scope
        plan = scope.builder.plan
        if plan is not None and scope.spec is self._spec:
            match = plan.request.fullmatch(text)
            if match is not None:
                # lxml-stubs declare sourceline as "..."; it is an int here.
                line: int = element.sourceline  # type: ignore[assignment]
                return self._planned(scope, text, line, plan, match)
        return self.translate(read(element, text))

    def translate(self, request: Request | Addition) -> list[DirectoryItem]:
        """The items of one request, notices first."""
        identifier = request.identifier.strip() if request.identifier else ""
        category = request.category.strip() if request.category is not None else None
        if category is not None and category not in self._accepted:
            return [
                Rejection(
                    self.kind,
                    f"catégorie « {category} » inattendue dans un fichier {self.category}",
                    Origin(self.file, request.line or None, identifier),
                )
            ]
        if isinstance(request, Addition):
            return self._add(self._spec_for(request), request, identifier)
        if request.operation == "add":
            entry = addition(request)
            return self._add(self._spec_for(entry), entry, identifier)
        spec = self._spec_for(request)
        if request.operation == "modify":
            return self._modify(spec, request, identifier)
        origin = self._origin(request, identifier)
        if identifier:
            return [Deletion(spec.kind, identifier, origin)]
        return [Rejection(spec.kind, "suppression sans identifiant", origin)]

    def _add(self, spec: CategorySpec, entry: Addition, identifier: str) -> list[DirectoryItem]:
        scope = self._scope
        if scope.spec is not spec:
            scope = self._scope = _Scope(spec, self.category, self._reported)
        payload = entry.payload
        builder = scope.builder
        key = spec.key
        # The usual case, told from the text: the first attribute is the jointure
        # and holds the identifier alone, so both agree.
        raw_id = canonical.text_form(identifier) if identifier else None
        if (
            raw_id is not None
            and payload.startswith(scope.jointure)
            and payload.startswith(raw_id + "</value></attr>", len(scope.jointure))
        ):
            external_id = identifier
        else:
            # The first attribute with this name and a value counts.
            jointure: str | None = None
            for name, raw in entry.attributes:
                if name == key:
                    jointure = values.text(name, raw)
                    if jointure is not None:
                        break
            external_id = jointure.strip() if jointure else identifier
        origin = Origin(self.file, entry.line or None, external_id)
        items: list[DirectoryItem] = []
        # Nested attr elements are seen too; only when some tag is neither known nor
        # already reported are the names read exactly, to report the unknown ones.
        if scope.unknown.search(payload) is not None and not scope.quiet.issuperset(
            canonical.ATTR_TAG.findall(payload)
        ):
            known = spec.known
            for name, _ in entry.attributes:
                if name not in known:
                    notice = self._unknown(spec, name, origin)
                    if notice is not None:
                        items.append(notice)
        # The next entries are most likely of this one's shape.
        builder.prepare(payload)
        return self._entry(scope, identifier, external_id, origin, items, entry.request, payload)

    def _planned(
        self, scope: _Scope, text: str, line: int, plan: Plan, match: re.Match[str]
    ) -> list[DirectoryItem]:
        """The items of an entry of the current shape: one match tells ids and names."""
        spec = scope.spec
        category_text, identifier_text = match.group(1, 2)
        # unescape() only when needed: it is a call per entry otherwise.
        if "&" in identifier_text:
            identifier_text = canonical.unescape(identifier_text)
        if "&" in category_text:
            category_text = canonical.unescape(category_text)
        identifier = identifier_text.strip()
        category = category_text.strip()
        if category not in self._accepted:
            return [
                Rejection(
                    spec.kind,
                    f"catégorie « {category} » inattendue dans un fichier {self.category}",
                    Origin(self.file, line or None, identifier),
                )
            ]
        if plan.key is None:
            external_id = identifier
        else:
            tail = match.group(plan.key)
            raw_id = identifier if identifier.isalnum() else canonical.text_form(identifier)
            if raw_id is not None and tail == f"><value>{raw_id}</value></attr>":
                external_id = identifier
            else:
                jointure = values.text(spec.key, canonical.values_of(tail))
                external_id = jointure.strip() if jointure else identifier
        origin = Origin(self.file, line or None, external_id)
        items: list[DirectoryItem] = []
        if plan.unknown and not self._reported.issuperset(plan.unknown):
            for name in plan.unknown:
                notice = self._unknown(spec, name, origin)
                if notice is not None:
                    items.append(notice)
        return self._entry(scope, identifier, external_id, origin, items, text, text, plan, match)

    def _entry(
        self,
        scope: _Scope,
        identifier: str,
        external_id: str,
        origin: Origin,
        items: list[DirectoryItem],
        request: str,
        text: str,
        plan: Plan | None = None,
        match: re.Match[str] | None = None,
    ) -> list[DirectoryItem]:
        """``items`` and the Entry, or the Rejection, of an entry whose ids are known.

        ``request`` is the canonical text of the whole request, ``text`` what the
        builder builds from: the same with the plan's ``match`` of it, else the
        attributes' text.
        """
        spec = scope.spec
        if not external_id:
            items.append(Rejection(spec.kind, "entrée sans identifiant ni jointure", origin))
            return items
        if identifier and identifier != external_id:
            items.append(
                Rejection(
                    spec.kind,
                    f"identifiant « {identifier} » différent de la jointure « {external_id} » "
                    f"({spec.key})",
                    origin,
                )
            )
            return items
        try:
            digested = scope.latin1 + request.encode("latin-1")
        except UnicodeEncodeError:
            digested = scope.utf8 + request.encode("utf-8")
        # SHA-256 is computed by the CPU's SHA extensions where present: the
        # cheapest strong digest of a few kilobytes.
        fingerprint = hashlib.sha256(digested).digest()[:16]
        if self._portable:
            if match is not None:
                # The attributes' text: between the envelope and the closing tag.
                text = text[match.end(2) + len(_ENVELOPE_END) : -len(_REQUEST_END)]
            build = functools.partial(rebuild, spec.degree, self.category, external_id, text)
        else:
            build = functools.partial(scope.builder.build, external_id, text, plan, match)
        items.append(Entry(spec.kind, external_id, fingerprint, origin, build))
        return items

    def _modify(self, spec: CategorySpec, request: Request, identifier: str) -> list[DirectoryItem]:
        origin = self._origin(request, identifier)
        if not identifier:
            return [Rejection(spec.kind, "modification sans identifiant", origin)]
        notices: list[DirectoryItem] = []
        for name in request.unsupported:
            notices.append(
                Notice(
                    f"modification de « {name} » ignorée : seule l'opération replace est prise "
                    "en charge",
                    origin,
                )
            )
        grouped = group(request.attributes)
        changes: list[tuple[str, Any]] = []
        try:
            for name, raw in grouped.items():
                if name == spec.key:
                    jointure = values.text(name, raw)
                    if jointure and jointure.strip() != identifier:
                        raise RecordError(
                            f"la jointure ne peut pas changer (« {identifier} » → "
                            f"« {jointure.strip()} »)"
                        )
                    continue
                if name not in spec.known:
                    notice = self._unknown(spec, name, origin)
                    if notice is not None:
                        notices.append(notice)
                    continue
                for rule in spec.fields.get(name, ()):
                    changes.append((rule.path, rule.convert(name, raw)))
            for composite in spec.composites:
                listed = [source for source in composite.sources if source in grouped]
                if not listed:
                    continue
                if len(listed) == len(composite.sources):
                    changes.extend(composite.compose(grouped).items())
                    continue
                decided = composite.partial(grouped) if composite.partial else None
                if decided is not None:
                    changes.extend(decided.items())
                    continue
                missing = [source for source in composite.sources if source not in grouped]
                notices.append(
                    Notice(
                        f"{', '.join(composite.paths)} non recalculé : la modification de "
                        f"{', '.join(listed)} exige aussi {', '.join(missing)}",
                        origin,
                    )
                )
            for path, value in changes:
                reason = spec.required.get(path)
                if reason is not None and _is_empty(value):
                    raise RecordError(reason)
        except RecordError as error:
            return [Rejection(spec.kind, str(error), origin)]
        if changes:
            notices.append(Modification(spec.kind, identifier, tuple(changes), origin))
        return notices
