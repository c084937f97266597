"""The built-in agents provider: teachers and staff, through their académie's SAML IdP.

One IdP per académie, each from its own metadata file (``idp_metadata`` is a
list).  Some académie portals only do unsolicited SSO (``…/SSO?SPEntityID=…``):
turn ``allow_idp_initiated`` on for them.

Matching (connectors.md §3): the academic e-mail (``mail``, else ``ctemail``)
names the account; the account must then belong to one of the structures
whose UAI the IdP lists in ``FrEduRne`` (``UAI$type$sector$…``), when it
lists any, so that an e-mail shared or reused elsewhere cannot open another
school's account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import entcore
from entcore.model import AccountView, Profile
from entcore.settings_spec import Setting, SettingsSection, saml_provider_section

NOT_FOUND = (
    "Votre compte académique n'est pas reconnu dans l'ENT. "
    "Veuillez contacter l'administrateur de votre établissement."
)
NO_EMAIL = (
    "Le portail de votre académie n'a pas transmis votre adresse électronique académique. "
    "Veuillez contacter l'assistance de votre académie."
)
WRONG_SCHOOL = (
    "Votre compte académique n'est rattaché à aucun établissement de l'ENT. "
    "Veuillez contacter l'administrateur de votre établissement."
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UAI = re.compile(r"^\d{7}[A-Z]$")

_base = saml_provider_section(
    "agents", "Agents federations (teachers and staff).", several_idps=True
)
SETTINGS = SettingsSection(
    _base.name,
    (
        *_base.settings,
        Setting(
            "email_attributes",
            list,
            ["mail", "ctemail"],
            "Attributes holding the academic e-mail, in the order they are tried.",
        ),
        Setting(
            "check_uai",
            bool,
            True,
            "Require one of the ``FrEduRne`` UAIs to be a structure of the account.",
        ),
    ),
    _base.doc,
)


def first_email(attributes: Mapping[str, Sequence[str]], names: Sequence[str]) -> str | None:
    """The first well-formed e-mail among the attributes ``names``, lower-cased."""
    for name in names:
        for value in attributes.get(name, ()):
            if _EMAIL.match(value.strip()):
                return value.strip().lower()
    return None


def rne_uais(attributes: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The UAIs of the ``FrEduRne`` values (their first ``$``-separated field)."""
    found: list[str] = []
    for value in attributes.get("FrEduRne", ()):
        uai = value.split("$", 1)[0].strip().upper()
        if _UAI.match(uai) and uai not in found:
            found.append(uai)
    return tuple(found)


class Agents:
    """The académies' agents federations: teachers and staff."""

    name = "agents"
    label = "Personnels de l'Éducation nationale (portail académique)"
    kind = "saml"
    profiles = frozenset({Profile.TEACHER, Profile.PERSONNEL})

    def identify(
        self, asserted: entcore.Asserted, context: entcore.SSOContext
    ) -> entcore.FederatedIdentity:
        """The academic e-mail and the UAIs the IdP vouches for."""
        names = context.settings.get("email_attributes") or ["mail", "ctemail"]
        email = first_email(
            asserted.attributes, [str(n) for n in names] if isinstance(names, list) else []
        )
        if email is None:
            raise entcore.SignInRefused(
                "no academic e-mail (mail, ctemail) in the assertion", NO_EMAIL
            )
        return entcore.FederatedIdentity(
            provider=self.name,
            issuer=asserted.issuer,
            subject=asserted.subject,
            email=email,
            uais=rne_uais(asserted.attributes),
            session_index=asserted.session_index,
            attributes=asserted.attributes,
        )

    def match(
        self,
        identity: entcore.FederatedIdentity,
        accounts: entcore.AccountLookup,
        context: entcore.SSOContext,
    ) -> tuple[AccountView, ...]:
        """The teacher or staff accounts of the e-mail, in a structure of the ``FrEduRne`` UAIs."""
        if identity.email is None:
            raise entcore.SignInRefused("no academic e-mail to match", NO_EMAIL)
        found = [
            account
            for account in accounts.accounts_by_email(identity.email)
            if account.profile in self.profiles
        ]
        if not found:
            raise entcore.SignInRefused("no teacher or staff account has this e-mail", NOT_FOUND)
        if context.settings.get("check_uai", True) and identity.uais:
            wanted = set(identity.uais)
            found = [
                account
                for account in found
                if any(structure.uai in wanted for structure in account.structures)
            ]
            if not found:
                raise entcore.SignInRefused(
                    "the account of this e-mail belongs to none of the FrEduRne UAIs", WRONG_SCHOOL
                )
        return tuple(found)


@entcore.hookimpl
def entcore_register_sso_providers(registry: entcore.SSOProviderRegistry) -> None:
    """Register the agents federations (``agents``)."""
    registry.add(Agents())


@entcore.hookimpl
def entcore_register_settings(registry: entcore.SettingsRegistry) -> None:
    """Declare the ``[agents]`` settings section."""
    registry.add(SETTINGS)
