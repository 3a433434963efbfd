"""What users of XGBClassifier / LGBMClassifier and of scikit-learn tools expect.

References are the backends' own classifiers and boosters, scikit-learn's
meta-estimators, SHAP and skops: independent of focalboost's code.
"""

import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.feature_selection import RFE, SelectFromModel
from sklearn.inspection import permutation_importance

from focalboost import FocalLGBMClassifier, FocalXGBClassifier, NoSplitWarning

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
TARGETS = ["binary", "multiclass", "multilabel"]


def _data(target, n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    score = X[:, 0] + 0.7 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(size=n)
    if target == "binary":
        return X, (score > 1.5).astype(int)
    if target == "multiclass":
        return X, np.digitize(score, [-1.0, 0.5, 1.8])
    return X, np.c_[score > 1.5, X[:, 3] + rng.normal(size=n) > 1.0].astype(int)


def _native_margin(clf, X):
    """The margin of ``booster_`` alone, by the backend's own predict."""
    if isinstance(clf, FocalXGBClassifier):
        return clf.booster_.predict(xgb.DMatrix(X), output_margin=True)
    raw = clf.booster_.predict(X, raw_score=True)
    return raw if raw.ndim == 1 or raw.shape[1] > 1 else raw[:, 0]


def _contributions(clf, X):
    """Per-feature contributions plus bias from the backend's own explainer."""
    if isinstance(clf, FocalXGBClassifier):
        return clf.booster_.predict(xgb.DMatrix(X), pred_contribs=True)
    return clf.booster_.predict(X, pred_contrib=True)


def _early_stopped(cls, target):
    X, y = _data(target, n=2000)
    Xv, yv = _data(target, n=800, seed=1)
    # stopping on the focal loss alone (LightGBM would also watch its log
    # loss, which it records too)
    only = {"first_metric_only": True} if cls is FocalLGBMClassifier else {}
    clf = cls(
        n_estimators=400,
        learning_rate=0.5,
        early_stopping_rounds=5,
        eval_metric="focal",
        probability="focal",
        random_state=0,
        **only,
    ).fit(X, y, eval_set=[(Xv, yv)])
    return clf, X


# ------------------------------------------------ the booster after stopping
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("cls", BACKENDS)
def test_booster_is_the_model_predict_uses_after_early_stopping(cls, target):
    clf, X = _early_stopped(cls, target)
    # XGBoost's 0-based round, LightGBM's 1-based best_iteration_
    rounds = clf.best_iteration_ + (cls is FocalXGBClassifier)
    assert 0 < rounds < 400 - 5  # it stopped early
    if cls is FocalXGBClassifier:
        assert clf.booster_.num_boosted_rounds() == rounds
        assert clf.booster_.best_iteration == clf.best_iteration_
        assert clf.get_booster() is clf.booster_
    else:
        assert clf.booster_.current_iteration() == rounds
    # float32 rounding: both backends predict in float32 or sum float64 leaves
    margin = clf.decision_function(X)
    np.testing.assert_allclose(
        _native_margin(clf, X).reshape(margin.shape),
        margin,
        rtol=2e-6,
        atol=2e-6 * max(1.0, np.abs(margin).max()),
    )


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("cls", BACKENDS)
def test_contributions_add_up_to_the_focal_decision_function(cls, target):
    clf, X = _early_stopped(cls, target)
    contrib = _contributions(clf, X)
    margin = clf.decision_function(X)  # probability="focal": the margin
    k = 1 if margin.ndim == 1 else margin.shape[1]
    total = contrib.reshape(X.shape[0], k, X.shape[1] + 1).sum(axis=2)
    np.testing.assert_allclose(
        total.reshape(margin.shape), margin, rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("cls", BACKENDS)
def test_shap_additivity_on_the_early_stopped_booster(cls):
    shap = pytest.importorskip("shap")
    clf, X = _early_stopped(cls, "binary")
    explainer = shap.TreeExplainer(clf.booster_)
    with warnings.catch_warnings():
        # shap's own deprecation notices are not focalboost's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        values = explainer.shap_values(X[:300])
    values = np.asarray(values).reshape(300, -1)
    margin = clf.decision_function(X[:300])
    total = values.sum(axis=1) + np.ravel(explainer.expected_value)[0]
    np.testing.assert_allclose(total, margin, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls", BACKENDS)
def test_best_scores_as_the_backends_report_them(cls):
    clf, _ = _early_stopped(cls, "binary")
    name = "validation_0" if cls is FocalXGBClassifier else "valid_0"
    history = clf.evals_result_[name]["focal"]
    # XGBoost's best_iteration is 0-based, LightGBM's best_iteration_ 1-based
    best = clf.best_iteration_ - (cls is FocalLGBMClassifier)
    assert history[best] == min(history)
    if cls is FocalXGBClassifier:
        assert clf.best_iteration == best
        assert clf.best_score == history[best]
        assert float(clf.booster_.attr("best_score")) == history[best]
        assert clf.evals_result() == clf.evals_result_
    else:
        assert clf.best_score_[name]["focal"] == history[best]
        assert clf.booster_.best_score == clf.best_score_


def test_xgboost_best_attributes_need_early_stopping():
    X, y = _data("binary", n=300)
    clf = FocalXGBClassifier(n_estimators=3).fit(X, y)
    for name in ("best_iteration", "best_score"):
        with pytest.raises(AttributeError, match="early stopping"):
            getattr(clf, name)
    assert clf.best_iteration_ == 2


# ----------------------------------------------------- fitted attributes
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("cls", BACKENDS)
def test_n_classes(cls, target):
    X, y = _data(target, n=400)
    clf = cls(n_estimators=2).fit(X, y)
    expected = {"binary": 2, "multiclass": 4, "multilabel": 2}[target]
    assert clf.n_classes_ == expected == len(clf.classes_)
    assert not hasattr(cls(), "n_classes_")


XGB_TYPES = ["gain", "weight", "cover", "total_gain", "total_cover"]


@pytest.mark.parametrize("importance_type", XGB_TYPES)
def test_xgboost_importances_equal_xgbclassifier_on_the_same_booster(importance_type):
    X, y = _data("binary")
    clf = FocalXGBClassifier(n_estimators=10, importance_type=importance_type)
    clf.fit(X, y)
    ref = xgb.XGBClassifier(importance_type=importance_type)
    ref.load_model(bytearray(clf.booster_.save_raw("json")))
    np.testing.assert_array_equal(clf.feature_importances_, ref.feature_importances_)
    assert clf.feature_importances_.dtype == np.float32


def test_xgboost_default_importance_is_gain():
    X, y = _data("binary")
    clf = FocalXGBClassifier(n_estimators=10).fit(X, y)
    gain = clf.booster_.get_score(importance_type="gain")
    values = np.array([gain.get(f"f{i}", 0.0) for i in range(6)], dtype=np.float32)
    np.testing.assert_array_equal(clf.feature_importances_, values / values.sum())


@pytest.mark.parametrize("importance_type", ["split", "gain"])
def test_lightgbm_importances_equal_lgbmclassifier(importance_type):
    X, y = _data("binary")
    clf = FocalLGBMClassifier(n_estimators=10, importance_type=importance_type)
    clf.fit(X, y)
    np.testing.assert_array_equal(
        clf.feature_importances_,
        clf.booster_.feature_importance(importance_type=importance_type),
    )
    # at gamma=0 the model is LGBMClassifier's own, so are its importances
    ours = clf.set_params(gamma=0.0).fit(X, y).feature_importances_
    ref = lgb.LGBMClassifier(
        n_estimators=10, importance_type=importance_type, verbosity=-1
    ).fit(X, y)
    np.testing.assert_allclose(ours, ref.feature_importances_, rtol=1e-6)


@pytest.mark.parametrize("cls", BACKENDS)
def test_bad_importance_type_is_refused_naming_it(cls):
    X, y = _data("binary", n=300)
    with pytest.raises(ValueError, match="importance_type must be one of.*'nope'"):
        cls(importance_type="nope").fit(X, y)


@pytest.mark.parametrize("cls", BACKENDS)
def test_sklearn_feature_selection_and_inspection(cls):
    X, y = _data("binary", n=800)
    X = np.c_[X, np.random.default_rng(5).normal(size=(800, 4))]  # noise columns
    clf = cls(n_estimators=20, random_state=0).fit(X, y)
    selected = SelectFromModel(clf, prefit=True).transform(X)
    assert 0 < selected.shape[1] < X.shape[1]
    rfe = RFE(cls(n_estimators=10), n_features_to_select=3).fit(X, y)
    assert rfe.support_.sum() == 3
    assert set(np.flatnonzero(rfe.support_)) <= set(range(6))  # no noise column
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    assert result.importances_mean.shape == (X.shape[1],)
    assert np.argmax(result.importances_mean) == 0


# ------------------------------------------------------------- skops
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("cls", BACKENDS)
def test_skops_loads_with_only_focalboost_and_backend_types_trusted(cls, target):
    sio = pytest.importorskip("skops.io")
    X, y = _data(target, n=400)
    clf = cls(n_estimators=3).fit(X, y)
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    allowed = ("focalboost.", "xgboost.", "lightgbm.")
    assert all(t.startswith(allowed) for t in untrusted), untrusted
    loaded = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


# --------------------------------------- gamma=0 is the backend's own model
@pytest.mark.parametrize("seed", range(3))
def test_gamma0_xgboost_defaults_are_xgbclassifier(seed):
    X, y = _data("binary", n=3000, seed=seed)
    ours = FocalXGBClassifier(gamma=0.0, alpha=None).fit(X, y)
    ref = xgb.XGBClassifier().fit(X, y)
    assert ours.hessian_scale_ == 1.0
    # both train in float32 from the same intercept; focalboost's gradients
    # are rounded to 21 significant bits (integer-weight exactness), a
    # relative error below 5e-7 of each leaf value
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("seed", range(3))
def test_gamma0_lightgbm_defaults_are_lgbmclassifier(seed):
    X, y = _data("binary", n=3000, seed=seed)
    ours = FocalLGBMClassifier(gamma=0.0, alpha=None).fit(X, y)
    ref = lgb.LGBMClassifier(verbosity=-1).fit(X, y)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6
    )


def _native_min_child_weight(clf):
    if isinstance(clf, FocalXGBClassifier):
        import json

        config = json.loads(clf.booster_.save_config())
        tree = config["learner"]["gradient_booster"]["tree_train_param"]
        return float(tree["min_child_weight"])
    # the value LightGBM resolved from all its aliases, as the model records it
    text = clf.booster_.model_to_string()
    line = next(ln for ln in text.splitlines() if ln.startswith("[min_sum_hessian"))
    return float(line.split(":")[1].rstrip("]"))


@pytest.mark.parametrize("cls", BACKENDS)
def test_min_child_weight_is_in_log_loss_hessian_units(cls):
    X, y = _data("binary")
    at0 = cls(gamma=0.0, n_estimators=2).fit(X, y)
    focal = cls(gamma=2.0, alpha=0.25, n_estimators=2).fit(X, y)
    assert at0.hessian_scale_ == 1.0
    assert 0 < focal.hessian_scale_ < 1  # alpha=0.25 and gamma=2 shrink them
    for clf in (at0, focal):
        expected = clf.min_child_weight * clf.hessian_scale_
        # both backends print the value with 6 significant digits
        assert _native_min_child_weight(clf) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "cls, key",
    [
        (FocalXGBClassifier, "min_child_weight"),
        (FocalLGBMClassifier, "min_sum_hessian_in_leaf"),
        (FocalLGBMClassifier, "min_hessian"),
    ],
)
def test_native_min_child_weight_in_booster_params_is_not_scaled(cls, key):
    X, y = _data("binary")
    clf = cls(gamma=2.0, n_estimators=2, booster_params={key: 0.0375}).fit(X, y)
    assert clf.hessian_scale_ != 1.0
    assert _native_min_child_weight(clf) == pytest.approx(0.0375, rel=1e-6)


# ------------------------------------------------------------ NoSplitWarning
def _no_split_message(clf, X, y):
    with pytest.warns(NoSplitWarning) as record:
        clf.fit(X, y)
    assert len(record) == 1
    return str(record[0].message)


def test_no_split_message_names_the_row_count_for_lightgbm():
    X, y = _data("binary", n=30)
    msg = _no_split_message(FocalLGBMClassifier(gamma=0.0), X, y)
    assert "30 training rows" in msg and "min_child_samples=20" in msg
    assert "focal Hessians are small" not in msg


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_no_split_message_names_the_hessian_sum_on_small_data(gamma):
    X = np.random.default_rng(3).normal(size=(8, 6))
    y = np.array([1, 0, 0, 0, 0, 0, 0, 1])  # log-loss Hessians sum to 1.5 < 2
    msg = _no_split_message(FocalXGBClassifier(gamma=gamma, n_estimators=3), X, y)
    assert "Hessians sum to" in msg and "min_child_weight=1.0" in msg
    assert f"gamma={gamma!r}" in msg


def test_no_split_message_at_a_huge_gamma_names_gamma_and_shrinking():
    X, y = _data("binary", n=500)
    msg = _no_split_message(FocalXGBClassifier(gamma=60.0, n_estimators=3), X, y)
    assert "gamma=60.0" in msg and "(1 - p)**gamma" in msg
