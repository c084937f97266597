"""How the core calls the methods of plugin objects whose signature grew.

``sniff`` and ``accepts`` received the plugin's settings in a later version of
the contract.  Like pluggy, which hands a hook implementation only the
arguments it declares, the core passes ``settings`` only to a method that
takes it, so that formats and sources written against the earlier contract
keep working unchanged (mypy and the conformance suites still ask for the
current signature).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from entcore.protocols import DirectorySource, TimetableFormat

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def takes_arguments(method: Callable[..., Any], count: int) -> bool:
    """True when the bound ``method`` accepts ``count`` positional arguments."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):  # no signature to read: assume the current contract
        return True
    if any(parameter.kind is inspect.Parameter.VAR_POSITIONAL for parameter in parameters):
        return True
    return sum(1 for parameter in parameters if parameter.kind in _POSITIONAL) >= count


def sniff(fmt: TimetableFormat, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
    """``fmt.sniff(path, head, settings)``, without ``settings`` when ``fmt.sniff`` does not take it."""
    if takes_arguments(fmt.sniff, 3):
        return bool(fmt.sniff(path, head, settings))
    legacy: Callable[[Path, bytes], object] = fmt.sniff  # type: ignore[assignment]
    return bool(legacy(path, head))


def accepts(source: DirectorySource, path: Path, settings: Mapping[str, object]) -> bool:
    """``source.accepts(path, settings)``, without ``settings`` when the method does not take it."""
    if takes_arguments(source.accepts, 2):
        return bool(source.accepts(path, settings))
    legacy: Callable[[Path], object] = source.accepts  # type: ignore[assignment]
    return bool(legacy(path))
