"""The ``entcore`` command, and the helpers plugin commands are written with.

One module per command group (``entcore.cli.core`` for ``db``,
``plugins`` and ``stats``, ``entcore.cli.directory``,
``entcore.cli.timetable``), the output helpers in
``entcore.cli.output``, the object commands receive in
``entcore.cli.context``, and the root group in ``entcore.cli.group``.

Public API for plugin commands: :func:`pass_app`, :func:`pass_context`,
:class:`CliContext`, :func:`emit_json`, :func:`fail`,
:func:`errors_as_failures` and :func:`progress_bar`.
"""

from __future__ import annotations

from entcore.cli.context import CliContext, pass_app, pass_context
from entcore.cli.group import main
from entcore.cli.output import Failure, emit_json, errors_as_failures, fail, progress_bar

__all__ = [
    "CliContext",
    "Failure",
    "emit_json",
    "errors_as_failures",
    "fail",
    "main",
    "pass_app",
    "pass_context",
    "progress_bar",
]
