"""End to end: plugin distributions built outside the repository, pip-installed next to entcore.

These tests create a virtual environment that sees the running interpreter's packages
(entcore among them), pip-install real distributions into it, and run ``python -m entcore``
there — the way an integrator installs a vendor's plugin.
"""

from __future__ import annotations

import json
import site
import subprocess
import textwrap
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "{version}"
dependencies = ["entcore"]

[project.entry-points.entcore]
{entry} = "{package}"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""

HELLO = '''\
"""A connector releasing the login, built and installed outside entcore's repository."""

import entcore


class Hello:
    name = "hello"
    label = "Hello"

    def release(self, account):
        return {"uid": [str(account["login"])]}


@entcore.hookimpl
def entcore_register_connectors(registry):
    registry.add(Hello())
'''

BROKEN = """\
raise RuntimeError("this plugin cannot be imported")
"""


def project(root: Path, name: str, version: str, entry: str, source: str) -> Path:
    package = name.replace("-", "_")
    folder = root / name
    (folder / "src" / package).mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        PYPROJECT.format(name=name, version=version, entry=entry, package=package), encoding="utf-8"
    )
    (folder / "src" / package / "__init__.py").write_text(source, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment that also sees the running environment's packages (entcore included)."""
    pytest.importorskip("hatchling")
    folder = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=folder
    )
    # addsitedir (not a plain path line) so that the parent's own .pth files, such as an
    # editable install of entcore, are processed too.
    parents = [path for path in site.getsitepackages() if Path(path).is_dir()]
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in parents)
    (Path(purelib.stdout.strip()) / "_parent_environment.pth").write_text(lines, encoding="utf-8")
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def pip_install(python: Path, folder: Path) -> None:
    result = run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        str(folder),
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr


def test_installed_plugin_is_listed_and_usable(environment: Path, tmp_path: Path) -> None:
    """A distribution built in its own folder shows in `entcore plugins --json` and works."""
    pip_install(environment, project(tmp_path, "entcore-hello", "1.4.2", "hello", HELLO))
    result = run(
        environment,
        "-m",
        "entcore",
        "--db",
        f"sqlite:///{tmp_path / 'e.db'}",
        "plugins",
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    listing = {entry["name"]: entry for entry in json.loads(result.stdout)}
    hello = listing["entcore-hello"]
    assert hello["version"] == "1.4.2"
    assert hello["hooks"] == ["entcore_register_connectors"]
    assert hello["provides"] == {"connectors": ["hello"]}
    code = textwrap.dedent(f"""
        from entcore import Entcore
        app = Entcore(db_url="sqlite:///{tmp_path / "api.db"}")
        connector = app.plugins.connectors().get("hello")
        print(connector.release({{"login": "lea.dupont"}})["uid"][0])
    """)
    used = run(environment, "-c", code, cwd=tmp_path)
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "lea.dupont"


def test_broken_plugin_is_reported_not_fatal(environment: Path, tmp_path: Path) -> None:
    """A plugin whose import raises: listed with its error (exit 0); other commands fail in one line."""
    pip_install(environment, project(tmp_path, "entcore-broken", "0.0.1", "broken", BROKEN))
    db = f"sqlite:///{tmp_path / 'e.db'}"
    try:
        listed = run(environment, "-m", "entcore", "--db", db, "plugins", "--json", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        broken = {entry["name"]: entry for entry in json.loads(listed.stdout)}["entcore-broken"]
        assert "RuntimeError: this plugin cannot be imported" in broken["error"]
        assert broken["version"] == "0.0.1"
        failed = run(
            environment, "-m", "entcore", "--db", db, "directory", "import", "--demo", cwd=tmp_path
        )
        assert failed.returncode == 1
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and "entcore-broken 0.0.1" in lines[0], failed.stderr
    finally:
        run(environment, "-m", "pip", "uninstall", "-y", "-q", "entcore-broken", cwd=tmp_path)
