"""A plugin that records every lifecycle hook call, for tests."""

from __future__ import annotations

from typing import Any

import entcore

calls: list[tuple[str, dict[str, Any]]] = []


@entcore.hookimpl
def entcore_directory_applied(app: Any, report: Any) -> None:
    calls.append(("entcore_directory_applied", {"app": app, "report": report}))


@entcore.hookimpl
def entcore_timetable_validated(app: Any, report: Any) -> None:
    calls.append(("entcore_timetable_validated", {"app": app, "report": report}))


@entcore.hookimpl
def entcore_timetable_initialised(app: Any, structure: Any) -> None:
    calls.append(("entcore_timetable_initialised", {"app": app, "structure": structure}))
