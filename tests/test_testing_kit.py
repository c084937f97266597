"""entcore.testing on a plain install: what benchmarks and docs use imports without pytest.

Each check runs in a fresh interpreter where a meta-path finder makes pytest
unimportable, as on ``pip install entcore`` without the test extra.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The modules of the test kit that need pytest, by design.
PYTEST_MODULES = {"entcore.testing.conformance", "entcore.testing.fixtures"}

# Makes pytest (and its private package) unimportable in the child interpreter.
BLOCK_PYTEST = textwrap.dedent(
    """
    import sys

    class BlockPytest:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in ("pytest", "_pytest"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, BlockPytest())
    """
)


def without_pytest(code: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child interpreter that cannot import pytest."""
    return subprocess.run(
        [sys.executable, "-c", BLOCK_PYTEST + textwrap.dedent(code), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_blocker_blocks() -> None:
    result = without_pytest("import pytest")
    assert result.returncode == 1
    assert "No module named 'pytest'" in result.stderr


def test_records_and_database_helpers_import_without_pytest() -> None:
    result = without_pytest(
        """
        import sys
        import entcore.testing
        from entcore.testing import RecordFeed, record_entry, reset_database, TEST_DATABASE_ENV
        from entcore.model import StructureRecord

        feed = RecordFeed([StructureRecord("100", "CLG DU LAC", uai="0740001A")])
        print(len(list(feed)), feed.files[0].name, TEST_DATABASE_ENV)
        assert "pytest" not in sys.modules and "_pytest" not in sys.modules
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "<records:structure>", "ENTCORE_TEST_DATABASE_URL"]


def test_pytest_parts_say_they_need_pytest() -> None:
    result = without_pytest("from entcore.testing import TimetableFormatConformance")
    assert result.returncode == 1
    assert (
        "ImportError: entcore.testing.TimetableFormatConformance needs pytest: install entcore "
        "with its test extra (pip install 'entcore[test]')"
    ) in result.stderr


@pytest.mark.parametrize("script", ["benchmarks/timetable.py", "benchmarks/aaf.py"])
def test_benchmarks_start_without_pytest(script: str) -> None:
    result = without_pytest(
        """
        import runpy, sys
        sys.argv = [sys.argv[1], "--help"]
        sys.path.insert(0, "benchmarks")
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
        except SystemExit as done:
            assert done.code in (0, None), done.code
        assert "pytest" not in sys.modules
        """,
        script,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_docs_configuration_imports_without_pytest() -> None:
    """docs/conf.py and every module the docs document import without pytest.

    Except the two pytest modules of the test kit, for which docs/conf.py mocks
    pytest when it is absent (the docs build of the ``docs`` tox env proves it).
    """
    modules = sorted(_documented_modules() - PYTEST_MODULES)
    assert "entcore.testing" in modules
    result = without_pytest(
        f"""
        import importlib, runpy, sys
        runpy.run_path("docs/conf.py")
        for name in {modules!r}:
            importlib.import_module(name)
        assert "pytest" not in sys.modules
        """
    )
    assert result.returncode == 0, result.stderr


def _documented_modules() -> set[str]:
    """The modules that the docs' autodoc directives name (or that hold what they name)."""
    import re

    names: set[str] = set()
    for page in (ROOT / "docs").rglob("*.rst"):
        for target in re.findall(r"^\.\. auto\w+:: ([\w.]+)", page.read_text(), re.MULTILINE):
            parts = target.split(".")
            while parts and not _is_module(".".join(parts)):
                parts.pop()
            names.add(".".join(parts))
    return names


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_the_pytest_plugin_still_loads_the_fixtures(entcore_app_factory: object) -> None:
    """``pytest_plugins = ["entcore.testing"]`` (tests/conftest.py) still brings the fixtures."""
    assert callable(entcore_app_factory)
