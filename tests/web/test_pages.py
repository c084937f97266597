"""Pages, errors, settings, liveness and the routes hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

import entcore
from entcore.app import Entcore
from entcore.errors import ConfigError, PluginRegistrationError
from entcore.registry import RouteRegistry
from entcore.web import create_app, render
from tests.web.conftest import CONFIG


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/auth/login", "Connexion"),
        ("/auth/providers", "Choisir comment se connecter"),
        ("/auth/activate", "Activer mon compte"),
        ("/auth/reset", "Réinitialiser mon mot de passe"),
        ("/auth/logout", "Déconnexion"),
    ],
)
def test_pages_are_french_and_accessible_by_construction(
    client: TestClient, path: str, heading: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert f"<h1>{heading}</h1>" in page.text
    assert 'href="#contenu"' in page.text and 'id="contenu"' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    for field in ("login", "password", "code"):
        if f'id="{field}"' in page.text:
            assert f'<label for="{field}">' in page.text


def test_errors_are_french_pages(client: TestClient) -> None:
    missing = client.get("/nulle-part")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    wrong_method = client.put("/auth/login")
    assert wrong_method.status_code == 405 and "Méthode non autorisée" in wrong_method.text


def test_an_unexpected_error_is_a_french_500_without_details(
    make_web_app: Callable[..., Entcore], caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        @entcore.hookimpl
        def entcore_register_routes(self, registry: RouteRegistry) -> None:
            def fail(request: Request) -> Response:
                raise RuntimeError("secret detail")

            registry.add(Route("/boom", fail, name="boom"))

    app = make_web_app(plugins=(Broken(),))
    with TestClient(create_app(app), raise_server_exceptions=False) as browser:
        answer = browser.get("/boom")
    assert answer.status_code == 500
    assert "Erreur du serveur" in answer.text and "secret detail" not in answer.text
    assert "unexpected error on /boom: RuntimeError" in caplog.text


def test_health_answers_when_the_store_does(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_health_says_503_when_the_store_does_not(
    make_web_app: Callable[..., Entcore], tmp_path: Path
) -> None:
    app = make_web_app()
    web = create_app(app)
    app.store.dispose()
    # The store now points at a port where no database listens: the probe fails.
    from entcore.store import Store

    app.__dict__["store"] = Store("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with TestClient(web) as browser:
        answer = browser.get("/health")
    assert answer.status_code == 503 and answer.json() == {
        "status": "error",
        "store": "unreachable",
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", None),
        ('[web]\nsecret_key = "short"\n', "too short"),
        ('[web]\nbase_url = "ftp://ent"\nsecret_key = "' + "k" * 40 + '"\n', "not an http"),
        (
            '[web]\nsecret_key = "' + "k" * 40 + '"\ntemplates_dir = "/nonexistent/x"\n',
            "not a folder",
        ),
    ],
)
def test_settings_are_checked_before_serving(
    entcore_app_factory: Callable[..., Entcore], extra: str, message: str | None
) -> None:
    app = entcore_app_factory(config=extra or None)
    with pytest.raises(ConfigError, match=message or "secret_key is required"):
        create_app(app)


def test_an_ent_overrides_a_template(
    entcore_app_factory: Callable[..., Entcore], tmp_path: Path
) -> None:
    folder = tmp_path / "gabarits"
    folder.mkdir()
    (folder / "error.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Oups : {{ title }}</h1>{% endblock %}',
        encoding="utf-8",
    )
    app = entcore_app_factory(config=CONFIG + f'templates_dir = "{folder}"\n')
    with TestClient(create_app(app)) as browser:
        answer = browser.get("/absent")
    assert answer.status_code == 404 and "<h1>Oups : Page introuvable</h1>" in answer.text
    assert "Aller au contenu" in answer.text  # the base template is still entcore's


class ChooserPlugin:
    """Adds a page rendering the account chooser with sample accounts (and a plain route)."""

    @entcore.hookimpl
    def entcore_register_routes(self, registry: RouteRegistry) -> None:
        def chooser(request: Request) -> Response:
            return render(
                request,
                "chooser.html",
                action="/ent/choisir",
                hidden={"state": "signed-state"},
                accounts=[
                    {"value": "a1", "label": "Camille NOM – COLLEGE UN (0000001A)"},
                    {"value": "a2", "label": "Camille NOM – LYCEE DEUX (0000002B)"},
                ],
            )

        def hello(request: Request) -> Response:
            session = request.state.session
            return PlainTextResponse(session.login if session else "anonyme")

        registry.add(Route("/ent/choisir", chooser, name="chooser-sample"))
        registry.add(Route("/ent/bonjour", hello, name="hello"))


def test_hook_entcore_register_routes(make_web_app: Callable[..., Entcore]) -> None:
    app = make_web_app(plugins=(ChooserPlugin(),))
    assert app.plugins.routes().names() == ["chooser-sample", "hello"]
    with TestClient(create_app(app)) as browser:
        page = browser.get("/ent/choisir")
        assert page.status_code == 200 and "<h1>Choisir le compte</h1>" in page.text
        assert 'name="state" value="signed-state"' in page.text
        assert browser.get("/ent/bonjour").text == "anonyme"


@pytest.mark.parametrize(
    ("path", "name", "error"),
    [
        ("/auth/login", "mine", "core reserves"),
        ("/auth/saml/x/acs", "mine", "core reserves"),
        ("/health", "mine", "core reserves"),
        ("relative", "mine", "starts with '/'"),
        ("/ok", "Bad Name", "invalid name"),
    ],
)
def test_the_route_registry_refuses_bad_routes(path: str, name: str, error: str) -> None:
    def endpoint(request: Request) -> Response:
        return PlainTextResponse("")

    registry = RouteRegistry()
    with pytest.raises(PluginRegistrationError, match=error):
        registry.add(
            Route(path, endpoint, name=name) if path.startswith("/") else _Fake(path, name)
        )


def test_the_route_registry_refuses_a_path_taken_and_non_routes() -> None:
    def endpoint(request: Request) -> Response:
        return PlainTextResponse("")

    registry = RouteRegistry()
    registry.add(Route("/ent/page", endpoint, name="one"))
    with pytest.raises(PluginRegistrationError, match="already registered"):
        registry.add(Route("/ent/page", endpoint, name="two"))
    with pytest.raises(PluginRegistrationError, match="a path starts with"):
        registry.add(object())  # type: ignore[arg-type]


class _Fake:
    def __init__(self, path: str, name: str):
        self.path = path
        self.name = name


def test_the_factory_builds_from_the_environment(
    web_entcore: Entcore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What each ``entcore serve --workers N`` worker runs: settings from ``ENTCORE_*``."""
    from entcore.web import factory

    monkeypatch.delenv("ENTCORE_CONFIG", raising=False)
    monkeypatch.setenv("ENTCORE_DB", web_entcore.settings.db_url)
    monkeypatch.setenv("ENTCORE_SECRET_KEY", "s" * 40)
    with TestClient(factory()) as browser:
        assert browser.get("/health").json()["status"] == "ok"
        assert browser.get("/auth/login").status_code == 200
