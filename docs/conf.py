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
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"undoc-members": False}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"entcore {release}"
