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
html_theme = "alabaster"
html_title = f"entcore {release}"
