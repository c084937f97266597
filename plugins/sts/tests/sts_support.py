"""Helpers shared by the STS format tests (a uniquely named module: the UDT tests have their own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from entcore_sts import StsFormat

from entcore import FormatContext
from entcore.model import Timetable

FIXTURES = Path(__file__).parent / "fixtures"
#: The synthesized files of the timetable reference note (§10.4, §10.5).
STS_EMP = FIXTURES / "sts_emp_0999999X_2024.xml"
EMP_STS = FIXTURES / "emp_sts_0999999X_2024.xml"

WriteFile = Callable[..., Path]
"""The ``write_file`` fixture: ``write_file(data, name=...)`` → path."""

DECLARATION = '<?xml version="1.0" encoding="ISO-8859-15"?>\n'


def latin9(body: str, declaration: str = DECLARATION) -> bytes:
    """A document declared and really encoded in ISO-8859-15."""
    return (declaration + body).encode("iso-8859-15")


def parse(path: Path, filename: str | None = None) -> Timetable:
    """Parse ``path`` with the ``sts`` format, uploaded as ``filename`` (its own name by default)."""
    return StsFormat().parse(path, FormatContext(filename=filename or path.name))


def sniff(path: Path) -> bool:
    """The format's answer for ``path`` given its first kilobyte."""
    return StsFormat().sniff(path, path.read_bytes()[:1024], {})
