"""Acceptance: a connector-style plugin written against the read API only lists a school's
students with their classes and relatives (tests/plugins/library.py, shown in the docs)."""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from entcore.app import Entcore
from entcore.demo import aaf_feed
from entcore.protocols import Connector
from entcore.testing import ConnectorConformance
from tests.plugins import library
from tests.read.conftest import DEMO_UAI, load, school_records

PLUGIN = Path(library.__file__)


def test_the_plugin_uses_only_the_public_api() -> None:
    """Its entcore imports are ``entcore`` and ``entcore.model``: no store, no SQL."""
    modules = set()
    for node in ast.walk(ast.parse(PLUGIN.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    assert {m for m in modules if m.startswith("entcore")} == {"entcore", "entcore.model"}
    assert not {m for m in modules if m.startswith("sqlalchemy")}


def test_borrowers_file_written_after_the_demo_import(
    entcore_app_factory: Callable[..., Entcore], tmp_path: Path
) -> None:
    """Importing the demo feed writes the collège's borrowers: 40 students, class, relatives."""
    outbox = tmp_path / "outbox"
    app = entcore_app_factory(plugins=[library], config=f'[library]\noutbox = "{outbox}"\n')
    app.directory.import_feed([aaf_feed()])
    with (outbox / f"{DEMO_UAI}.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert len(rows) == 40
    lucas = next(row for row in rows if row["login"] == "lucas.bocquerand")
    assert lucas == {
        "login": "lucas.bocquerand",
        "nom": "BOCQUERAND",
        "prenom": "Lucas",
        "date_naissance": "03/02/2014",
        "classe": "6A",
        "responsables": "BOCQUERAND Sandrine (mother); BOCQUERAND Olivier (father)",
    }
    assert all(row["classe"] in {"6A", "6B", "5A", "4A"} for row in rows)
    assert all(row["responsables"] for row in rows)


def test_borrowers_of_each_school(
    entcore_app_factory: Callable[..., Entcore],
) -> None:
    """Each school gets its own students; a relative the store lacks is not named."""
    app = entcore_app_factory(plugins=[library])
    load(app, school_records())
    out = io.StringIO()
    assert library.write_borrowers(app, "0000002B", out) == 3
    college = {row["login"]: row for row in library.borrowers(app, "0000001A")}
    assert len(college) == 20
    assert college["camille.eleve0001"]["classe"] == "6A"
    assert college["camille.eleve0001"]["responsables"] == (
        "PARENT0002 Dominique (mother); PARENT0003 Dominique (father)"
    )
    assert college["camille.eleve0020"]["responsables"] == ""


class TestLibraryConnector(ConnectorConformance):
    """The plugin's connector passes the core's conformance suite on a real account view."""

    @pytest.fixture
    def connector(self) -> Connector:
        return library.LibraryConnector()

    @pytest.fixture
    def account(self, demo_app: Entcore) -> Mapping[str, object]:
        view = demo_app.read.account("lucas.bocquerand")
        assert view is not None
        return view.to_json()

    def test_releases_login_profile_and_class(
        self, connector: Connector, account: Mapping[str, object]
    ) -> None:
        assert connector.release(account) == {
            "uid": ["lucas.bocquerand"],
            "profile": ["Student"],
            "classes": ["6A"],
        }
