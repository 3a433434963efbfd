"""The documentation builds warning-free and the gallery examples run.

One HTML build of ``docs/`` with ``sphinx-build -W --keep-going`` in a
subprocess, on a copy of ``docs/``, ``examples/`` and ``benchmarks/results/``
in a temporary directory (so the build neither reads stale gallery outputs
nor writes into the working tree). It executes every ``examples/plot_*.py``
(about a minute on two cores).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

for _module in ("sphinx", "sphinx_gallery", "numpydoc", "pydata_sphinx_theme"):
    pytest.importorskip(
        _module,
        reason=f"the docs build needs {_module} (pip install -e '.[docs]')",
    )
pytest.importorskip(
    "matplotlib", reason="the gallery examples plot with matplotlib ('.[docs]')"
)

import focalboost  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GENERATED = ("_build", "generated", "auto_examples", "sg_execution_times.rst")
# the benchmark plots the results pages show
BENCHMARK_PNGS = {
    "performance": ["perf.png"],
    "when_focal_helps": [
        "quality_winrate.png",
        "quality_calibration.png",
        "creditcard_reproduction.png",
    ],
}
EXAMPLES = sorted(p.stem for p in (REPO / "examples").glob("plot_*.py"))


def _copy_sources(dest: Path) -> Path:
    """Copy what the build reads into ``dest``; return the docs source dir."""
    shutil.copytree(
        REPO / "docs", dest / "docs", ignore=shutil.ignore_patterns(*GENERATED)
    )
    shutil.copytree(
        REPO / "examples",
        dest / "examples",
        ignore=shutil.ignore_patterns("output", "__pycache__"),
    )
    shutil.copytree(REPO / "benchmarks" / "results", dest / "benchmarks" / "results")
    return dest / "docs"


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    """Build the HTML documentation once; return the output directory."""
    root = tmp_path_factory.mktemp("docs")
    source, out = _copy_sources(root), root / "html"
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", MPLBACKEND="Agg")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    proc = subprocess.run(
        [*command, str(source), str(out)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-6000:]
        pytest.fail(f"sphinx-build -W failed (rc {proc.returncode}):\n{tail}")
    return out


def test_pages_exist(html):
    for page in (
        "index",
        "getting_started",
        "user_guide",
        "maths",
        "intercept",
        "choosing_alpha_gamma",
        "gpu",
        "dask",
        "api",
        "performance",
        "when_focal_helps",
    ):
        assert (html / f"{page}.html").is_file(), page


@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_example_ran(html, example):
    page = html / "auto_examples" / f"{example}.html"
    assert page.is_file()
    text = page.read_text(encoding="utf-8")
    # sphinx-gallery copies what the script printed, warnings included
    outputs = re.findall(r"sphx-glr-script-out.*?</pre>", text, flags=re.DOTALL)
    assert outputs, "no captured output: did the example run?"
    for output in outputs:
        assert "Warning" not in output, output
    images = list((html / "_images").glob(f"sphx_glr_{example}_*.png"))
    assert images, f"{example} drew no figure"


def test_gallery_examples_are_listed():
    assert len(EXAMPLES) >= 4, EXAMPLES


@pytest.mark.parametrize("name", sorted(set(focalboost.__all__) - {"__version__"}))
def test_api_page_for_every_public_name(html, name):
    obj = getattr(focalboost, name)
    candidates = [f"focalboost.{name}", f"{obj.__module__}.{name}"]
    pages = [html / "generated" / f"{c}.html" for c in candidates]
    assert any(p.is_file() for p in pages), pages


@pytest.mark.parametrize(
    "qualname",
    ["focalboost.metrics.focal_loss", "focalboost.datasets.load_wine_quality"],
)
def test_api_page_for_submodule_names(html, qualname):
    assert (html / "generated" / f"{qualname}.html").is_file()


@pytest.mark.parametrize("name", ["FocalDaskXGBClassifier", "FocalDaskLGBMClassifier"])
def test_api_page_for_dask_estimators(html, name):
    if importlib.util.find_spec("focalboost.dask") is None:
        pytest.skip("focalboost/dask.py does not exist")
    assert (html / "generated" / f"focalboost.dask.{name}.html").is_file()


@pytest.mark.parametrize("page", sorted(BENCHMARK_PNGS))
def test_benchmark_plots_rendered(html, page):
    text = (html / f"{page}.html").read_text(encoding="utf-8")
    for image in BENCHMARK_PNGS[page]:
        assert (REPO / "benchmarks" / "results" / image).is_file(), image
        assert (html / "_images" / image).is_file(), image
        assert f'src="_images/{image}"' in text, image
