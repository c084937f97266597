"""One directory import: plan each batch from a snapshot, count it, apply it.

The feed is read once, in batches of one kind.  For each batch the
:class:`~entcore.directory.planner.Planner` builds a plan (compares
fingerprints with the store as it was before the import, builds the records
that are new or changed, checks their references) and counts it into the
report; a real run then has the :class:`~entcore.directory.applier.Applier`
write the plan on the import's single transaction, a dry run does not.  The
planner never reads a row this import wrote — what the import has seen and
planned is kept in memory — so a dry run's report is the real run's report,
whatever the size and order of the feed.  Absences are planned at the end of
the feed (relatives at the end of theirs), with the mass-disappearance guard.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import define, field
from sqlalchemy import Connection

from entcore.directory.applier import Applier
from entcore.directory.plan import Plan
from entcore.directory.planner import Planner
from entcore.model.directory import Deletion, Entry, Modification, Notice, RecordKind, Rejection
from entcore.model.reports import DirectoryReport
from entcore.protocols import DirectoryFeed

#: Items planned (and applied) together: bounds the memory a plan holds.
BATCH_SIZE = 1000

_Item = Entry | Modification | Deletion | Rejection


@define
class _Batch:
    kind: RecordKind
    items: list[_Item] = field(factory=list)


class DirectoryImport:
    """Plans and (unless ``dry_run``) applies one feed on one connection.

    ``threshold`` is the share of a school's active accounts a full import may
    mark disappeared before the school's disappearances are held back; ``None``
    lets every disappearance through.
    """

    def __init__(
        self,
        connection: Connection,
        feed: DirectoryFeed,
        *,
        source: str,
        prefix: str,
        delete_after: timedelta,
        dry_run: bool,
        now: datetime,
        threshold: float | None = None,
    ):
        self.feed = feed
        self.dry_run = dry_run
        self.report = DirectoryReport(
            source=source,
            mode=feed.mode.value,
            dry_run=dry_run,
            files=[file.name for file in feed.files],
            started_at=now,
        )
        self.planner = Planner(
            connection,
            feed,
            self.report,
            source=source,
            prefix=prefix,
            delete_after=delete_after,
            now=now,
            threshold=threshold,
        )
        self.applier = (
            None if dry_run else Applier(connection, self.planner, source=source, now=now)
        )

    def _apply(self, plan: Plan) -> None:
        if self.applier is not None:
            self.applier.apply(plan)

    def run(self) -> DirectoryReport:
        """Read the whole feed; the caller commits (real run) or rolls back (dry run)."""
        batch: _Batch | None = None
        relatives_done = False
        for item in self.feed:
            if isinstance(item, Notice):
                self.planner.warn(item.origin, item.message)
                continue
            if batch is not None and (
                batch.kind is not item.kind or len(batch.items) >= BATCH_SIZE
            ):
                self._process(batch)
                if batch.kind is not item.kind and batch.kind is RecordKind.RELATIVE:
                    self._apply(self.planner.plan_relatives_absent())
                    relatives_done = True
                batch = None
            if batch is None:
                batch = _Batch(item.kind)
            batch.items.append(item)
        if batch is not None:
            self._process(batch)
        if not relatives_done:
            self._apply(self.planner.plan_relatives_absent())
        self._apply(self.planner.plan_settlement())
        self.planner.count_unchanged_groups()
        return self.report

    def _process(self, batch: _Batch) -> None:
        planner = self.planner
        if batch.kind is RecordKind.STRUCTURE:
            self._apply(planner.plan_structures(batch.items))
        elif batch.kind in (RecordKind.SUBJECT, RecordKind.MEF):
            self._apply(planner.plan_nomenclature(batch.kind, batch.items))
        else:
            self._apply(planner.plan_people(batch.kind, batch.items))
