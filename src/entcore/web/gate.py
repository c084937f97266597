"""The one question every way in asks: may this account be let in now?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from entcore.auth import AuthService

if TYPE_CHECKING:
    from entcore.app import Entcore


def refusal(app: Entcore, login: str, *, provider: str = "local") -> str | None:
    """``None`` when the account ``login`` may sign in or keep its session, else the French message.

    Called at every way in (password sign-in, activation, reset, and each
    federation's sign-in) *and* on every request of an open session, so that a
    refusal ends the running sessions at their next request.

    Two rules, in this order: a password sign-in or session (``provider``
    ``local``) needs a profile of ``[auth] local_profiles``; then access blocking
    per structure and profile (``entcore access``, :meth:`AccessService.check
    <entcore.access.service.AccessService.check>`) answers with the block's message.
    """
    if provider == "local":
        profile_refusal = AuthService(app.store, app.settings).profile_refusal(login)
        if profile_refusal is not None:
            return profile_refusal
    blocked = app.access.check(login)
    return None if blocked is None else blocked.message
