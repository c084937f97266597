"""Fixtures for the UDT format tests: the reference archive and variants of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from udt_support import ARCHIVE_NAME, FIXTURES, BuildArchive, reference_members, write_zip


@pytest.fixture
def reference_archive() -> Path:
    """The committed reference archive."""
    return FIXTURES / ARCHIVE_NAME


@pytest.fixture
def build_archive(tmp_path: Path) -> BuildArchive:
    """Build a variant of the reference archive.

    ``build({"UDCal_12.xml": b"..."})`` replaces or adds members (``None``
    removes one); ``name=`` sets the archive's file name; ``base={}`` starts
    from an empty archive instead of the reference members.
    """

    def build(
        overrides: Mapping[str, bytes | None] | None = None,
        *,
        name: str = ARCHIVE_NAME,
        base: Mapping[str, bytes] | None = None,
    ) -> Path:
        members = dict(reference_members() if base is None else base)
        for member, data in (overrides or {}).items():
            if data is None:
                members.pop(member, None)
            else:
                members[member] = data
        folder = tmp_path / f"build{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        return write_zip(folder / name, members)

    return build
