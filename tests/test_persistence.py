"""Persistence: pickle/joblib and the backends' native formats lose nothing."""

import json
import pickle
from pathlib import Path

import joblib
import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.exceptions import NotFittedError

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

pd = pytest.importorskip("pandas", reason="pandas is needed for DataFrame inputs")

FIXTURES = Path(__file__).parent / "data" / "persistence"
BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
FORMATS = {FocalXGBClassifier: ["model.json", "model.ubj", "model.bin"]}
FORMATS[FocalLGBMClassifier] = ["model.txt"]


def _data(target):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    k = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    y = {
        "binary-strings": np.array(["neg", "pos"])[(k > 0).astype(int)],
        "binary-bools": k > 0,
        "multiclass-ints": k * 10,
        "multilabel": np.c_[k == 0, X[:, 2] > 0, k == 2].astype(np.int8),
    }[target]
    return X, y


TARGETS = ["binary-strings", "binary-bools", "multiclass-ints", "multilabel"]
PARAMS = {
    "n_estimators": 8,
    "alpha": "balanced",
    "gamma": 1.5,
    "hessian": "clipped",
    "probability": "focal",
    "random_state": 0,
    "n_jobs": 1,
}


def _assert_same_predictions(a, b, X):
    for method in ("decision_function", "predict_proba", "predict"):
        got, want = getattr(b, method)(X), getattr(a, method)(X)
        assert got.dtype == want.dtype, method
        np.testing.assert_array_equal(got, want, err_msg=method)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("target", TARGETS)
def test_pickle_and_joblib_round_trips(cls, target, tmp_path):
    X, y = _data(target)
    model = cls(**PARAMS).fit(X, y)
    _assert_same_predictions(model, pickle.loads(pickle.dumps(model)), X)
    joblib.dump(model, tmp_path / "m.joblib")
    _assert_same_predictions(model, joblib.load(tmp_path / "m.joblib"), X)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("target", TARGETS)
def test_native_save_load_is_bit_identical(cls, target, tmp_path):
    X, y = _data(target)
    model = cls(**PARAMS).fit(X, y)
    for name in FORMATS[cls]:
        model.save_model(tmp_path / name)
        loaded = cls().load_model(tmp_path / name)
        assert loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
        assert loaded.classes_.dtype == model.classes_.dtype
        np.testing.assert_array_equal(loaded.intercept_, model.intercept_)
        assert loaded.target_type_ == model.target_type_
        _assert_same_predictions(model, loaded, X)
        # the probability link is a parameter: switching it works after loading
        loaded.set_params(probability="posterior")
        model.set_params(probability="posterior")
        _assert_same_predictions(model, loaded, X)
        model.set_params(probability="focal")


@pytest.mark.parametrize("cls", BACKENDS)
def test_native_file_alone_predicts_the_full_margin(cls, tmp_path):
    """The backend's own loader gets trees and intercept (best round only)."""
    X, y = _data("multiclass-ints")
    fit_X, val_X, fit_y, val_y = X[:200], X[200:], y[:200], y[200:]
    model = cls(
        n_estimators=200, learning_rate=0.5, early_stopping_rounds=3, random_state=0
    ).fit(fit_X, fit_y, eval_set=[(val_X, val_y)])
    assert model.best_iteration_ < 199  # stopped early: the file holds fewer
    path = tmp_path / FORMATS[cls][0]
    model.save_model(path)
    margin = model.set_params(probability="focal").decision_function(X)
    if cls is FocalXGBClassifier:
        native = xgb.Booster(model_file=str(path)).inplace_predict(
            X, predict_type="margin"
        )
    else:
        native = lgb.Booster(model_file=str(path)).predict(X, raw_score=True)
    np.testing.assert_array_equal(native, margin)


@pytest.mark.parametrize("cls", BACKENDS)
def test_categories_and_feature_names_survive(cls, tmp_path):
    rng = np.random.default_rng(0)
    city = rng.choice(["a", "b", "c"], 400)
    df = pd.DataFrame({"x": rng.normal(size=400), "city": pd.Categorical(city)})
    y = (city == "b").astype(int)
    model = cls(n_estimators=5, random_state=0).fit(df, y)
    path = tmp_path / FORMATS[cls][0]
    model.save_model(path)
    loaded = cls().load_model(path)
    assert loaded.categories_ == {"city": ["a", "b", "c"]}
    assert list(loaded.feature_names_in_) == ["x", "city"]
    _assert_same_predictions(model, loaded, df)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(df.rename(columns={"x": "w"}))


@pytest.mark.parametrize("cls", BACKENDS)
def test_zero_tree_model_round_trips(cls, tmp_path):
    X, y = _data("binary-strings")
    model = cls(n_estimators=0).fit(X, y)
    path = tmp_path / FORMATS[cls][0]
    model.save_model(path)
    _assert_same_predictions(model, cls().load_model(path), X)


@pytest.mark.parametrize("cls", BACKENDS)
def test_load_errors_are_clear(cls, tmp_path):
    X, y = _data("binary-strings")
    with pytest.raises(NotFittedError):
        cls().save_model(tmp_path / "x")
    with pytest.raises(ValueError, match="cannot read"):
        cls().load_model(tmp_path / "missing.model")
    (tmp_path / "junk.txt").write_text("hello\n")
    est = cls()
    with pytest.raises(ValueError, match="junk.txt"):
        est.load_model(tmp_path / "junk.txt")
    assert not hasattr(est, "booster_")
    other = FocalLGBMClassifier if cls is FocalXGBClassifier else FocalXGBClassifier
    path = tmp_path / FORMATS[other][0]
    other(n_estimators=2).fit(X, y).save_model(path)
    with pytest.raises(ValueError, match="not a|holds a"):
        cls().load_model(path)


def test_a_plain_backend_model_is_refused(tmp_path):
    X, y = _data("binary-bools")
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, y), 2)
    booster.save_model(tmp_path / "plain.json")
    with pytest.raises(ValueError, match="not a focalboost model file"):
        FocalXGBClassifier().load_model(tmp_path / "plain.json")


def test_unstorable_parameters_say_to_pickle(tmp_path):
    X, y = _data("binary-bools")
    model = FocalXGBClassifier(n_estimators=2, eval_metric=lambda *a: 0.0)
    model.fit(X, y)
    with pytest.raises(TypeError, match="eval_metric.*pickle"):
        model.save_model(tmp_path / "m.json")


def test_callbacks_are_not_stored_as_the_backends_save_model(tmp_path):
    # XGBClassifier.save_model keeps no callbacks either: a model fitted with
    # callback objects saves, and loads with callbacks=None, the same model
    X, y = _data("binary-bools")
    stop = xgb.callback.EarlyStopping(rounds=2)
    model = FocalXGBClassifier(n_estimators=20, callbacks=[stop], n_jobs=1)
    model.fit(X, y, eval_set=[(X, y)], verbose=False)
    model.save_model(tmp_path / "m.json")
    loaded = FocalXGBClassifier().load_model(tmp_path / "m.json")
    assert loaded.get_params()["callbacks"] is None
    _assert_same_predictions(model, loaded, X)
    reference = xgb.XGBClassifier(n_estimators=20, callbacks=[stop])
    reference.fit(X, y, eval_set=[(X, y)], verbose=False)
    reference.save_model(tmp_path / "x.json")
    native = xgb.XGBClassifier()
    native.load_model(tmp_path / "x.json")
    assert native.get_params()["callbacks"] is None


# -------------------------------------------- files written by this version
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _fixture_rows(categorical):
    rows = EXPECTED["rows"]
    x = np.array([np.nan if v is None else v for v in rows["x"]])
    frame = pd.DataFrame(
        {"x": x, "city": pd.Categorical(rows["city"]), "z": np.array(rows["z"])}
    )
    if categorical:
        return frame
    codes = pd.Categorical(rows["city"], categories=["lille", "lyon", "nice", "paris"])
    return frame.assign(city=codes.codes.astype(float)).to_numpy()


@pytest.mark.parametrize("name", sorted(EXPECTED["models"]))
def test_committed_model_files_still_load_and_predict(name):
    """Guards the format: files saved by this version must keep working."""
    cls = FocalXGBClassifier if name.startswith("xgb") else FocalLGBMClassifier
    spec = EXPECTED["models"][name]
    model = cls().load_model(FIXTURES / name)
    assert {"alpha": model.alpha, "gamma": model.gamma} == spec["params"]
    X = _fixture_rows(spec["categorical"])
    for method in ("decision_function", "predict_proba"):
        np.testing.assert_allclose(
            getattr(model, method)(X), spec[method], rtol=1e-12, atol=0, err_msg=method
        )
    assert model.predict(X).tolist() == spec["predict"]


# the eval set has one class on purpose: scikit-learn warns that AUC is undefined
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("cls", BACKENDS)
def test_non_finite_eval_history_round_trips(cls, tmp_path):
    X, y = _data("binary-bools")
    positives = (X[y], y[y])  # one class: the AUC is NaN every round
    model = cls(n_estimators=3, eval_metric="roc_auc").fit(X, y, eval_set=[positives])
    name = "valid_0" if cls is FocalLGBMClassifier else "validation_0"  # backend's
    assert np.isnan(model.evals_result_[name]["roc_auc"]).all()
    path = tmp_path / FORMATS[cls][0]
    model.save_model(path)
    loaded = cls().load_model(path)
    assert np.isnan(loaded.evals_result_[name]["roc_auc"]).all()
    _assert_same_predictions(model, loaded, X)


@pytest.mark.parametrize("cls", BACKENDS)
def test_failed_load_keeps_the_estimator_as_it_was(cls, tmp_path):
    X, y = _data("binary-bools")
    model = cls(n_estimators=3).fit(X, y)
    before = model.decision_function(X)
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, y), 2)
    booster.save_model(tmp_path / "plain.json")
    for bad in ("plain.json", "missing.txt"):
        with pytest.raises(ValueError):
            model.load_model(tmp_path / bad)
        np.testing.assert_array_equal(model.decision_function(X), before)


def test_unstorable_categories_say_which_column(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    df = pd.DataFrame({"x": x, "bin": pd.cut(x, [-10, -1, 0, 1, 10])})
    model = FocalXGBClassifier(n_estimators=2).fit(df, (x > 0).astype(int))
    with pytest.raises(TypeError, match=r"categories of X column 'bin'.*pickle"):
        model.save_model(tmp_path / "m.json")
