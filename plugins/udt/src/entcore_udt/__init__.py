"""entcore-udt: reads UnDeuxTemps (UDT) timetable exports for entcore.

The plugin registers the ``udt`` :class:`~entcore.TimetableFormat`, which turns
an export archive (``<UAI>_<aaaammjjhhmmss>_UDT.zip``, flat ``UDCal_*.xml``
files) into the core's :class:`~entcore.model.Timetable` snapshot.  It parses;
matching with the directory, the report and session expansion are the core's.
"""

from __future__ import annotations

from entcore import TimetableFormatRegistry, hookimpl
from entcore_udt.format import UdtFormat

__version__ = "0.1.0"

__all__ = ["UdtFormat", "__version__", "entcore_register_timetable_formats"]


@hookimpl
def entcore_register_timetable_formats(registry: TimetableFormatRegistry) -> None:
    """Register the ``udt`` format."""
    registry.add(UdtFormat())
