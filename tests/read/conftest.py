"""Stores populated for the read API tests: the demo AAF feed, and feeds built from records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from entcore.app import Entcore
from entcore.demo import aaf_feed
from entcore.model import (
    ClassRef,
    FunctionAssignment,
    MefRecord,
    MefRef,
    PersonRecord,
    Profile,
    Relationship,
    RelativeLink,
    StructureRecord,
    SubjectRecord,
    Teaching,
    TeachingTarget,
)
from entcore.testing import RecordFeed

DEMO_UAI = "0749901K"

COLLEGE = StructureRecord("S1", "COLLEGE UN", uai="0000001A", type="COLLEGE")
LYCEE = StructureRecord("S2", "LYCEE DEUX", uai="0000002B", type="LYCEE")
MATHS = SubjectRecord("061300", "MATHEMATIQUES")
LATIN = SubjectRecord("020100", "LATIN")
SIXIEME = MefRecord("10010012110", "6EME")
SECONDE = MefRecord("20010018110", "2NDE GENERALE ET TECHNOLOGIQUE")


def student(
    number: int,
    school: str = "S1",
    klass: str = "6A",
    *,
    relatives: tuple[RelativeLink, ...] = (),
    groups: tuple[str, ...] = (),
    mef: str | None = "10010012110",
) -> PersonRecord:
    """A student of ``school`` in class ``klass``."""
    return PersonRecord(
        external_id=f"E{number:04d}",
        profile=Profile.STUDENT,
        last_name=f"ELEVE{number:04d}",
        first_name="Camille",
        birth_date=date(2013, 1, 1 + number % 28),
        structures=(school,),
        classes=(ClassRef(school, klass),),
        groups=tuple(ClassRef(school, code) for code in groups),
        relatives=relatives,
        mef=mef,
        extra=(("subject_code", "061300"),),
    )


def relative(number: int) -> PersonRecord:
    """A relative (relatives have no structure of their own)."""
    return PersonRecord(
        external_id=f"R{number:04d}",
        profile=Profile.RELATIVE,
        last_name=f"PARENT{number:04d}",
        first_name="Dominique",
    )


def link(number: int, relationship: Relationship = Relationship.MOTHER) -> RelativeLink:
    """A link to relative ``number``, legal representative."""
    return RelativeLink(f"R{number:04d}", relationship, "10", financial=True, legal=True)


TEACHER = PersonRecord(
    external_id="T0001",
    profile=Profile.TEACHER,
    last_name="PROF",
    first_name="Alix",
    birth_date=date(1980, 5, 17),
    email="alix.prof@example.test",
    structures=("S1",),
    functions=(FunctionAssignment("S1", "ENS", "ENSEIGNEMENT", "L1300", "MATHEMATIQUES"),),
    teachings=(
        Teaching("S1", TeachingTarget.CLASS, "6A", "061300"),
        Teaching("S1", TeachingTarget.CLASS, "6B", "061300"),
        Teaching("S1", TeachingTarget.GROUP, "LATIN", "020100"),
    ),
    head_teacher_of=(ClassRef("S1", "6A"),),
    mefs=(MefRef("S1", "10010012110", "6EME"),),
)

LYCEE_TEACHER = PersonRecord(
    external_id="T0002",
    profile=Profile.TEACHER,
    last_name="PROF",
    first_name="Sacha",
    structures=("S2",),
    teachings=(Teaching("S2", TeachingTarget.CLASS, "2A", "061300"),),
)


def school_records(students: int = 20) -> list[Any]:
    """Two schools: ``students`` students in the collège (6A/6B, the first ones in LATIN,
    each with two relatives, the last with one the feed lacks), three in the lycée, two teachers."""
    records: list[Any] = [COLLEGE, LYCEE, MATHS, LATIN, SIXIEME, SECONDE, TEACHER, LYCEE_TEACHER]
    for number in range(1, students + 1):
        relatives = (link(2 * number), link(2 * number + 1, Relationship.FATHER))
        if number == students:
            relatives = (link(9999),)
        else:
            records += [relative(2 * number), relative(2 * number + 1)]
        records.append(
            student(
                number,
                klass="6A" if number % 2 else "6B",
                relatives=relatives,
                groups=("LATIN",) if number <= 3 else (),
            )
        )
    for number in range(students + 1, students + 4):
        records.append(student(number, "S2", "2A", mef="20010018110"))
    return records


def load(app: Entcore, records: list[Any]) -> None:
    """Import ``records`` as a full feed of the source ``records``."""
    app.directory.run_feed(RecordFeed(records), source="records")


@pytest.fixture
def demo_app(entcore_app: Entcore) -> Entcore:
    """The store holding the demo AAF feed (one collège, UAI 0749901K)."""
    entcore_app.directory.import_feed([aaf_feed()])
    return entcore_app


@pytest.fixture
def records_app(entcore_app: Entcore) -> Entcore:
    """The store holding :func:`school_records`."""
    load(entcore_app, school_records())
    return entcore_app


@pytest.fixture
def make_records_app(entcore_app_factory: Callable[..., Entcore]) -> Callable[..., Entcore]:
    """``make(records, config=None)``: an application whose store holds ``records``."""

    def make(records: list[Any], config: str | None = None) -> Entcore:
        app = entcore_app_factory(config=config)
        load(app, records)
        return app

    return make
