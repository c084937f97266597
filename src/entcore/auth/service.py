"""Passwords, one-time codes, throttling and web sessions, in the store.

Nothing is written when a check fails, except the failed attempt counted for
throttling.  Secrets are stored as digests: SHA-256 for the random session ids
and codes, argon2id for passwords.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from attrs import frozen
from sqlalchemy import delete, func, insert, select, update

from entcore.auth.policy import BAD_CODE, GENERIC_FAILURE, local_profile_refusal, password_problem
from entcore.store.auth_schema import LocalCredential, OneTimeCode, SignInAttempt, WebSession
from entcore.store.schema import Account, utcnow

if TYPE_CHECKING:
    from entcore.settings import Settings
    from entcore.store import Store

log = logging.getLogger("entcore.auth")

#: Failed sign-ins allowed per login, and per address, within :data:`THROTTLE_WINDOW`.
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = timedelta(minutes=15)

#: Codes are typed by people: no 0/O, 1/I/L.  12 characters of 31: about 59 bits, and
#: attempts are throttled and codes expire.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12

PURPOSES = ("activation", "reset")

#: A session's ``last_seen_at`` is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)

_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory defaults
# Verified against when the login is unknown, so that the answer takes as long either way.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    """SHA-256 (hex) of a random secret: what the store keeps of session ids and codes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """A code as typed (spaces, dashes, lower case) brought back to its letters."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SignInFailure(Exception):
    """A sign-in, activation or reset refused: :attr:`message` is shown, :attr:`reason` logged."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


@frozen
class OpenSession:
    """A web session found from its cookie."""

    id: int
    account_id: int
    login: str
    profile: str
    provider: str
    csrf_secret: str
    created_at: datetime
    expires_at: datetime


class AuthService:
    """Local sign-in and web sessions of one store.

    :param store: the store.
    :param settings: the ``[auth]`` and ``[web]`` settings are read from it.
    """

    def __init__(self, store: Store, settings: Settings):
        self._store = store
        auth = settings.core("auth")
        web = settings.core("web")
        self.local_profiles: tuple[str, ...] = tuple(auth["local_profiles"])
        self.code_lifetime = timedelta(hours=int(auth["code_lifetime_hours"]))
        self.min_password_length = int(auth["min_password_length"])
        self.session_lifetime = timedelta(minutes=int(web["session_lifetime_minutes"]))

    # -- accounts -------------------------------------------------------------------------------

    def _account(self, login: str) -> tuple[int, str, str] | None:
        """``(id, login, profile)`` of the active account with this login."""
        with self._store.connect() as connection:
            row = connection.execute(
                select(Account.id, Account.login, Account.profile).where(
                    Account.login == login.strip(), Account.disappeared_at.is_(None)
                )
            ).first()
        return None if row is None else (row[0], row[1], row[2])

    def account_id(self, login: str) -> int | None:
        """The store id of the active account ``login`` (what :meth:`open_session` takes), if any."""
        account = self._account(login)
        return None if account is None else account[0]

    def profile_refusal(self, login: str) -> str | None:
        """The French message refusing password sign-in to this login's profile, if it is refused."""
        account = self._account(login)
        if account is None:
            return None
        return local_profile_refusal(account[2], self.local_profiles)

    # -- throttling -----------------------------------------------------------------------------

    def throttled_minutes(self, login: str, address: str) -> int | None:
        """Minutes to wait before trying again, when this login or address failed too often."""
        now = utcnow()
        since = now - THROTTLE_WINDOW
        waits: list[datetime] = []
        with self._store.connect() as connection:
            for column, value, limit in (
                (SignInAttempt.login, login.strip().lower(), MAX_FAILURES_PER_LOGIN),
                (SignInAttempt.address, address, MAX_FAILURES_PER_ADDRESS),
            ):
                count, oldest = connection.execute(
                    select(func.count(), func.min(SignInAttempt.at)).where(
                        column == value, SignInAttempt.at > since
                    )
                ).one()
                if count >= limit and oldest is not None:
                    # The oldest failures leave the window first; the limit-th newest one
                    # would be exact, the oldest is a bound that errs on the safe side.
                    moment = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
                    waits.append(moment + THROTTLE_WINDOW)
        if not waits:
            return None
        return max(1, math.ceil((max(waits) - now).total_seconds() / 60))

    def record_failure(self, login: str, address: str) -> None:
        """Count a failed attempt (the only write a failure makes); old ones are purged."""
        now = utcnow()
        with self._store.connect() as connection, connection.begin():
            connection.execute(
                insert(SignInAttempt).values(
                    login=login.strip().lower()[:256], address=address[:64], at=now
                )
            )
            connection.execute(
                delete(SignInAttempt).where(SignInAttempt.at < now - 2 * THROTTLE_WINDOW)
            )

    def _check_throttle(self, login: str, address: str) -> None:
        minutes = self.throttled_minutes(login, address)
        if minutes is not None:
            raise SignInFailure(
                f"Trop de tentatives, réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
                "throttled",
            )

    # -- passwords ------------------------------------------------------------------------------

    def authenticate(self, login: str, password: str, address: str) -> tuple[int, str]:
        """``(account id, login)`` when the password is right; else :class:`SignInFailure`.

        Checks, in order: throttling, the account exists and is active, its
        profile signs in locally, it has a password, the password matches.
        Every refusal but the profile's says the same generic message.
        """
        self._check_throttle(login, address)
        account = self._account(login)
        if account is None:
            _verify(_DUMMY_HASH, password)
            self.record_failure(login, address)
            raise SignInFailure(GENERIC_FAILURE, "unknown login")
        account_id, real_login, profile = account
        refusal = local_profile_refusal(profile, self.local_profiles)
        if refusal is not None:
            raise SignInFailure(refusal, f"profile {profile} does not sign in locally")
        with self._store.connect() as connection:
            stored = connection.execute(
                select(LocalCredential.password_hash).where(
                    LocalCredential.account_id == account_id
                )
            ).scalar()
        if stored is None:
            _verify(_DUMMY_HASH, password)
            self.record_failure(login, address)
            raise SignInFailure(GENERIC_FAILURE, "no password set (account not activated)")
        if not _verify(stored, password):
            self.record_failure(login, address)
            raise SignInFailure(GENERIC_FAILURE, "wrong password")
        if _HASHER.check_needs_rehash(stored):
            self._set_password(account_id, password)
        return account_id, real_login

    def _set_password(self, account_id: int, password: str, *, connection: Any = None) -> None:
        values = {"password_hash": _HASHER.hash(password), "updated_at": utcnow()}

        def write(conn: Any) -> None:
            done = conn.execute(
                update(LocalCredential)
                .where(LocalCredential.account_id == account_id)
                .values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(LocalCredential).values(account_id=account_id, **values))

        if connection is not None:
            write(connection)
            return
        with self._store.connect() as conn, conn.begin():
            write(conn)

    # -- one-time codes -------------------------------------------------------------------------

    def issue_code(self, login: str, purpose: str) -> tuple[str, datetime]:
        """A new ``activation`` or ``reset`` code for ``login`` and when it expires.

        Earlier unused codes of the same purpose stop working.  Raises
        :class:`SignInFailure` when no active account has this login, or when its
        profile does not sign in locally.
        """
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        account = self._account(login)
        if account is None:
            raise SignInFailure(
                "compte introuvable : aucun compte actif n'a cet identifiant", "unknown login"
            )
        refusal = local_profile_refusal(account[2], self.local_profiles)
        if refusal is not None:
            raise SignInFailure(refusal, f"profile {account[2]} does not sign in locally")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = utcnow()
        expires = now + self.code_lifetime
        with self._store.connect() as connection, connection.begin():
            connection.execute(
                update(OneTimeCode)
                .where(
                    OneTimeCode.account_id == account[0],
                    OneTimeCode.purpose == purpose,
                    OneTimeCode.used_at.is_(None),
                )
                .values(used_at=now)
            )
            connection.execute(
                insert(OneTimeCode).values(
                    account_id=account[0],
                    purpose=purpose,
                    digest=digest(code),
                    created_at=now,
                    expires_at=expires,
                )
            )
        return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4)), expires

    def redeem_code(
        self, login: str, code: str, password: str, purpose: str, address: str
    ) -> tuple[int, str]:
        """Set the password of ``login`` with a valid code; ``(account id, login)``.

        Raises :class:`SignInFailure` (throttled, unknown account or code,
        profile not local, weak password) without writing anything but the
        failed attempt.  The code is used once; the account's open sessions
        are closed when a reset sets a new password.
        """
        self._check_throttle(login, address)
        account = self._account(login)
        if account is None:
            self.record_failure(login, address)
            raise SignInFailure(BAD_CODE, "unknown login")
        account_id, real_login, profile = account
        refusal = local_profile_refusal(profile, self.local_profiles)
        if refusal is not None:
            raise SignInFailure(refusal, f"profile {profile} does not sign in locally")
        problem = password_problem(password, self.min_password_length)
        now = utcnow()
        with self._store.connect() as connection, connection.begin():
            row = connection.execute(
                select(OneTimeCode.id, OneTimeCode.expires_at, OneTimeCode.used_at).where(
                    OneTimeCode.digest == digest(normalise_code(code)),
                    OneTimeCode.account_id == account_id,
                    OneTimeCode.purpose == purpose,
                )
            ).first()
            reason = None
            if row is None:
                reason = "unknown code"
            elif row.used_at is not None:
                reason = "code already used"
            elif _aware(row.expires_at) <= now:
                reason = "code expired"
            if reason is None and problem is not None:
                # A weak password does not spend the code: the user tries another one.
                raise SignInFailure(problem, "password refused by the policy")
            if reason is None:
                assert row is not None
                # Spent atomically: of two concurrent requests, one only updates the row.
                spent = connection.execute(
                    update(OneTimeCode)
                    .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
                    .values(used_at=now)
                )
                if spent.rowcount != 1:
                    reason = "code already used"
            if reason is None:
                self._set_password(account_id, password, connection=connection)
                if purpose == "reset":
                    connection.execute(
                        delete(WebSession).where(WebSession.account_id == account_id)
                    )
        if reason is not None:
            self.record_failure(login, address)
            raise SignInFailure(BAD_CODE, reason)
        return account_id, real_login

    # -- web sessions ---------------------------------------------------------------------------

    def open_session(self, account_id: int, provider: str) -> str:
        """Open a session; returns its random id (256 bits), which only the cookie holds."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self._store.connect() as connection, connection.begin():
            connection.execute(
                insert(WebSession).values(
                    digest=digest(token),
                    account_id=account_id,
                    provider=provider,
                    csrf_secret=secrets.token_hex(32),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.session_lifetime,
                )
            )
            # Expired sessions of anyone are purged as new ones open.
            connection.execute(delete(WebSession).where(WebSession.expires_at < now))
        return token

    def find_session(self, token: str) -> OpenSession | None:
        """The open session of this id (``None`` if unknown, expired or the account is gone)."""
        now = utcnow()
        with self._store.connect() as connection:
            row = connection.execute(
                select(
                    WebSession.id,
                    WebSession.account_id,
                    Account.login,
                    Account.profile,
                    WebSession.provider,
                    WebSession.csrf_secret,
                    WebSession.created_at,
                    WebSession.expires_at,
                    WebSession.last_seen_at,
                )
                .join(Account, Account.id == WebSession.account_id)
                .where(
                    WebSession.digest == digest(token),
                    WebSession.expires_at > now,
                    Account.disappeared_at.is_(None),
                )
            ).first()
            if row is None:
                return None
            if _aware(row.last_seen_at) < now - TOUCH_EVERY:
                connection.execute(
                    update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now)
                )
                connection.commit()
        return OpenSession(
            id=row.id,
            account_id=row.account_id,
            login=row.login,
            profile=row.profile,
            provider=row.provider,
            csrf_secret=row.csrf_secret,
            created_at=_aware(row.created_at),
            expires_at=_aware(row.expires_at),
        )

    def close_session(self, session_id: int) -> None:
        """End a session."""
        with self._store.connect() as connection, connection.begin():
            connection.execute(delete(WebSession).where(WebSession.id == session_id))


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime) -> datetime:
    # The column type returns aware instants; raw Core rows of some drivers may not.
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
