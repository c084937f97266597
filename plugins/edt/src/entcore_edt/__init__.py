"""entcore-edt: EDT / PRONOTE "ENT" timetable exports (Index Éducation) for entcore.

Registers the timetable format ``edt`` and the settings section ``[edt]``.
The format reads the encrypted container ``EXPORT_INDEX_EDUCATION`` (with our
partner name and RSA private key) and the clear ``ExportEmploiDuTemps``, and
turns them into an :class:`entcore.model.Timetable` snapshot.  Matching with
the directory, reports and session expansion are the core's job.

Modules: :mod:`entcore_edt.format` (the format object),
:mod:`entcore_edt.container` (decryption), :mod:`entcore_edt.reader` (clear
export → snapshot), :mod:`entcore_edt.detect` (recognising the files),
:mod:`entcore_edt.settings` (the ``[edt]`` section).
"""

from __future__ import annotations

from entcore import SettingsRegistry, TimetableFormatRegistry, hookimpl

from entcore_edt.container import Container, decrypt, load_private_key, read_container
from entcore_edt.format import EdtFormat
from entcore_edt.reader import ExportReader, SkippedCourse, course_key, read_export
from entcore_edt.settings import SETTINGS, EdtSettings

__version__ = "0.1.0"

__all__ = [
    "SETTINGS",
    "Container",
    "EdtFormat",
    "EdtSettings",
    "ExportReader",
    "SkippedCourse",
    "__version__",
    "course_key",
    "decrypt",
    "entcore_register_settings",
    "entcore_register_timetable_formats",
    "load_private_key",
    "read_container",
    "read_export",
]


@hookimpl
def entcore_register_settings(registry: SettingsRegistry) -> None:
    """Declare the ``[edt]`` section: ``partner``, ``private_key``, ``accept_clear``."""
    registry.add(SETTINGS)


@hookimpl
def entcore_register_timetable_formats(registry: TimetableFormatRegistry) -> None:
    """Register the ``edt`` format."""
    registry.add(EdtFormat())
