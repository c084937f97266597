"""Installed distributions for tests, laid out the way pip lays them out.

``install(site, name, version, modules, entry_points)`` writes the modules and a
``<name>-<version>.dist-info`` folder (METADATA, entry_points.txt, RECORD) into
``site``; with ``site`` on ``sys.path``, :mod:`importlib.metadata` finds the
distribution and its ``entcore`` entry points exactly as it finds real ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path


def install(
    site: Path,
    name: str,
    version: str,
    modules: dict[str, str],
    entry_points: dict[str, str],
    requires: Sequence[str] = (),
) -> Path:
    """Write a distribution into ``site``; returns its dist-info folder.

    ``requires`` are its ``Requires-Dist`` lines (PEP 508 requirements).
    """
    site.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        path = site / (module.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    folder = site / f"{re.sub(r'[-.]+', '_', name)}-{version}.dist-info"
    folder.mkdir()
    requirements = "".join(f"Requires-Dist: {line}\n" for line in requires)
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requirements}",
        encoding="utf-8",
    )
    lines = ["[entcore]"] + [f"{ep} = {target}" for ep, target in entry_points.items()]
    (folder / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "RECORD").write_text("", encoding="utf-8")
    return folder
