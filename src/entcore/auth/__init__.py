"""Local sign-in and web sessions, kept in the store (an engine: imports the store, never the app).

:class:`~entcore.auth.service.AuthService` hashes and checks passwords
(argon2id), issues and redeems one-time activation and reset codes, throttles
failed sign-ins and opens, finds and closes web sessions.  The web layer and
the ``entcore accounts activation-code`` command use it.
"""

from entcore.auth.policy import (
    FEDERATED_HINTS,
    GENERIC_FAILURE,
    local_profile_refusal,
)
from entcore.auth.service import AuthService, OpenSession, SignInFailure

__all__ = [
    "FEDERATED_HINTS",
    "GENERIC_FAILURE",
    "AuthService",
    "OpenSession",
    "SignInFailure",
    "local_profile_refusal",
]
