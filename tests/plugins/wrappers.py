"""Registration-hook implementations of every kind pluggy offers: wrappers new and old, ordering.

Each class is one plugin; register instances under distinct names.  What each
saw is appended to the instance's ``seen`` list so that tests can check that
wrappers really ran around the other implementations.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from pathlib import Path

import entcore
from entcore.model import Timetable


class NamedFormat:
    """A timetable format that recognises files starting with its name; parsing refuses them."""

    def __init__(self, name: str):
        self.name = name
        self.label = f"Format {name}"

    def sniff(self, path: Path, head: bytes) -> bool:
        return head.startswith(self.name.encode())

    def parse(self, path: Path, context: entcore.FormatContext) -> Timetable:
        raise entcore.InvalidFileError(context.filename, "format de test", 1)


class NamedConnector:
    """A connector releasing the login under its own name."""

    def __init__(self, name: str):
        self.name = name
        self.label = f"Connector {name}"

    def release(self, account: Mapping[str, object]) -> Mapping[str, Sequence[str]]:
        return {self.name: [str(account["login"])]}


class Plain:
    """An ordinary implementation registering one format."""

    def __init__(self, format_name: str):
        self.format_name = format_name

    @entcore.hookimpl
    def entcore_register_timetable_formats(self, registry: entcore.TimetableFormatRegistry) -> None:
        registry.add(NamedFormat(self.format_name))


class First:
    """Registers ``first``, asking to be called before the others."""

    @entcore.hookimpl(tryfirst=True)
    def entcore_register_timetable_formats(self, registry: entcore.TimetableFormatRegistry) -> None:
        registry.add(NamedFormat("first"))


class Last:
    """Registers ``last``, asking to be called after the others."""

    @entcore.hookimpl(trylast=True)
    def entcore_register_timetable_formats(self, registry: entcore.TimetableFormatRegistry) -> None:
        registry.add(NamedFormat("last"))


class NewStyleWrapper:
    """A new-style wrapper: notes the formats registered by the others, then adds its own."""

    def __init__(self) -> None:
        self.seen: list[tuple[list[str], list[str]]] = []

    @entcore.hookimpl(wrapper=True)
    def entcore_register_timetable_formats(
        self, registry: entcore.TimetableFormatRegistry
    ) -> Generator[None, None, None]:
        before = registry.names()
        result = yield
        self.seen.append((before, registry.names()))
        registry.add(NamedFormat("wrapped"))
        return result


class OldStyleWrapper:
    """An old-style hookwrapper: sees the outcome of the others, then adds a connector."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    @entcore.hookimpl(hookwrapper=True)
    def entcore_register_connectors(
        self, registry: entcore.ConnectorRegistry
    ) -> Generator[None, object, None]:
        outcome = yield
        self.seen.append(outcome.get_result())  # type: ignore[attr-defined]
        registry.add(NamedConnector("late"))


class CatchingWrapper:
    """A new-style wrapper that survives the others' errors and reports them."""

    def __init__(self) -> None:
        self.caught: list[BaseException] = []

    @entcore.hookimpl(wrapper=True)
    def entcore_register_timetable_formats(self) -> Generator[None, None, None]:
        try:
            return (yield)
        except RuntimeError as error:
            self.caught.append(error)
            raise


class FailingAfterYield:
    """A new-style wrapper whose own code raises after the others ran."""

    @entcore.hookimpl(wrapper=True)
    def entcore_register_timetable_formats(
        self, registry: entcore.TimetableFormatRegistry
    ) -> Generator[None, None, None]:
        registry.add(NamedFormat("half"))
        yield
        raise LookupError("teardown failed")


class Raising:
    """An ordinary implementation that registers one format, then raises."""

    @entcore.hookimpl
    def entcore_register_timetable_formats(self, registry: entcore.TimetableFormatRegistry) -> None:
        registry.add(NamedFormat("partial"))
        raise RuntimeError("registration failed")

    @entcore.hookimpl
    def entcore_register_connectors(self, registry: entcore.ConnectorRegistry) -> None:
        registry.add(NamedConnector("from-raising"))
