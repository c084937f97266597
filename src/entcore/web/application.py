"""The ASGI application factory: settings, middleware, core routes and the routes plugins add."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from entcore.errors import ConfigError, EntcoreError
from entcore.web import auth_routes, saml_routes
from entcore.web.gate import refusal
from entcore.web.pages import environment, error_page, render
from entcore.web.signing import Signer, random_value

if TYPE_CHECKING:
    from entcore.app import Entcore

log = logging.getLogger("entcore.web")

SESSION_COOKIE = "entcore_session"
CSRF_COOKIE = "entcore_csrf"
MIN_SECRET_LENGTH = 32


def create_app(app: Entcore) -> Starlette:
    """The web layer of ``app``, as an ASGI application to serve or mount.

    Raises :class:`~entcore.ConfigError` (one line) when ``[web] secret_key`` is
    missing or shorter than 32 characters, or ``[web] base_url`` is no http(s)
    URL.  Plugins' routes (``entcore_register_routes``) are collected now.
    """
    from entcore.auth import AuthService

    web = app.settings.core("web")
    secret = str(web["secret_key"] or "")
    if not secret:
        raise ConfigError(
            "[web] secret_key is required to serve (ENTCORE_SECRET_KEY): "
            "a random string of at least 32 characters, the same for every process"
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"[web] secret_key is too short: at least {MIN_SECRET_LENGTH} characters")
    base = urlsplit(str(web["base_url"]))
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError(f"[web] base_url {web['base_url']!r} is not an http(s) URL")
    templates_dir = web["templates_dir"]
    if templates_dir is not None and not templates_dir.is_dir():
        raise ConfigError(f"[web] templates_dir {str(templates_dir)!r} is not a folder")

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"], name="health"),
        *auth_routes.ROUTES,
        *saml_routes.ROUTES,
    ]
    for route in app.plugins.routes():
        if not isinstance(route, BaseRoute):
            raise ConfigError(
                f"route {route.name!r} of {app.plugins.routes().owner(route.name)} "
                "is not a Starlette route or mount"
            )
        routes.append(route)

    web_app = Starlette(
        routes=routes,
        middleware=[Middleware(SessionMiddleware)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    web_app.state.entcore = app
    web_app.state.auth = AuthService(app.store, app.settings)
    web_app.state.signer = Signer(secret)
    web_app.state.secure = base.scheme == "https"
    web_app.state.base_path = base.path.rstrip("/")
    web_app.state.templates = environment(templates_dir)
    return web_app


def factory() -> Starlette:
    """The web layer of an application built from the environment (``ENTCORE_CONFIG``, ``ENTCORE_*``).

    What ``entcore serve --workers N`` gives uvicorn, so that each worker
    process builds its own application (``entcore.web:factory``).
    """
    from entcore.app import Entcore

    app = Entcore(db_url=os.environ.get("ENTCORE_DB") or None, strict=False)
    return create_app(app)


class SessionMiddleware(BaseHTTPMiddleware):
    """Finds the session of every request, ends a refused one, and keeps the CSRF cookie.

    ``request.state.session`` is the :class:`~entcore.auth.OpenSession` or
    ``None``; ``request.state.csrf_token`` the token forms must send back.
    """

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        state = request.app.state
        signer: Signer = state.signer
        request.state.session = None
        signed = request.cookies.get(SESSION_COOKIE)
        token = signer.unsign("session", signed) if signed else None
        if token is not None:
            session = await run_in_threadpool(state.auth.find_session, token)
            if session is not None:
                message = await run_in_threadpool(
                    refusal, state.entcore, session.login, provider=session.provider
                )
                if message is not None:
                    await run_in_threadpool(state.auth.close_session, session.id)
                    log.warning(
                        "session %s ended: access refused (%s)", session.id, "refusal at request"
                    )
                    _csrf(request)
                    response: Response = render(request, "blocked.html", 403, message=message)
                    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
                    return _with_csrf_cookie(request, response)
                request.state.session = session
        _csrf(request)
        response = await call_next(request)
        return _with_csrf_cookie(request, response)


def _cookie_path(request: Request) -> str:
    return str(request.app.state.base_path or "/")


def _csrf(request: Request) -> None:
    """Set ``request.state.csrf_token``: bound to the CSRF cookie, and to the session if any."""
    signer: Signer = request.app.state.signer
    cookie = request.cookies.get(CSRF_COOKIE, "")
    value = signer.unsign("csrf-cookie", cookie) if cookie else None
    request.state.new_csrf_cookie = None
    if value is None:
        value = random_value()
        request.state.new_csrf_cookie = signer.sign("csrf-cookie", value)
    request.state.csrf_value = value
    request.state.csrf_token = csrf_token(request)


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's cookie and session (recomputed after sign-in)."""
    signer: Signer = request.app.state.signer
    session = getattr(request.state, "session", None)
    return signer.token("csrf", request.state.csrf_value, session.csrf_secret if session else "")


def csrf_ok(request: Request, form: Any) -> bool:
    """Whether the form's ``csrf_token`` matches; a refusal is logged with its reason.

    Every POST handler calls it first (plugins' form handlers too).
    """
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not sent:
        log.warning("CSRF refused on %s: no token in the form", request.url.path)
        return False
    if request.state.new_csrf_cookie is not None:
        log.warning("CSRF refused on %s: no valid CSRF cookie", request.url.path)
        return False
    if not request.app.state.signer.check_token(
        sent, "csrf", request.state.csrf_value, _secret(request)
    ):
        log.warning("CSRF refused on %s: token does not match", request.url.path)
        return False
    return True


def _secret(request: Request) -> str:
    session = getattr(request.state, "session", None)
    return str(session.csrf_secret) if session else ""


def _with_csrf_cookie(request: Request, response: Response) -> Response:
    new = getattr(request.state, "new_csrf_cookie", None)
    if new is not None:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=request.app.state.secure,
            path=_cookie_path(request),
        )
    return response


async def health(request: Request) -> Response:
    """Liveness: 200 ``{"status": "ok"}`` when the store answers, else 503."""
    app: Entcore = request.app.state.entcore

    def probe() -> str | None:
        return app.store.revision()

    try:
        revision = await run_in_threadpool(probe)
    except EntcoreError as error:
        log.error("health: the store does not answer: %s", error)
        return JSONResponse({"status": "error", "store": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "store": revision})


async def http_error(request: Request, exc: Exception) -> Response:
    """French error pages for 4xx/5xx raised as HTTPException (404, 405, 403...)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if not hasattr(request.state, "csrf_token"):
        _csrf(request)
    return error_page(request, status)


async def server_error(request: Request, exc: Exception) -> Response:
    """The French 500 page; the exception is logged, never shown."""
    log.error("unexpected error on %s: %s", request.url.path, type(exc).__name__, exc_info=exc)
    if not hasattr(request.state, "csrf_token"):
        _csrf(request)
    return error_page(request, 500)
