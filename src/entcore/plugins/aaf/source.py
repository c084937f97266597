"""The AAF directory source and the feeds it opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from entcore import InvalidFileError
from entcore.model import DirectoryItem, FeedFile, ImportMode
from entcore.plugins.aaf import files
from entcore.plugins.aaf.entities import EntityDecoder
from entcore.plugins.aaf.reader import Document
from entcore.plugins.aaf.translate import FileTranslator

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import TracebackType

    from entcore.protocols import SourceContext


class AafFeed:
    """An opened AAF feed: its files, sorted, and the stream of their items.

    Items come file by file in record-kind order (structures, subjects, MEFs,
    relatives, students, staff), chunks in order.  Iterating reads the files
    again from the start each time.  A file that cannot be read raises
    :class:`~entcore.InvalidFileError` from the iterator.
    """

    def __init__(self, feed_files: files.FeedFiles, context: SourceContext):
        self._files = feed_files
        self._context = context
        members = feed_files.members
        self.files: tuple[FeedFile, ...] = tuple(
            FeedFile(member.name, member.info.kind, member.info.mode, member.info.chunk)
            for member in members
        )
        self.total_bytes: int = feed_files.total_bytes
        """Uncompressed size of all the files, for sizing a progress bar."""
        modes = {member.info.mode for member in members}
        self.mode: ImportMode = modes.pop() if len(modes) == 1 else ImportMode.FULL

    def __iter__(self) -> Iterator[DirectoryItem]:
        on_progress = self._context.on_progress
        portable = self._context.in_worker
        for member in self._files.members:
            stream = self._files.open(member)
            try:
                document = Document(EntityDecoder(stream, on_progress), member.name)
                translate = FileTranslator(
                    member.name, member.info.category, document.degree, portable=portable
                )
                # Each element is translated before the next is read (and it cleared).
                items = translate.translate_element
                for element in document.elements():
                    found = items(element)
                    # Most requests make one item: no iterator for them.
                    if len(found) == 1:
                        yield found[0]
                    else:
                        yield from found
            except files.READ_ERRORS as error:
                raise InvalidFileError(member.name, f"lecture impossible : {error}") from None
            finally:
                stream.close()

    def close(self) -> None:
        """Release the archives the feed reads from."""
        self._files.close()

    def __enter__(self) -> AafFeed:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AafSource:
    """Reads AAF ``ficAlimMENESR`` feeds, 1D or 2D, Complet or Delta.

    A feed is one or more folders, ``.zip`` / ``.tar.gz`` / ``.tgz`` archives
    or XML files; files are selected by name.
    """

    name = "aaf"
    label = "AAF (annuaire académique fédérateur)"
    parallel_safe = True
    """The core may open and read the feed in a worker process: the source holds no
    state, and read there (``context.in_worker``) its items can be pickled."""

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        """True when ``path`` holds at least one file named like an AAF export (no setting matters)."""
        return files.accepts(path)

    def open(self, paths: Sequence[Path], context: SourceContext) -> AafFeed:
        """Open ``paths`` as one feed.

        Raises :class:`~entcore.InvalidFileError` when no AAF file is found or
        when Complet and Delta files are mixed.
        """
        where = ", ".join(Path(path).name for path in paths) or "(aucun chemin)"
        feed_files = files.FeedFiles(paths)
        members = feed_files.members
        if not members:
            feed_files.close()
            raise InvalidFileError(
                where,
                "aucun fichier AAF trouvé (noms attendus : …_Complet_…_<Catégorie>_<NNNN>.xml "
                "ou …_Delta_…_<Catégorie>_<NNNN>.xml)",
            )
        complete = [member.name for member in members if member.info.mode is ImportMode.FULL]
        delta = [member.name for member in members if member.info.mode is ImportMode.DELTA]
        if complete and delta:
            feed_files.close()
            raise InvalidFileError(
                where,
                "le flux mélange des fichiers Complet et Delta "
                f"(par exemple {complete[0]} et {delta[0]}) : importez-les séparément",
            )
        return AafFeed(feed_files, context)
