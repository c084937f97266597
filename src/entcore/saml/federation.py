"""Federated sign-in: a checked SAML response, identified and matched by an SSO provider plugin.

:class:`SamlFederation` joins the protocol (:class:`SamlServiceProvider`) and
the provider plugin (:class:`~entcore.protocols.SSOProvider`): the web layer
calls :meth:`SamlFederation.sign_in` at the ACS and gets the account(s) the
user may sign in as, or a :class:`~entcore.errors.SignInRefused` whose
``message`` is the French sentence to show.  Every refusal is logged with its
reason on ``entcore.saml``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from attrs import frozen

from entcore.errors import SignInRefused
from entcore.model.views import AccountView
from entcore.protocols import AccountLookup, FederatedIdentity, SSOContext, SSOProvider
from entcore.saml.sp import SamlAssertion, SamlServiceProvider

log = logging.getLogger("entcore.saml")


@frozen
class SignInResult:
    """Who signed in: the checked assertion, the identity, and the candidate accounts.

    One account: sign in as it.  Several (a relative with children in several
    schools): show the account chooser.
    """

    assertion: SamlAssertion
    identity: FederatedIdentity
    accounts: tuple[AccountView, ...]


class SamlFederation:
    """One SSO provider of kind ``saml``, ready to drive: its SP, its plugin, its context."""

    def __init__(
        self,
        provider: SSOProvider,
        service_provider: SamlServiceProvider,
        context: SSOContext,
        accounts: AccountLookup,
    ) -> None:
        self.provider = provider
        self.service_provider = service_provider
        self.context = context
        self._accounts = accounts

    def sign_in(
        self, saml_response: str, relay_state: str | None, now: datetime | None = None
    ) -> SignInResult:
        """Check the posted ``SAMLResponse`` and match the accounts it vouches for.

        Raises :class:`~entcore.errors.SamlRefused` (a failed check) or
        :class:`~entcore.errors.SignInRefused` (no account), logged with the reason.
        """
        assertion = self.service_provider.consume(saml_response, relay_state, now)
        try:
            identity = self.provider.identify(assertion.asserted(), self.context)
            accounts = self.provider.match(identity, self._accounts, self.context)
        except SignInRefused as refused:
            log.warning("sign-in refused (%s): %s", self.provider.name, refused.reason)
            raise
        if not accounts:
            log.warning("sign-in refused (%s): the provider matched no account", self.provider.name)
            raise SignInRefused("no account matched", "Votre compte n'est pas reconnu dans l'ENT.")
        log.info("sign-in through %s: %d candidate account(s)", self.provider.name, len(accounts))
        return SignInResult(assertion, identity, accounts)
