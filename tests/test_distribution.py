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

FAILING_REGISTRATION = """\
import entcore


@entcore.hookimpl
def entcore_register_timetable_formats(registry):
    raise KeyError("no formats today")
"""

MISSPELT = """\
import entcore


@entcore.hookimpl
def entcore_register_conectors(registry):
    raise AssertionError("never called: the hook name is misspelt")
"""

AFTER_COMMIT = """\
import entcore


@entcore.hookimpl
def entcore_directory_applied(app, report):
    raise OSError(28, "No space left on device")
"""


def project(
    root: Path, name: str, version: str, entry: str, source: str, requires: str = "entcore"
) -> Path:
    package = name.replace("-", "_")
    folder = root / name
    (folder / "src" / package).mkdir(parents=True)
    text = PYPROJECT.format(name=name, version=version, entry=entry, package=package)
    (folder / "pyproject.toml").write_text(
        text.replace('dependencies = ["entcore"]', f"dependencies = [{requires!r}]"),
        encoding="utf-8",
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


def entcore(python: Path, db: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(python, "-m", "entcore", "--db", db, *args, cwd=cwd)


def test_faulty_plugins_are_listed_and_the_others_keep_working(
    environment: Path, tmp_path: Path
) -> None:
    """Plugins raising at import, in a registration hook, with a misspelt hook or for another
    entcore: each listed with its error (exit 0); the demo AAF and EDT imports still succeed;
    asking for the broken one says why in one line."""
    faulty = {
        "entcore-broken": ("0.0.1", "broken", BROKEN, "entcore"),
        "entcore-failreg": ("0.2", "failreg", FAILING_REGISTRATION, "entcore"),
        "entcore-typo": ("0.3", "typo", MISSPELT, "entcore"),
        "entcore-future": ("5.0", "future", HELLO.replace("hello", "future"), "entcore>=99"),
    }
    for name, (version, entry, source, requires) in faulty.items():
        pip_install(environment, project(tmp_path, name, version, entry, source, requires))
    db = f"sqlite:///{tmp_path / 'e.db'}"
    try:
        listed = entcore(environment, db, "plugins", "--json", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        listing = {entry["name"]: entry for entry in json.loads(listed.stdout)}
        expected = {
            "entcore-broken": ("import", "RuntimeError: this plugin cannot be imported"),
            "entcore-failreg": ("registration", "KeyError: 'no formats today'"),
            "entcore-typo": ("hooks", "entcore_register_conectors"),
            "entcore-future": ("compatibility", "il demande entcore >=99"),
        }
        for name, (stage, detail) in expected.items():
            entry = listing[name]
            assert entry["stage"] == stage and detail in entry["error"], entry
            assert entry["version"] == faulty[name][0] and entry["provides"] == {}
        assert listing["entcore-edt"]["error"] is None
        text = entcore(environment, db, "plugins", cwd=tmp_path)
        assert text.returncode == 0 and "FAILED" in text.stdout and text.stderr == ""

        aaf = entcore(environment, db, "directory", "import", "--demo", "--json", cwd=tmp_path)
        assert aaf.returncode == 0, aaf.stderr
        assert json.loads(aaf.stdout)["students"]["created"] > 0
        edt = entcore(environment, db, "timetable", "import", "--demo", "--json", cwd=tmp_path)
        assert edt.returncode == 0, edt.stderr
        assert "plugins laissés de côté" in edt.stderr and "entcore-broken 0.0.1" in edt.stderr

        wanted = entcore(
            environment, db, "timetable", "import", "--demo", "--format", "broken", cwd=tmp_path
        )
        assert wanted.returncode == 1
        last = wanted.stderr.strip().splitlines()[-1]
        assert last.startswith("entcore: le plugin entcore-broken 0.0.1 n'a pas pu être chargé"), (
            wanted.stderr
        )
        assert "RuntimeError: this plugin cannot be imported" in last
        assert "Traceback" not in wanted.stderr
    finally:
        run(environment, "-m", "pip", "uninstall", "-y", "-q", *faulty, cwd=tmp_path)


def test_failing_lifecycle_hook_exits_3_with_the_import_committed(
    environment: Path, tmp_path: Path
) -> None:
    """entcore_directory_applied raising: one line naming the plugin and the committed import,
    exit status 3 (not 1), and the store holds the import."""
    pip_install(environment, project(tmp_path, "entcore-aftercommit", "1.0", "after", AFTER_COMMIT))
    db = f"sqlite:///{tmp_path / 'e.db'}"
    try:
        result = entcore(environment, db, "directory", "import", "--demo", cwd=tmp_path)
        assert result.returncode == 3, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("entcore: import d'annuaire n° 1 enregistré, mais le plugin ")
        assert "entcore-aftercommit 1.0" in lines[0] and "entcore_directory_applied" in lines[0]
        stats = entcore(environment, db, "stats", "--json", cwd=tmp_path)
        assert stats.returncode == 0 and json.loads(stats.stdout)["students"] > 0
    finally:
        run(environment, "-m", "pip", "uninstall", "-y", "-q", "entcore-aftercommit", cwd=tmp_path)
