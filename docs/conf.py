"""Sphinx configuration for w2v's documentation (MyST Markdown pages, numpydoc docstrings).

Build: ``ci/build_docs.sh`` (or ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
with the ``docs`` extra installed and w2v importable). The pages are listed explicitly in the
toctrees of ``index.md``; a page left out of them is a warning, hence an error with ``-W``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The single source of the version: src/w2v/_version.py (read as text, so the docs' version
# is the checkout's even if a different w2v is installed).
_version_text = (ROOT / "src" / "w2v" / "_version.py").read_text(encoding="utf-8")
release = re.search(r'__version__ = "([^"]+)"', _version_text).group(1)
version = ".".join(release.split(".")[:2])

project = "w2v"
author = "The w2v developers"
copyright = "2026, The w2v developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinxarg.ext",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]

# MyST: $...$ and $$...$$ math, ::: fences, definition lists, and anchors for headings so
# pages can link to sections as [text](page.md#a-heading).
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc + numpydoc: members in source order; class members are documented by autodoc
# (numpydoc's own member tables would need autosummary).
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc "Parameters" sections say the types
autodoc_default_options = {"members": True, "show-inheritance": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "alabaster"
html_title = f"w2v {release}"
html_theme_options = {
    "description": "Fast, safe word2vec for Python",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_static_path: list[str] = []


def check_api_reference(app) -> None:
    """Warn (an error under -W) when a name of ``w2v.__all__`` is missing from api.md."""
    import w2v
    from sphinx.util import logging

    text = (Path(app.srcdir) / "api.md").read_text(encoding="utf-8")
    for name in w2v.__all__:
        if not re.search(rf"w2v\.{re.escape(name)}\b", text):
            logging.getLogger(__name__).warning(
                f"w2v.{name} is public (in w2v.__all__) but not documented in docs/api.md")


def setup(app):
    app.connect("builder-inited", check_api_reference)

# Private base classes that autodoc names in "Bases:" lines; they are not part of the API.
nitpick_ignore = [("py:class", "w2v.phrases.models._PhraseModel"),
                  ("py:class", "w2v.vectors.queries.SimilarityQueries")]
