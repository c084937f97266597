"""The timetable engine: from a parsed export to the cahier de textes.

A :class:`~entcore.protocols.TimetableFormat` plugin turns a file into a
:class:`~entcore.model.Timetable` snapshot; everything after is here, and
reached through ``app.timetable`` (:class:`~entcore.timetable.service.TimetableService`):

* choosing the format (by sniffing, first answer wins) and refusing bad input;
* reconciliation with the directory (``entcore.timetable.reconcile``), with
  stored manual mappings (*rapprochements*);
* the preliminary report (:class:`TimetableReport`), the difference with the
  structure's last validated import, rendered in French
  (``entcore.timetable.render``);
* the pending import, validated (one transaction, hooks after commit) or cancelled;
* the piloting mode (``entcore.timetable.populate``);
* the dated sessions of the cahier de textes (:func:`expand_sessions`, and
  ``entcore.timetable.sessions`` for the store).

:func:`expand_sessions` is a pure function of a snapshot, so that plugin test
suites can check the sessions their format yields.
"""

from entcore.timetable.expand import (
    Expansion,
    LeftOutCourse,
    PlannedSession,
    SessionContent,
    expand,
    expand_sessions,
)
from entcore.timetable.report import ReportWarning, TimetableReport

__all__ = [
    "Expansion",
    "LeftOutCourse",
    "PlannedSession",
    "ReportWarning",
    "SessionContent",
    "TimetableReport",
    "expand",
    "expand_sessions",
]
