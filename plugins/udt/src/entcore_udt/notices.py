"""What the reader leaves out or completes, collected for the import report."""

from __future__ import annotations

from entcore.model import TimetableNotice

#: A fiche line that cannot be placed in the grid.
COURSE_SKIPPED = "course_skipped"
#: A course whose group is not an importable group: it has no audience.
COURSE_WITHOUT_AUDIENCE = "course_without_audience"
#: A weekly file whose week starts no publication period.
WEEKLY_FILE_IGNORED = "weekly_file_ignored"
#: A group without STS code.
GROUP_SKIPPED = "group_skipped"
#: Rows entcore ignores too (fiche lines without class, memberships of unknown students).
ROWS_IGNORED = "rows_ignored"
#: A class, room, subject or teacher referred to but missing from its table.
ENTITY_ADDED = "entity_added"
#: A fact the export lacks, taken from what the user gave (the UAI of ``--uai``).
GIVEN_VALUE = "given_value"


class Notices:
    """Notices in the order they were raised, each message once."""

    def __init__(self) -> None:
        self._notices: dict[str, TimetableNotice] = {}

    def add(self, kind: str, message: str) -> None:
        """Record a notice (French ``message``) unless the same message is already there."""
        self._notices.setdefault(message, TimetableNotice(kind, message))

    def all(self) -> tuple[TimetableNotice, ...]:
        """The notices recorded so far."""
        return tuple(self._notices.values())
