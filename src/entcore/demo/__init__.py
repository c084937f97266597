"""Demo data shipped with entcore: a small fictitious collège to try imports on.

See ``README.md`` beside this module for what the data holds.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path

#: The demo collège's UAI.
UAI = "0749901K"

#: The day the demo timetable is imported "as of": the Friday before its school year
#: starts (1 September 2025), so that the whole year lies ahead, whatever today's date.
EDT_AS_OF = date(2025, 8, 29)


def aaf_feed() -> Path:
    """The folder of the demo AAF 2D feed (a Complet export of one collège).

    Raises :class:`FileNotFoundError` when entcore is installed in a way that
    does not keep package data as plain files (a zipped install).
    """
    folder = files(__name__).joinpath("aaf")
    path = Path(str(folder))
    if not path.is_dir():
        raise FileNotFoundError(f"demo AAF feed not found as a folder: {folder}")
    return path


def edt_export() -> Path:
    """The demo EDT timetable export: a clear ``ExportEmploiDuTemps`` file of the same collège.

    Raises :class:`FileNotFoundError` when entcore is installed in a way that
    does not keep package data as plain files (a zipped install).
    """
    resource = files(__name__).joinpath("edt").joinpath("Edt_To_ENTCORE_0749901K_Enclair.xml")
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"demo EDT export not found as a file: {resource}")
    return path
