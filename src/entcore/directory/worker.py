"""Reading a directory feed in a worker process, on the machine's other CPU.

When a source declares ``parallel_safe`` (see :class:`~entcore.protocols.DirectorySource`),
the import opens the feed a second time in a child process started with the
``spawn`` method (a fresh interpreter: nothing of the parent's connections or
threads is inherited) and reads its items there — parsing, fingerprinting —
while the importing process plans and writes.  Items travel in pickled batches
through a bounded queue, so the child is never more than a few batches ahead and
memory does not grow with the feed.  An :class:`~entcore.model.Entry` travels as
a plain tuple; its ``build`` (picklable by the source's contract) runs in the
importing process, and only for new or changed entries, as in-process.

An error of the feed surfaces as the same one-line :class:`~entcore.InvalidFileError`
(file and line) as in-process; a child that dies is reported in one line; the
child is ended when the import stops for any reason (error, Ctrl-C) and ends by
itself if its parent disappears.

As with any ``spawn`` start, the worker imports the program's main module again
(not as ``__main__``): a program that embeds entcore keeps its entry point under
``if __name__ == "__main__":``, or sets ``[directory] parallel_parse = false``.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entcore.errors import EntcoreError, InvalidFileError
from entcore.model import DirectoryItem, Entry, FeedFile, ImportMode, Origin
from entcore.protocols import DirectoryFeed, DirectorySource, SourceContext

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.queues import Queue

#: Items per message: large enough that pickling and the queue cost little per item.
BATCH_ITEMS = 1000

#: Messages the child may have ready ahead of the import (backpressure beyond it).
QUEUE_MESSAGES = 8

# How often a blocked side looks whether the other is still there, in seconds.
_POLL = 0.5

_Message = tuple[Any, ...]


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


def can_read_in_worker(source: DirectorySource, enabled: bool) -> bool:
    """Whether a feed of ``source`` is read in a worker: the setting, the source, two CPUs.

    A source that declares ``parallel_safe`` but cannot be pickled (a class the
    worker could not import by its name) is read in-process.
    """
    if not (enabled and getattr(source, "parallel_safe", False) and available_cpus() > 1):
        return False
    try:
        pickle.dumps(source)
    except Exception:  # pickling raises several types (PicklingError, TypeError, AttributeError)
        return False
    return True


def _encode(item: DirectoryItem) -> object:
    # Entries are nearly every item: a tuple pickles far cheaper than an attrs object.
    if type(item) is Entry:
        origin = item.origin
        return (
            item.kind,
            item.external_id,
            item.fingerprint,
            origin.file,
            origin.line,
            origin.entry_id,
            item.build,
        )
    return item


def _decode(value: Any) -> DirectoryItem:
    if type(value) is tuple:
        kind, external_id, fingerprint, file, line, entry_id, build = value
        return Entry(kind, external_id, fingerprint, Origin(file, line, entry_id), build)
    item: DirectoryItem = value
    return item


def _put(messages: Queue[_Message], message: _Message) -> None:
    """Put ``message``, waiting while the queue is full; exit if the parent is gone."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            messages.put(message, timeout=_POLL)
            return
        except queue.Full:
            if parent is not None and not parent.is_alive():
                os._exit(1)


def _read(
    pickled_source: bytes,
    paths: Sequence[Path],
    settings: Mapping[str, object],
    messages: Queue[_Message],
) -> None:
    """The child's work: open the feed, send its items in batches, then ``done`` or the error."""
    # Ctrl-C reaches the whole process group: the parent decides, and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    read = [0]

    def progress(size: int) -> None:
        read[0] += size

    try:
        # Unpickled here, not by multiprocessing: a failure is reported like any other.
        source: DirectorySource = pickle.loads(pickled_source)
        feed = source.open(paths, SourceContext(settings, progress, in_worker=True))
        try:
            batch: list[object] = []
            for item in feed:
                batch.append(_encode(item))
                if len(batch) >= BATCH_ITEMS:
                    _put(messages, ("items", pickle.dumps(batch, protocol=5), read[0]))
                    read[0] = 0
                    batch = []
            _put(messages, ("items", pickle.dumps(batch, protocol=5), read[0]))
        finally:
            feed.close()
    except InvalidFileError as error:
        _put(messages, ("invalid", error.file, error.reason, error.line))
    except EntcoreError as error:
        _put(messages, ("error", str(error)))
    except BaseException as error:
        # Only the exception's type: its message may quote the feed (people's data).
        _put(messages, ("crash", type(error).__name__))
    else:
        _put(messages, ("done",))


class WorkerFeed:
    """A feed whose items are read by a worker process; ``close`` ends the worker.

    ``feed`` is the same feed opened in this process, for its mode and files;
    ``source``, ``paths`` and ``settings`` open it again in the worker, which starts
    at once.  Iterate once.
    """

    def __init__(
        self,
        feed: DirectoryFeed,
        source: DirectorySource,
        paths: Sequence[Path],
        settings: Mapping[str, object],
        on_progress: Callable[[int], None] | None = None,
    ):
        self.mode: ImportMode = feed.mode
        self.files: tuple[FeedFile, ...] = feed.files
        self._on_progress = on_progress
        context = multiprocessing.get_context("spawn")
        self._messages: Queue[_Message] = context.Queue(maxsize=QUEUE_MESSAGES)
        self._process: SpawnProcess = context.Process(
            target=_read,
            args=(pickle.dumps(source), tuple(paths), dict(settings), self._messages),
            name="entcore-feed-reader",
            daemon=True,
        )
        self._process.start()

    def _receive(self) -> _Message:
        process = self._process
        while True:
            try:
                received: _Message = self._messages.get(timeout=_POLL)
                return received
            except queue.Empty:
                if process.is_alive():
                    continue
                # Its last message may still be in the pipe.
                try:
                    last: _Message = self._messages.get(timeout=_POLL)
                    return last
                except queue.Empty:
                    raise EntcoreError(
                        "la lecture du flux s'est interrompue : le processus de lecture "
                        f"s'est arrêté (code {process.exitcode})"
                    ) from None

    def __iter__(self) -> Iterator[DirectoryItem]:
        on_progress = self._on_progress
        while True:
            message = self._receive()
            tag = message[0]
            if tag == "items":
                if on_progress is not None and message[2]:
                    on_progress(message[2])
                for value in pickle.loads(message[1]):
                    yield _decode(value)
            elif tag == "done":
                self._process.join()
                return
            elif tag == "invalid":
                raise InvalidFileError(message[1], message[2], message[3])
            elif tag == "error":
                raise EntcoreError(message[1])
            else:
                raise EntcoreError(
                    f"la lecture du flux a échoué dans le processus de lecture ({message[1]})"
                )

    def close(self) -> None:
        """End the worker if it still runs (an error, an interruption) and release the queue."""
        process = self._process
        if process.is_alive():
            process.terminate()
            process.join(5)
            if process.is_alive():  # pragma: no cover - a child that ignores SIGTERM
                process.kill()
                process.join()
        else:
            process.join()
        self._messages.close()
        # Nothing this process put is waiting: do not wait for a feeder thread.
        self._messages.cancel_join_thread()
