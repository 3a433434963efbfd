"""``focalboost fit`` / ``predict`` store and read safe formats; pickles need a flag.

The references: the backends' own loaders on the native file, the estimator's
``predict_proba`` on the same rows, and a marker file that a crafted pickle's
payload would create if anything ran it.
"""

import csv
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import xgboost as xgb

from focalboost import FocalLGBMClassifier, FocalXGBClassifier
from focalboost.cli import main


def _write_csv(path, X, y, header):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row, label in zip(X, y, strict=True):
            w.writerow([*row, label])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)).round(4)
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=300) > 0.8, "fraud", "ok")
    path = tmp / "train.csv"
    _write_csv(path, X, y, ["a", "b", "c", "label"])
    return path, X, y


def _predictions(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    proba = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    return rows[0], [r[0] for r in rows[1:]], proba


@pytest.mark.parametrize(
    ("backend", "suffix", "cls"),
    [
        ("xgboost", "json", FocalXGBClassifier),
        ("xgboost", "ubj", FocalXGBClassifier),
        ("lightgbm", "txt", FocalLGBMClassifier),
        ("xgboost", "skops", FocalXGBClassifier),
        ("lightgbm", "skops", FocalLGBMClassifier),
    ],
)
def test_fit_writes_safe_formats_that_predict_reads(
    data, tmp_path, backend, suffix, cls
):
    pytest.importorskip("skops", reason="the .skops format needs skops")
    train, X, y = data
    model = tmp_path / f"model.{suffix}"
    argv = ["fit", str(train), "--target", "label", "--backend", backend]
    assert (
        main([*argv, "--alpha", "0.25", "--n-estimators", "5", "-o", str(model)]) == 0
    )
    if suffix != "skops":
        # the native file itself, loaded by focalboost's own load_model
        clf = cls().load_model(model)
        assert clf.alpha == 0.25 and list(clf.feature_names_in_) == ["a", "b", "c"]
    if suffix == "json":  # the backend's own loader reads it too
        assert xgb.Booster(model_file=str(model)).attr("focalboost_metadata")
    pred = tmp_path / "p.csv"
    assert main(["predict", str(model), str(train), "-o", str(pred)]) == 0
    header, labels, proba = _predictions(pred)
    assert header == ["prediction", "fraud", "ok"]
    if suffix != "skops":
        import pandas as pd

        frame = pd.DataFrame(X, columns=["a", "b", "c"])
        np.testing.assert_allclose(proba, clf.predict_proba(frame), rtol=1e-12)
        assert labels == list(clf.predict(frame))
    assert set(labels) <= {"fraud", "ok"}


def test_native_suffix_must_match_the_backend(data, tmp_path, capsys):
    train, _, _ = data
    argv = ["fit", str(train), "--target", "label", "--backend", "lightgbm"]
    assert main([*argv, "-o", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err
    assert "xgboost's native model format" in err and err.count("\n") == 1
    assert main([*argv, "-o", str(tmp_path / "m.bin")]) == 2
    assert "must end in" in capsys.readouterr().err


class _Payload:
    """Unpickling this creates ``path`` (as any code a pickle holds would run)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["evil.joblib", "evil.pkl", "evil.skops", "evil.json"])
@pytest.mark.parametrize("writer", ["pickle", "joblib"])
def test_crafted_pickle_is_refused_without_running_it(
    data, tmp_path, capsys, name, writer
):
    train, _, _ = data
    marker = tmp_path / "code_ran"
    evil = tmp_path / name
    if writer == "pickle":
        evil.write_bytes(pickle.dumps(_Payload(marker)))
    else:
        joblib.dump(_Payload(marker), evil)
    # the payload works: loading it as a pickle would create the marker
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe))).close()
    assert probe.exists()
    assert main(["predict", str(evil), str(train), "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert not marker.exists()  # nothing ran
    assert err.count("\n") == 1 and err.startswith("focalboost: error: ")
    assert "--allow-pickle" in err or "not a focalboost model" in err


def test_allow_pickle_loads_a_trusted_pickle(data, tmp_path, capsys):
    train, _, _ = data
    model = tmp_path / "m.joblib"
    argv = ["fit", str(train), "--target", "label", "--n-estimators", "3"]
    assert main([*argv, "-o", str(model)]) == 0
    assert "--allow-pickle" in capsys.readouterr().out
    pred = tmp_path / "p.csv"
    assert main(["predict", str(model), str(train), "-o", str(pred)]) == 2
    assert "runs any code" in capsys.readouterr().err
    argv = ["predict", "--allow-pickle", str(model), str(train), "-o", str(pred)]
    assert main(argv) == 0
    clf = joblib.load(model)["estimator"]
    _, labels, proba = _predictions(pred)
    np.testing.assert_allclose(proba, clf.predict_proba(data[1]), rtol=1e-12)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"label,a\n1,2\n", "not a focalboost model file"),
        (b"{not json", "cannot load model"),
        (b"tree\nversion=v4\n", "cannot load model"),
        (b"PK\x03\x04garbage", "cannot load model"),
        (b"", "not a focalboost model file"),
    ],
    ids=["csv", "bad-json", "bad-lightgbm", "bad-zip", "empty"],
)
def test_a_file_that_is_no_model_is_one_line_exit_2(
    data, tmp_path, capsys, content, message
):
    train, _, _ = data
    path = tmp_path / "model.bin"
    path.write_bytes(content)
    assert main(["predict", str(path), str(train), "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_foreign_xgboost_model_is_refused_clearly(data, tmp_path, capsys):
    train, X, y = data
    path = tmp_path / "plain.json"
    xgb.XGBClassifier(n_estimators=2).fit(X, y == "fraud").save_model(path)
    assert main(["predict", str(path), str(train), "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "not a focalboost model file" in err and err.count("\n") == 1


def test_help_states_the_pickle_risk():
    out = subprocess.run(
        [sys.executable, "-m", "focalboost", "predict", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = " ".join(out.split())
    assert "--allow-pickle" in text and "runs any code" in text
