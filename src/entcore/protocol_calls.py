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


def settings_passing(method: Callable[..., Any], positional: int) -> str:
    """How the bound ``method`` takes ``settings`` after ``positional`` other arguments.

    ``"positional"`` (it accepts one more positional argument, or ``*args``),
    ``"keyword"`` (a keyword-only ``settings``, or ``**kwargs``), or ``"none"``
    (the earlier contract: it does not take them).
    """
    try:
        parameters = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):  # no signature to read: assume the current contract
        return "positional"
    kinds = [parameter.kind for parameter in parameters]
    if (
        inspect.Parameter.VAR_POSITIONAL in kinds
        or sum(k in _POSITIONAL for k in kinds) > positional
    ):
        return "positional"
    if inspect.Parameter.VAR_KEYWORD in kinds or any(
        p.name == "settings" and p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters
    ):
        return "keyword"
    return "none"


def _call(method: Callable[..., Any], settings: Mapping[str, object], *arguments: object) -> bool:
    passing = settings_passing(method, len(arguments))
    if passing == "positional":
        return bool(method(*arguments, settings))
    if passing == "keyword":
        return bool(method(*arguments, settings=settings))
    return bool(method(*arguments))


def sniff(fmt: TimetableFormat, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
    """``fmt.sniff(path, head, settings)``, without ``settings`` when ``fmt.sniff`` does not take it."""
    return _call(fmt.sniff, settings, path, head)


def accepts(source: DirectorySource, path: Path, settings: Mapping[str, object]) -> bool:
    """``source.accepts(path, settings)``, without ``settings`` when the method does not take it."""
    return _call(source.accepts, settings, path)
