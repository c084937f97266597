"""The built-in AAF directory source: rectorat ``ficAlimMENESR`` feeds, 1D and 2D.

It reads a folder, a ``.zip`` or a ``.tar.gz`` of AAF files as a stream of
directory items (see :class:`~entcore.protocols.DirectorySource`) and does no
I/O to the store.  The parsing modules load on first use, not when the plugin
manager imports this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import entcore

if TYPE_CHECKING:
    from entcore.plugins.aaf.source import AafFeed, AafSource


class _Registrar(Protocol):
    """What the core hands ``entcore_register_directory_sources`` (its registrar)."""

    def add(self, item: entcore.DirectorySource, /) -> object: ...


__all__ = ["AafFeed", "AafSource", "entcore_register_directory_sources"]


@entcore.hookimpl
def entcore_register_directory_sources(registry: _Registrar) -> None:
    """Register the AAF source (``aaf``)."""
    from entcore.plugins.aaf.source import AafSource

    registry.add(AafSource())


def __getattr__(name: str) -> Any:
    if name in ("AafSource", "AafFeed"):
        from entcore.plugins.aaf import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
