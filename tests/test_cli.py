"""The `focalboost` command line, run in-process."""

import base64
import csv
import html
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import f1_score

from focalboost.cli import main
from focalboost.cli._compare import ARMS, Progress, make_estimator
from focalboost.metrics import f1_optimal_threshold


def test_demo_prints_focal_and_logloss_rows(capsys):
    assert main(["demo", "--n-samples", "1500"]) == 0
    out = capsys.readouterr().out
    assert "PR-AUC" in out
    for row in ("log loss (gamma=0)", "focal a=.25 g=2"):
        assert out.count(row) == 2  # one per backend
    assert "xgboost" in out and "lightgbm" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--n-samples", "10"], "--n-samples must be >= 200"),
        (["demo", "--n-samples", "many"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_errors_exit_2_without_traceback(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


# --- compare / fit / predict ------------------------------------------------

COMPARE_FAST = ["--n-estimators", "8", "--cv", "3", "--inner-cv", "2"]
COMPARE_FAST += ["--n-jobs", "1"]
TABLE_COLUMNS = ["arm", "PR-AUC", "ROC-AUC", "recall@P>=0.5", "precision@R>=0.5"]
TABLE_COLUMNS += ["F1", "Brier", "log loss", "fit s"]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
VERDICT = re.compile(
    r"focal \(tuned\) vs (log loss|alpha-weighted log loss \(tuned\)|balanced log "
    r"loss): (macro )?PR-AUC [+-]\d\.\d{3} "
    r"\(95% CI [+-]\d\.\d{3} to [+-]\d\.\d{3}, p = [\d.e+-]+\), "
)


def _write_csv(path, n_samples=600, labels=(0, 1), seed=0, extra=None):
    """A small imbalanced binary CSV (10% positives) with numeric features."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=5,
        n_informative=3,
        n_redundant=1,
        weights=[0.9],
        random_state=seed,
    )
    header = [f"x{j}" for j in range(X.shape[1])] + ["label"]
    rows = [
        [*(repr(float(v)) for v in x), str(labels[int(t)])]
        for x, t in zip(X, y, strict=True)
    ]
    if extra is not None:
        header.append(extra[0])
        rows = [[*row, extra[1]] for row in rows]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return X, y


def _read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_compare_on_csv_prints_verdict_tables_and_writes_report(tmp_path, capsys):
    data = tmp_path / "small.csv"
    _write_csv(data)
    out = tmp_path / "report"
    argv = ["compare", str(data), "--target", "label", "--out", str(out)]
    argv += [*COMPARE_FAST, "--alpha", "none,0.25", "--gamma", "2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    verdict = [ln.strip() for ln in lines if VERDICT.search(ln)]
    assert (
        len(verdict) == 3
        and "is the simpler choice" in " ".join(verdict)
        or ("significantly better" in " ".join(verdict))
    )
    assert lines.index("Verdict:") < lines.index("xgboost:")
    header = next(line for line in lines if "PR-AUC" in line and "arm" in line)
    positions = [header.index(col) for col in TABLE_COLUMNS]
    assert positions == sorted(positions)
    for arm in ARMS:
        assert any(line.startswith(arm + " ") for line in lines), arm
    # grid: alpha {none, 0.25} x gamma {0, 2} (0 added), 4 points + balanced,
    # each fitted on 2 inner folds; on the outer training part: the log loss,
    # the balanced log loss and the points the two tuned arms chose
    progress = captured.err.strip().splitlines()
    assert len(progress) == 3 and "outer fold 3/3 done" in progress[-1]
    assert "Traceback" not in captured.err

    results = json.loads((out / "results.json").read_text())
    outer_fits = 0
    for fold in results["backends"]["xgboost"]["folds"]:
        chosen = {fold["chosen"]["name"], fold["chosen_alpha"]["name"]}
        outer_fits += 2 + len(chosen - {"a=none g=0"})
    n_fits = 3 * 5 * 2 + outer_fits
    assert results["n_fits"] == n_fits
    assert f"{n_fits}/{n_fits} fits" in progress[-1]

    assert results["verdict"] == verdict
    assert {"focalboost", "xgboost", "lightgbm"} <= set(results["versions"])
    config = results["config"]
    assert (config["cv"], config["repeats"], config["inner_cv"]) == (3, 1, 2)
    assert config["alphas"] == [None, 0.25] and config["kind"] == "binary"
    assert [c["name"] for c in results["grid"]] == [
        "a=none g=0", "a=0.25 g=0", "a=none g=2", "a=0.25 g=2"
    ]  # fmt: skip
    xgb_result = results["backends"]["xgboost"]
    assert len(xgb_result["folds"]) == 3 and len(results["splits"]) == 3
    for fold in xgb_result["folds"]:
        inner = fold["inner_pr_auc"]
        assert fold["chosen"]["name"] in inner
        assert inner[fold["chosen"]["name"]] == max(inner.values())
        at_gamma_0 = [inner["a=none g=0"], inner["a=0.25 g=0"]]
        assert fold["chosen_alpha"]["gamma"] == 0
        assert inner[fold["chosen_alpha"]["name"]] == max(at_gamma_0)
        for scores in fold["arms"].values():
            assert 0 <= scores["pr_auc"] <= 1 and 0 <= scores["brier"] <= 1
            assert 0 <= scores["recall_at_precision"] <= 1
    summary = xgb_result["summary"]
    pr = [f["arms"]["focal (tuned)"]["pr_auc"] for f in xgb_result["folds"]]
    assert summary["arms"]["focal (tuned)"]["pr_auc"]["mean"] == pytest.approx(
        np.mean(pr)
    )
    assert sum(summary["chosen"].values()) == 3
    assert sum(summary["chosen_alpha"].values()) == 3
    report = (out / "report.md").read_text()
    assert report.index("## Verdict") < report.index("## xgboost")
    assert verdict[0] in report
    assert "| arm | PR-AUC | ROC-AUC |" in report
    if HAS_MATPLOTLIB:
        plots = ["pr_curves.png", "reliability.png", "pr_auc_folds.png"]
        assert results["plots"] == plots
        for name in plots:
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert f"]({name})" in report
    _check_self_contained_html(out / "report.html", verdict, n_images=3)


def test_compare_embedded_default_data_both_backends(tmp_path, capsys):
    out = tmp_path / "wine"
    argv = ["compare", "--out", str(out), "--backend", "xgboost,lightgbm"]
    argv += ["--quiet", "--n-estimators", "5", "--cv", "2", "--inner-cv", "2"]
    argv += ["--n-jobs", "1", "--alpha", "balanced", "--gamma", "2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Wine Quality" in captured.out and "4898 rows" in captured.out
    assert captured.err == ""  # --quiet: no progress bar
    verdict = [ln.strip() for ln in captured.out.splitlines() if VERDICT.search(ln)]
    assert [v.split("]")[0] for v in verdict] == ["[xgboost"] * 3 + ["[lightgbm"] * 3
    results = json.loads((out / "results.json").read_text())
    config = results["config"]
    assert (config["n_samples"], config["n_features"]) == (4898, 11)
    assert config["backends"] == ["xgboost", "lightgbm"]
    assert set(results["backends"]) == {"xgboost", "lightgbm"}


def _generated_csv(path, kind, n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    score = X[:, 0] + 0.8 * X[:, 1] + rng.normal(size=n)
    if kind == "multiclass":
        labels = {
            "label": np.array(["low", "mid", "high"])[np.digitize(score, [0, 1.5])]
        }
    else:
        labels = {
            "a": (score > 1.2).astype(int),
            "b": (X[:, 2] + rng.normal(size=n) > 1.0).astype(int),
            "c": (X[:, 3] - X[:, 0] > 0.8).astype(int),
        }
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f"x{j}" for j in range(4)] + list(labels))
        for i in range(n):
            writer.writerow([*X[i], *(v[i] for v in labels.values())])


@pytest.mark.parametrize("kind", ["multiclass", "multilabel"])
def test_compare_multiclass_and_multilabel(tmp_path, capsys, kind):
    data = tmp_path / f"{kind}.csv"
    _generated_csv(data, kind)
    target = "label" if kind == "multiclass" else "a,b,c"
    out = tmp_path / "report"
    argv = ["compare", str(data), "--target", target, "--out", str(out), "--quiet"]
    argv += [*COMPARE_FAST, "--alpha", "none", "--gamma", "2"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    verdict = [ln for ln in text.splitlines() if VERDICT.search(ln)]
    assert len(verdict) == 3 and all("macro PR-AUC" in v for v in verdict)
    what = "class" if kind == "multiclass" else "label"
    assert f"PR-AUC per {what}" in text
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["kind"] == kind
    columns = results["config"]["columns"]
    assert columns == (
        ["high", "low", "mid"] if kind == "multiclass" else ["a", "b", "c"]
    )
    summary = results["backends"]["xgboost"]["summary"]
    for arm in ARMS:
        per = summary["arms"][arm]["per_column_pr_auc"]
        assert len(per) == 3 and all(0 < v <= 1 for v in per)
        assert 0 < summary["arms"][arm]["pr_auc_micro"]["mean"] <= 1
    report = (out / "report.md").read_text()
    head = f"| {what} | log loss | balanced log loss | alpha-weighted (tuned) |"
    assert head + " focal (tuned) |" in report
    for name in columns:
        assert f"| {name} | " in report
    if HAS_MATPLOTLIB:
        assert results["plots"][-2:] == [
            "per_column_pr_auc.png",
            "pr_curves_per_column_xgboost.png",
        ]
    html_verdict = [v.strip() for v in verdict]
    _check_self_contained_html(
        out / "report.html", html_verdict, n_images=5 if HAS_MATPLOTLIB else 0
    )


def test_compare_without_matplotlib_writes_report_without_plots(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    data = tmp_path / "small.csv"
    _write_csv(data, n_samples=300)
    out = tmp_path / "noplots"
    argv = ["compare", str(data), "--target", "label", "--out", str(out), "--quiet"]
    argv += [*COMPARE_FAST, "--alpha", "none", "--gamma", "2"]
    assert main(argv) == 0
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert "matplotlib is not installed" in (out / "report.md").read_text()
    results = json.loads((out / "results.json").read_text())
    assert results["plots"] == []
    assert not list(out.glob("*.png"))
    page = _check_self_contained_html(out / "report.html", results["verdict"], 0)
    assert "matplotlib is not installed" in page


class _Page(HTMLParser):
    """Every tag and attribute of an HTML page, and its text."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _check_self_contained_html(path, verdict, n_images):
    """report.html loads nothing from outside; its images are embedded PNGs.

    Returns the page's text. The verdict sentences come before the first image.
    """
    source = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(source)
    page.close()
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == n_images
    for attrs in images:
        head, _, data = attrs["src"].partition(",")
        assert head == "data:image/png;base64", head
        assert base64.b64decode(data, validate=True)[:8] == b"\x89PNG\r\n\x1a\n"
        assert attrs.get("alt")
    for tag, attrs in page.tags:  # nothing else points anywhere
        for key in ("src", "href", "srcset", "data", "poster", "background"):
            value = attrs.get(key)
            assert value is None or (tag == "img" and key == "src"), (tag, key)
    assert "url(" not in source and "@import" not in source
    text = " ".join("".join(page.text).split())
    first_image = source.find("<img")
    for sentence in verdict:
        assert sentence in text, sentence
        where = source.find(html.escape(sentence.split(": ")[0]))
        assert 0 <= where and (first_image < 0 or where < first_image)
    return text


def test_progress_bar_redraws_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = Progress(4, stream)
    bar.work_total = 4.0
    for _ in range(4):
        bar.fit_done("focal a=none g=2", work=1.0)
    bar.step_done("not printed on a terminal")
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "4/4 fits" in text and "not printed" not in text
    # the time left: after 1, 2, 3 of 4 equal fits, not after the last
    assert text.count(" s left") == 3


def test_f1_optimal_threshold_matches_brute_force():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(int)
    proba = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    best = max(
        np.unique(proba),
        key=lambda t: f1_score(y, (proba >= t).astype(int), zero_division=0),
    )
    got = f1_optimal_threshold(y, proba)
    assert f1_score(y, proba >= got) == pytest.approx(f1_score(y, proba >= best))


def test_fit_then_predict_round_trip(tmp_path, capsys):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    _write_csv(train, labels=("ok", "fraud"))
    X_test, _ = _write_csv(test, n_samples=50, seed=1, labels=("ok", "fraud"))
    model = tmp_path / "model.joblib"
    argv = ["fit", str(train), "--target", "label", "--alpha", "0.25"]
    argv += ["--gamma", "1", "--n-estimators", "10", "--n-jobs", "1", "-o", str(model)]
    assert main(argv) == 0
    assert "saved to" in capsys.readouterr().out
    bundle = joblib.load(model)
    assert bundle["feature_names"] == [f"x{j}" for j in range(5)]
    assert bundle["target"] == "label"
    clf = bundle["estimator"]
    assert (clf.alpha, clf.gamma, clf.n_estimators) == (0.25, 1.0, 10)

    pred_path = tmp_path / "pred.csv"
    assert (
        main(["predict", "--allow-pickle", str(model), str(test), "-o", str(pred_path)])
        == 0
    )
    header, rows = _read_csv(pred_path)
    assert header == ["prediction", "fraud", "ok"]  # classes_ are sorted
    assert len(rows) == 50
    proba = np.array([[float(r[1]), float(r[2])] for r in rows])
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), rtol=1e-12)
    assert [r[0] for r in rows] == list(clf.predict(X_test))


def test_predict_uses_the_models_feature_columns_by_name(tmp_path):
    train = tmp_path / "train.csv"
    X, _ = _write_csv(train, n_samples=200)
    model = tmp_path / "m.joblib"
    argv = ["fit", str(train), "--target", "label", "--backend", "lightgbm"]
    argv += ["--n-estimators", "5", "--n-jobs", "1", "-o", str(model)]
    assert main(argv) == 0
    # Same features, other order, no label column, an extra id column.
    shuffled = tmp_path / "shuffled.csv"
    with open(shuffled, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "x3", "x1", "x0", "x4", "x2"])
        for i, x in enumerate(X[:20]):
            writer.writerow([i, x[3], x[1], x[0], x[4], x[2]])
    pred = tmp_path / "p.csv"
    assert (
        main(["predict", "--allow-pickle", str(model), str(shuffled), "-o", str(pred)])
        == 0
    )
    _, rows = _read_csv(pred)
    clf = joblib.load(model)["estimator"]
    got = np.array([float(r[2]) for r in rows])
    np.testing.assert_allclose(got, clf.predict_proba(X[:20])[:, 1], rtol=1e-12)


def test_fit_predict_multiclass(tmp_path):
    X, y = make_classification(
        n_samples=300, n_classes=3, n_informative=4, random_state=0
    )
    data = tmp_path / "three.csv"
    with open(data, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["p", "q", "r", "s", "kind"])
        writer.writerows([*map(float, x[:4]), t] for x, t in zip(X, y, strict=True))
    model, pred = tmp_path / "m.joblib", tmp_path / "p.csv"
    argv = ["fit", str(data), "--target", "kind", "--n-estimators", "5"]
    assert main([*argv, "--n-jobs", "1", "-o", str(model)]) == 0
    assert (
        main(["predict", "--allow-pickle", str(model), str(data), "-o", str(pred)]) == 0
    )
    header, rows = _read_csv(pred)
    assert header == ["prediction", "0", "1", "2"]
    proba = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert {r[0] for r in rows} <= {"0", "1", "2"}


@pytest.mark.parametrize(
    ("backend", "attribute"), [("xgboost", "device"), ("lightgbm", "device_type")]
)
def test_device_is_passed_to_the_backend(backend, attribute):
    clf = make_estimator(
        backend, alpha=None, gamma=2.0, n_estimators=3, seed=0, device="cpu"
    )
    assert getattr(clf, attribute) == "cpu"


def test_python_dash_m_focalboost_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "focalboost", "compare", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines
    assert "--target" in text and "Wine Quality" in text


def _error_cases(tmp):
    """(argv, message) pairs; the files they need are written to ``tmp``."""
    good = tmp / "good.csv"
    _write_csv(good, n_samples=120)
    one_class = tmp / "one_class.csv"
    one_class.write_text("a,b,label\n1,2,0\n3,4,0\n5,6,0\n")
    strings_as_model = tmp / "strings_as_model.csv"  # x0 holds text now
    strings_as_model.write_text(
        "x0,"
        + ",".join(f"x{j}" for j in range(1, 6))
        + ",label\n"
        + "".join(f"red,1,2,3,4,5,{i % 2}\n" for i in range(10))
    )
    three = tmp / "three.csv"
    three.write_text("a,label\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    ragged = tmp / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,0\n3,1\n")
    binary = tmp / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00garbage")
    parquet = tmp / "garbage.parquet"
    parquet.write_bytes(b"not a parquet file")
    excel = tmp / "data.xlsx"
    excel.write_bytes(b"PK\x03\x04")
    empty = tmp / "empty.csv"
    empty.write_text("")
    few = tmp / "few.csv"
    few.write_text("a,label\n" + "".join(f"{i},{int(i < 2)}\n" for i in range(20)))
    not_model = tmp / "not_model.joblib"
    joblib.dump({"weights": [1, 2]}, not_model)
    text_model = tmp / "text_model.joblib"
    text_model.write_text("hello")
    missing_target = tmp / "missing_target.csv"
    missing_target.write_text("a,label\n1,0\n2,\n3,1\n")
    model = tmp / "model.joblib"
    assert (
        main(
            ["fit", str(good), "--target", "label", "--n-estimators", "2"]
            + ["--n-jobs", "1", "-o", str(model)]
        )
        == 0
    )
    other = tmp / "other.csv"
    other.write_text("x0,x1\n1,2\n")
    nope = str(tmp / "nope.csv")
    out = ["--out", str(tmp / "r")]
    return [
        (["compare", nope, "--target", "y", *out], "no such file"),
        (["fit", nope, "--target", "y"], "no such file"),
        (["predict", "--allow-pickle", str(model), nope], "no such file"),
        (
            ["predict", "--allow-pickle", str(tmp / "nope.joblib"), str(good)],
            "no such model file",
        ),
        (["compare", str(good), "--target", "y", *out], "'y' is not a column"),
        (["fit", str(good), "--target", "y"], "'y' is not a column"),
        (["compare", str(good), *out], "--target COLUMN is required"),
        (["compare", "--target", "quality", *out], "embedded data set"),
        (["fit", str(one_class), "--target", "label"], "only one class (0)"),
        (["compare", str(one_class), "--target", "label", *out], "only one class"),
        (["predict", "--allow-pickle", str(model), str(strings_as_model)], "hold text"),
        (["fit", str(ragged), "--target", "label"], "row 3 has 2 fields"),
        (["fit", str(binary), "--target", "label"], "cannot read"),
        (["fit", str(parquet), "--target", "label"], "Parquet"),
        (["fit", str(excel), "--target", "label"], "unsupported file format"),
        (["fit", str(empty), "--target", "label"], "is empty"),
        (["fit", str(missing_target), "--target", "label"], "missing value"),
        (["compare", str(few), "--target", "label", *out], "class 1 has 2"),
        (
            ["compare", str(good), "--target", "label", "--cv", "7", *out],
            "--cv 7 with --inner-cv 2 needs at least 14 rows of each class",
        ),
        (["compare", "--backend", "catboost", *out], "--backend must be"),
        (["compare", "--repeats", "0", *out], "--repeats must be >= 1"),
        (["compare", "--at-precision", "1.5", *out], "--at-precision must be in"),
        (
            ["compare", str(good), "--target", "label,x0", *out],
            "must hold 0 and 1 only",
        ),
        (["compare", "--cv", "1", *out], "--cv must be >= 2"),
        (["compare", "--n-jobs", "0", *out], "--n-jobs must be >= 1; got 0"),
        (["compare", "--time-budget", "0", *out], "--time-budget must be > 0"),
        (
            ["compare", str(good), "--target", "label", "--time-budget", "0.001"]
            + ["--n-estimators", "2", "--n-jobs", "1", "--cv", "2", *out],
            "--time-budget 0.001 s finished 0 outer fold(s)",
        ),
        (["compare", "--alpha", "1.5", *out], "--alpha values"),
        (["compare", "--gamma", "0.5,-1", *out], "--gamma values"),
        (["compare", "--pos-label", "7", *out], "--pos-label '7'"),
        (["fit", str(good), "--target", "label", "--alpha", "high"], "--alpha"),
        (
            ["predict", "--allow-pickle", str(not_model), str(good)],
            "not a model written by",
        ),
        (
            ["predict", "--allow-pickle", str(text_model), str(good)],
            "cannot load model",
        ),
        (
            ["predict", "--allow-pickle", str(model), str(other)],
            "lacks the model's feature column",
        ),
    ]


def test_every_user_error_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # fit's default -o stays in tmp_path
    cases = _error_cases(tmp_path)
    capsys.readouterr()
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err, (argv, err)
        assert "Traceback" not in err
        assert err.startswith("focalboost: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists()  # no report for a failed compare


def test_parquet_columns_are_typed_from_the_frame(tmp_path, capsys, monkeypatch):
    # Exercises our Parquet path without pyarrow: pandas' reader is replaced by
    # one returning a frame with numeric, nullable, boolean and text columns.
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["n"] = pd.array([1, None] * 100, dtype="Int64")
    frame["flag"] = X[:, 3] > 0
    frame["label"] = np.where(y == 1, "yes", "no")
    monkeypatch.setattr(pd, "read_parquet", lambda path: frame.copy())
    path = tmp_path / "d.parquet"
    path.write_bytes(b"stub")
    model = tmp_path / "m.joblib"
    argv = ["fit", str(path), "--target", "label", "--n-estimators", "3"]
    assert main([*argv, "--n-jobs", "1", "-o", str(model)]) == 0
    bundle = joblib.load(model)
    assert bundle["feature_names"] == ["a", "b", "c", "n", "flag"]
    assert list(bundle["estimator"].classes_) == ["no", "yes"]
    # a text column is fitted as a categorical feature
    frame["c"] = np.where(X[:, 2] > 0, "high", "low")
    assert main([*argv, "--n-jobs", "1", "-o", str(model)]) == 0
    assert joblib.load(model)["estimator"].categories_ == {"c": ["high", "low"]}


def test_parquet_without_pandas_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")
    assert main(["fit", str(path), "--target", "label"]) == 2
    assert "needs pandas and pyarrow" in capsys.readouterr().err


@pytest.mark.skipif(
    importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed"
)
def test_parquet_input(tmp_path, capsys):  # pragma: no cover - needs pyarrow
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    frame = pd.DataFrame(X[:, :4], columns=list("abcd"))
    frame["label"] = y
    frame.to_parquet(tmp_path / "d.parquet")
    model = tmp_path / "m.joblib"
    argv = ["fit", str(tmp_path / "d.parquet"), "--target", "label"]
    assert main([*argv, "--n-estimators", "3", "-o", str(model)]) == 0
    frame["c"] = np.where(frame["c"] > 0, "pos", "neg")  # text: categorical
    frame.to_parquet(tmp_path / "s.parquet")
    argv = ["fit", str(tmp_path / "s.parquet"), "--target", "label"]
    assert main([*argv, "--n-estimators", "3", "-o", str(model)]) == 0
    assert joblib.load(model)["estimator"].categories_ == {"c": ["neg", "pos"]}


def test_text_columns_are_categorical_features(tmp_path, capsys):
    pytest.importorskip("pandas", reason="text columns need pandas")
    rng = np.random.default_rng(0)
    n = 400
    colour = rng.choice(["red", "green", "blue", "NA"], n)
    x = rng.normal(size=n)
    label = np.where((colour == "green") | (x > 1.2), "yes", "no")
    train = tmp_path / "train.csv"
    with open(train, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["x", "colour", "label"])
        writer.writerows(zip(x, colour, label, strict=True))
    model = tmp_path / "m.joblib"
    argv = ["fit", str(train), "--target", "label", "--n-estimators", "20"]
    assert main([*argv, "--n-jobs", "1", "-o", str(model)]) == 0
    clf = joblib.load(model)["estimator"]
    assert clf.categories_ == {"colour": ["blue", "green", "red"]}  # NA: missing
    # predict on a file whose categories come in another order, with an unseen one
    new = tmp_path / "new.csv"
    new.write_text("colour,x\ngreen,0\nyellow,0\nred,0\n")
    out = tmp_path / "p.csv"
    assert (
        main(["predict", "--allow-pickle", str(model), str(new), "-o", str(out)]) == 0
    )
    header, rows = _read_csv(out)
    assert header == ["prediction", "no", "yes"]
    assert [r[0] for r in rows] == ["yes", "no", "no"]
    report = tmp_path / "rep"
    argv = ["compare", str(train), "--target", "label", "--cv", "2"]
    argv += ["--inner-cv", "2", "--quiet"]
    argv += ["--n-estimators", "5", "--gamma", "2", "--alpha", "none"]
    assert main([*argv, "--n-jobs", "1", "--out", str(report)]) == 0
    assert (report / "results.json").exists()
    capsys.readouterr()


def test_text_columns_without_pandas_are_a_clear_error(tmp_path, capsys, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text(
        "x,colour,label\n" + "".join(f"{i},red,{i % 2}\n" for i in range(20))
    )
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert main(["fit", str(path), "--target", "label"]) == 2
    err = capsys.readouterr().err
    assert "non-numeric feature column(s) ['colour']" in err
    assert "install pandas" in err and "Traceback" not in err


# --- nested cross-validation -------------------------------------------------
from focalboost import FocalXGBClassifier  # noqa: E402


class _Recorder:
    """An estimator factory whose models record the rows they see (column 0)."""

    def __init__(self):
        self.fits, self.predictions = [], []

    def __call__(self, backend, **params):
        recorder = self

        class Recording(FocalXGBClassifier):
            def fit(self, X, y, sample_weight=None, **kw):
                recorder.fits.append(set(X[:, 0].astype(int)))
                self._seen = recorder.fits[-1]
                return super().fit(X, y, sample_weight=sample_weight, **kw)

            def predict_proba(self, X):
                recorder.predictions.append((self._seen, set(X[:, 0].astype(int))))
                return super().predict_proba(X)

        params["random_state"] = params.pop("seed")
        params.pop("device", None)
        return Recording(**params)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_nested_cv_never_lets_the_test_fold_influence_tuning(kind):
    from focalboost.cli._compare import run_compare

    rng = np.random.default_rng(0)
    n = 240
    X = np.column_stack([np.arange(n), rng.normal(size=(n, 3))])
    y = (X[:, 1] + rng.normal(size=n) > 1).astype(int)
    if kind == "multilabel":
        y = np.column_stack([y, (X[:, 2] > 0.5).astype(int)])
    recorder = _Recorder()
    result = run_compare(
        X, y, kind=kind, alphas=[None, 0.25], gammas=[2.0], cv=2, inner_cv=3,
        n_estimators=3, n_jobs=1, factory=recorder,
    )  # fmt: skip
    tests = [set(t) for t in result["splits"]]
    assert recorder.fits and len(recorder.fits) == result["n_fits"]
    for test_rows in tests:
        train_rows = set(range(n)) - test_rows
        # no model that predicts a row of this fold's training part (tuning)
        # or of its test part (scoring) was fitted on a row of the test part
        mine = [(fit, rows) for fit, rows in recorder.predictions if fit <= train_rows]
        tuning = [(fit, rows) for fit, rows in mine if rows <= train_rows]
        scoring = [(fit, rows) for fit, rows in mine if rows == test_rows]
        assert tuning and all(
            fit < train_rows and not fit & rows for fit, rows in tuning
        )
        # the test fold is predicted only by models fitted on the whole
        # training part: log loss, balanced, and the tuned arms' new points
        assert 2 <= len(scoring) <= 4 and all(fit == train_rows for fit, _ in scoring)
    for fold in result["backends"]["xgboost"]["folds"]:
        assert fold["chosen"]["name"] in {c["name"] for c in result["grid"]}
        assert set(fold["inner_pr_auc"]) == {c["name"] for c in result["grid"]}


def _numbers(results):
    """results.json without what a run's timing and process layout change."""
    volatile = {"fit_s", "total_s", "processes", "threads_per_fit", "n_jobs"}

    def strip(obj):
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k not in volatile}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    out = strip(results)
    for arm in out["backends"]["xgboost"]["summary"]["arms"].values():
        arm.pop("fit_s", None)
    return out


def test_parallel_fits_give_the_serial_run_s_numbers(tmp_path, capsys):
    data = tmp_path / "small.csv"
    _write_csv(data, n_samples=400)
    runs = {}
    for n_jobs in ("1", "2"):
        out = tmp_path / f"r{n_jobs}"
        argv = ["compare", str(data), "--target", "label", "--out", str(out)]
        argv += ["--n-estimators", "8", "--cv", "3", "--inner-cv", "2", "--quiet"]
        argv += ["--alpha", "none,0.25", "--gamma", "2", "--n-jobs", n_jobs]
        assert main(argv) == 0
        runs[n_jobs] = json.loads((out / "results.json").read_text())
    capsys.readouterr()
    assert (runs["1"]["processes"], runs["2"]["processes"]) == (1, 2)
    assert runs["1"]["threads_per_fit"] == runs["2"]["threads_per_fit"] == 1
    assert _numbers(runs["1"]) == _numbers(runs["2"])  # bit for bit


def test_time_budget_keeps_the_finished_outer_folds(monkeypatch):
    from types import SimpleNamespace

    from focalboost.cli import _compare
    from focalboost.cli._compare import run_compare

    clock = [0.0]
    monkeypatch.setattr(
        _compare, "time", SimpleNamespace(perf_counter=lambda: clock[0])
    )

    def one_second_fits(backend, **params):
        clock[0] += 1.0  # every fit "takes" one second
        return make_estimator(backend, **params)

    X, y = make_classification(300, n_features=4, weights=[0.8], random_state=0)
    kwargs = dict(kind="binary", alphas=[None], gammas=[2.0], cv=4, inner_cv=2)
    kwargs.update(n_estimators=3, n_jobs=1, factory=one_second_fits)
    # a fold: 3 configs x 2 inner fits, 2 to 3 outer fits: 8 or 9 "seconds"
    result = run_compare(X, y, time_budget=20, **kwargs)
    folds = result["backends"]["xgboost"]["folds"]
    assert [f["outer_fold"] for f in folds] == [0, 1]
    assert result["stopped"] == {
        "time_budget_s": 20,
        "outer_folds_done": {"xgboost": 2},
        "outer_folds_planned": 4,
    }
    assert result["backends"]["xgboost"]["summary"]["verdicts"][0]["n"] == 2
    clock[0] = 0.0
    assert run_compare(X, y, time_budget=1000, **kwargs)["stopped"] is None
    clock[0] = 0.0
    with pytest.raises(_compare.TimeBudgetError, match="finished 0 outer fold"):
        run_compare(X, y, time_budget=3, **kwargs)


def test_wide_data_gets_threads_per_fit_in_worker_processes(monkeypatch):
    """Above CELLS_PER_THREAD cells a fit gets threads, in a worker process.

    The main process's environment is left as it was (the workers' OpenMP
    settings are set only while they start).
    """
    from focalboost.cli import _compare
    from focalboost.cli._compare import run_compare

    monkeypatch.setattr(_compare, "CELLS_PER_THREAD", 100)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    before = dict(os.environ)
    X, y = make_classification(200, n_features=4, weights=[0.8], random_state=0)
    kwargs = dict(kind="binary", alphas=[None], gammas=[2.0], cv=2, inner_cv=2)
    kwargs.update(n_estimators=4)
    result = run_compare(X, y, n_jobs=2, **kwargs)
    assert (result["processes"], result["threads_per_fit"]) == (1, 2)
    assert dict(os.environ) == before
    serial = run_compare(X, y, n_jobs=1, **kwargs)
    assert serial["threads_per_fit"] == 1
    got = result["backends"]["xgboost"]["summary"]["verdicts"]
    want = serial["backends"]["xgboost"]["summary"]["verdicts"]
    assert [v["mean_difference"] for v in got] == pytest.approx(
        [v["mean_difference"] for v in want], abs=1e-12
    )
