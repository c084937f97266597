"""HMAC signatures of the session cookie and CSRF tokens (the secret key never leaves the server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


class Signer:
    """Signs and checks short values with HMAC-SHA256 under ``secret_key``, one purpose per use."""

    def __init__(self, secret_key: str):
        self._key = secret_key.encode("utf-8")

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def sign(self, purpose: str, value: str) -> str:
        """``value.signature``."""
        return f"{value}.{self._mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str) -> str | None:
        """The value of a signed string, or ``None`` when the signature is wrong or missing."""
        value, dot, mac = signed.rpartition(".")
        if not dot or not value or len(signed) > 512:
            return None
        if not hmac.compare_digest(mac, self._mac(purpose, value)):
            return None
        return value

    def token(self, purpose: str, *parts: str) -> str:
        """A MAC binding ``parts`` (the CSRF token of a cookie and a session)."""
        return self._mac(purpose, "\0".join(parts))

    def check_token(self, token: str, purpose: str, *parts: str) -> bool:
        """Whether ``token`` is :meth:`token` of ``parts``, compared in constant time."""
        return hmac.compare_digest(token.encode(), self.token(purpose, *parts).encode())


def random_value() -> str:
    """A fresh 256-bit random value, URL-safe."""
    return secrets.token_urlsafe(32)
