"""``entcore stats``: integer counts of what the store holds.

Counts are of *active* entities: accounts marked disappeared are counted
apart under ``disappeared``.  Each engine contributes a counter to :data:`COUNTERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from entcore.model.directory import Profile
from entcore.store.schema import Account, ClassSpace, Group, Mef, SchoolClass, Structure, Subject
from entcore.timetable.counters import timetable_counts

if TYPE_CHECKING:
    from entcore.app import Entcore


def _count(connection: Connection, statement: object) -> int:
    return int(connection.execute(statement).scalar_one())  # type: ignore[call-overload]


def _directory_counts(connection: Connection) -> dict[str, int]:
    by_profile = dict(
        connection.execute(
            select(Account.profile, func.count())
            .where(Account.disappeared_at.is_(None))
            .group_by(Account.profile)
        ).all()
    )
    return {
        "structures": _count(connection, select(func.count()).select_from(Structure)),
        "students": int(by_profile.get(Profile.STUDENT.value, 0)),
        "relatives": int(by_profile.get(Profile.RELATIVE.value, 0)),
        "teachers": int(by_profile.get(Profile.TEACHER.value, 0)),
        "personnels": int(by_profile.get(Profile.PERSONNEL.value, 0)),
        "guests": int(by_profile.get(Profile.GUEST.value, 0)),
        "disappeared": _count(
            connection,
            select(func.count()).select_from(Account).where(Account.disappeared_at.is_not(None)),
        ),
        "classes": _count(connection, select(func.count()).select_from(SchoolClass)),
        "groups": _count(connection, select(func.count()).select_from(Group)),
        "subjects": _count(connection, select(func.count()).select_from(Subject)),
        "mefs": _count(connection, select(func.count()).select_from(Mef)),
        "class_spaces": _count(connection, select(func.count()).select_from(ClassSpace)),
    }


#: The counters whose keys make up the stats, one per engine.
COUNTERS: tuple[Callable[[Connection], dict[str, int]], ...] = (_directory_counts, timetable_counts)


def collect_stats(app: Entcore) -> dict[str, int]:
    """Every counter's keys, in one read transaction."""
    stats: dict[str, int] = {}
    with app.store.connect() as connection:
        for counter in COUNTERS:
            stats.update(counter(connection))
    return stats
