"""Sphinx configuration of the triplewin docs site (``make site``; built offline, warnings are
errors).

Every Markdown page in ``docs/``, ``docs/validation/`` and ``docs/reference/`` is picked up by the
glob toctrees of ``index.md``: a new page needs no list to be edited, and a page that no toctree
reaches fails the build. The API reference is generated from the docstrings of every module of ``sim``
(``reference/api.md``, autosummary). Nothing is fetched from the network (no intersphinx, no CDN).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402  (the version: one source, sim/__init__.py)

project = "triplewin"
author = "The triplewin authors"
copyright = "2026, The triplewin authors"  # noqa: A001  (Sphinx's name)
release = sim.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}  # .rst: the API stubs
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "tutorial.ipynb"]
templates_path: list[str] = []

# MyST: GitHub-style heading anchors (links such as ODD.md#appendix-a-parameters), $-math
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]

# API reference: one page per module of sim, from the docstrings (Google style)
autosummary_generate = True
# pages autosummary generated for an earlier layout of the package would fail to import: start
# from none (the folder is generated, and git-ignored)
import shutil  # noqa: E402

shutil.rmtree(Path(__file__).resolve().parent / "reference" / "_api", ignore_errors=True)
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"triplewin {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
