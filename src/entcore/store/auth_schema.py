"""Sign-in tables, on the store's declarative base: everything the web layer remembers.

All the state of sign-in lives here, none in a process, so that several
``entcore serve`` processes on one PostgreSQL behave as one server.  Secrets
(session ids, one-time codes) are stored as SHA-256 digests: a copy of the
database does not let anyone take over a session or activate an account.

``web_sessions``
    Open sessions: the digest of the random id the cookie carries, the
    account, the identity provider that signed it in (``local`` for a
    password), when it was opened, last seen, and when it expires.
``local_credentials``
    The argon2id hash of the password of an account that signs in locally.
``one_time_codes``
    Activation and reset codes: digest, purpose, expiry, and when used.
``sign_in_attempts``
    Failed sign-ins, per login and per address, for throttling.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from entcore.store.schema import Base


class WebSession(Base):
    """An open web session."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the random session id the cookie carries."""
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str]
    """``local`` for a password, else the name of the SSO provider."""
    csrf_secret: Mapped[str] = mapped_column(String(64))
    """Random per-session secret CSRF tokens are derived from."""
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LocalCredential(Base):
    """The password of an account that signs in locally."""

    __tablename__ = "local_credentials"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str]
    """argon2id, in the PHC string format (parameters and salt included)."""
    updated_at: Mapped[datetime]


class OneTimeCode(Base):
    """An activation or reset code."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str]
    """``activation`` or ``reset``."""
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInAttempt(Base):
    """A failed sign-in: counted per login and per address over the throttling window."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_login_at", "login", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str]
    """The login typed (lower-cased), known or not."""
    address: Mapped[str]
    at: Mapped[datetime]
