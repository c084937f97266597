"""The web layer: an ASGI application an ENT mounts, and ``entcore serve`` runs.

:func:`create_app` builds it from an :class:`~entcore.Entcore` application:
local sign-in (``/auth/login``, ``/auth/logout``, ``/auth/session``,
``/auth/activate``, ``/auth/reset``), the provider choice (``/auth/providers``),
the liveness endpoint (``/health``) and the routes plugins add through
``entcore_register_routes``.  All state (sessions, codes, throttling) is in the
store, so that several processes behave as one server.
"""

from entcore.web.application import create_app, factory
from entcore.web.gate import refusal
from entcore.web.pages import render

__all__ = ["create_app", "factory", "refusal", "render"]
