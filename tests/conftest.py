"""Core test configuration: the entcore test kit, and paths to shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["entcore.testing"]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real files; skips the test when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS
