"""Multiclass (softmax focal) and multi-label (sigmoid focal) estimators."""

import pickle

import numpy as np
import pytest
import xgboost as xgb
from scipy.special import expit, softmax
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from focalboost import FocalLGBMClassifier, FocalXGBClassifier, _objective
from focalboost.losses import MultiLabelFocalLoss, SoftmaxFocalLoss

# every test here runs on the kernel's 1- and 8-thread paths and on numpy's
pytestmark = pytest.mark.usefixtures("kernel_path")

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(
        n_samples=600,
        n_features=10,
        n_informative=6,
        n_classes=4,
        weights=[0.55, 0.25, 0.15, 0.05],
        random_state=0,
    )
    return X, np.array(["cat", "dog", "emu", "yak"])[y]


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=500, n_features=10, n_classes=4, n_labels=1, random_state=0
    )
    return X, Y


def _staged(clf, X, k):
    """Margins after k rounds straight from the booster (intercept included)."""
    if isinstance(clf, FocalXGBClassifier):
        return clf.booster_.predict(
            xgb.DMatrix(X), output_margin=True, iteration_range=(0, k)
        ).astype(np.float64)
    return clf.booster_.predict(X, raw_score=True, num_iteration=k)  # intercept in


# ------------------------------------------------------------ shapes, labels
@pytest.mark.parametrize("cls", BACKENDS)
def test_multiclass_outputs(cls, multiclass):
    X, y = multiclass
    clf = cls(n_estimators=30).fit(X, y)
    assert clf.target_type_ == "multiclass"
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu", "yak"])
    margin = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert margin.shape == proba.shape == (600, 4)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(proba, softmax(margin, axis=1), rtol=1e-12)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(proba, axis=1)]
    )
    assert (clf.predict(X) == y).mean() > 0.8


@pytest.mark.parametrize("cls", BACKENDS)
def test_multilabel_outputs(cls, multilabel):
    X, Y = multilabel
    clf = cls(n_estimators=30).fit(X, Y)
    assert clf.target_type_ == "multilabel-indicator"
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    margin = clf.decision_function(X)
    proba = clf.predict_proba(X)
    pred = clf.predict(X)
    assert margin.shape == proba.shape == pred.shape == (500, 4)
    assert pred.dtype == Y.dtype
    np.testing.assert_allclose(proba, expit(margin), rtol=1e-12)
    np.testing.assert_array_equal(pred, (margin > 0).astype(Y.dtype))
    assert (pred == Y).mean() > 0.85


@pytest.mark.parametrize("strategy", ["one_output_per_tree", "multi_output_tree"])
def test_xgboost_multi_strategy(strategy, multilabel):
    X, Y = multilabel
    clf = FocalXGBClassifier(n_estimators=20, multi_strategy=strategy).fit(X, Y)
    n_trees = len(clf.booster_.get_dump())
    assert n_trees == (20 * 4 if strategy == "one_output_per_tree" else 20)
    assert np.all(np.isfinite(clf.decision_function(X)))
    assert (clf.predict(X) == Y).mean() > 0.85


# -------------------------------------------------------------- intercept
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("alpha", [None, "balanced", [1.0, 2.0, 0.5, 3.0]])
def test_multiclass_zero_trees_predict_the_focal_optimal_vector(cls, alpha, multiclass):
    X, y = multiclass
    clf = cls(alpha=alpha, n_estimators=0, probability="focal").fit(X, y)
    y_idx = np.searchsorted(clf.classes_, y)
    if alpha == "balanced":
        counts = np.bincount(y_idx)
        alpha = (1 / counts) / (1 / counts).sum()
    expected = SoftmaxFocalLoss(alpha, 2.0).fit_intercept_only(y_idx)
    np.testing.assert_allclose(clf.intercept_, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        clf.decision_function(X[:5]), np.tile(expected, (5, 1)), rtol=1e-6
    )


@pytest.mark.parametrize("cls", BACKENDS)
def test_multilabel_zero_trees_predict_per_label_constants(cls, multilabel):
    X, Y = multilabel
    clf = cls(alpha=0.25, n_estimators=0, probability="focal").fit(X, Y)
    expected = MultiLabelFocalLoss(0.25, 2.0).fit_intercept_only(Y)
    np.testing.assert_allclose(clf.intercept_, expected, rtol=1e-12)
    np.testing.assert_allclose(
        clf.decision_function(X[:3]), np.tile(expected, (3, 1)), rtol=1e-6
    )


def test_multiclass_backends_agree_on_first_gradients(multiclass, monkeypatch):
    X, y = multiclass
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
    kw = {"alpha": [1.0, 1.0, 2.0, 4.0], "gamma": 2.0, "n_estimators": 1}
    a = FocalXGBClassifier(**kw).fit(X, y)
    b = FocalLGBMClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    z_x, g_x, h_x = calls["XGBoostObjective"]
    z_l, g_l, h_l = calls["LightGBMObjective"]
    assert z_x.shape == z_l.shape == (600, 4)  # (n, K), never flattened
    np.testing.assert_allclose(z_l, np.tile(b.intercept_, (600, 1)), rtol=1e-12)
    np.testing.assert_allclose(z_x, z_l, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g_x, g_l, rtol=1e-5, atol=1e-9)
    # each backend's own multiclass Hessian convention (2 p (1-p) for
    # multi:softprob, K/(K-1) p (1-p) for LightGBM; K=4)
    np.testing.assert_allclose(h_x / 2.0, h_l / (4 / 3), rtol=1e-5, atol=1e-9)
    # the optimum: the float64 gradient sums to zero, and the float32 one
    # LightGBM is given to within its rounding
    t = np.searchsorted(b.classes_, y)
    g64 = SoftmaxFocalLoss(kw["alpha"], 2.0).gradient(
        t, np.tile(b.intercept_, (600, 1))
    )
    np.testing.assert_allclose(g64.sum(axis=0), 0.0, atol=1e-8)
    bound = 2.0**-24 * np.abs(g_l).sum(axis=0, dtype=np.float64)
    assert np.all(np.abs(g_l.sum(axis=0, dtype=np.float64)) <= bound)


# --------------------------------------- gamma=0 equals built-in log loss
def test_multilabel_gamma0_matches_xgboost_binary_logistic(multilabel):
    X, Y = multilabel
    clf = FocalXGBClassifier(gamma=0.0, n_estimators=15, max_depth=3).fit(X, Y)
    base_margin = np.tile(clf.intercept_, (X.shape[0], 1))
    booster = xgb.train(
        {
            "objective": "binary:logistic",
            "max_depth": 3,
            "eta": 0.3,
            "tree_method": "hist",  # XGBoost's own min_child_weight default
        },
        xgb.QuantileDMatrix(X, label=Y, base_margin=base_margin),
        num_boost_round=15,
    )
    ref = booster.predict(xgb.DMatrix(X, base_margin=base_margin), output_margin=True)
    np.testing.assert_allclose(clf.decision_function(X), ref, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------ stability
@pytest.mark.parametrize("cls", BACKENDS)
def test_twenty_classes_gamma2_trains_stably(cls):
    X, y = make_classification(
        n_samples=2000,
        n_features=20,
        n_informative=12,
        n_classes=20,
        n_clusters_per_class=1,
        random_state=0,
    )
    # the exact diagonal is negative at the start: u = -log(19) < -2.79
    loss = SoftmaxFocalLoss(gamma=2.0)
    start = np.zeros((len(y), 20))
    assert loss.gradient_hessian(y, start)[1].min() < 0
    clf = cls(gamma=2.0, n_estimators=20, eval_metric="focal")
    clf.fit(X, y, eval_set=[(X, y)])
    train_loss = np.asarray(list(clf.evals_result_.values())[0]["focal"])
    assert np.all(np.diff(train_loss) < 0), train_loss
    assert np.all(np.isfinite(clf.decision_function(X)))
    for k in (1, 10, 20):  # the record is the loss of the staged model
        expected = loss.loss(np.searchsorted(clf.classes_, y), _staged(clf, X, k))
        assert train_loss[k - 1] == pytest.approx(expected.mean(), rel=1e-6)


# --------------------------------------------------------- grid search
@pytest.mark.parametrize("cls", BACKENDS)
def test_multiclass_grid_search_over_alpha_and_gamma(cls, multiclass):
    X, y = multiclass
    search = GridSearchCV(
        cls(n_estimators=20, n_jobs=1),
        {"alpha": [None, "balanced", [1.0, 1.0, 2.0, 4.0]], "gamma": [0.0, 2.0]},
        scoring="f1_macro",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.5
    assert set(search.predict(X)) <= set(y)


@pytest.mark.parametrize("cls", BACKENDS)
def test_multilabel_grid_search_over_alpha_and_gamma(cls, multilabel):
    X, Y = multilabel
    search = GridSearchCV(
        cls(n_estimators=20, n_jobs=1),
        {"alpha": [None, 0.25, "balanced"], "gamma": [0.0, 2.0]},
        scoring="average_precision",
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, Y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.6
    assert search.predict(X).shape == Y.shape


# ------------------------------------------------------ early stopping
@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("metric", ["focal", "logloss", "average_precision"])
def test_multiclass_early_stopping(cls, metric, multiclass):
    X, y = multiclass
    # LightGBM stops on any recorded metric (the focal loss is recorded
    # too) unless first_metric_only, as lightgbm.early_stopping
    only = {"first_metric_only": True} if cls is FocalLGBMClassifier else {}
    clf = cls(
        n_estimators=400,
        learning_rate=0.3,
        early_stopping_rounds=10,
        eval_metric=metric,
        probability="focal",  # decision_function is then the booster margin
        **only,
    ).fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])])
    hist = np.asarray(list(clf.evals_result_.values())[0][metric])
    assert len(hist) < 400
    best = np.argmax(hist) if metric == "average_precision" else np.argmin(hist)
    # XGBoost's 0-based round; LightGBM's best_iteration_ is 1-based
    assert clf.best_iteration_ == best + (cls is FocalLGBMClassifier)
    np.testing.assert_allclose(
        clf.decision_function(X[400:]), _staged(clf, X[400:], best + 1), rtol=1e-6
    )


@pytest.mark.parametrize("cls", BACKENDS)
def test_multilabel_eval_set_checks_shape(cls, multilabel):
    X, Y = multilabel
    with pytest.raises(ValueError, match=r"eval_set\[0\] y must be a 0/1 indicator"):
        cls(n_estimators=2).fit(X, Y, eval_set=[(X, Y[:, :2])])


@pytest.mark.parametrize("cls", BACKENDS)
def test_alpha_length_must_match_classes(cls, multiclass):
    X, y = multiclass
    with pytest.raises(ValueError, match=r"alpha has 3 entries but y has 4 classes"):
        cls(alpha=[1.0, 2.0, 3.0], n_estimators=2).fit(X, y)


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_pickle_round_trip(cls, target, multiclass, multilabel):
    X, y = multiclass if target == "multiclass" else multilabel
    clf = cls(n_estimators=5).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "cls", [FocalXGBClassifier, FocalLGBMClassifier], ids=["xgboost", "lightgbm"]
)
def test_alpha_as_a_numpy_array(cls):
    X, y = make_classification(
        n_samples=300, n_classes=3, n_informative=4, random_state=0
    )
    a = cls(alpha=np.array([0.2, 0.3, 0.5]), n_estimators=3).fit(X, y)
    b = cls(alpha=[0.2, 0.3, 0.5], n_estimators=3).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
