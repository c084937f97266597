"""The private cattrs converter that turns model records into JSON-ready data and back.

Kept private (cattrs advises applications to own their converter rather than
mutate the global one): the store and the reports use :func:`unstructure` and
:func:`structure`; nothing else should depend on the wire shape.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, TypeVar

import cattrs
from cattrs.preconf.json import make_converter

T = TypeVar("T")


def _make() -> cattrs.Converter:
    converter = make_converter()
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    converter.register_unstructure_hook(time, lambda value: value.isoformat("minutes"))
    converter.register_structure_hook(time, lambda value, _: time.fromisoformat(value))
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))
    # Fingerprints and other digests travel as hex strings.
    converter.register_unstructure_hook(bytes, bytes.hex)
    converter.register_structure_hook(bytes, lambda value, _: bytes.fromhex(value))
    return converter


_CONVERTER = _make()


def unstructure(value: Any) -> Any:
    """Plain JSON-ready data (dicts, lists, strings, numbers) for a record."""
    return _CONVERTER.unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    """The record of type ``cls`` that :func:`unstructure` turned into ``data``.

    Raises :class:`cattrs.BaseValidationError` when ``data`` does not fit ``cls``.
    """
    return _CONVERTER.structure(data, cls)


class JsonView:
    """Base of the read-only views (read API, access): their JSON-ready form."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        """The view as plain JSON-ready data (field names as keys, instants as ISO strings)."""
        data: dict[str, Any] = unstructure(self)
        return data
