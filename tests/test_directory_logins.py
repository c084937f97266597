"""Logins stay unique when a name ends in digits: one base's counter can be another base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from entcore.directory.logins import LoginAllocator
from entcore.model import PersonRecord, Profile, StructureRecord
from entcore.testing import RecordFeed

NOW = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)


def people(names: list[str], start: int = 0) -> list[PersonRecord]:
    return [
        PersonRecord(f"P{start + n}", Profile.PERSONNEL, name, "Léa", structures=("1",))
        for n, name in enumerate(names)
    ]


def logins(app: object) -> list[str]:
    from sqlalchemy import select

    from entcore.store.schema import Account

    with app.store.connect() as connection:  # type: ignore[attr-defined]
        return list(connection.execute(select(Account.login)).scalars())


def test_names_ending_in_digits_get_unique_logins_in_one_batch(entcore_app) -> None:
    """``Eleve1`` twice and ``Eleve12`` in one batch: ``lea.eleve12`` is given once."""
    names = ["ELEVE1", "ELEVE1", "ELEVE12", "ELEVE1", "ELEVE13", "ELEVE1", "ELEVE10"]
    entcore_app.directory.run_feed(
        RecordFeed([StructureRecord("1", "COLLEGE"), *people(names)]), source="records", now=NOW
    )
    given = logins(entcore_app)
    assert len(given) == len(set(given)) == len(names)
    assert {"lea.eleve1", "lea.eleve12", "lea.eleve13", "lea.eleve10"} <= set(given)


def test_names_ending_in_digits_across_batches_and_imports(entcore_app, monkeypatch) -> None:
    """Counters skip logins given by earlier batches and imports, whichever came first."""
    from entcore.directory import engine

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    first = ["ELEVE1", "ELEVE1", "ELEVE1", "ELEVE14", "ELEVE15", "ELEVE1", "ELEVE1", "ELEVE16"]
    structure = StructureRecord("1", "COLLEGE")
    entcore_app.directory.run_feed(
        RecordFeed([structure, *people(first)]), source="records", now=NOW
    )
    second = ["ELEVE17", "ELEVE1", "ELEVE1", "ELEVE18", "ELEVE1"]
    entcore_app.directory.run_feed(
        RecordFeed([structure, *people(first), *people(second, start=100)]),
        source="records",
        now=NOW + timedelta(days=1),
    )
    given = logins(entcore_app)
    assert len(given) == len(set(given)) == len(first) + len(second)


def test_allocator_skips_counters_past_bare_logins(entcore_app) -> None:
    """Handing ``lea.eleve12`` moves ``lea.eleve1``'s counter past 2; leading zeros never match."""
    with entcore_app.store.connect() as connection:
        allocator = LoginAllocator(connection)
        assert allocator.allocate([("Léa", "Eleve1"), ("Léa", "Eleve1")]) == [
            "lea.eleve1",
            "lea.eleve12",
        ]
        assert allocator.allocate([("Léa", "Eleve13"), ("Léa", "Eleve1"), ("Léa", "Eleve105")]) == [
            "lea.eleve13",
            "lea.eleve14",
            "lea.eleve105",
        ]
        assert allocator.allocate([("Léa", "Eleve1")]) == ["lea.eleve15"]
