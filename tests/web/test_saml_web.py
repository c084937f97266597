"""The SAML routes over HTTP: a browser (Starlette's TestClient) and pysaml2 IdPs (tests/saml).

The browser follows the real exchange: GET the login route, hand the redirect
to the IdP, post the IdP's response to the ACS, and read ``/auth/session``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from entcore import Entcore
from entcore.model import Profile
from entcore.store.auth_schema import WebSession
from entcore.web import create_app
from tests.saml.conftest import AGENTS_ACS, AGENTS_SP, EDU_ACS, EDU_SP, OTHER_SP, Ent
from tests.saml.idp import TestIdP, b64
from tests.saml.test_sign_in import RELATIVE, STUDENT, seen
from tests.web.conftest import CONFIG, csrf_of

UAI = "0749901K"
BLOCK_MESSAGE = "Accès fermé jusqu'à la rentrée"


@pytest.fixture
def ent(tmp_path: object, entcore_app_factory: Callable[..., Entcore]) -> Ent:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    ent = Ent(tmp_path, entcore_app_factory)
    ent.config += CONFIG
    return ent


@pytest.fixture
def app(ent: Ent) -> Entcore:
    """The demo académie and Lyon, the IdPs trusting our SPs' metadata (served over HTTP below)."""
    app = ent.populate()
    edu = app.saml("educonnect").service_provider.metadata_xml()
    agents = app.saml("agents").service_provider.metadata_xml()
    other = edu.replace(EDU_SP.encode(), OTHER_SP.encode())
    ent.educonnect.trust(edu, other)
    ent.rogue.trust(edu, other)
    ent.grenoble.trust(agents)
    ent.nancy.trust(agents)
    return app


@pytest.fixture
def browser(app: Entcore) -> Iterator[TestClient]:
    with TestClient(create_app(app), follow_redirects=False) as client:
        yield client


def sessions(app: Entcore) -> int:
    with app.store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(WebSession)).scalar_one())


def start(
    browser: TestClient, idp: TestIdP, provider: str = "educonnect", query: str = "next=/cours"
) -> tuple[str, str | None]:
    """GET the login route; the IdP reads the AuthnRequest. Its ID and the RelayState."""
    answer = browser.get(f"/auth/saml/{provider}/login?{query}")
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    request_id, acs = idp.read_request(location)
    assert acs == (EDU_ACS if provider == "educonnect" else AGENTS_ACS)
    relay = parse_qs(urlsplit(location).query).get("RelayState", [None])[0]
    return request_id, relay


def edu_post(
    browser: TestClient,
    idp: TestIdP,
    identity: dict[str, list[str]],
    *,
    request_id: str | None = None,
    relay: str | None = None,
    **options: object,
) -> object:
    """Sign in at EduConnect and post its response to our ACS, as the IdP's page does."""
    if request_id is None:
        request_id, relay = start(browser, idp)
    xml = idp.response_xml(
        identity,
        in_response_to=request_id,
        destination=str(options.pop("destination", EDU_ACS)),
        audience=str(options.pop("audience", EDU_SP)),
        **options,  # type: ignore[arg-type]
    )
    data = {"SAMLResponse": b64(xml)}
    if relay is not None:
        data["RelayState"] = relay
    return browser.post("/auth/saml/educonnect/acs", data=data)


# -- metadata and login ---------------------------------------------------------------------


def test_metadata_is_served(browser: TestClient) -> None:
    answer = browser.get("/auth/saml/educonnect/metadata")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/samlmetadata+xml")
    assert EDU_SP in answer.text and EDU_ACS in answer.text
    assert browser.get("/auth/saml/nobody/metadata").status_code == 404


def test_login_keeps_only_a_safe_next_in_the_relay_state(app: Entcore, ent: Ent) -> None:
    with TestClient(create_app(app), follow_redirects=False) as browser:
        _, relay = start(browser, ent.educonnect, query="next=/cours/maths?x=1")
        assert relay == "/cours/maths?x=1"
        for evil in ("https://evil.test/", "//evil.test/", "/\\evil.test"):
            _, relay = start(browser, ent.educonnect, query=f"next={evil}")
            assert relay == "/auth/account"


def test_wayf_links_each_provider_to_its_login_route(browser: TestClient) -> None:
    page = browser.get("/auth/providers?next=/cours").text
    assert "/auth/saml/educonnect/login?next=%2Fcours" in page
    assert "/auth/saml/agents/login?next=%2Fcours" in page


def test_agents_login_lists_the_academies_or_takes_the_idp_parameter(
    browser: TestClient, ent: Ent
) -> None:
    page = browser.get("/auth/saml/agents/login")
    assert page.status_code == 200
    assert "Choisir votre académie" in page.text
    assert ent.grenoble.entity_id in page.text and ent.nancy.entity_id in page.text
    assert browser.get("/auth/saml/agents/login?idp=https://evil.test/").status_code == 400


# -- sign-in --------------------------------------------------------------------------------


def test_demo_student_signs_in_through_educonnect(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    answer = edu_post(browser, ent.educonnect, STUDENT)
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/cours"  # type: ignore[attr-defined]
    session = browser.get("/auth/session").json()
    assert session["login"] == "lucas.bocquerand"
    assert session["provider"] == "educonnect"
    assert session["structures"] == [UAI]


def test_relay_state_is_checked_again_at_the_acs(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    request_id, _ = start(browser, ent.educonnect)
    answer = edu_post(
        browser, ent.educonnect, STUDENT, request_id=request_id, relay="https://evil.test/"
    )
    assert answer.headers["location"] == "/auth/account"  # type: ignore[attr-defined]


def choose_page(browser: TestClient, ent: Ent) -> str:
    answer = edu_post(browser, ent.educonnect, RELATIVE)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    text = str(answer.text)  # type: ignore[attr-defined]
    assert "Choisir le compte" in text
    # Each account says whose parent it is.
    assert "enfants : " in text and "(parent)" in text
    assert "Emma" in text and "Lucas" in text
    return text


def hidden(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_relative_of_two_schools_chooses_the_account(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    page = choose_page(browser, ent)
    assert sessions(app) == 0
    logins = {
        view.login
        for view in (
            app.read.account_by_external_id("GRENOBLE-3200001"),
            app.read.account_by_external_id("LYON-4200001"),
        )
        if view is not None
    }
    assert len(logins) == 2
    lyon = app.read.account_by_external_id("LYON-4200001")
    assert lyon is not None
    form = {
        "csrf_token": csrf_of(page),
        "choice": hidden(page, "choice"),
        "signature": hidden(page, "signature"),
        "account": lyon.login,
    }
    answer = browser.post("/auth/saml/educonnect/choose", data=form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/cours"
    session = browser.get("/auth/session").json()
    assert session["login"] == lyon.login and session["provider"] == "educonnect"


def test_tampered_choice_is_refused(app: Entcore, ent: Ent, browser: TestClient) -> None:
    page = choose_page(browser, ent)
    stranger = "melanie.ducrettaz"
    good = {
        "csrf_token": csrf_of(page),
        "choice": hidden(page, "choice"),
        "signature": hidden(page, "signature"),
    }
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(good["choice"]))
    data["logins"].append(stranger)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    cases = [
        {**good, "choice": forged, "account": stranger},  # candidates changed
        {**good, "account": stranger},  # not a candidate
        {**good, "signature": "x" + good["signature"][1:], "account": data["logins"][0]},
        {**good, "csrf_token": "nope", "account": data["logins"][0]},
    ]
    for form in cases:
        answer = browser.post("/auth/saml/educonnect/choose", data=form)
        assert answer.status_code == 403
    # Signed for EduConnect: not valid on another provider's route.
    answer = browser.post("/auth/saml/agents/choose", data={**good, "account": data["logins"][0]})
    assert answer.status_code == 403
    assert sessions(app) == 0


def test_teacher_signs_in_through_agents_by_email(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    request_id, relay = start(
        browser, ent.grenoble, "agents", f"idp={ent.grenoble.entity_id}&next=/"
    )
    xml = ent.grenoble.response_xml(
        {
            "ctemail": ["Melanie.Ducrettaz@demo.entcore.test"],
            "FrEduRne": [f"{UAI}$UAJ$PU$ADF$T3$CLG$340"],
        },
        in_response_to=request_id,
        destination=AGENTS_ACS,
        audience=AGENTS_SP,
    )
    answer = browser.post(
        "/auth/saml/agents/acs", data={"SAMLResponse": b64(xml), "RelayState": relay or ""}
    )
    assert answer.status_code == 303, answer.text
    session = browser.get("/auth/session").json()
    assert session["login"] == "melanie.ducrettaz" and session["provider"] == "agents"


def test_unknown_student_gets_the_french_message(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    answer = edu_post(
        browser,
        ent.educonnect,
        {"FrEduCtRefId": ["{AAF}08|x|9999999"], "FrEduCtPersonAffiliation": ["eleve2d"]},
    )
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert "Connexion impossible" in answer.text  # type: ignore[attr-defined]
    assert sessions(app) == 0


# -- access blocking ------------------------------------------------------------------------


def test_blocked_student_sees_the_message_and_gets_no_session(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    app.access.block(UAI, Profile.STUDENT, message=BLOCK_MESSAGE, by="test")
    answer = edu_post(browser, ent.educonnect, STUDENT)
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert "Accès fermé jusqu&#39;à la rentrée" in answer.text  # type: ignore[attr-defined]
    assert sessions(app) == 0
    assert browser.get("/auth/session").status_code == 401


def test_open_student_session_ends_when_blocked(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    assert edu_post(browser, ent.educonnect, STUDENT).status_code == 303  # type: ignore[attr-defined]
    assert browser.get("/auth/session").status_code == 200
    app.access.block(UAI, Profile.STUDENT, message=BLOCK_MESSAGE, by="test")
    answer = browser.get("/auth/session")
    assert answer.status_code == 403
    assert "Accès fermé jusqu&#39;à la rentrée" in answer.text
    assert sessions(app) == 0
    assert browser.get("/auth/session").status_code == 401


# -- negative matrix ------------------------------------------------------------------------

NEGATIVE: dict[str, dict[str, object]] = {
    "unsigned": {"sign_assertion": False},
    "signed by another key": {"rogue": True},
    "wrong audience": {"audience": OTHER_SP},
    "wrong Destination": {"destination": "https://evil.test/acs"},
}


@pytest.mark.parametrize("case", list(NEGATIVE), ids=list(NEGATIVE))
def test_negative_matrix_over_http(
    app: Entcore, ent: Ent, browser: TestClient, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    options = dict(NEGATIVE[case])
    idp = ent.rogue if options.pop("rogue", False) else ent.educonnect
    request_id, relay = start(browser, ent.educonnect)
    with caplog.at_level(logging.WARNING, logger="entcore.saml"):
        answer = edu_post(browser, idp, STUDENT, request_id=request_id, relay=relay, **options)
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert "n&#39;a pas pu être vérifiée" in answer.text  # type: ignore[attr-defined]
    assert "SAML response refused" in caplog.text
    assert sessions(app) == 0 and seen(app) == 0
    assert browser.get("/auth/session").status_code == 401


def test_replayed_response_is_refused_over_http(
    app: Entcore, ent: Ent, browser: TestClient
) -> None:
    request_id, relay = start(browser, ent.educonnect)
    xml = ent.educonnect.response_xml(
        STUDENT, in_response_to=request_id, destination=EDU_ACS, audience=EDU_SP
    )
    data = {"SAMLResponse": b64(xml), "RelayState": relay or ""}
    assert browser.post("/auth/saml/educonnect/acs", data=data).status_code == 303
    assert sessions(app) == 1
    with TestClient(create_app(app), follow_redirects=False) as attacker:
        answer = attacker.post("/auth/saml/educonnect/acs", data=data)
        assert answer.status_code == 403
        assert attacker.get("/auth/session").status_code == 401
    assert sessions(app) == 1


def test_acs_without_response_or_with_garbage_is_refused(app: Entcore, browser: TestClient) -> None:
    assert browser.post("/auth/saml/educonnect/acs", data={}).status_code == 403
    answer = browser.post("/auth/saml/educonnect/acs", data={"SAMLResponse": "%%%not base64"})
    assert answer.status_code == 403
    assert sessions(app) == 0


# -- single logout --------------------------------------------------------------------------


def test_idp_logout_request_ends_the_session(app: Entcore, ent: Ent, browser: TestClient) -> None:
    import warnings

    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID

    assert edu_post(browser, ent.educonnect, STUDENT).status_code == 303  # type: ignore[attr-defined]
    assert sessions(app) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, request = ent.educonnect.server.create_logout_request(
            "https://ent.test/auth/saml/educonnect/slo",
            ent.educonnect.entity_id,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="transient-4f1c"),
            sign=False,
        )
        info = ent.educonnect.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            "https://ent.test/auth/saml/educonnect/slo",
            relay_state="r1",
            sign=True,
            sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        )
    location = dict(info["headers"])["Location"]
    # An unsigned copy is refused and keeps the session.
    unsigned = "&".join(
        part
        for part in urlsplit(location).query.split("&")
        if part.split("=")[0] in ("SAMLRequest",)
    )
    assert browser.get(f"/auth/saml/educonnect/slo?{unsigned}").status_code == 403
    assert sessions(app) == 1
    answer = browser.get(f"/auth/saml/educonnect/slo?{urlsplit(location).query}")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("https://educonnect.test/idp/slo?SAMLResponse=")
    assert sessions(app) == 0
    assert browser.get("/auth/session").status_code == 401


def test_choice_expires(
    app: Entcore, ent: Ent, browser: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = choose_page(browser, ent)
    import base64
    import json
    import time

    candidate = json.loads(base64.urlsafe_b64decode(hidden(page, "choice")))["logins"][0]
    later = time.time() + timedelta(minutes=10).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)
    answer = browser.post(
        "/auth/saml/educonnect/choose",
        data={
            "csrf_token": csrf_of(page),
            "choice": hidden(page, "choice"),
            "signature": hidden(page, "signature"),
            "account": candidate,
        },
    )
    assert answer.status_code == 403
    assert sessions(app) == 0


def test_oversized_post_is_refused_unread(app: Entcore, browser: TestClient) -> None:
    answer = browser.post(
        "/auth/saml/educonnect/acs",
        content=b"SAMLResponse=" + b"A" * (600 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 403
    assert sessions(app) == 0
