"""Pytest fixtures of the test kit (see :mod:`entcore.testing`).

pytest loads this module when a ``conftest.py`` names ``entcore.testing`` in its
``pytest_plugins`` (the package points here through its own ``pytest_plugins``);
importing :mod:`entcore.testing` outside pytest never imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from entcore.app import Entcore
from entcore.settings import load_settings
from entcore.testing.database import TEST_DATABASE_ENV, reset_database


@pytest.fixture
def entcore_db_url(tmp_path: Path) -> str:
    """A fresh, empty store: SQLite in ``tmp_path``, or ``$ENTCORE_TEST_DATABASE_URL`` emptied."""
    url = os.environ.get(TEST_DATABASE_ENV)
    if url:
        if make_url(url).get_backend_name() != "postgresql":
            raise pytest.UsageError(f"{TEST_DATABASE_ENV} must name a PostgreSQL database")
        reset_database(url)
        return url
    return f"sqlite:///{tmp_path / 'entcore.db'}"


@pytest.fixture
def entcore_app_factory(entcore_db_url: str, tmp_path: Path) -> Iterator[Callable[..., Entcore]]:
    """Build applications on the test's store; each holds only the plugins asked for."""
    made: list[Entcore] = []

    def make(
        plugins: Sequence[object] = (),
        *,
        builtins: bool = True,
        entrypoints: bool = False,
        environ: dict[str, str] | None = None,
        config: str | None = None,
        strict: bool = True,
    ) -> Entcore:
        config_path = None
        if config is not None:
            config_path = tmp_path / f"entcore-{len(made)}.toml"
            config_path.write_text(config, encoding="utf-8")
        settings = load_settings(
            config_path, environ=environ or {}, overrides={("store", "url"): entcore_db_url}
        )
        app = Entcore(
            settings,
            load_entrypoints=entrypoints,
            plugins=plugins,
            builtins=builtins,
            strict=strict,
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def entcore_app(entcore_app_factory: Callable[..., Entcore]) -> Entcore:
    """An application with the built-in plugins only, on a fresh store."""
    return entcore_app_factory()


__all__: list[Any] = [
    "TEST_DATABASE_ENV",
    "entcore_app",
    "entcore_app_factory",
    "entcore_db_url",
    "reset_database",
]
