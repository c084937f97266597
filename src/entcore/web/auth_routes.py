"""Local sign-in routes: login, logout, session, activation and reset, provider choice.

Every refusal is logged with its reason (never the password, never the code);
nothing is written on a failure except the failed attempt counted for
throttling.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from entcore.auth import SignInFailure
from entcore.web.gate import refusal
from entcore.web.pages import error_page, render

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.auth import AuthService

log = logging.getLogger("entcore.web.auth")

MAX_FIELD = 1024


def _auth(request: Request) -> AuthService:
    auth: AuthService = request.app.state.auth
    return auth


def _entcore(request: Request) -> Entcore:
    app: Entcore = request.app.state.entcore
    return app


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def default_next(request: Request) -> str:
    """Where a sign-in lands without ``next``: the page saying who is signed in."""
    return f"{request.app.state.base_path}/auth/account"


def safe_next(request: Request, value: object) -> str:
    """``value`` when it is a same-site relative path, else the default landing page.

    Refused (and logged): absolute URLs, scheme-relative ``//host``, backslashes
    (browsers read ``/\\host`` as ``//host``), control characters, overlong values.
    """
    if not isinstance(value, str) or not value:
        return default_next(request)
    parts = urlsplit(value)
    if (
        len(value) > 2048
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
        or parts.scheme
        or parts.netloc
    ):
        log.warning("next parameter refused: not a same-site relative path")
        return default_next(request)
    return value


def _providers(request: Request, next_url: str) -> list[dict[str, str]]:
    """The registered SSO providers, with the URL that starts a sign-in through each."""
    app = _entcore(request)
    base = request.app.state.base_path
    listed = []
    for provider in app.plugins.sso_providers():
        path = getattr(provider, "login_path", None) or f"/auth/saml/{provider.name}/login"
        listed.append(
            {
                "name": provider.name,
                "label": provider.label,
                "url": f"{base}{path}?{urlencode({'next': next_url})}",
            }
        )
    return listed


async def _form(request: Request) -> dict[str, str] | None:
    """The form's text fields (bounded), or ``None`` when the CSRF check fails."""
    from entcore.web.application import csrf_ok

    form = await request.form(max_files=0, max_fields=20)
    fields = {key: value[:MAX_FIELD] for key, value in form.items() if isinstance(value, str)}
    if not csrf_ok(request, fields):
        return None
    return fields


def _signed_in(
    request: Request, account_id: int, login: str, next_url: str, provider: str = "local"
) -> Response:
    """Open a session (signed in through ``provider``) and send the browser on, with a fresh cookie."""
    from entcore.web.application import SESSION_COOKIE, _cookie_path

    previous = request.state.session
    if previous is not None:
        # A new sign-in never keeps the session it replaces (nor its CSRF secret).
        _auth(request).close_session(previous.id)
    token = _auth(request).open_session(account_id, provider)
    log.info("sign-in (%s): session opened", provider)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        request.app.state.signer.sign("session", token),
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure,
        path=_cookie_path(request),
        max_age=int(_auth(request).session_lifetime.total_seconds()),
    )
    return response


# -- login ----------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    """``GET /auth/login``: the password form, and the identity providers."""
    next_url = safe_next(request, request.query_params.get("next"))
    return render(
        request,
        "login.html",
        next=next_url,
        login="",
        error=None,
        providers=_providers(request, next_url),
    )


async def login_submit(request: Request) -> Response:
    """``POST /auth/login``: check the password, open a session, go to ``next``."""
    fields = await _form(request)
    if fields is None:
        return error_page(request, 403)
    next_url = safe_next(request, fields.get("next"))
    login = fields.get("login", "").strip()
    password = fields.get("password", "")

    def again(message: str, status: int) -> Response:
        return render(
            request,
            "login.html",
            status,
            next=next_url,
            login=login,
            error=message,
            providers=_providers(request, next_url),
        )

    if not login or not password:
        log.warning("password sign-in refused: empty login or password")
        return again("Saisissez votre identifiant et votre mot de passe.", 400)
    try:
        account_id, real_login = await run_in_threadpool(
            _auth(request).authenticate, login, password, _address(request)
        )
    except SignInFailure as failure:
        log.warning("password sign-in refused: %s", failure.reason)
        status = 429 if failure.reason == "throttled" else 401
        return again(failure.message, status)
    message = await run_in_threadpool(refusal, _entcore(request), real_login)
    if message is not None:
        log.warning("password sign-in refused: access refused by the gate")
        return render(request, "blocked.html", 403, message=message)
    return await run_in_threadpool(_signed_in, request, account_id, real_login, next_url)


# -- logout ---------------------------------------------------------------------------------


async def logout_page(request: Request) -> Response:
    """``GET /auth/logout``: a confirmation form (signing out is a POST, with its CSRF token)."""
    return render(request, "logout.html")


async def logout_submit(request: Request) -> Response:
    """``POST /auth/logout``: end the session."""
    from entcore.web.application import SESSION_COOKIE, _cookie_path

    fields = await _form(request)
    if fields is None:
        return error_page(request, 403)
    session = request.state.session
    if session is not None:
        await run_in_threadpool(_auth(request).close_session, session.id)
        log.info("session %s closed by its user", session.id)
    response = RedirectResponse(f"{request.app.state.base_path}/auth/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
    return response


# -- session --------------------------------------------------------------------------------


async def session_json(request: Request) -> Response:
    """``GET /auth/session``: the signed-in account as JSON, or 401."""
    session = request.state.session
    if session is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    view = await run_in_threadpool(_entcore(request).read.account, session.login)
    if view is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    return JSONResponse(
        {
            "login": view.login,
            "profiles": [str(view.profile)],
            "structures": [ref.uai for ref in view.structures if ref.uai],
            "provider": session.provider,
        },
        headers={"Cache-Control": "no-store"},
    )


async def account_page(request: Request) -> Response:
    """``GET /auth/account``: who is signed in (where a sign-in without ``next`` lands)."""
    session = request.state.session
    if session is None:
        return RedirectResponse(
            f"{request.app.state.base_path}/auth/login?{urlencode({'next': request.url.path})}",
            status_code=303,
        )
    view = await run_in_threadpool(_entcore(request).read.account, session.login)
    return render(request, "account.html", account=view)


async def providers_page(request: Request) -> Response:
    """``GET /auth/providers``: the choice of the way to sign in (WAYF)."""
    next_url = safe_next(request, request.query_params.get("next"))
    return render(request, "providers.html", next=next_url, providers=_providers(request, next_url))


# -- activation and reset -------------------------------------------------------------------

_CODE_PAGES: dict[str, dict[str, str]] = {
    "activation": {
        "title": "Activer mon compte",
        "intro": "Saisissez votre identifiant, le code d'activation que vous avez reçu, "
        "puis choisissez votre mot de passe.",
        "code_label": "Code d'activation",
        "button": "Activer mon compte",
        "done": "Votre compte est activé : connectez-vous avec votre nouveau mot de passe.",
    },
    "reset": {
        "title": "Réinitialiser mon mot de passe",
        "intro": "Saisissez votre identifiant, le code de réinitialisation que vous avez reçu, "
        "puis choisissez un nouveau mot de passe.",
        "code_label": "Code de réinitialisation",
        "button": "Enregistrer le mot de passe",
        "done": "Votre mot de passe est changé : connectez-vous avec le nouveau.",
    },
}


def _code_page(request: Request, purpose: str, status: int = 200, **values: Any) -> Response:
    texts = _CODE_PAGES[purpose]
    return render(
        request,
        "activate.html",
        status,
        texts=texts,
        action=request.url.path,
        min_length=_auth(request).min_password_length,
        **{"login": "", "error": None, **values},
    )


def _code_routes(purpose: str) -> tuple[Any, Any]:
    async def page(request: Request) -> Response:
        return _code_page(request, purpose, login=request.query_params.get("login", "")[:256])

    async def submit(request: Request) -> Response:
        fields = await _form(request)
        if fields is None:
            return error_page(request, 403)
        login = fields.get("login", "").strip()
        code = fields.get("code", "")
        password = fields.get("password", "")
        if not login or not code or not password:
            log.warning("%s refused: a field is empty", purpose)
            return _code_page(
                request, purpose, 400, login=login, error="Remplissez les trois champs."
            )
        message = await run_in_threadpool(refusal, _entcore(request), login)
        if message is not None:
            log.warning("%s refused: access refused by the gate", purpose)
            return render(request, "blocked.html", 403, message=message)
        try:
            await run_in_threadpool(
                _auth(request).redeem_code, login, code, password, purpose, _address(request)
            )
        except SignInFailure as failure:
            log.warning("%s refused: %s", purpose, failure.reason)
            status = 429 if failure.reason == "throttled" else 400
            return _code_page(request, purpose, status, login=login, error=failure.message)
        log.info("%s: password set", purpose)
        return render(
            request,
            "login.html",
            next=default_next(request),
            login=login,
            error=None,
            notice=_CODE_PAGES[purpose]["done"],
            providers=_providers(request, default_next(request)),
        )

    return page, submit


_activate_page, _activate_submit = _code_routes("activation")
_reset_page, _reset_submit = _code_routes("reset")

ROUTES = [
    Route("/auth/login", login_page, methods=["GET"], name="login"),
    Route("/auth/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/auth/logout", logout_page, methods=["GET"], name="logout"),
    Route("/auth/logout", logout_submit, methods=["POST"], name="logout_submit"),
    Route("/auth/session", session_json, methods=["GET"], name="session"),
    Route("/auth/account", account_page, methods=["GET"], name="account"),
    Route("/auth/providers", providers_page, methods=["GET"], name="providers"),
    Route("/auth/activate", _activate_page, methods=["GET"], name="activate"),
    Route("/auth/activate", _activate_submit, methods=["POST"], name="activate_submit"),
    Route("/auth/reset", _reset_page, methods=["GET"], name="reset"),
    Route("/auth/reset", _reset_submit, methods=["POST"], name="reset_submit"),
]
