"""Sphinx configuration of the focalboost documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing is fetched at build time (no intersphinx, no binder) and nothing at
reading time: MathJax is served with the site (``sphinx-mathjax-offline``),
the source links come from ``sphinx.ext.viewcode``, and sphinx-gallery's
execution-time page, which loads its table scripts from the network, is not
written. The gallery executes every ``examples/plot_*.py`` on data the
package generates or ships.
"""

import os
import sys

# No OpenMP spin-waiting between the gallery's boosting rounds: on a small,
# shared machine it slows the examples down several times. It must be set
# before xgboost / lightgbm (and their OpenMP runtime) are loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import focalboost  # noqa: E402

# the project's own Sphinx extensions (docs/_ext)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

# -- Project -----------------------------------------------------------------
project = "focalboost"
author = "focalboost developers"
copyright = "focalboost developers, BSD-3-Clause"
release = focalboost.__version__
version = release

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 files copied into _static/mathjax: formulas render offline
    "sphinx-mathjax-offline",
    # [source] links on the API entries, pages of highlighted source
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # docs/_ext: the command line page from the argument parser
    # (``.. cli-reference::``), the ``#:`` comments of re-exported constants,
    # the provenance line of a benchmark results file (``.. measured::``),
    # and the prose-table class on tables of sentences (they wrap)
    "cli_reference",
    "reexported_constants",
    "benchmark_provenance",
    "prose_tables",
]
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "_coming_from_predict.rst",  # included by coming_from.rst
]
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# "On this page" of a class page lists its members as ``predict_proba``,
# not ``FocalXGBClassifier.predict_proba``
toc_object_entries_show_parents = "hide"

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # execute every example whose file name starts with plot_
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    # API pages list the examples that use each public object
    "doc_module": ("focalboost",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    # its sg_execution_times pages load jQuery and DataTables from CDNs
    "write_computation_times": False,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"focalboost {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
html_static_path = ["_static"]
# wide tables scroll inside the text column; figures keep their aspect
html_css_files = ["focalboost.css"]
