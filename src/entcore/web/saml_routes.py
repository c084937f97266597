"""Sign-in through the SAML federations (EduConnect, agents): metadata, login, ACS, chooser, SLO.

The protocol is :mod:`entcore.saml`'s (reached through ``app.saml(name)``);
this module only speaks HTTP: it reads the bindings, asks the gate
(:func:`~entcore.web.gate.refusal`) and opens or ends the session exactly as
the password sign-in does (same cookie, ``provider`` set to the federation's name).

Every refusal is logged with its reason (never people's data) and shows a
French page; a refused response never opens a session.

The ACS is *exempt from the CSRF check*: the IdP's page posts the
``SAMLResponse`` cross-site by design (HTTP-POST binding), so no CSRF cookie
nor token can come with it.  What protects it instead is the response itself:
its XML signature by the IdP's key, its audience, destination and validity,
``InResponseTo`` naming a request we sent (one answer only), and the replay
cache.  The account chooser that may follow is a same-site form again and is
CSRF-checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from entcore.errors import ConfigError, NotFound, SamlRefused, SignInRefused
from entcore.web.auth_routes import MAX_FIELD, _signed_in, safe_next
from entcore.web.gate import refusal
from entcore.web.pages import error_page, render

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.auth import AuthService
    from entcore.model.views import AccountView
    from entcore.saml import SamlFederation

log = logging.getLogger("entcore.web.saml")

#: How long the account chooser's signed choice stays valid.
CHOICE_LIFETIME_SECONDS = 300
#: A SAMLResponse is a few kilobytes; an encrypted one with certificates stays far below this.
MAX_SAML_RESPONSE = 512 * 1024
#: Purpose of the chooser's HMAC (never valid as a session cookie or a CSRF token).
CHOICE_PURPOSE = "saml-choice"


def _entcore(request: Request) -> Entcore:
    app: Entcore = request.app.state.entcore
    return app


def _auth(request: Request) -> AuthService:
    auth: AuthService = request.app.state.auth
    return auth


def _federation(request: Request) -> SamlFederation | None:
    """The federation named in the path, or ``None`` (logged) when there is no such SAML provider."""
    app = _entcore(request)
    name = request.path_params["provider"]
    base_url = str(app.settings.core("web")["base_url"]).rstrip("/")
    try:
        return app.saml(name, base_url=base_url)
    except NotFound:
        log.warning("SAML route for an unknown provider")
        return None
    except ConfigError as error:
        log.warning("SAML provider %s unavailable: %s", name, error)
        return None


async def _small_form(request: Request) -> dict[str, str] | None:
    """The url-encoded body of an IdP's POST, read up to :data:`MAX_SAML_RESPONSE` bytes.

    ``None`` (logged) when larger or malformed: the body is read chunk by chunk,
    so an oversized post costs no more than the limit.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_SAML_RESPONSE:
            log.warning("SAML post refused: larger than %d bytes", MAX_SAML_RESPONSE)
            return None
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        log.warning("SAML post refused: not an url-encoded form")
        return None
    return dict(pairs)


def _refused_page(request: Request, refused: SignInRefused) -> Response:
    """The French page of a refused sign-in: generic for a failed check (403), else the message."""
    if isinstance(refused, SamlRefused):
        return render(
            request,
            "error.html",
            403,
            title="Connexion refusée",
            text=SamlRefused.MESSAGE,
            status=403,
        )
    return render(
        request, "error.html", 403, title="Connexion impossible", text=refused.message, status=403
    )


# -- metadata and login ---------------------------------------------------------------------


async def metadata(request: Request) -> Response:
    """``GET /auth/saml/<provider>/metadata``: our SP metadata, for the IdP's administrators."""
    federation = await run_in_threadpool(_federation, request)
    if federation is None:
        return error_page(request, 404)
    xml = await run_in_threadpool(federation.service_provider.metadata_xml)
    return Response(xml, media_type="application/samlmetadata+xml")


async def login(request: Request) -> Response:
    """``GET /auth/saml/<provider>/login``: send the browser to the IdP with an AuthnRequest.

    ``next`` (a same-site relative path, else the default page) travels in the
    RelayState.  With several IdPs (agents: one per académie) the ``idp``
    parameter names the one to use; without it a page lists them.
    """
    federation = await run_in_threadpool(_federation, request)
    if federation is None:
        return error_page(request, 404)
    next_url = safe_next(request, request.query_params.get("next"))
    idps = federation.service_provider.identity_providers
    chosen = request.query_params.get("idp")
    if chosen is None and len(idps) > 1:
        return render(
            request,
            "idp_choice.html",
            provider=federation.provider.label,
            action=request.url.path,
            next=next_url,
            idps=sorted(idps),
        )
    if chosen is not None and chosen not in idps:
        log.warning("SAML login: idp parameter names no IdP of %s", federation.provider.name)
        return error_page(request, 400)
    try:
        redirect = await run_in_threadpool(
            federation.service_provider.authn_request, next_url, idp=chosen
        )
    except (ConfigError, SamlRefused) as error:
        log.error("SAML login through %s impossible: %s", federation.provider.name, error)
        return error_page(request, 503)
    return RedirectResponse(redirect.url, status_code=303, headers={"Cache-Control": "no-store"})


# -- ACS ------------------------------------------------------------------------------------


async def acs(request: Request) -> Response:
    """``POST /auth/saml/<provider>/acs``: the IdP's response (HTTP-POST binding, no CSRF token).

    One account: the gate, then a session.  Several: the signed account chooser.
    None, or a refused response: a French page (403), nothing written but the log.
    """
    federation = await run_in_threadpool(_federation, request)
    if federation is None:
        return error_page(request, 404)
    form = await _small_form(request)
    if form is None:
        return _refused_page(request, SamlRefused("unreadable post"))
    posted = form.get("SAMLResponse")
    relay = form.get("RelayState")
    if not posted:
        log.warning("SAML ACS refused (%s): no SAMLResponse", federation.provider.name)
        return _refused_page(request, SamlRefused("no SAMLResponse"))
    relay_state = relay[:MAX_FIELD] if relay is not None else None
    try:
        result = await run_in_threadpool(federation.sign_in, posted, relay_state)
    except SignInRefused as refused:
        # Logged with the reason by entcore.saml; the page never says which check failed.
        return _refused_page(request, refused)
    next_url = safe_next(request, relay_state)
    name = federation.provider.name
    if len(result.accounts) == 1:
        return await _open(request, name, result.accounts[0].login, next_url)
    return _chooser(request, name, result.accounts, next_url)


async def _open(request: Request, provider: str, login: str, next_url: str) -> Response:
    """The gate, then the session (or the blocked page, with no session)."""
    message = await run_in_threadpool(refusal, _entcore(request), login, provider=provider)
    if message is not None:
        log.warning("sign-in through %s refused: access refused by the gate", provider)
        return render(request, "blocked.html", 403, message=message)
    account_id = await run_in_threadpool(_auth(request).account_id, login)
    if account_id is None:
        log.warning("sign-in through %s refused: the account has gone", provider)
        return error_page(request, 403)
    return await run_in_threadpool(_signed_in, request, account_id, login, next_url, provider)


# -- account chooser ------------------------------------------------------------------------


def _encode(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _choice_mac(request: Request, choice: str) -> str:
    """The HMAC of a choice, also bound to this browser's CSRF cookie (no use in another browser)."""
    token: str = request.app.state.signer.token(CHOICE_PURPOSE, choice, request.state.csrf_value)
    return token


#: The profiles as the chooser names them.
PROFILE_LABELS = {
    "Student": "élève",
    "Relative": "parent",
    "Teacher": "enseignant",
    "Personnel": "personnel",
    "Guest": "invité",
}


def _label(account: AccountView) -> str:
    """What tells two accounts of one person apart: the profile, the schools, a parent's children."""
    profile = PROFILE_LABELS.get(str(account.profile), str(account.profile))
    schools = ", ".join(ref.name for ref in account.structures)
    label = f"{account.display_name} ({profile})"
    children = [child.display_name for child in account.children if child.display_name]
    if children:
        label += " — enfants : " + ", ".join(children)
    if schools:
        label += " — " + schools
    return label


def _chooser(
    request: Request, provider: str, accounts: tuple[AccountView, ...], next_url: str
) -> Response:
    """The chooser page; its hidden fields carry the candidates, signed, valid a few minutes."""
    choice = _encode(
        {
            "provider": provider,
            "logins": sorted(account.login for account in accounts),
            "next": next_url,
            "expires": int(time.time()) + CHOICE_LIFETIME_SECONDS,
        }
    )
    return render(
        request,
        "chooser.html",
        action=f"{request.app.state.base_path}/auth/saml/{provider}/choose",
        hidden={"choice": choice, "signature": _choice_mac(request, choice)},
        accounts=[{"value": account.login, "label": _label(account)} for account in accounts],
    )


def _checked_choice(
    request: Request, provider: str, fields: dict[str, str]
) -> dict[str, Any] | None:
    """The signed choice of the form, or ``None`` (logged) when forged, expired or misdirected."""
    choice = fields.get("choice", "")
    signature = fields.get("signature", "")
    if not choice or not signature:
        log.warning("account choice refused: missing signed fields")
        return None
    if not request.app.state.signer.check_token(
        signature, CHOICE_PURPOSE, choice, request.state.csrf_value
    ):
        log.warning("account choice refused: bad signature")
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(choice.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        log.warning("account choice refused: unreadable choice")
        return None
    if not isinstance(data, dict) or data.get("provider") != provider:
        log.warning("account choice refused: signed for another provider")
        return None
    expires = data.get("expires")
    if not isinstance(expires, int) or expires < time.time():
        log.warning("account choice refused: expired")
        return None
    logins = data.get("logins")
    if not isinstance(logins, list) or fields.get("account") not in logins:
        log.warning("account choice refused: the chosen account is not a candidate")
        return None
    return data


async def choose(request: Request) -> Response:
    """``POST /auth/saml/<provider>/choose``: the account chosen among the signed candidates."""
    from entcore.web.application import csrf_ok

    name = request.path_params["provider"]
    form = await request.form(max_files=0, max_fields=10)
    fields = {key: value[: MAX_FIELD * 8] for key, value in form.items() if isinstance(value, str)}
    if not csrf_ok(request, fields):
        return error_page(request, 403)
    data = _checked_choice(request, name, fields)
    if data is None:
        return error_page(request, 403)
    return await _open(request, name, fields["account"], safe_next(request, data.get("next")))


# -- single logout --------------------------------------------------------------------------


async def slo(request: Request) -> Response:
    """``GET|POST /auth/saml/<provider>/slo``: the IdP's LogoutRequest (or its LogoutResponse).

    A checked LogoutRequest ends this browser's session of that provider and is
    answered with a signed LogoutResponse; a LogoutResponse ends it too and lands
    on the login page.  A message failing its checks: the 403 page, session kept.
    """
    from entcore.web.application import SESSION_COOKIE, _cookie_path

    federation = await run_in_threadpool(_federation, request)
    if federation is None:
        return error_page(request, 404)
    raw_query = request.url.query
    query = parse_qsl(raw_query, keep_blank_values=True)
    if request.method == "POST":
        form = await _small_form(request)
        if form is None:
            return _refused_page(request, SamlRefused("unreadable post"))
        query = list(form.items())
        raw_query = ""
    try:
        kind, message = await run_in_threadpool(
            federation.service_provider.consume_logout_message, query, raw_query
        )
    except SamlRefused as refused:
        log.warning("SAML logout refused (%s): %s", federation.provider.name, refused.reason)
        return _refused_page(request, refused)
    session = request.state.session
    ended = session is not None and session.provider == federation.provider.name
    if ended:
        await run_in_threadpool(_auth(request).close_session, session.id)
        log.info("session %s closed by single logout", session.id)
    relay = dict(query).get("RelayState")
    if kind == "LogoutRequest":
        location = await run_in_threadpool(
            federation.service_provider.logout_response, message, relay_state=relay
        )
    else:
        location = f"{request.app.state.base_path}/auth/login"
    response = RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})
    if ended:
        response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
    return response


ROUTES = [
    Route("/auth/saml/{provider}/metadata", metadata, methods=["GET"], name="saml_metadata"),
    Route("/auth/saml/{provider}/login", login, methods=["GET"], name="saml_login"),
    Route("/auth/saml/{provider}/acs", acs, methods=["POST"], name="saml_acs"),
    Route("/auth/saml/{provider}/choose", choose, methods=["POST"], name="saml_choose"),
    Route("/auth/saml/{provider}/slo", slo, methods=["GET", "POST"], name="saml_slo"),
]
