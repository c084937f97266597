"""Sphinx configuration for the entcore documentation."""

from __future__ import annotations

import entcore

project = "entcore"
author = "entcore developers"
copyright = "2026, entcore developers"
version = release = entcore.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx_click",
    "myst_parser",
]
# The conformance suites are pytest classes, and the docs build runs without the
# test extra: pytest is mocked then, as autodoc only reads the suites' docstrings.
try:
    import pytest  # noqa: F401
except ImportError:
    autodoc_mock_imports = ["pytest"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"undoc-members": False}
exclude_patterns = ["_build"]
# Unresolved references fail the build for entcore's own names (the API reference must cover
# what the docs and hooks name); other projects' names and type variables are not checked.
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(?!entcore\b).*"),
    ("py:.*", r"entcore\..*\.(T|_F|_T|P|R)"),
]
html_theme = "alabaster"
html_title = f"entcore {release}"


def _canonical(target: str) -> str | None:
    """Where autodoc documents the object a public name (``entcore.Entry``) re-exports.

    The API reference documents each object once, in the module that defines it
    (``entcore.model.directory.Entry``); the docs and docstrings name it by its
    public path.  Returns ``None`` when ``target`` names nothing importable.
    """
    import importlib

    parts = target.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        rest = parts[split:]
        break
    else:
        return None
    owner = ".".join(parts[:split])
    for index, name in enumerate(rest):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            return None
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str) and module.startswith("entcore"):
            owner = f"{module}.{qualname}"
        else:
            owner = f"{owner}.{name}"
        if index == len(rest) - 1:
            return owner
    return owner


def _resolve_public_name(app, env, node, contnode):  # type: ignore[no-untyped-def]
    """Resolve ``entcore.X`` to the object's canonical, documented name."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target.startswith("entcore."):
        return None
    canonical = _canonical(target)
    if canonical is None or canonical == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode
    )


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("missing-reference", _resolve_public_name)
