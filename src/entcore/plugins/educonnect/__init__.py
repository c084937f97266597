"""The built-in EduConnect provider: students and relatives, through the Ministry's SAML IdP.

Matching (connectors.md §2.5): every ``FrEduCtRefId`` value starting with
``{AAF}`` is ``{AAF}<académie code>|<unused>|<AAF id>``; its key is the
jointure the AAF import stores for that id (:func:`entcore.model.jointure_key`
with the académie's prefix).  One key is one account; a relative whose
children are in several schools has one key per child record, hence several
accounts for the account chooser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import entcore
from entcore.model import ACADEMIES, AccountView, Profile, academy_code, jointure_key
from entcore.settings_spec import Setting, SettingsSection, saml_provider_section

#: What the user reads when no account matches (the Java reference's ``fed.auth.error.user.not.found``).
NOT_FOUND = (
    "Votre compte académique n'est pas reconnu dans l'ENT. "
    "Veuillez contacter l'administrateur de votre établissement."
)
NO_VECTOR = (
    "ÉduConnect n'a transmis aucun identifiant de l'annuaire académique pour votre compte. "
    "Veuillez contacter l'administrateur de votre établissement."
)

#: EduConnect's OIDs of the attributes we read (it may send OID names with friendly names).
REF_ID = ("FrEduCtRefId",)
AFFILIATION = ("FrEduCtPersonAffiliation", "urn:oid:1.3.6.1.4.1.20326.10.999.1.7")
STUDENT_UAI = ("FrEduCtEleveUAI", "urn:oid:1.3.6.1.4.1.20326.10.999.1.72")

_base = saml_provider_section("educonnect", "EduConnect (students and relatives).")
SETTINGS = SettingsSection(
    _base.name,
    (
        *_base.settings,
        Setting(
            "academy_prefixes",
            list,
            [],
            "``code=prefix`` pairs naming the directory prefix of each académie code of "
            "``FrEduCtRefId`` (e.g. ``08=GRE-``), for a store holding several académies; "
            "a code not listed uses the directory's ``academy_prefix``.",
        ),
        Setting(
            "private_prefix",
            str,
            "",
            "Also try this prefix before the key (the reference's private schools' ``P``).",
        ),
    ),
    _base.doc,
)


def values(attributes: Mapping[str, Sequence[str]], names: Sequence[str]) -> list[str]:
    """The values of the first of ``names`` the assertion carries (by Name or FriendlyName)."""
    for name in names:
        found = attributes.get(name)
        if found:
            return [value.strip() for value in found if value.strip()]
    return []


def prefixes(settings: Mapping[str, object]) -> dict[str, str]:
    """The directory prefix of each académie code configured in ``academy_prefixes``."""
    configured: dict[str, str] = {}
    raw = settings.get("academy_prefixes") or []
    for pair in raw if isinstance(raw, list) else []:
        code, sep, prefix = str(pair).partition("=")
        if sep:
            configured[academy_code(code)] = prefix.strip()
    return configured


def jointures(
    ref_ids: Sequence[str], settings: Mapping[str, object], academy_prefix: str
) -> tuple[str, ...]:
    """The directory keys named by EduConnect's ``{AAF}`` values, in their order, without repeats."""
    by_code = prefixes(settings)
    private = str(settings.get("private_prefix") or "")
    keys: list[str] = []
    for value in ref_ids:
        if not value.startswith("{AAF}"):
            continue
        fields = value[len("{AAF}") :].split("|")
        if len(fields) != 3 or not fields[2].strip():
            continue
        code = academy_code(fields[0])
        if code not in ACADEMIES and code not in by_code:
            continue
        key = jointure_key(by_code.get(code, academy_prefix), fields[2])
        for candidate in (key, private + key) if private else (key,):
            if candidate not in keys:
                keys.append(candidate)
    return tuple(keys)


class EduConnect:
    """EduConnect: students (``eleve1d``/``eleve2d``) and relatives (``resp1d``/``resp2d``)."""

    name = "educonnect"
    label = "ÉduConnect"
    kind = "saml"
    profiles = frozenset({Profile.STUDENT, Profile.RELATIVE})

    def identify(
        self, asserted: entcore.Asserted, context: entcore.SSOContext
    ) -> entcore.FederatedIdentity:
        """The jointures of the ``{AAF}`` values, and the profile the affiliation says."""
        keys = jointures(
            values(asserted.attributes, REF_ID), context.settings, context.academy_prefix
        )
        if not keys:
            raise entcore.SignInRefused("no {AAF} FrEduCtRefId value in the assertion", NO_VECTOR)
        affiliation = {value.lower() for value in values(asserted.attributes, AFFILIATION)}
        profiles: set[Profile] = set()
        if affiliation & {"eleve1d", "eleve2d"}:
            profiles.add(Profile.STUDENT)
        if affiliation & {"resp1d", "resp2d"}:
            profiles.add(Profile.RELATIVE)
        return entcore.FederatedIdentity(
            provider=self.name,
            issuer=asserted.issuer,
            subject=asserted.subject,
            profiles=frozenset(profiles),
            external_ids=keys,
            uais=tuple(values(asserted.attributes, STUDENT_UAI)),
            session_index=asserted.session_index,
            attributes=asserted.attributes,
        )

    def match(
        self,
        identity: entcore.FederatedIdentity,
        accounts: entcore.AccountLookup,
        context: entcore.SSOContext,
    ) -> tuple[AccountView, ...]:
        """Every active account of a jointure, of this provider's profiles; refused when none."""
        found: list[AccountView] = []
        for key in identity.external_ids:
            account = accounts.account_by_external_id(key)
            if account is None or account.profile not in self.profiles:
                continue
            if identity.profiles and account.profile not in identity.profiles:
                continue
            if all(account.login != other.login for other in found):
                found.append(account)
        if not found:
            raise entcore.SignInRefused("no account matches the EduConnect jointures", NOT_FOUND)
        return tuple(found)


@entcore.hookimpl
def entcore_register_sso_providers(registry: entcore.SSOProviderRegistry) -> None:
    """Register EduConnect (``educonnect``)."""
    registry.add(EduConnect())


@entcore.hookimpl
def entcore_register_settings(registry: entcore.SettingsRegistry) -> None:
    """Declare the ``[educonnect]`` settings section."""
    registry.add(SETTINGS)
