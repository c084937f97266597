"""Listings stream: bounded batches, a fixed number of queries per batch, no N+1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from entcore.app import Entcore
from entcore.model import Profile

#: More accounts than the batch sizes below: 20 + 3 students, 38 relatives, 2 teachers.
ACCOUNTS = 63


@contextmanager
def counted(app: Entcore) -> Iterator[list[str]]:
    """The SELECT statements run on the app's store while the block runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("batch_size", [1, 4, 7, ACCOUNTS, 1000])
def test_batches_give_the_same_accounts(records_app: Entcore, batch_size: int) -> None:
    """Whatever the batch size, the same views in the same order."""
    reference = list(records_app.read.accounts(include_disappeared=True))
    assert len(reference) == ACCOUNTS
    assert list(records_app.read.accounts(include_disappeared=True, batch_size=batch_size)) == (
        reference
    )
    school = list(records_app.read.accounts(uai="0000001A", profile=Profile.STUDENT))
    assert (
        list(
            records_app.read.accounts(
                uai="0000001A", profile=Profile.STUDENT, batch_size=batch_size
            )
        )
        == school
    )
    classes = list(records_app.read.classes())
    assert list(records_app.read.classes(batch_size=batch_size)) == classes
    groups = list(records_app.read.groups())
    assert list(records_app.read.groups(batch_size=batch_size)) == groups


def test_queries_per_batch_do_not_grow_with_accounts(records_app: Entcore) -> None:
    """Each batch costs the same fixed number of queries, whatever it holds."""
    read = records_app.read
    list(read.accounts(batch_size=5))  # warm up: the store is opened and migrated
    with counted(records_app) as one_batch:
        assert len(list(read.accounts(batch_size=1000))) == ACCOUNTS
    with counted(records_app) as small:
        assert len(list(read.accounts(batch_size=3))) == ACCOUNTS
    # One listing query and at most nine related-row queries (structures, functions,
    # classes, groups, teachings, relatives, children, their schools, MEF structures) per
    # batch, plus the empty page that ends a listing whose last batch was full: never
    # one per account.
    assert len(one_batch) <= 10
    batches = -(-ACCOUNTS // 3)
    assert len(small) <= batches * len(one_batch) + 1


def test_iteration_is_lazy(records_app: Entcore) -> None:
    """Taking the first account reads the first batch only."""
    read = records_app.read
    list(read.accounts(batch_size=5))
    with counted(records_app) as everything:
        list(read.accounts(batch_size=4))
    with counted(records_app) as first:
        iterator = read.accounts(batch_size=4)
        next(iterator)
    assert 0 < len(first) * 10 < len(everything)
    iterator.close()  # type: ignore[attr-defined]


def test_nomenclatures_stream_too(records_app: Entcore) -> None:
    """Structures, subjects and MEFs across batch boundaries."""
    read = records_app.read
    assert [v.uai for v in read.structures(batch_size=1)] == ["0000001A", "0000002B"]
    assert list(read.subjects(batch_size=1)) == list(read.subjects())
    assert list(read.mefs(batch_size=1)) == list(read.mefs())
    assert len(list(read.subjects())) == 2


def test_relatives_and_children_across_batches(records_app: Entcore) -> None:
    """Links resolve whether both ends are in the same batch or not."""
    views = {v.external_id: v for v in records_app.read.accounts(batch_size=2)}
    assert [r.login for r in views["E0001"].relatives] == [
        views["R0002"].login,
        views["R0003"].login,
    ]
    assert [c.login for c in views["R0002"].children] == [views["E0001"].login]
