"""The in-repository plugin distributions declare the entcore versions they are written for."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import entcore

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = sorted(ROOT.glob("plugins/*/pyproject.toml"))


def entcore_requirement(pyproject: Path) -> Requirement:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    found = [
        requirement
        for requirement in map(Requirement, project.get("dependencies", []))
        if requirement.name == "entcore"
    ]
    assert len(found) == 1, f"{pyproject}: expected one entcore dependency, found {len(found)}"
    return found[0]


def test_every_plugin_is_checked() -> None:
    assert {path.parent.name for path in PLUGINS} >= {"edt", "udt", "sts", "guestlist"}


@pytest.mark.parametrize("pyproject", PLUGINS, ids=lambda path: path.parent.name)
def test_plugin_declares_a_compatible_range(pyproject: Path) -> None:
    specifier = entcore_requirement(pyproject).specifier
    running = Version(entcore.__version__)
    assert running in specifier, f"{pyproject}: entcore {running} is outside {specifier}"
    upper = [spec for spec in specifier if spec.operator == "<"]
    assert len(upper) == 1, f"{pyproject}: no upper bound in {specifier}"
    # Before 1.0 a minor release may break plugins: the range stops at the next one.
    next_breaking = (
        Version(f"0.{running.minor + 1}") if running.major == 0 else Version(f"{running.major + 1}")
    )
    assert Version(upper[0].version) <= next_breaking, f"{pyproject}: {specifier}"
