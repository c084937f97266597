"""The layering is checked: ``lint-imports`` passes on the tree and fails on a breaking import.

Each case copies the packages (core and in-repo plugins) into a temporary folder,
adds one import that breaks a contract, and runs ``lint-imports`` there with the
project's own configuration (``[tool.importlinter]`` of pyproject.toml), the copy
first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip(
    "importlinter", reason="import-linter is installed by tox's lint and tests envs"
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "entcore": ROOT / "src" / "entcore",
    **{
        f"entcore_{name}": ROOT / "plugins" / name / "src" / f"entcore_{name}"
        for name in ("edt", "udt", "sts", "guestlist")
    },
}
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages found first in ``folder``, with its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(folder), "NO_COLOR": "1", "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-c", LINT, str(folder / "pyproject.toml"), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of every package the contracts name, and of pyproject.toml."""
    for name, source in PACKAGES.items():
        shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import entcore, entcore_edt; print(entcore.__file__, entcore_edt.__file__)",
        ],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.count(str(tmp_path)) == 2, found.stdout  # the copies are what is linted
    return tmp_path


def test_the_contracts_name_the_layers() -> None:
    """The configuration holds the layers of the design, the engines as independent siblings."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    contracts = {contract["id"]: contract for contract in config["importlinter"]["contracts"]}
    assert contracts["layers"]["layers"] == [
        "cli",
        "web",
        "app : stats",
        "directory | timetable | read | access | auth | saml",
        "store",
        "model",
    ]
    assert contracts["plugins-public-api"]["type"] == "forbidden"
    assert {
        "entcore_edt",
        "entcore_udt",
        "entcore_sts",
        "entcore_guestlist",
        "entcore.plugins",
    } <= set(contracts["plugins-public-api"]["source_modules"])


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    """The real code keeps the layering."""
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("entcore/store/schema.py", "import entcore.timetable.report", "Layers import downwards"),
        ("entcore/model/directory.py", "import entcore.store", "Layers import downwards"),
        (
            "entcore/directory/render.py",
            "import entcore.timetable.render",
            "Layers import downwards",
        ),
        ("entcore/timetable/render.py", "import entcore.app", "Layers import downwards"),
        ("entcore/app.py", "import entcore.cli", "Layers import downwards"),
        ("entcore/web/pages.py", "import entcore.cli", "Layers import downwards"),
        ("entcore/auth/policy.py", "import entcore.read", "Layers import downwards"),
        ("entcore/registry.py", "import entcore.directory.render", "The plugin API"),
        ("entcore_edt/format.py", "import entcore.store", "Plugins (built-in and in-repo"),
        (
            "entcore/plugins/aaf/values.py",
            "from entcore.app import Entcore",
            "Plugins (built-in and in-repo",
        ),
    ],
)
def test_a_breaking_import_fails_the_check(
    tree: Path, module: str, line: str, contract: str
) -> None:
    """One import against the layering makes lint-imports fail, naming the broken contract."""
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if row.rstrip().endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
    imported = line.split()[1]
    assert f"-> {imported}" in result.stdout  # the report shows the offending import
