"""The ``[edt]`` settings section and its typed view.

The core validates the section (TOML file, then ``ENTCORE_EDT_*`` variables)
and hands the values to :meth:`EdtFormat.parse <entcore_edt.format.EdtFormat.parse>`
as ``context.settings``; :meth:`EdtSettings.from_mapping` turns that mapping
into typed values.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from attrs import frozen
from entcore import ConfigError, Setting, SettingsSection

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Name of the section, and of the plugin.
SECTION = "edt"

SETTINGS = SettingsSection(
    SECTION,
    (
        Setting(
            "partner",
            str,
            None,
            "Our partner name at Index Éducation: the ``NOM`` of the ``PARTENAIRE`` key "
            "block EDT/PRONOTE writes for us in encrypted exports. Required to read "
            "encrypted exports.",
        ),
        Setting(
            "private_key",
            str,
            None,
            "Our RSA private key, unencrypted PKCS#8: the path of a PEM or DER file, or "
            "the PEM text itself. Required to read encrypted exports.",
            secret=True,
        ),
        Setting(
            "accept_clear",
            bool,
            True,
            "Accept unencrypted ``ExportEmploiDuTemps`` files (tests, demonstrations, "
            "exports decrypted elsewhere). A production ENT that only takes exports "
            "straight from EDT/PRONOTE may turn it off.",
        ),
    ),
    "EDT / PRONOTE timetable exports (Index Éducation).",
)


def env_name(key: str) -> str:
    """The environment variable that sets ``key`` of the ``[edt]`` section."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise KeyError(key)
    return setting.env_name(SECTION)


def describe(key: str) -> str:
    """How to set ``key``, in French: ``réglage [edt] partner ou variable ENTCORE_EDT_PARTNER``."""
    return f"réglage [{SECTION}] {key} ou variable {env_name(key)}"


@frozen
class EdtSettings:
    """The ``[edt]`` section as typed values."""

    partner: str | None = None
    private_key: str | None = None
    accept_clear: bool = True

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> EdtSettings:
        """Read the section handed over as ``context.settings``.

        Keys the mapping lacks take their declared defaults, so that a format
        used outside an application (``FormatContext(filename)``) behaves like a
        default configuration.  Blank strings count as unset.  A value of the
        wrong type is a :class:`~entcore.ConfigError`: the core's settings never
        produce one, but an application building the mapping itself might, and
        ``accept_clear="false"`` must not silently mean true.
        """
        accept_clear = values.get("accept_clear")
        if accept_clear is not None and not isinstance(accept_clear, bool):
            raise ConfigError(
                f"{describe('accept_clear')} : booléen attendu, reçu {accept_clear!r}"
            )
        return cls(
            partner=_text(values, "partner", (str,)),
            private_key=_text(values, "private_key", (str, PurePath)),
            accept_clear=True if accept_clear is None else accept_clear,
        )


def _text(values: Mapping[str, object], key: str, types: tuple[type, ...]) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, types):
        raise ConfigError(f"{describe(key)} : texte attendu, reçu {value!r}")
    return str(value).strip() or None
