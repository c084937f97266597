"""The SAML service provider's state, on the store's declarative base.

Kept in the store, not in process memory, so that every process serving the
same database (several ``entcore serve`` workers) sees what the others sent
and received.

``saml_requests``
    The AuthnRequests we sent and that no response has answered yet, until
    they expire: an ``InResponseTo`` must name one of them, and answering it
    deletes it (a second response to the same request is refused).
``saml_assertions``
    The IDs of the assertions we accepted, until they expire: an assertion
    presented twice is a replay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from entcore.store.schema import Account, Base

#: Agents federations match on the academic e-mail, compared without case.
ACCOUNTS_EMAIL_INDEX = Index("ix_accounts_email_lower", func.lower(Account.email))


class SamlRequest(Base):
    """An AuthnRequest sent and not answered yet."""

    __tablename__ = "saml_requests"
    __table_args__ = (Index("ix_saml_requests_expires_at", "expires_at"),)

    request_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    provider: Mapped[str]
    """The SSO provider (``educonnect``, ``agents``...) that sent it."""
    idp_entity_id: Mapped[str]
    """The identity provider it was sent to: only that one may answer it."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SamlAssertionSeen(Base):
    """An assertion accepted once: kept until it expires, to refuse it a second time."""

    __tablename__ = "saml_assertions"
    __table_args__ = (Index("ix_saml_assertions_expires_at", "expires_at"),)

    assertion_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    idp_entity_id: Mapped[str] = mapped_column(String(1024), primary_key=True)
    provider: Mapped[str]
    seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
