"""Directory imports as the application offers them: pick a source, run, store the report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert

from entcore import protocol_calls
from entcore.directory.engine import DirectoryImport
from entcore.directory.worker import WorkerFeed, can_read_in_worker
from entcore.errors import UnknownFormatError
from entcore.model.reports import DirectoryReport
from entcore.protocols import DirectoryFeed, DirectorySource, SourceContext
from entcore.store.schema import DirectoryImport as DirectoryImportRow
from entcore.store.schema import utcnow

if TYPE_CHECKING:
    from entcore.app import Entcore

#: Receives the feed's total size once (``None`` when unknown), then bytes read as they are read.
Progress = Callable[[int | None, int], None]


class DirectoryService:
    """``app.directory``: import directory feeds."""

    def __init__(self, app: Entcore):
        self._app = app

    def source_for(self, paths: Sequence[Path], name: str | None = None) -> DirectorySource:
        """The registered source named ``name``, or the first that accepts every path."""
        plugins = self._app.plugins
        sources = plugins.directory_sources()
        if name is not None:
            if name not in sources:
                plugins.check_available(name)
                known = ", ".join(sources.names()) or "aucune"
                raise UnknownFormatError(
                    f"source d'annuaire inconnue : {name} (sources installées : {known})"
                )
            return sources.get(name)
        for source in sources:
            settings = self._app.plugin_settings(sources.owner(source.name).plugin)
            if all(protocol_calls.accepts(source, path, settings) for path in paths):
                return source
        names = ", ".join(str(path) for path in paths)
        known = ", ".join(sources.names()) or "aucune"
        raise UnknownFormatError(
            f"aucune source d'annuaire ne reconnaît {names} "
            f"(sources installées : {known}{plugins.failures_hint()})"
        )

    def import_feed(
        self,
        paths: Sequence[Path | str],
        *,
        dry_run: bool = False,
        source: str | None = None,
        progress: Progress | None = None,
        now: datetime | None = None,
        allow_mass_disappearance: bool = False,
    ) -> DirectoryReport:
        """Import the feed made of ``paths``; with ``dry_run`` nothing is written.

        The report is the same with and without ``dry_run``.  A real import is one
        transaction: an error (a malformed file, a store failure) leaves the store
        as it was.  ``entcore_directory_applied`` fires after the commit.

        A full import holds back the disappearances of a school when they exceed
        ``[directory] mass_disappearance_threshold`` of its active accounts or would
        leave it without a student (``report.held_back``);
        ``allow_mass_disappearance`` applies them all.
        """
        app = self._app
        files = [Path(path) for path in paths]
        for path in files:
            if not path.exists():
                raise FileNotFoundError(f"{path}: fichier ou dossier introuvable")
        chosen = self.source_for(files, source)
        owner = app.plugins.directory_sources().owner(chosen.name)
        on_progress = (lambda n: progress(None, n)) if progress else None
        settings = app.plugin_settings(owner.plugin)
        feed: DirectoryFeed = chosen.open(files, SourceContext(settings, on_progress))
        try:
            if progress is not None:
                progress(getattr(feed, "total_bytes", None), 0)
            parallel = bool(app.settings.core("directory")["parallel_parse"])
            if can_read_in_worker(chosen, parallel):
                # Opened here too: the files are checked, and mode and files known, before
                # the worker starts; the worker reads the items on the other CPU.
                opened = feed
                feed = WorkerFeed(opened, chosen, files, settings, on_progress)
                opened.close()
            return self.run_feed(
                feed,
                source=chosen.name,
                dry_run=dry_run,
                now=now,
                allow_mass_disappearance=allow_mass_disappearance,
            )
        finally:
            feed.close()

    def run_feed(
        self,
        feed: DirectoryFeed,
        *,
        source: str,
        dry_run: bool = False,
        now: datetime | None = None,
        allow_mass_disappearance: bool = False,
    ) -> DirectoryReport:
        """Import an already opened feed, e.g. one an embedding ENT builds itself.

        ``source`` names where the accounts come from: a full import only marks
        disappeared the accounts of that source.  ``allow_mass_disappearance`` is
        as for :meth:`import_feed`.
        """
        app = self._app
        settings = app.settings.core("directory")
        started = now or utcnow()
        with app.store.connect() as connection:
            transaction = connection.begin()
            try:
                app.store.import_lock(connection)
                engine = DirectoryImport(
                    connection,
                    feed,
                    source=source,
                    prefix=str(settings["academy_prefix"]),
                    delete_after=timedelta(days=int(settings["delete_after_days"])),
                    dry_run=dry_run,
                    now=started,
                    threshold=None
                    if allow_mass_disappearance
                    else float(settings["mass_disappearance_threshold"]),
                )
                report = engine.run()
                report.finished_at = utcnow()
                if dry_run:
                    transaction.rollback()
                else:
                    report.id = connection.execute(
                        insert(DirectoryImportRow).returning(DirectoryImportRow.id),
                        {
                            "source": report.source,
                            "mode": report.mode,
                            "started_at": started,
                            "finished_at": report.finished_at,
                            "report": report.to_json(),
                        },
                    ).scalar_one()
                    transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
        if not dry_run:
            app.plugins.directory_applied(app, report)
        return report
