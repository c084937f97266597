"""Output helpers of the ``entcore`` commands: JSON, one-line failures, a progress bar.

Every command, core or plugin, reports through these so that the CLI keeps one
voice: JSON on stdout, errors as one line on stderr and exit status 1, never a
traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NoReturn

import click

from entcore.errors import EntcoreError, LifecycleHookError


class Failure(click.ClickException):
    """A one-line error; exit status 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"entcore: {self.format_message()}", err=True)


class CommittedFailure(Failure):
    """The change was committed, but a plugin's lifecycle hook failed afterwards; exit status 3."""

    exit_code = 3


def fail(error: BaseException | str) -> NoReturn:
    """End the command with ``error`` as one line on stderr.

    Exit status 1, or 3 for a :class:`~entcore.LifecycleHookError` (the change
    was committed, a plugin failed afterwards).  Only the first line of the
    error's message is shown; the exception is chained, never printed as a
    traceback.
    """
    if isinstance(error, str):
        raise Failure(error.splitlines()[0] if error else "error")
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    kind = CommittedFailure if isinstance(error, LifecycleHookError) else Failure
    raise kind(message) from error


@contextmanager
def errors_as_failures() -> Iterator[None]:
    """Turn entcore's errors (and missing or unreadable files) into one-line failures."""
    try:
        yield
    except (EntcoreError, FileNotFoundError, PermissionError) as error:
        fail(error)
    except Exception as error:
        # The store wraps its failures; this is the last guard against SQL parameters on a
        # terminal.  SQLAlchemy is looked up, not imported: `entcore --help` never loads it, and
        # an error cannot come from it unless it is loaded.
        sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
        if sqlalchemy_errors is None or not isinstance(error, sqlalchemy_errors.SQLAlchemyError):
            raise
        from entcore.store.failures import store_failure

        fail(store_failure(error, "magasin"))


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (dates and other objects as strings)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int | None, int], None] | None]:
    """A progress bar on stderr when it is a terminal; yields the callback engines call.

    Yields ``None`` when stderr is not a terminal (pipes, logs, tests), so that
    nothing but the report reaches them.
    """
    if not sys.stderr.isatty():
        yield None
        return
    # rich is imported only when a bar is drawn: most runs (pipes, cron) never need it.
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(total: int | None, done: int) -> None:
            if total is not None:
                progress.update(task, total=total)
            if done:
                progress.advance(task, done)

        yield advance
