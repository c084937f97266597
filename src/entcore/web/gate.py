"""The one question every way in asks: may this account be let in now?"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entcore.app import Entcore


def refusal(app: Entcore, login: str, *, provider: str = "local") -> str | None:
    """``None`` when the account ``login`` may sign in or keep its session, else the French message.

    Called at every way in (password sign-in, activation, reset, and each
    federation's sign-in) *and* on every request of an open session, so that a
    refusal ends the running sessions at their next request.

    Today it checks the local-profile rule for password sign-ins and sessions
    (``provider`` ``local``: the profile must be in ``[auth] local_profiles``).
    Access blocking per structure and profile (``entcore access``) plugs in
    here: when the application has an ``access`` service, its
    ``check(login)`` answer (the block's message, or ``None``) is returned.
    """
    from entcore.auth import AuthService

    if provider == "local":
        profile_refusal = AuthService(app.store, app.settings).profile_refusal(login)
        if profile_refusal is not None:
            return profile_refusal
    check = getattr(getattr(app, "access", None), "check", None)
    if callable(check):
        message = check(login)
        if isinstance(message, str) and message:
            return message
    return None
