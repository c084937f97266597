"""Declarations of configuration sections and keys.

The core declares its own sections with these classes, and each plugin declares
its section through ``entcore_register_settings``; ``entcore.settings``
validates the TOML file and the ``ENTCORE_*`` variables against them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attrs import frozen

#: The value types a setting may have.
SETTING_TYPES: tuple[type, ...] = (str, int, bool, float, Path, list)


@frozen
class Setting:
    """One configuration key."""

    name: str
    """Key in the TOML section; lower-case with underscores."""
    type: type
    """One of ``str``, ``int``, ``bool``, ``float``, :class:`~pathlib.Path` or ``list`` (of strings)."""
    default: Any
    doc: str
    env: str | None = None
    """Name of the environment variable that overrides it; ``ENTCORE_<SECTION>_<KEY>`` when ``None``."""
    secret: bool = False
    """Hide the value in listings."""
    bounds: tuple[float, float] | None = None
    """Smallest and largest value accepted for an ``int`` or ``float`` setting (inclusive)."""

    def env_name(self, section: str) -> str:
        """The environment variable that overrides this key."""
        return self.env or f"ENTCORE_{section}_{self.name}".upper().replace("-", "_")


@frozen
class SettingsSection:
    """A named group of settings: ``[name]`` in the TOML file."""

    name: str
    settings: tuple[Setting, ...]
    doc: str = ""

    def get(self, key: str) -> Setting | None:
        """The declaration of ``key``, if declared."""
        for setting in self.settings:
            if setting.name == key:
                return setting
        return None


def saml_provider_section(name: str, doc: str, *, several_idps: bool = False) -> SettingsSection:
    """The settings section of a SAML SSO provider: the keys the core's SAML service provider reads.

    ``idp_metadata`` is the path of the IdP's metadata file, or with
    ``several_idps`` a list of paths (agents: one file per académie);
    ``entity_id`` is ours, ``key_file``/``cert_file`` our PEM key and
    certificate (signing AuthnRequests, decrypting assertions), ``acs_url``
    our assertion consumer service (default ``<[web] base_url>/auth/saml/<name>/acs``).
    A provider plugin adds its own keys after these.
    """
    return SettingsSection(
        name,
        (
            Setting(
                "idp_metadata",
                list if several_idps else Path,
                [] if several_idps else None,
                "Metadata file(s) of the identity provider(s)"
                + (" — one file per académie." if several_idps else "."),
            ),
            Setting("entity_id", str, "", "Our SP entity ID, as registered with the IdP."),
            Setting("key_file", Path, None, "Our private key (PEM).", secret=True),
            Setting("cert_file", Path, None, "Our certificate (PEM), published in our metadata."),
            Setting(
                "acs_url",
                str,
                "",
                "Our assertion consumer service URL; default ``<[web] base_url>/auth/saml/"
                + name
                + "/acs``.",
            ),
            Setting(
                "slo_url",
                str,
                "",
                "Our single logout service URL; default ``<[web] base_url>/auth/saml/"
                + name
                + "/slo``.",
            ),
            Setting(
                "clock_skew_seconds",
                int,
                180,
                "Clock difference tolerated with the IdP on validity instants.",
                bounds=(0, 3600),
            ),
            Setting(
                "allow_idp_initiated",
                bool,
                False,
                "Accept unsolicited (IdP-initiated) responses; needed for 'SPEntityID' portals.",
            ),
        ),
        doc,
    )
