"""The documentation builds warning-free, reads offline, and the gallery runs.

One HTML build of ``docs/`` with ``sphinx-build -W --keep-going`` in a
subprocess, on a copy of ``docs/``, ``examples/`` and ``benchmarks/results/``
in a temporary directory (so the build neither reads stale gallery outputs
nor writes into the working tree). It executes every ``examples/plot_*.py``
(about a minute on two cores). On the built site: no page loads a script or
stylesheet from outside it (a reader without network access sees the same
site), and no page's text speaks of how the project is run rather than of
the product. The API reference documents every public name (the ``__all__``
of the package and of its public submodules) with its own text, never a
built-in type's docstring or a private module's name; the command line page
is generated from the parser (every sub-command and option, as ``--help``
says them); every benchmark page says when, where and at which commit its
figures were measured.
"""

import argparse
import html as html_lib
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
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
from focalboost.cli import _build_parser  # noqa: E402

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
        "cli",
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


# -- The API reference ---------------------------------------------------------

# Types whose docstring autodoc shows for a value without documentation of its
# own (e.g. a constant re-exported without its "#:" comment): "Built-in
# immutable sequence.", "Convert a string or number to a floating point
# number, if possible.", ...
BUILTIN_TYPES = (tuple, list, dict, set, frozenset, str, bytes, int, float, bool)


def _first_sentence(t: type) -> str:
    """The first sentence of ``t``'s docstring after its call signatures."""
    paragraphs = inspect.getdoc(t).split("\n\n")
    prose = [p for p in paragraphs if "->" not in p] or paragraphs
    return " ".join(prose[0].split()).split(". ")[0]


BUILTIN_DOC_LINES = tuple(sorted({_first_sentence(t) for t in BUILTIN_TYPES}))
# A private module's name in a page's text (dunders such as __version__ aside).
PRIVATE_NAME = re.compile(r"\bfocalboost(?:\.\w+)*\._(?!_)\w+")


# The public submodules: every module or package of focalboost whose name does
# not start with an underscore, at any depth below a public package.
def _public_modules(package=focalboost) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        if info.ispkg:
            try:
                names += _public_modules(importlib.import_module(info.name))
            except ImportError:
                names.append(info.name)  # skipped with the reason in the test
        else:
            names.append(info.name)
    return names


PUBLIC_MODULES = _public_modules()
# The backend modules' public name is their estimator (re-exported by
# focalboost). The other names of their __all__ are the callables the estimator
# hands to xgboost.train / lightgbm.train: not an API of their own, and not on
# the reference pages.
BACKEND_ADAPTERS = {
    "focalboost.xgboost": {"XGBoostEval", "XGBoostObjective"},
    "focalboost.lightgbm": {
        "LightGBMEarlyStopping",
        "LightGBMEval",
        "LightGBMObjective",
        "lgb_data",
    },
}


def _api_pages(html: Path) -> list[Path]:
    return [html / "api.html", *sorted((html / "generated").glob("*.html"))]


def _normalised(text: str) -> str:
    """Text with one space between words and straight quotes."""
    for curly, straight in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"')):
        text = text.replace(curly, straight)
    return " ".join(text.replace("\u201d", '"').split())


def _text(path: Path) -> str:
    return _normalised(" ".join(_parse(path).text))


def _builtin_docstrings(text: str) -> list[str]:
    return [line for line in BUILTIN_DOC_LINES if line in text]


def _documented(html: Path) -> set[str]:
    """The Python objects of the site's inventory (objects.inv)."""
    import zlib

    raw = (html / "objects.inv").read_bytes()
    header = raw.split(b"\n", 4)  # four lines of header, then zlib
    body = zlib.decompress(header[4]).decode("utf-8")
    entry = re.compile(r"(\S+)\s+py:\w+\s+-?\d+\s")
    return {m.group(1) for m in map(entry.match, body.splitlines()) if m}


def test_builtin_docstrings_are_known():
    # the check below looks for these sentences; it can fail
    assert "Built-in immutable sequence." in BUILTIN_DOC_LINES
    assert any(
        line.startswith("Convert a string or number") for line in BUILTIN_DOC_LINES
    )
    assert _builtin_docstrings(f"HESSIAN_FLOOR = 1e-06 {inspect.getdoc(float)}")
    assert not _builtin_docstrings("HESSIAN_FLOOR = 1e-06 Per-sample floor.")


def test_api_pages_show_no_builtin_docstring(html):
    found = {
        p.name: _builtin_docstrings(_text(p))
        for p in _api_pages(html)
        if _builtin_docstrings(_text(p))
    }
    assert not found, found


def test_public_modules_are_found():
    for name in ("focalboost.losses", "focalboost.metrics", "focalboost.cli"):
        assert name in PUBLIC_MODULES, PUBLIC_MODULES
    assert not [m for m in PUBLIC_MODULES if "._" in m], PUBLIC_MODULES


@pytest.mark.parametrize("module_name", sorted(BACKEND_ADAPTERS))
def test_backend_adapters_are_still_exported(module_name):
    # an exemption below that no longer exists is removed from the list
    module = importlib.import_module(module_name)
    assert BACKEND_ADAPTERS[module_name] <= set(module.__all__), module.__all__


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_api_reference_documents_every_public_name(html, module_name):
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        pytest.skip(f"{module_name} needs an optional dependency: {exc}")
    documented = _documented(html)
    missing = []
    for name in getattr(module, "__all__", ()):
        if name.startswith("__") or name in BACKEND_ADAPTERS.get(module_name, ()):
            continue
        obj = getattr(module, name)
        where = {f"{module_name}.{name}", f"focalboost.{name}"}
        if isinstance(getattr(obj, "__module__", None), str):
            where.add(f"{obj.__module__}.{name}")
        if not where & documented:
            missing.append(name)
    assert not missing, f"not in the API reference (docs/api.rst): {missing}"


def test_api_pages_name_no_private_module(html):
    # e.g. "focalboost._kernels.num_threads()": a reader cannot look it up
    found = {}
    for path in _api_pages(html):
        names = sorted(set(PRIVATE_NAME.findall(_text(path))))
        if names:
            found[path.name] = names
    assert not found, found


def test_private_names_are_caught():
    text = "see focalboost._training.resolve_eval_metric() and focalboost.__version__"
    assert PRIVATE_NAME.findall(text) == ["focalboost._training"]


def _literals(path: Path) -> set[str]:
    """The inline literals of a page, without their quotes."""
    raw = path.read_text(encoding="utf-8")
    spans = re.findall(r"<code[^>]*>(.*?)</code>", raw, flags=re.DOTALL)
    texts = (html_lib.unescape(re.sub(r"<[^>]+>", "", s)) for s in spans)
    return {t.strip().strip("'\"") for t in texts}


@pytest.mark.parametrize(
    "backend, page",
    [
        ("xgboost", "focalboost.FocalXGBClassifier"),
        ("lightgbm", "focalboost.FocalLGBMClassifier"),
    ],
)
def test_estimator_pages_list_every_eval_metric(html, backend, page):
    training = importlib.import_module("focalboost._training")
    names = set(training.METRICS[backend])
    shown = _literals(html / "generated" / f"{page}.html")
    assert not names - shown, f"eval_metric strings not listed: {names - shown}"


# -- The command line page -------------------------------------------------------


def _commands() -> list[tuple[str, argparse.ArgumentParser]]:
    parser = _build_parser()
    out = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            out += [(sub.prog, sub) for sub in action.choices.values()]
    return out


def test_cli_help_has_no_doubled_percent():
    # argparse %-formats an argument's help, not a description: "95%%" in a
    # description prints as "95%%"
    for prog, parser in _commands():
        assert "%%" not in parser.format_help(), prog


def _squeezed(text: str) -> str:
    # the page sets options in code font: its text has spaces at the tags
    return re.sub(r"\s+", "", _normalised(text))


def test_cli_page_is_generated_from_the_parser(html):
    text = _squeezed(" ".join(_parse(html / "cli.html").text))
    missing = []
    for prog, parser in _commands():
        formatter = parser._get_formatter()
        if _squeezed(prog) not in text:
            missing.append(prog)
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            names = action.option_strings or [action.metavar or action.dest.upper()]
            missing += [f"{prog} {n}" for n in names if _squeezed(n) not in text]
            if action.help:
                expanded = _squeezed(formatter._expand_help(action))
                if expanded not in text:
                    missing.append(f"{prog} {names[0]} help: {expanded!r}")
        if parser.description and _squeezed(parser.description) not in text:
            missing.append(f"{prog} description")
    assert not missing, missing


# -- When, where and at which commit the benchmark figures were measured ---------

# page -> the results file whose figures it quotes
BENCHMARK_PAGES = {
    "performance": "perf.json",
    "dask": "dask_scaling.json",
    "multilabel": "multilabel.json",
    "calibration": "calibration.json",
    "hessian_policy": "hessian_policy.json",
    "when_focal_helps": "quality.json",
}
MEASURED = re.compile(
    r"^\.\. measured:: (?P<path>\S+)\n(?:[ \t]+:committed-in: (?P<commit>\S+)\n)?",
    flags=re.MULTILINE,
)


@pytest.mark.parametrize("page", sorted(BENCHMARK_PAGES))
def test_benchmark_pages_say_when_they_were_measured(html, page):
    from datetime import datetime

    path = REPO / "benchmarks" / "results" / BENCHMARK_PAGES[page]
    result = json.loads(path.read_text(encoding="utf-8"))
    when = datetime.fromisoformat(result["created"])
    text = _text(html / f"{page}.html")
    assert f"Measured on {when.day} {when:%B %Y}, {when:%H:%M} UTC" in text
    commit = (result.get("focalboost_source") or {}).get("git_commit")
    if commit:
        assert f"Source commit {commit[:7]}" in text
    else:
        assert f"{path.relative_to(REPO)} does not record the source commit" in text


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_committed_in_is_the_commit_of_the_results_file():
    # ":committed-in:" names the last commit that changed the file; a
    # regenerated results file needs its page updated
    if _git("rev-parse", "--is-inside-work-tree") != "true":
        pytest.skip("not a git checkout: no history to check against")
    checked = 0
    for rst in sorted((REPO / "docs").glob("*.rst")):
        for m in MEASURED.finditer(rst.read_text(encoding="utf-8")):
            if not m.group("commit"):
                continue
            target = (rst.parent / m.group("path")).resolve().relative_to(REPO)
            last = _git("log", "-1", "--format=%H", "--", str(target))
            if not last:
                continue  # not committed yet
            assert last.startswith(m.group("commit")), (rst.name, str(target), last)
            checked += 1
    assert checked, "no ':committed-in:' checked"


# -- Wide tables, as a browser lays them out ------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
# Appended to a copy of a page: lists the tables wider than their container
# (they scroll, so their last columns are out of sight) once the page is laid
# out.
MEASURE_TABLES = """<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('.bd-article table').forEach(function (t, i) {
    var box = t.parentElement;
    if (box.scrollWidth > box.clientWidth + 2) {
      var cell = t.querySelector('th, td');
      out.push('table ' + i + ' (' + (cell ? cell.textContent.trim() : '') +
               '): ' + box.scrollWidth + ' px in ' + box.clientWidth + ' px');
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'measured-tables';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _browser() -> str | None:
    return next(filter(None, map(shutil.which, BROWSERS)), None)


def _overflowing_tables(browser: str, page: Path, width: int) -> list[str]:
    probe = page.with_name(f"_probe_{page.name}")
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", MEASURE_TABLES + "</body>"), "utf-8")
    try:
        proc = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--window-size={width},1800",
                "--virtual-time-budget=5000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.unlink()
    found = re.search(r'<pre id="measured-tables"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert found, f"{page.name}: the browser laid nothing out: {proc.stderr[-500:]}"
    return json.loads(html_lib.unescape(found.group(1)))


def test_tables_fit_a_1400_px_window(html):
    # a reader at 1400 px sees every column without scrolling the table
    browser = _browser()
    if browser is None:
        pytest.skip("no headless Chromium/Chrome to lay the pages out")
    pages = [
        p
        for p in _pages(html)
        if '<table class="table' in p.read_text(encoding="utf-8")
        and "genindex" not in p.name
    ]
    assert pages
    found = {}
    for page in pages:
        wide = _overflowing_tables(browser, page, 1400)
        if wide:
            found[str(page.relative_to(html))] = wide
    assert not found, found


@pytest.mark.parametrize(
    "page, other",
    [
        ("focalboost.FocalXGBClassifier", "FocalLGBMClassifier"),
        ("focalboost.FocalLGBMClassifier", "FocalXGBClassifier"),
    ],
)
def test_estimator_page_examples_use_their_estimator(html, page, other):
    # e.g. FocalXGBClassifier.save_model's example must not fit a LightGBM model
    raw = (html / "generated" / f"{page}.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight[^"]*"><pre>(.*?)</pre>', raw, re.S)
    assert blocks, page
    code = [html_lib.unescape(re.sub(r"<[^>]+>", "", b)) for b in blocks]
    assert not [c for c in code if other in c], [c for c in code if other in c]
