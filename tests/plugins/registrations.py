"""A plugin registering one object of every kind, each real enough to be used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import entcore
from entcore.model import AccountView, Profile, Timetable


class SchoolListConnector:
    """Releases a user's login and profile, as a minimal library connector would."""

    name = "school-list"
    label = "Liste de l'établissement"

    def release(self, account: Mapping[str, object]) -> Mapping[str, Sequence[str]]:
        return {"uid": [str(account["login"])], "profile": [str(account["profile"])]}


class TeachersFederation:
    """An agents federation asserting the directory key in ``ctENTPersonJointure``."""

    name = "test-agents"
    label = "Fédération des agents (test)"
    kind = "saml"
    profiles = frozenset({Profile.TEACHER, Profile.PERSONNEL})

    def identify(
        self, asserted: entcore.Asserted, context: entcore.SSOContext
    ) -> entcore.FederatedIdentity:
        keys = asserted.attributes.get("ctENTPersonJointure")
        if not keys:
            raise entcore.SignInRefused("no ctENTPersonJointure", "Compte inconnu.")
        return entcore.FederatedIdentity(
            self.name,
            asserted.issuer,
            asserted.subject,
            frozenset({Profile.TEACHER}),
            tuple(context.academy_prefix + key for key in keys),
            attributes=asserted.attributes,
        )

    def match(
        self,
        identity: entcore.FederatedIdentity,
        accounts: entcore.AccountLookup,
        context: entcore.SSOContext,
    ) -> tuple[AccountView, ...]:
        found = [accounts.account_by_external_id(key) for key in identity.external_ids]
        matched = tuple(a for a in found if a is not None and a.profile in self.profiles)
        if not matched:
            raise entcore.SignInRefused("no account", "Compte inconnu.")
        return matched


class NothingFormat:
    """A timetable format recognising files that start with ``NOTHING``; parsing refuses them."""

    name = "nothing"
    label = "Nothing"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        return head.startswith(b"NOTHING")

    def parse(self, path: Path, context: entcore.FormatContext) -> Timetable:
        raise entcore.InvalidFileError(context.filename, "fichier vide de sens", 1)


@entcore.hookimpl
def entcore_register_connectors(registry: entcore.ConnectorRegistry) -> None:
    registry.add(SchoolListConnector())


@entcore.hookimpl
def entcore_register_sso_providers(registry: entcore.SSOProviderRegistry) -> None:
    registry.add(TeachersFederation())


@entcore.hookimpl
def entcore_register_timetable_formats(registry: entcore.TimetableFormatRegistry) -> None:
    registry.add(NothingFormat())


@entcore.hookimpl
def entcore_register_settings(registry: entcore.SettingsRegistry) -> None:
    registry.add(
        entcore.SettingsSection(
            "registrations",
            (
                entcore.Setting("greeting", str, "bonjour", "A greeting."),
                entcore.Setting("retries", int, 3, "How many times."),
            ),
        )
    )
