"""Behaviour of FocalXGBClassifier / FocalLGBMClassifier against references."""

import pickle

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from scipy.special import expit
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from focalboost import (
    BinaryFocalLoss,
    FocalLGBMClassifier,
    FocalXGBClassifier,
    _objective,
)
from focalboost.losses import HESSIAN_FLOOR

# every test here runs on the kernel's 1- and 8-thread paths and on numpy's
pytestmark = pytest.mark.usefixtures("kernel_path")

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=600, n_features=8, weights=[0.85], random_state=0
    )
    return X, y


def _first_set(clf):
    """The backend's name of the first evaluation set."""
    return "valid_0" if isinstance(clf, FocalLGBMClassifier) else "validation_0"


def _best_round(clf):
    """0-based best round (LightGBM's best_iteration_ is 1-based)."""
    if isinstance(clf, FocalLGBMClassifier):
        return clf.best_iteration_ - 1
    return clf.best_iteration_


def _staged_margin(clf, X, n_rounds):
    """Margin after ``n_rounds`` trees, computed from the booster directly."""
    if isinstance(clf, FocalXGBClassifier):
        return clf.booster_.predict(
            xgb.DMatrix(X), output_margin=True, iteration_range=(0, n_rounds)
        ).astype(np.float64)
    # LightGBM: the intercept is folded into the first round's leaves
    return clf.booster_.predict(X, raw_score=True, num_iteration=n_rounds)


# ---------------------------------------------------------------- intercept
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("alpha", [None, 0.25, "balanced"])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_zero_trees_predict_the_focal_optimal_constant(cls, alpha, gamma, data):
    X, y = data
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=y.shape[0])
    clf = cls(alpha=alpha, gamma=gamma, n_estimators=0, probability="focal")
    clf.fit(X, y, sample_weight=w)
    a1 = np.sum(w * (y == 0)) / np.sum(w) if alpha == "balanced" else alpha
    expected = BinaryFocalLoss(a1, gamma).fit_intercept_only(y, w)
    assert clf.intercept_ == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(
        clf.decision_function(X), expected, rtol=1e-12, atol=1e-12
    )
    if gamma == 0.0 and alpha is None:  # log loss: the weighted log-odds
        p = np.average(y, weights=w)
        assert expected == pytest.approx(np.log(p / (1 - p)), rel=1e-10)


def test_both_backends_agree_on_intercept_and_first_gradients(data, monkeypatch):
    X, y = data
    calls = {}
    original = _objective.FocalObjective.gradient_hessian

    def recording(self, raw_prediction, out=None):
        g, h = original(self, raw_prediction, out)
        # copies: the adapters write the next round into the same arrays
        calls.setdefault(
            type(self).__name__, (np.array(raw_prediction), g.copy(), h.copy())
        )
        return g, h

    monkeypatch.setattr(_objective.FocalObjective, "gradient_hessian", recording)
    w = np.random.default_rng(1).integers(1, 4, size=y.shape[0]).astype(float)
    kw = {"alpha": 0.3, "gamma": 2.0, "n_estimators": 2}
    xgb_clf = FocalXGBClassifier(**kw).fit(X, y, sample_weight=w)
    lgb_clf = FocalLGBMClassifier(**kw).fit(X, y, sample_weight=w)
    assert xgb_clf.intercept_ == lgb_clf.intercept_
    z_x, g_x, h_x = calls["XGBoostObjective"]
    z_l, g_l, h_l = calls["LightGBMObjective"]
    # both start from the focal-optimal constant (XGBoost's margin is float32)
    np.testing.assert_allclose(z_x, lgb_clf.intercept_, rtol=1e-6)
    np.testing.assert_allclose(z_l, lgb_clf.intercept_, rtol=1e-12)
    np.testing.assert_allclose(g_x, g_l, rtol=1e-5)
    np.testing.assert_allclose(h_x, h_l, rtol=1e-5)
    # ... and the weighted gradient sums to zero there (it is the optimum):
    # in float64, and within the float32 rounding of what LightGBM is given
    y01 = (np.asarray(y) == lgb_clf.classes_[1]).astype(float)
    margin = np.full(y01.shape, lgb_clf.intercept_)
    g64 = BinaryFocalLoss(alpha=0.3, gamma=2.0).gradient(y01, margin, w)
    assert abs(g64.sum()) < 1e-9 * np.abs(g64).sum()
    g_sum = g_l.sum(dtype=np.float64)
    assert abs(g_sum) <= 2.0**-24 * np.abs(g_l).sum(dtype=np.float64)


# ------------------------------------------ gamma=0 equals built-in log loss
def test_gamma0_xgboost_matches_builtin_binary_logistic(data):
    X, y = data
    params = {"n_estimators": 20, "max_depth": 3, "min_child_weight": 1.0}
    clf = FocalXGBClassifier(gamma=0.0, **params).fit(X, y)
    booster = xgb.train(
        {
            "objective": "binary:logistic",
            "base_score": float(y.mean()),
            "max_depth": 3,
            "min_child_weight": 1.0,
            "eta": 0.3,
            "tree_method": "hist",
        },
        xgb.QuantileDMatrix(X, label=y),
        num_boost_round=20,
    )
    ref = booster.predict(xgb.DMatrix(X), output_margin=True)
    np.testing.assert_allclose(clf.decision_function(X), ref, rtol=1e-4, atol=1e-4)


def test_gamma0_lightgbm_matches_builtin_binary(data):
    X, y = data
    clf = FocalLGBMClassifier(gamma=0.0, n_estimators=20).fit(X, y)
    booster = lgb.train(
        {"objective": "binary", "verbosity": -1, "feature_pre_filter": False},
        lgb.Dataset(X, label=y),
        num_boost_round=20,
    )
    ref = booster.predict(X, raw_score=True)
    np.testing.assert_allclose(clf.decision_function(X), ref, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------- weights in objective
@pytest.mark.parametrize("cls", BACKENDS)
def test_sample_weight_scales_objective_not_only_sketch(cls, data):
    X, y = data
    w = np.where(y == 1, 5.0, 1.0)
    a = cls(n_estimators=10, random_state=0).fit(X, y, sample_weight=w)
    b = cls(n_estimators=10, random_state=0).fit(X, y)
    assert a.intercept_ > b.intercept_  # positives pulled up
    assert np.mean(a.predict_proba(X)[:, 1]) > np.mean(b.predict_proba(X)[:, 1])


@pytest.mark.parametrize("cls", BACKENDS)
def test_hessian_policies_train_different_models(cls, data):
    X, y = data
    kw = {"n_estimators": 30, "gamma": 2.0, "random_state": 0}
    s = cls(hessian="surrogate", **kw).fit(X, y).decision_function(X)
    c = cls(hessian="clipped", **kw).fit(X, y).decision_function(X)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(c))
    assert not np.allclose(s, c)


def test_clipped_policy_floor_reaches_the_booster(monkeypatch):
    seen = []
    original = _objective.FocalObjective.gradient_hessian

    def recording(self, raw_prediction, out=None):
        g, h = original(self, raw_prediction, out)
        seen.append(h.copy())  # the next round is written into the same array
        return g, h

    monkeypatch.setattr(_objective.FocalObjective, "gradient_hessian", recording)
    # separable data with flipped labels: confidently wrong samples appear
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(int)
    y[:10] = 1 - y[:10]
    FocalLGBMClassifier(hessian="clipped", n_estimators=40, learning_rate=0.5).fit(X, y)
    h = np.concatenate(seen)
    assert h.min() == HESSIAN_FLOOR


# ------------------------------------------------------------- eval + ES
@pytest.mark.parametrize("cls", BACKENDS)
def test_eval_history_uses_intercept_on_eval_sets(cls, data):
    X, y = data
    X_tr, y_tr, X_va, y_va = X[:400], y[:400], X[400:], y[400:]
    clf = cls(alpha=0.25, n_estimators=5, eval_metric="focal")
    clf.fit(X_tr, y_tr, eval_set=[(X_va, y_va)])
    hist = clf.evals_result_[_first_set(clf)]["focal"]
    assert len(hist) == 5
    loss = BinaryFocalLoss(0.25, 2.0)
    for k in (1, 5):
        expected = loss.loss(y_va, _staged_margin(clf, X_va, k)).mean()
        assert hist[k - 1] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize(
    ("metric", "best"),
    [("focal", np.argmin), ("average_precision", np.argmax), ("logloss", np.argmin)],
)
def test_early_stopping_direction_and_best_iteration(cls, metric, best, data):
    X, y = data
    X_tr, y_tr, X_va, y_va = X[:300], y[:300], X[300:], y[300:]
    # LightGBM stops on any recorded metric (the focal loss is recorded
    # too) unless first_metric_only, as lightgbm.early_stopping
    only = {"first_metric_only": True} if cls is FocalLGBMClassifier else {}
    clf = cls(
        n_estimators=300,
        learning_rate=0.3,
        early_stopping_rounds=10,
        eval_metric=metric,
        probability="focal",  # decision_function is then the booster margin
        **only,
    ).fit(X_tr, y_tr, eval_set=[(X_va, y_va)])
    hist = np.asarray(clf.evals_result_[_first_set(clf)][metric])
    assert len(hist) < 300  # it stopped
    assert _best_round(clf) == int(best(hist))
    np.testing.assert_allclose(
        clf.decision_function(X_va),
        _staged_margin(clf, X_va, _best_round(clf) + 1),
        rtol=1e-6,
    )


def test_callable_eval_metric_is_minimised(data):
    X, y = data

    def brier(y_true, proba, sample_weight=None):
        return float(np.average((proba - y_true) ** 2, weights=sample_weight))

    clf = FocalXGBClassifier(n_estimators=50, eval_metric=brier).fit(
        X[:400], y[:400], eval_set=[(X[400:], y[400:])]
    )
    assert len(clf.evals_result_["validation_0"]["brier"]) == 50


# ---------------------------------------------------------------- labels
LABELS = [
    pytest.param(np.array(["ham", "spam"]), id="strings"),
    pytest.param(np.array([1, 2]), id="one-two"),
    pytest.param(np.array([False, True]), id="bools"),
    pytest.param(np.array([-1.0, 1.0]), id="minus-plus"),
]


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("labels", LABELS)
def test_any_binary_labels(cls, labels, data):
    X, y = data
    y_lab = labels[y]
    clf = cls(n_estimators=10).fit(X, y_lab)
    np.testing.assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X)
    assert pred.dtype == y_lab.dtype
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(pred, clf.classes_[np.argmax(proba, axis=1)])
    np.testing.assert_allclose(proba[:, 1], expit(clf.decision_function(X)))
    assert (pred == y_lab).mean() > 0.9


# ---------------------------------------------------- pipeline + grid search
@pytest.mark.parametrize("cls", BACKENDS)
def test_pipeline_gridsearch_on_dataframe_with_string_labels(cls):
    pd = pytest.importorskip("pandas")
    X, y = make_classification(
        n_samples=400, n_features=6, weights=[0.8], random_state=3
    )
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    y = pd.Series(np.where(y == 1, "fraud", "ok"))
    pipe = Pipeline(
        [("scale", StandardScaler()), ("clf", cls(n_estimators=20, n_jobs=1))]
    ).set_output(transform="pandas")
    search = GridSearchCV(
        pipe,
        param_grid={"clf__alpha": [None, 0.25, 0.75], "clf__gamma": [0.0, 2.0]},
        # string labels: the built-in "average_precision" scorer assumes
        # pos_label=1, so name the positive class explicitly
        scoring=make_scorer(
            average_precision_score, response_method="predict_proba", pos_label="fraud"
        ),
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )
    search.fit(X, y)
    assert set(search.cv_results_["param_clf__gamma"]) == {0.0, 2.0}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.6
    clf = search.best_estimator_[-1]
    np.testing.assert_array_equal(clf.classes_, ["fraud", "ok"])
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    assert set(search.predict(X)) <= {"fraud", "ok"}


# ------------------------------------------------------------ persistence
@pytest.mark.parametrize("cls", BACKENDS)
def test_pickle_round_trip_predicts_identically(cls, data):
    X, y = data
    clf = cls(alpha=0.25, n_estimators=10).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.decision_function(X), clf.decision_function(X))


def test_xgboost_saved_booster_keeps_the_intercept(data, tmp_path):
    X, y = data
    clf = FocalXGBClassifier(alpha=0.25, n_estimators=10, probability="focal")
    clf.fit(X, y)
    path = tmp_path / "model.json"
    clf.booster_.save_model(path)
    loaded = xgb.Booster(model_file=path)
    margin = loaded.inplace_predict(X, predict_type="margin")
    np.testing.assert_array_equal(margin, clf.decision_function(X).astype(np.float32))


def test_xgboost_saved_intercept_only_model_predicts_the_intercept(data, tmp_path):
    X, y = data
    clf = FocalXGBClassifier(alpha=0.25, n_estimators=0).fit(X, y)
    path = tmp_path / "model.json"
    clf.booster_.save_model(path)
    margin = xgb.Booster(model_file=path).inplace_predict(X, predict_type="margin")
    np.testing.assert_allclose(margin, clf.intercept_, rtol=1e-6)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_lightgbm_saved_booster_keeps_the_intercept(task, tmp_path):
    # LightGBM does not save init_score; the intercept lives in the first
    # round's leaves, so a booster reloaded from its text file predicts the
    # estimator's margin, early stopping included
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    if task == "binary":
        y = (X[:, 0] + rng.normal(size=400) > 1.2).astype(int)
    elif task == "multiclass":
        y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=400), [-0.8, 0.9])
    else:
        y = (X[:, :3] + rng.normal(size=(400, 3)) > [1.0, 0.0, 1.5]).astype(int)
    clf = FocalLGBMClassifier(
        alpha=0.25, n_estimators=60, early_stopping_rounds=5, probability="focal"
    ).fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])])
    assert np.all(np.abs(clf.intercept_) > 0.05)  # a non-trivial constant
    path = tmp_path / "model.txt"
    clf.booster_.save_model(path, num_iteration=clf.best_iteration_ + 1)
    raw = lgb.Booster(model_file=path).predict(X, raw_score=True)
    margin = clf.decision_function(X)
    np.testing.assert_allclose(
        raw.reshape(margin.shape), margin, rtol=1e-12, atol=1e-12
    )
