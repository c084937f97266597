"""Stores for the access tests: the demo AAF feed, and two schools built from records.

The records give every case the blocking rule distinguishes: a teacher
attached to two schools, a teacher attached to one school with a function in
the other, a relative whose children are in two schools and one whose child
is in one, and a guest with no structure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from entcore.access import AccessService
from entcore.app import Entcore
from entcore.demo import aaf_feed
from entcore.model import (
    ClassRef,
    FunctionAssignment,
    PersonRecord,
    Profile,
    Relationship,
    RelativeLink,
    StructureRecord,
)
from entcore.testing import RecordFeed

DEMO_UAI = "0749901K"
COLLEGE_UAI, LYCEE_UAI = "0000001A", "0000002B"


def person(external_id: str, profile: Profile, *structures: str, **facts: object) -> PersonRecord:
    """A person attached to ``structures``."""
    return PersonRecord(
        external_id=external_id,
        profile=profile,
        last_name=external_id,
        first_name="Camille",
        structures=structures,
        **facts,  # type: ignore[arg-type]
    )


def mother(number: int) -> RelativeLink:
    return RelativeLink(f"R{number}", Relationship.MOTHER, "10", financial=True, legal=True)


RECORDS = [
    StructureRecord("S1", "COLLEGE UN", uai=COLLEGE_UAI, type="COLLEGE"),
    StructureRecord("S2", "LYCEE DEUX", uai=LYCEE_UAI, type="LYCEE"),
    # Teachers: in both schools; in the collège only; attached to the collège with a function
    # in the lycée.
    person("T1", Profile.TEACHER, "S1", "S2"),
    person("T2", Profile.TEACHER, "S1"),
    person(
        "T3",
        Profile.TEACHER,
        "S1",
        functions=(FunctionAssignment("S2", "ENS", "ENSEIGNEMENT", "L1300", "MATHEMATIQUES"),),
    ),
    person("P1", Profile.PERSONNEL, "S2"),
    # Students: E1 and E3 in the collège, E2 in the lycée; R1 is the mother of E1 and E2
    # (two schools), R2 of E2 (the lycée), R3 of E3 (the collège).
    person("E1", Profile.STUDENT, "S1", classes=(ClassRef("S1", "6A"),), relatives=(mother(1),)),
    person(
        "E2",
        Profile.STUDENT,
        "S2",
        classes=(ClassRef("S2", "2A"),),
        relatives=(mother(1), mother(2)),
    ),
    person("E3", Profile.STUDENT, "S1", classes=(ClassRef("S1", "6A"),), relatives=(mother(3),)),
    person("R1", Profile.RELATIVE),
    person("R2", Profile.RELATIVE),
    person("R3", Profile.RELATIVE),
    person("G1", Profile.GUEST),
]


class Clock:
    """A settable clock for :class:`~entcore.access.AccessService`."""

    def __init__(self) -> None:
        self.now = datetime(2026, 8, 20, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def schools_app(entcore_app: Entcore) -> Entcore:
    """The store holding :data:`RECORDS`."""
    entcore_app.directory.run_feed(RecordFeed(RECORDS), source="records")
    return entcore_app


@pytest.fixture
def demo_app(entcore_app: Entcore) -> Entcore:
    """The store holding the demo AAF feed (one collège, UAI 0749901K)."""
    entcore_app.directory.import_feed([aaf_feed()])
    return entcore_app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def access(schools_app: Entcore, clock: Clock) -> AccessService:
    """The access service of :func:`schools_app`, on a settable clock."""
    return AccessService(schools_app.store, clock=clock)


@pytest.fixture
def login_of(schools_app: Entcore) -> Callable[[str], str]:
    """The login the import gave the person with this external id."""

    def login(external_id: str) -> str:
        view = schools_app.read.account_by_external_id(external_id)
        assert view is not None
        return view.login

    return login
