"""The SP's state in the store: outstanding requests and the replay cache.

Every process on the same database shares it, so a response answered by one
``entcore serve`` worker is refused by the others, and an assertion accepted
once is refused everywhere until it expires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from entcore.errors import SamlRefused
from entcore.store import Store
from entcore.store.saml_schema import SamlAssertionSeen, SamlRequest


class SamlState:
    """Outstanding AuthnRequests and assertions seen, kept in ``store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def remember_request(
        self, provider: str, idp: str, request_id: str, now: datetime, expires: datetime
    ) -> None:
        """Record an AuthnRequest sent to ``idp``, answerable until ``expires``."""
        with self._store.connect() as connection, connection.begin():
            connection.execute(
                insert(SamlRequest).values(
                    request_id=request_id,
                    provider=provider,
                    idp_entity_id=idp,
                    created_at=now,
                    expires_at=expires,
                )
            )

    def accept(
        self,
        provider: str,
        idp: str,
        in_response_to: str | None,
        assertion_id: str,
        assertion_expires: datetime,
        now: datetime,
    ) -> None:
        """Mark the request answered and the assertion seen, in one transaction.

        Raises :class:`~entcore.errors.SamlRefused` when the assertion was seen
        before (a replay, from this process or another) or when
        ``in_response_to`` names no outstanding request of ours to this IdP;
        nothing is written then.
        """
        with self._store.connect() as connection:
            try:
                with connection.begin():
                    # Housekeeping: what has expired can no longer be answered nor replayed.
                    connection.execute(delete(SamlRequest).where(SamlRequest.expires_at <= now))
                    connection.execute(
                        delete(SamlAssertionSeen).where(SamlAssertionSeen.expires_at <= now)
                    )
                    seen = connection.execute(
                        select(SamlAssertionSeen.assertion_id).where(
                            SamlAssertionSeen.assertion_id == assertion_id,
                            SamlAssertionSeen.idp_entity_id == idp,
                        )
                    ).first()
                    if seen is not None:
                        raise SamlRefused("assertion replayed (its ID was seen before)")
                    if in_response_to is not None:
                        answered = connection.execute(
                            delete(SamlRequest).where(
                                SamlRequest.request_id == in_response_to,
                                SamlRequest.provider == provider,
                                SamlRequest.idp_entity_id == idp,
                            )
                        )
                        if answered.rowcount != 1:
                            raise SamlRefused(
                                "InResponseTo names no outstanding request of ours to this IdP"
                            )
                    connection.execute(
                        insert(SamlAssertionSeen).values(
                            assertion_id=assertion_id,
                            idp_entity_id=idp,
                            provider=provider,
                            seen_at=now,
                            expires_at=assertion_expires,
                        )
                    )
            except IntegrityError:
                # Another process accepted the same assertion between our check and our insert.
                raise SamlRefused("assertion replayed (accepted concurrently elsewhere)") from None
