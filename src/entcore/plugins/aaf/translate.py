"""Turning the requests of one file into directory items.

:class:`FileTranslator` keeps the per-file state (degree, attributes already
reported as unknown) and turns each :class:`~.reader.Request` into items:

* ``addRequest`` → :class:`~entcore.model.Entry`, whose fingerprint is a digest
  of the category, the degree, the identifier and every attribute name and
  value exactly as read, and whose ``build`` converts them lazily;
* ``modifyRequest`` → :class:`~entcore.model.Modification` with typed changes;
* ``deleteRequest`` → :class:`~entcore.model.Deletion`;
* entries without identifier, or whose identifier and jointure disagree →
  :class:`~entcore.model.Rejection`; unknown attributes →
  :class:`~entcore.model.Notice`, once per name and file.

Per-entry work before ``build`` is kept to one pass over the attribute list:
an unchanged entry costs little more than parsing it.
"""

from __future__ import annotations

import functools
import hashlib
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

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from entcore.plugins.aaf.reader import Request
    from entcore.plugins.aaf.rules import CategorySpec

#: Changes whenever the translation code changes how records are built, so that
#: every fingerprint changes with it and the engine rebuilds every record once.
FORMAT_VERSION = "entcore-aaf/1"

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

# Separators that cannot occur in XML text (control characters are not allowed
# in XML 1.0), so that the digested text is unambiguous.
_FIELD = "\x1e"
_VALUE = "\x1f"


def group(attributes: Sequence[tuple[str, tuple[str, ...]]]) -> dict[str, Sequence[str]]:
    """Attribute name → values; an attribute repeated in one entry has its values joined."""
    grouped: dict[str, Sequence[str]] = {}
    for name, raw in attributes:
        previous = grouped.get(name)
        grouped[name] = raw if previous is None else (*previous, *raw)
    return grouped


def build(
    spec: CategorySpec, external_id: str, attributes: tuple[tuple[str, tuple[str, ...]], ...]
) -> DirectoryRecord:
    """The record of an entry (the ``build`` of its :class:`Entry`)."""
    return spec.build(external_id, group(attributes))


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class FileTranslator:
    """Translates the requests of one file.

    :param file: the file name used in origins and messages.
    :param category: the file-name category token (``Eleve``…).
    :param degree: ``"1D"``/``"2D"`` when the file says so; otherwise detected
        from the attribute names of the first entries (2D until proven 1D).
    """

    def __init__(self, file: str, category: str, degree: str | None = None):
        self.file = file
        self.category = category
        self._accepted = CATEGORY_VALUES[category]
        self._spec: CategorySpec | None = SPECS[degree][category] if degree in SPECS else None
        self._default = SPECS["2D"][category]
        self._reported: set[str] = set()

    @property
    def kind(self) -> RecordKind:
        """The record kind of the file."""
        return self._default.kind

    def _spec_for(self, request: Request) -> CategorySpec:
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
        label = f"« {name} »" if name else "sans nom"
        return Notice(f"attribut {label} inconnu ignoré (fichier {self.category})", origin)

    def translate(self, request: Request) -> Iterator[DirectoryItem]:
        """The items of one request, notices first."""
        identifier = request.identifier.strip() if request.identifier else ""
        category = request.category.strip() if request.category is not None else None
        if category is not None and category not in self._accepted:
            yield Rejection(
                self.kind,
                f"catégorie « {category} » inattendue dans un fichier {self.category}",
                self._origin(request, identifier),
            )
            return
        spec = self._spec_for(request)
        if request.operation == "add":
            yield from self._add(spec, request, identifier)
        elif request.operation == "modify":
            yield from self._modify(spec, request, identifier)
        else:
            origin = self._origin(request, identifier)
            if identifier:
                yield Deletion(spec.kind, identifier, origin)
            else:
                yield Rejection(spec.kind, "suppression sans identifiant", origin)

    def _add(
        self, spec: CategorySpec, request: Request, identifier: str
    ) -> Iterator[DirectoryItem]:
        key = spec.key
        known = spec.known
        jointure: str | None = None
        unknown: list[str] = []
        parts = [FORMAT_VERSION, self.category, spec.degree, identifier]
        append = parts.append
        for name, raw in request.attributes:
            append(name)
            append(_VALUE.join(raw))
            if name not in known:
                unknown.append(name)
            elif name == key and jointure is None:
                jointure = values.text(name, raw)
        external_id = jointure.strip() if jointure else identifier
        origin = Origin(self.file, request.line or None, external_id)
        for name in unknown:
            notice = self._unknown(spec, name, origin)
            if notice is not None:
                yield notice
        if not external_id:
            yield Rejection(spec.kind, "entrée sans identifiant ni jointure", origin)
            return
        if identifier and identifier != external_id:
            yield Rejection(
                spec.kind,
                f"identifiant « {identifier} » différent de la jointure « {external_id} » ({key})",
                origin,
            )
            return
        fingerprint = hashlib.blake2b(_FIELD.join(parts).encode("utf-8"), digest_size=16).digest()
        yield Entry(
            spec.kind,
            external_id,
            fingerprint,
            origin,
            functools.partial(build, spec, external_id, request.attributes),
        )

    def _modify(
        self, spec: CategorySpec, request: Request, identifier: str
    ) -> Iterator[DirectoryItem]:
        origin = self._origin(request, identifier)
        if not identifier:
            yield Rejection(spec.kind, "modification sans identifiant", origin)
            return
        notices: list[Notice] = []
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
            yield Rejection(spec.kind, str(error), origin)
            return
        yield from notices
        if changes:
            yield Modification(spec.kind, identifier, tuple(changes), origin)
