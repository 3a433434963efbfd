"""Helpers named by the sphinx-gallery configuration in ``docs/conf.py``."""

from pathlib import Path

# Command-line arguments of the examples that take any, when executed by the
# documentation build. The multi-label example reads two benchmark data sets
# when they are on disk; the gallery must run on data the package can produce,
# so it is told to use its generated problem and not to write a PNG file.
_ARGV = {
    "plot_multilabel_focal_xgboost.py": ["--synthetic", "--no-save"],
}


def reset_argv(gallery_conf, script_vars):
    """Return ``sys.argv[1:]`` for the example being executed."""
    return list(_ARGV.get(Path(script_vars["src_file"]).name, []))
