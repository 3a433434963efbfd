"""The documentation builds warning-free, reads offline, and the gallery runs.

One HTML build of ``docs/`` with ``sphinx-build -W --keep-going`` in a
subprocess, on a copy of ``docs/``, ``examples/`` and ``benchmarks/results/``
in a temporary directory (so the build neither reads stale gallery outputs
nor writes into the working tree). It executes every ``examples/plot_*.py``
(about a minute on two cores). On the built site: no page loads a script or
stylesheet from outside it (a reader without network access sees the same
site), and no page's text speaks of how the project is run rather than of
the product.
"""

import html as html_lib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
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
# Words about the project's process (how its work is organised and run), not
# about the product; matched case-insensitively as whole words in the text
# of every page (scripts, styles and code blocks excluded).
PROCESS_WORDS = (
    "issue",
    "issues",
    "lent",
    "session",
    "sessions",
    "CEO",
    "sandbox",
    "helper session",
    "CI kind",
    "kind of machine",
    "this project",
    "the brief",
    "ticket",
)
# Pages whose text is generated from the package's source and may use these
# words in code (the [source] pages of sphinx.ext.viewcode).
SOURCE_PAGES = "_modules"


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
        "install",
        "user_guide",
        "maths",
        "intercept",
        "choosing_alpha_gamma",
        "gpu",
        "dask",
        "api",
        "performance",
        "when_focal_helps",
        "data",
        "release_notes",
        "citing",
    ):
        assert (html / f"{page}.html").is_file(), page


class _Page(HTMLParser):
    """The external resources a page loads, and its visible text."""

    SKIPPED = ("script", "style", "pre")  # not prose: code, scripts, styles

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.external = []
        self.text = []
        self._skip = 0  # depth inside SKIPPED elements

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        url = None
        if tag == "script":
            url = attrs.get("src")
        elif tag == "link" and ("stylesheet" in rel or "preload" in rel):
            url = attrs.get("href")
        if url and re.match(r"(https?:)?//", url.strip(), flags=re.IGNORECASE):
            self.external.append(f"<{tag}> {url}")
        if tag in self.SKIPPED:
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        self.handle_starttag(tag, attrs.items())
        if tag in self.SKIPPED:
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _pages(html):
    return sorted(p for p in html.rglob("*.html") if SOURCE_PAGES not in p.parts)


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_pages_load_nothing_from_outside_the_site(html):
    # a page opened without network access looks as it does with it
    pages = _pages(html) + sorted((html / SOURCE_PAGES).rglob("*.html"))
    assert len(pages) > 30, pages
    found = {
        str(p.relative_to(html)): _parse(p).external
        for p in pages
        if _parse(p).external
    }
    assert not found, found


def test_math_is_served_with_the_site(html):
    page = (html / "maths.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', page, re.I)
    assert scripts, "maths.html loads no MathJax"
    for src in scripts:
        local = (html / html_lib.unescape(src).split("?")[0]).resolve()
        assert local.is_file(), src


def test_pages_do_not_speak_of_the_project_process(html):
    words = re.compile(
        r"\b(" + "|".join(re.escape(w) for w in PROCESS_WORDS) + r")\b",
        flags=re.IGNORECASE,
    )
    found = {}
    for path in _pages(html):
        text = " ".join(" ".join(_parse(path).text).split())
        hits = [
            text[max(m.start() - 60, 0) : m.end() + 60] for m in words.finditer(text)
        ]
        if hits:
            found[str(path.relative_to(html))] = hits
    assert not found, found


def test_process_words_are_caught():
    # the check above can fail: a page with a process sentence is flagged
    page = _Page()
    page.feed(
        "<html><head><script src='https://cdn.example/x.js'></script>"
        "<link rel='stylesheet' href='//cdn.example/x.css'></head><body>"
        "<p>Measured in session 3 for issue 4.</p><pre>issue in code</pre>"
        "</body></html>"
    )
    assert page.external == [
        "<script> https://cdn.example/x.js",
        "<link> //cdn.example/x.css",
    ]
    text = " ".join(page.text)
    assert "session 3" in text and "issue in code" not in text


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
