"""entcore's conformance suite for timetable formats, run against the udt format."""

from __future__ import annotations

from pathlib import Path

import pytest
from entcore_udt import UdtFormat

from entcore.testing import TimetableFormatConformance


class TestUdtConformance(TimetableFormatConformance):
    @pytest.fixture
    def timetable_format(self) -> UdtFormat:
        return UdtFormat()

    @pytest.fixture
    def sample_path(self, reference_archive: Path) -> Path:
        return reference_archive
