"""entcore's conformance suite for timetable formats, run against the sts format (both files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from entcore_sts import StsFormat
from sts_support import EMP_STS, STS_EMP

from entcore.testing import TimetableFormatConformance


class TestStsConformance(TimetableFormatConformance):
    @pytest.fixture
    def timetable_format(self) -> StsFormat:
        return StsFormat()

    @pytest.fixture(params=[STS_EMP, EMP_STS], ids=["sts_emp", "emp_sts"])
    def sample_path(self, request: pytest.FixtureRequest) -> Path:
        path: Path = request.param
        return path
