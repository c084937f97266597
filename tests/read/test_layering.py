"""The read engine and its views import downwards only: model <- store <- read."""

from __future__ import annotations

import ast
from pathlib import Path

import entcore

SRC = Path(entcore.__file__).resolve().parent


def entcore_imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return {module for module in modules if module.split(".")[0] == "entcore"}


def test_read_engine_imports_model_and_store_only() -> None:
    allowed = ("entcore.model", "entcore.store", "entcore.errors", "entcore.read")
    for path in sorted((SRC / "read").glob("*.py")):
        imported = entcore_imports(path)
        assert imported, path
        assert all(module.startswith(allowed) for module in imported), (path.name, imported)


def test_views_import_the_model_only() -> None:
    imported = entcore_imports(SRC / "model" / "views.py")
    assert all(module.startswith("entcore.model") for module in imported), imported
