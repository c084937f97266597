"""entcore-sts: reads STS-Web timetable files for entcore.

The plugin registers the ``sts`` :class:`~entcore.TimetableFormat`, which reads
both STS-Web files a timetable import may be given: ``sts_emp`` (root
``STS_EDT``, exported by STS-Web: the school's structure and teaching services)
and ``emp_sts`` (root ``EDT_STS``, sent back by the timetable software:
services with named alternances and weekly slots), into the core's
:class:`~entcore.model.Timetable` snapshot.  It parses; matching with the
directory, the report and session expansion are the core's.
"""

from __future__ import annotations

from entcore import TimetableFormatRegistry, hookimpl
from entcore_sts.format import StsFormat

__version__ = "0.1.0"

__all__ = ["StsFormat", "__version__", "entcore_register_timetable_formats"]


@hookimpl
def entcore_register_timetable_formats(registry: TimetableFormatRegistry) -> None:
    """Register the ``sts`` format."""
    registry.add(StsFormat())
