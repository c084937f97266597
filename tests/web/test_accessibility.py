"""RGAA: every page checked with axe-core in headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium).  No violation allowed, whatever axe's impact.

axe-core comes from the npm registry (``.ci/run`` installs it into ``.cache/axe``; or
point ``ENTCORE_AXE_JS`` at an ``axe.min.js``).  On CI (``CI`` set) a missing peer fails
the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

import entcore
from entcore import AccountLookup, Asserted, FederatedIdentity, SignInRefused, SSOContext
from entcore.app import Entcore
from entcore.model import AccountView, Profile
from entcore.registry import RouteRegistry, SSOProviderRegistry
from entcore.web import create_app, render
from tests.web.conftest import PASSWORD, activate_with_service, login_of
from tests.web.test_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _peer_missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it (see README)")
    pytest.skip(f"{what} is missing (install it as .ci/run does)")


def _axe_source() -> str:
    path = Path(
        os.environ.get("ENTCORE_AXE_JS") or ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"
    )
    if not path.is_file():
        _peer_missing(f"axe-core ({path})")
    return path.read_text(encoding="utf-8")


class SampleProvider:
    """An identity provider listed on the provider choice (the WAYF)."""

    name = "educonnect-test"
    label = "ÉduConnect"
    kind = "saml"
    profiles = frozenset({Profile.STUDENT, Profile.RELATIVE})

    def identify(self, asserted: Asserted, context: SSOContext) -> FederatedIdentity:
        raise SignInRefused("sample provider", "fournisseur d'exemple")

    def match(
        self, identity: FederatedIdentity, accounts: AccountLookup, context: SSOContext
    ) -> tuple[AccountView, ...]:
        return ()


class SamplePages:
    """Pages only later issues reach (the account chooser) and the blocked page, with sample data."""

    @entcore.hookimpl
    def entcore_register_sso_providers(self, registry: SSOProviderRegistry) -> None:
        registry.add(SampleProvider())

    @entcore.hookimpl
    def entcore_register_routes(self, registry: RouteRegistry) -> None:
        def chooser(request: Request) -> Response:
            return render(
                request,
                "chooser.html",
                action="/choisir",
                hidden={"state": "etat-signe"},
                accounts=[
                    {"value": "a1", "label": "Camille NOM – COLLEGE UN (0000001A)"},
                    {"value": "a2", "label": "Camille NOM – LYCEE DEUX (0000002B)"},
                ],
            )

        def blocked(request: Request) -> Response:
            return render(request, "blocked.html", 403, message="Accès fermé jusqu'à la rentrée")

        def faulty(request: Request) -> Response:
            # No lang, no title, an unlabelled field, grey on white: what axe must catch.
            return HTMLResponse(
                '<!DOCTYPE html><html><body><input type="text" name="x">'
                '<p style="color:#bbbbbb;background:#ffffff">texte peu contrasté</p></body></html>'
            )

        registry.add(Route("/choisir", chooser, name="chooser"))
        registry.add(Route("/fautive", faulty, name="faulty"))
        registry.add(Route("/ferme", blocked, name="blocked"))


@pytest.fixture
def server(make_web_app: Callable[..., Entcore]) -> Iterator[tuple[Entcore, str]]:
    """The web layer (with the sample pages) served by uvicorn in a thread."""
    app = make_web_app(plugins=(SamplePages(),))
    port = free_port()
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not running.started and thread.is_alive():
        started.wait(0.05)
    yield app, f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through chromedriver."""
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        _peer_missing("chromium or chromedriver (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(driver_path)), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def arrived(driver: Any, text: str) -> None:
    """Wait for the page a form submission leads to (a bound on a hung server, not a timing)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: text in d.page_source)


def violations(driver: Any, axe: str) -> list[str]:
    """axe-core's violations of the page loaded in ``driver``, one line each."""
    driver.execute_script(axe)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map("
        "v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));"
    )
    return list(found)


def test_every_page_passes_axe(server: tuple[Entcore, str], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    axe = _axe_source()
    app, base = server
    login = login_of(app, "G1")
    activate_with_service(app, login)
    checked: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        checked[name] = violations(browser, axe)

    for name, path in (
        ("login", "/auth/login"),
        ("providers (WAYF)", "/auth/providers"),
        ("activate", "/auth/activate"),
        ("reset", "/auth/reset"),
        ("logout (signed out)", "/auth/logout"),
        ("chooser", "/choisir"),
        ("blocked", "/ferme"),
        ("error 404", "/nulle-part"),
    ):
        browser.get(base + path)
        check(name)

    # A failed sign-in (the error message), then a real one: the account and logout pages.
    browser.get(base + "/auth/login")
    browser.find_element(By.ID, "login").send_keys(login)
    browser.find_element(By.ID, "password").send_keys("mauvais mot de passe")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    arrived(browser, "Identifiant ou mot de passe incorrect")
    check("login with an error")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    arrived(browser, "Vous êtes connecté")
    check("account")
    browser.get(base + "/auth/logout")
    check("logout (signed in)")

    assert {name: found for name, found in checked.items() if found} == {}
    assert len(checked) == 11


def test_the_skip_link_and_focus_work_from_the_keyboard(
    server: tuple[Entcore, str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _, base = server
    browser.get(base + "/auth/login")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Aller au contenu"
    assert focused.value_of_css_property("outline-style") == "solid"  # visible focus
    focused.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "contenu"


def test_axe_catches_a_faulty_page(server: tuple[Entcore, str], browser: Any) -> None:
    """The harness is no rubber stamp: a page breaking the rules is reported."""
    _, base = server
    browser.get(base + "/fautive")
    found = " ".join(violations(browser, _axe_source()))
    for rule in ("html-has-lang", "document-title", "label", "color-contrast"):
        assert rule in found
