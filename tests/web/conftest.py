"""Applications for the web layer's tests: a school with a guest, a student, a relative and a teacher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from entcore.app import Entcore
from entcore.model import PersonRecord, Profile, StructureRecord
from entcore.testing import RecordFeed
from entcore.web import create_app

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
UAI = "0000001A"
PASSWORD = "une phrase de passe solide"

SCHOOL = StructureRecord("S1", "COLLEGE UN", uai=UAI, type="COLLEGE")


def person(external_id: str, profile: Profile, **extra: Any) -> PersonRecord:
    """A person of the school."""
    return PersonRecord(
        external_id=external_id,
        profile=profile,
        last_name=f"NOM{external_id}",
        first_name="Dominique",
        structures=("S1",),
        **extra,
    )


RECORDS: list[Any] = [
    SCHOOL,
    person("G1", Profile.GUEST),
    person("G2", Profile.GUEST),
    person("E1", Profile.STUDENT),
    person("T1", Profile.TEACHER),
    person("P1", Profile.PERSONNEL),
]

CONFIG = f"""
[web]
secret_key = "{SECRET}"
"""


def login_of(app: Entcore, external_id: str) -> str:
    """The login the import gave the person ``external_id``."""
    view = app.read.account_by_external_id(external_id)
    assert view is not None
    return view.login


@pytest.fixture
def make_web_app(
    entcore_app_factory: Callable[..., Entcore],
) -> Callable[..., Entcore]:
    """``make(config_extra="", plugins=())``: an application on the test store holding :data:`RECORDS`."""

    def make(config_extra: str = "", plugins: tuple[object, ...] = ()) -> Entcore:
        app = entcore_app_factory(plugins, config=CONFIG + config_extra)
        app.directory.run_feed(RecordFeed(RECORDS), source="records")
        return app

    return make


@pytest.fixture
def web_entcore(make_web_app: Callable[..., Entcore]) -> Entcore:
    """The application with the default settings."""
    return make_web_app()


@pytest.fixture
def client(web_entcore: Entcore) -> Iterator[TestClient]:
    """A browser on the web layer (cookies kept, redirects not followed)."""
    with TestClient(create_app(web_entcore), follow_redirects=False) as browser:
        yield browser


def csrf_of(page: str) -> str:
    """The CSRF token of the first form of an HTML page."""
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def activate(app: Entcore, client: TestClient, login: str, password: str = PASSWORD) -> None:
    """Give ``login`` a password with an activation code, through the web form."""
    from entcore.auth import AuthService

    code, _ = AuthService(app.store, app.settings).issue_code(login, "activation")
    page = client.get("/auth/activate")
    answer = client.post(
        "/auth/activate",
        data={"login": login, "code": code, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 200, answer.text
    assert "Votre compte est activé" in answer.text


def sign_in(client: TestClient, login: str, password: str = PASSWORD, next_url: str = "") -> Any:
    """Post the login form as a browser would (GET the page for its token first)."""
    page = client.get("/auth/login")
    data = {"login": login, "password": password, "csrf_token": csrf_of(page.text)}
    if next_url:
        data["next"] = next_url
    return client.post("/auth/login", data=data)


def activate_with_service(app: Entcore, login: str, password: str = PASSWORD) -> None:
    """Give ``login`` a password directly through the auth service (no browser)."""
    from entcore.auth import AuthService

    service = AuthService(app.store, app.settings)
    code, _ = service.issue_code(login, "activation")
    service.redeem_code(login, code, password, "activation", "127.0.0.1")
