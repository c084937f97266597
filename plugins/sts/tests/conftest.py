"""Fixtures for the STS format tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sts_support import WriteFile


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write bytes under a name in a fresh folder: ``write_file(data, name="emp_sts_….xml")``."""

    def write(data: bytes, name: str = "sts_emp_0999999X_2024.xml") -> Path:
        folder = tmp_path / f"file{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        return path

    return write


#: entcore's test kit: ``entcore_app_factory`` for the imports through the application.
pytest_plugins = ["entcore.testing"]
