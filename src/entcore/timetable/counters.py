"""The timetable keys of ``entcore stats``: validated imports and active sessions."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from entcore.store.timetable_schema import SessionRow, TimetableImport


def timetable_counts(connection: Connection) -> dict[str, int]:
    """``timetable_imports`` (validated imports) and ``sessions`` (active sessions)."""
    imports = connection.execute(
        select(func.count())
        .select_from(TimetableImport)
        .where(TimetableImport.status == "validated")
    ).scalar_one()
    sessions = connection.execute(
        select(func.count()).select_from(SessionRow).where(SessionRow.status == "active")
    ).scalar_one()
    return {"timetable_imports": int(imports), "sessions": int(sessions)}
