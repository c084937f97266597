"""Demo data shipped with entcore: a small fictitious collège to try imports on.

See ``README.md`` beside this module for what the data holds.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


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
