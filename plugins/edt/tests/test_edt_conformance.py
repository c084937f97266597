"""entcore's conformance suite for timetable formats, run against the edt format.

Three samples: the minimal clear export, the newer-elements export, and a
container sealed for our test partner (which also exercises decryption).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from entcore.testing import TimetableFormatConformance

from entcore_edt import EdtFormat

FIXTURES = Path(__file__).parent / "fixtures"

# The ``seal`` fixture of conftest.py.
Sealer = Callable[..., bytes]


class TestEdtConformance(TimetableFormatConformance):
    @pytest.fixture
    def timetable_format(self) -> EdtFormat:
        return EdtFormat()

    @pytest.fixture(params=["edt_minimal.xml", "edt_newer.xml", "sealed"])
    def sample_name(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture
    def sample_path(self, sample_name: str, seal: Sealer, tmp_path: Path) -> Path:
        if sample_name != "sealed":
            return FIXTURES / sample_name
        path = tmp_path / "samples" / "Edt_To_ENTCORE-TEST_0999999X.xml"
        path.parent.mkdir()
        path.write_bytes(seal((FIXTURES / "edt_minimal.xml").read_bytes()))
        return path

    @pytest.fixture
    def format_settings(self, pem_text: str) -> Mapping[str, object]:
        return {"partner": "ENTCORE-TEST", "private_key": pem_text}
