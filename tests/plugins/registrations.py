"""A plugin registering one object of every kind, each real enough to be used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import entcore
from entcore.model import Profile, Timetable


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
    profiles = frozenset({Profile.TEACHER, Profile.PERSONNEL})

    def identify(self, attributes: Mapping[str, Sequence[str]]) -> entcore.FederatedIdentity | None:
        subjects = attributes.get("uid")
        if not subjects:
            return None
        keys = attributes.get("ctENTPersonJointure") or [None]
        return entcore.FederatedIdentity(
            self.name, subjects[0], Profile.TEACHER, keys[0], attributes
        )


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
