"""Local sign-in through the ASGI application: activation, login, session, logout, reset, refusals."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from entcore.app import Entcore
from entcore.auth import AuthService, SignInFailure
from entcore.store.auth_schema import LocalCredential, OneTimeCode, SignInAttempt, WebSession
from entcore.web import create_app
from tests.web.conftest import PASSWORD, UAI, activate, csrf_of, login_of, sign_in


def count(app: Entcore, table: type) -> int:
    with app.store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_guest_activates_then_signs_in_and_out(web_entcore: Entcore, client: TestClient) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    assert client.get("/auth/session").status_code == 401  # activation opens no session

    answer = sign_in(client, login, next_url="/ent/accueil?onglet=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ent/accueil?onglet=1"
    cookie = answer.headers["set-cookie"]
    assert "entcore_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # base_url is http

    session = client.get("/auth/session")
    assert session.status_code == 200
    assert session.json() == {
        "login": login,
        "profiles": ["Guest"],
        "structures": [UAI],
        "provider": "local",
    }
    page = client.get("/auth/account")
    assert page.status_code == 200 and "Vous êtes connecté" in page.text

    confirm = client.get("/auth/logout")
    assert "Voulez-vous vous déconnecter" in confirm.text
    out = client.post("/auth/logout", data={"csrf_token": csrf_of(confirm.text)})
    assert out.status_code == 303
    assert client.get("/auth/session").status_code == 401
    assert count(web_entcore, WebSession) == 0


def test_the_password_is_stored_as_argon2id(web_entcore: Entcore, client: TestClient) -> None:
    activate(web_entcore, client, login_of(web_entcore, "G1"))
    with web_entcore.store.connect() as connection:
        stored = connection.execute(select(LocalCredential.password_hash)).scalar_one()
        digests = connection.execute(select(OneTimeCode.digest)).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert all(len(value) == 64 for value in digests)  # codes kept as SHA-256 digests only


def test_the_session_cookie_is_secure_under_https(make_web_app: Callable[..., Entcore]) -> None:
    app = make_web_app('base_url = "https://ent.example.fr"\n')
    with TestClient(
        create_app(app), base_url="https://ent.example.fr", follow_redirects=False
    ) as browser:
        activate(app, browser, login_of(app, "G1"))
        answer = sign_in(browser, login_of(app, "G1"))
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]


def test_sessions_are_in_the_store_shared_by_two_applications(
    web_entcore: Entcore, client: TestClient
) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    sign_in(client, login)
    other = TestClient(create_app(web_entcore))
    other.cookies.update(client.cookies)
    assert other.get("/auth/session").json()["login"] == login


def test_bad_credentials_get_one_generic_message(
    web_entcore: Entcore, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    caplog.set_level(logging.WARNING)
    wrong = sign_in(client, login, "pas le bon mot de passe")
    unknown = sign_in(client, "personne.inconnue", "pas le bon mot de passe")
    not_activated = sign_in(client, login_of(web_entcore, "G2"), "pas le bon mot de passe")
    for answer in (wrong, unknown, not_activated):
        assert answer.status_code == 401
        assert "Identifiant ou mot de passe incorrect." in answer.text
    reasons = " ".join(record.getMessage() for record in caplog.records)
    assert "wrong password" in reasons and "unknown login" in reasons and "not activated" in reasons
    assert "personne.inconnue" not in caplog.text and "pas le bon" not in caplog.text
    assert count(web_entcore, WebSession) == 0
    assert count(web_entcore, SignInAttempt) == 3  # the only writes of failures


@pytest.mark.parametrize(
    ("external_id", "where"),
    [
        ("E1", "Connectez-vous avec ÉduConnect"),
        ("T1", "Connectez-vous par le portail de votre académie (guichet agents)"),
        ("P1", "Connectez-vous par le portail de votre académie (guichet agents)"),
    ],
)
def test_federated_profiles_are_sent_to_their_federation(
    web_entcore: Entcore, client: TestClient, external_id: str, where: str
) -> None:
    login = login_of(web_entcore, external_id)
    answer = sign_in(client, login, "un mot de passe quelconque")
    assert answer.status_code == 401 and where in answer.text
    service = AuthService(web_entcore.store, web_entcore.settings)
    with pytest.raises(SignInFailure, match=re.escape(where)):
        service.issue_code(login, "activation")
    for path in ("/auth/activate", "/auth/reset"):
        page = client.get(path)
        refused = client.post(
            path,
            data={
                "login": login,
                "code": "AAAA-BBBB-CCCC",
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
        )
        assert refused.status_code == 403 and where in refused.text
    assert count(web_entcore, LocalCredential) == 0


def test_a_profile_made_local_by_configuration_signs_in(
    make_web_app: Callable[..., Entcore],
) -> None:
    app = make_web_app('[auth]\nlocal_profiles = ["Guest", "Teacher"]\n')
    with TestClient(create_app(app), follow_redirects=False) as browser:
        login = login_of(app, "T1")
        activate(app, browser, login)
        assert sign_in(browser, login).status_code == 303
        assert browser.get("/auth/session").json()["profiles"] == ["Teacher"]


def test_throttling_per_login(web_entcore: Entcore, client: TestClient) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    for _ in range(5):
        assert sign_in(client, login, "mauvais mot de passe").status_code == 401
    blocked = sign_in(client, login)  # even the right password now waits
    assert blocked.status_code == 429
    assert "Trop de tentatives, réessayez dans 15 minutes." in blocked.text
    assert count(web_entcore, WebSession) == 0
    # Another login from the same address is not throttled yet.
    assert sign_in(client, login_of(web_entcore, "G2"), "mauvais mot de passe").status_code == 401


def test_throttling_per_address(web_entcore: Entcore, client: TestClient) -> None:
    for number in range(20):
        assert sign_in(client, f"inconnu{number}", "mauvais mot de passe").status_code == 401
    answer = sign_in(client, "encore.un.autre", "mauvais mot de passe")
    assert answer.status_code == 429 and "Trop de tentatives" in answer.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=y",
        "accueil",
    ],
)
def test_open_redirects_are_refused(
    web_entcore: Entcore, client: TestClient, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    caplog.set_level(logging.WARNING)
    answer = sign_in(client, login, next_url=target)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/account"
    assert "next parameter refused" in caplog.text


def test_next_is_carried_through_the_login_page(client: TestClient) -> None:
    page = client.get("/auth/login", params={"next": "/cahier-de-textes/semaine"})
    assert 'name="next" value="/cahier-de-textes/semaine"' in page.text
    evil = client.get("/auth/login", params={"next": "//evil.example"})
    assert 'name="next" value="/auth/account"' in evil.text


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_every_form_checks_csrf(
    web_entcore: Entcore, client: TestClient, token: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    caplog.set_level(logging.WARNING)
    for path, data in (
        ("/auth/login", {"login": login, "password": PASSWORD}),
        ("/auth/activate", {"login": login, "code": "X", "password": PASSWORD}),
        ("/auth/reset", {"login": login, "code": "X", "password": PASSWORD}),
        ("/auth/logout", {}),
    ):
        if token is not None:
            data["csrf_token"] = token
        answer = client.post(path, data=data)
        assert answer.status_code == 403, path
        assert "Accès refusé" in answer.text
    assert "CSRF refused" in caplog.text
    assert count(web_entcore, WebSession) == 0


def test_a_token_without_its_cookie_is_refused(web_entcore: Entcore, client: TestClient) -> None:
    token = csrf_of(client.get("/auth/login").text)
    stranger = TestClient(create_app(web_entcore))
    answer = stranger.post("/auth/login", data={"login": "x", "password": "y", "csrf_token": token})
    assert answer.status_code == 403


def test_codes_are_single_use_and_replaced(web_entcore: Entcore, client: TestClient) -> None:
    login = login_of(web_entcore, "G1")
    service = AuthService(web_entcore.store, web_entcore.settings)
    first, _ = service.issue_code(login, "activation")
    second, _ = service.issue_code(login, "activation")

    def post(code: str, password: str = PASSWORD) -> str:
        page = client.get("/auth/activate")
        return client.post(
            "/auth/activate",
            data={
                "login": login,
                "code": code,
                "password": password,
                "csrf_token": csrf_of(page.text),
            },
        ).text

    assert "code expiré" in post(first)  # replaced by the second
    assert "au moins 12 caractères" in post(second, "court")  # policy; the code is not spent
    assert "Votre compte est activé" in post(second.lower().replace("-", " "))
    assert "code expiré" in post(second)  # used once


def test_an_expired_code_is_refused(web_entcore: Entcore, client: TestClient) -> None:
    from sqlalchemy import update

    from entcore.store import utcnow

    login = login_of(web_entcore, "G1")
    code, _ = AuthService(web_entcore.store, web_entcore.settings).issue_code(login, "activation")
    with web_entcore.store.connect() as connection, connection.begin():
        connection.execute(update(OneTimeCode).values(expires_at=utcnow()))
    page = client.get("/auth/activate")
    answer = client.post(
        "/auth/activate",
        data={"login": login, "code": code, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 400 and "code expiré" in answer.text
    assert count(web_entcore, LocalCredential) == 0


def test_reset_sets_a_new_password_and_ends_sessions(
    web_entcore: Entcore, client: TestClient
) -> None:
    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    sign_in(client, login)
    assert client.get("/auth/session").status_code == 200
    code, _ = AuthService(web_entcore.store, web_entcore.settings).issue_code(login, "reset")
    other = TestClient(create_app(web_entcore))
    page = other.get("/auth/reset")
    new_password = "un autre mot de passe bien long"
    answer = other.post(
        "/auth/reset",
        data={
            "login": login,
            "code": code,
            "password": new_password,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert "Votre mot de passe est changé" in answer.text
    assert client.get("/auth/session").status_code == 401  # the old session ended
    assert sign_in(client, login).status_code == 401
    assert sign_in(client, login, new_password).status_code == 303


def test_an_activation_code_is_no_reset_code(web_entcore: Entcore, client: TestClient) -> None:
    login = login_of(web_entcore, "G1")
    code, _ = AuthService(web_entcore.store, web_entcore.settings).issue_code(login, "activation")
    page = client.get("/auth/reset")
    answer = client.post(
        "/auth/reset",
        data={"login": login, "code": code, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 400 and count(web_entcore, LocalCredential) == 0


def test_a_forged_session_cookie_is_ignored(web_entcore: Entcore, client: TestClient) -> None:
    client.cookies.set("entcore_session", "abc.def")
    assert client.get("/auth/session").status_code == 401


def test_a_session_whose_profile_is_no_longer_local_ends_at_its_next_request(
    web_entcore: Entcore, client: TestClient
) -> None:
    """The gate is asked on every request: a refusal ends the open session (blocked page)."""
    from entcore.settings import Settings

    login = login_of(web_entcore, "G1")
    activate(web_entcore, client, login)
    sign_in(client, login)
    restricted = Entcore(
        Settings(
            file_sections={
                **web_entcore.settings.file_sections,
                "auth": {"local_profiles": ["Teacher"]},
            },
            environ={},
            overrides=web_entcore.settings.overrides,
        ),
        load_entrypoints=False,
    )
    browser = TestClient(create_app(restricted))
    browser.cookies.update(client.cookies)
    answer = browser.get("/auth/session")
    assert answer.status_code == 403
    assert "pas ouverte à votre profil" in answer.text
    assert count(web_entcore, WebSession) == 0
    assert client.get("/auth/session").status_code == 401
    restricted.close()
