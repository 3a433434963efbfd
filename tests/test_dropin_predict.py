"""Predict keywords, evaluation and fitted attributes as the backends have them.

Each scenario runs the backend's own classifier (XGBClassifier,
LGBMClassifier) and focalboost's on the same data at ``gamma=0,
alpha=None`` (binary), where the two are the same model to rounding, and
asserts the same outcome: margins, rounds, leaf indices, contributions,
metric values under the same names, the same best iteration. Each
deliberate refusal asserts a clear error naming the keyword and what to
use instead.

Tolerances: XGBoost trains and predicts in float32 and focalboost rounds
its gradients to 21 significant bits, so margins and probabilities agree to
about 1e-7 (asserted at 1e-6) and XGBoost's own metric values, computed in
float32 from its float32 predictions (a custom metric's printed to six
decimals), to 1e-5; LightGBM works in float64 on both sides (1e-10).
"""

import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

XGB_TOL = 1e-6
XGB_METRIC_TOL = 1e-5
LGB_TOL = 1e-10
N = 200  # at most max_bin rows: XGBoost's quantile sketch is exact


def _data(n=N, seed=0, n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    score = X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=n)
    return X, (score > 0.8).astype(int)


X, Y = _data()
XV, YV = _data(n=150, seed=1)
XW, YW = _data(n=150, seed=2)


def _diff(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


def _pair(backend, **params):
    """(ours, the backend's classifier) with the same parameters."""
    if backend == "xgboost":
        params = {"n_estimators": 10, **params}
        return FocalXGBClassifier(gamma=0.0, **params), xgb.XGBClassifier(**params)
    params = {"n_estimators": 10, **params}
    ours = FocalLGBMClassifier(gamma=0.0, **params)
    return ours, lgb.LGBMClassifier(verbosity=-1, **params)


def _fit_both(backend, fit=None, **params):
    fit = dict(fit or {})
    if backend == "lightgbm" and "eval_metric" in params:
        fit["eval_metric"] = params.pop("eval_metric")  # LightGBM: a fit keyword
    ours, ref = _pair(backend, **params)
    ref_fit = dict(fit)
    if backend == "xgboost" and "eval_set" in fit:
        ref_fit["verbose"] = False
    ours.fit(X, Y, **fit)
    with warnings.catch_warnings():
        # LightGBM 4.7 deprecates eval_set for eval_X / eval_y
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        ref.fit(X, Y, **ref_fit)
    return ours, ref


def _history(clf):
    if isinstance(clf, (xgb.XGBClassifier, FocalXGBClassifier)):
        return clf.evals_result()
    return clf.evals_result_


TOL = {"xgboost": XGB_METRIC_TOL, "lightgbm": LGB_TOL}
#: LightGBM trees on which rounding breaks no tie of the reference's scores
#: (a tie broken at 1e-16 moves a rank metric by a whole pair's weight).
LGB_PARAMS = {"min_child_samples": 5, "num_leaves": 7}


# ------------------------------------------------------------- eval_metric
NAMED = [
    pytest.param("xgboost", None, id="xgb-default"),
    pytest.param("lightgbm", None, id="lgb-default"),
    pytest.param("lightgbm", ["binary", "auc"], id="lgb-alias"),
    pytest.param("xgboost", ["auc", "logloss", "error", "error@0.7"], id="xgb"),
    pytest.param("xgboost", "logloss", id="xgb-logloss"),
    pytest.param(
        "lightgbm",
        ["auc", "average_precision", "binary_error", "binary_logloss"],
        id="lgb",
    ),
]


@pytest.mark.parametrize(("backend", "metric"), NAMED)
def test_named_metrics_are_the_backends_values_under_its_names(backend, metric):
    fit = {"eval_set": [(XV, YV), (XW, YW)]}
    params = LGB_PARAMS if backend == "lightgbm" else {}
    ours, ref = _fit_both(backend, fit, eval_metric=metric, **params)
    got, want = _history(ours), _history(ref)
    assert list(got) == list(want)  # validation_0 / valid_0, in order
    for name, metrics in want.items():
        assert list(got[name]) == list(metrics)  # the same names, in order
        for m, values in metrics.items():
            assert _diff(got[name][m], values) < TOL[backend], (name, m)


def test_xgboost_aucpr_is_average_precision_near_xgboosts():
    # XGBoost's aucpr interpolates between operating points; focalboost's is
    # the step-wise average precision of the same probabilities
    ours, ref = _fit_both("xgboost", {"eval_set": [(XV, YV)]}, eval_metric="aucpr")
    got = ours.evals_result()["validation_0"]["aucpr"]
    want = ref.evals_result()["validation_0"]["aucpr"]
    assert _diff(got, want) < 0.05
    from sklearn.metrics import average_precision_score

    proba = ours.predict_proba(XV)[:, 1]
    assert got[-1] == pytest.approx(average_precision_score(YV, proba), abs=1e-12)


def test_error_metric_is_one_minus_accuracy_of_predict():
    ours = FocalXGBClassifier(
        gamma=2.0, alpha=0.25, n_estimators=5, eval_metric="error"
    )
    ours.fit(X, Y, eval_set=[(XV, YV)])
    error = ours.evals_result()["validation_0"]["error"][-1]
    assert error == pytest.approx(1 - ours.score(XV, YV), abs=1e-12)


def test_xgboost_sklearn_metric_callable():
    fit = {"eval_set": [(XV, YV)]}
    ours, ref = _fit_both("xgboost", fit, eval_metric=roc_auc_score)
    got, want = ours.evals_result()["validation_0"], ref.evals_result()["validation_0"]
    # XGBoost records its default metric first
    assert list(got) == list(want) == ["logloss", "roc_auc_score"]
    assert _diff(got["roc_auc_score"], want["roc_auc_score"]) < XGB_METRIC_TOL


def _mean_proba(y_true, y_pred):
    return "mean_proba", float(np.mean(y_pred)), False


def _weighted_hits(y_true, y_pred, weight):
    hits = (y_pred > 0.5) == y_true
    return [("hits", float(np.average(hits, weights=weight)), True)]


@pytest.mark.parametrize(
    "func", [_mean_proba, _weighted_hits], ids=["2-args", "3-args"]
)
def test_lightgbm_metric_callable(func):
    fit = {"eval_set": [(XV, YV)]}
    ours, ref = _fit_both("lightgbm", fit, eval_metric=[func, "auc"])
    got, want = ours.evals_result_["valid_0"], ref.evals_result_["valid_0"]
    name = func(YV, np.full(len(YV), 0.5), *([None] * (func is _weighted_hits)))
    name = (name[0] if isinstance(name, list) else name)[0]
    assert list(got) == list(want) == ["auc", "binary_logloss", name]
    assert _diff(got[name], want[name]) < LGB_TOL


def test_metric_errors_name_the_metric():
    with pytest.raises(ValueError, match=r"eval_metric.*'accuracy'"):
        FocalXGBClassifier(eval_metric="accuracy").fit(X, Y)
    # a LightGBM name is not XGBoost's, and the reverse
    with pytest.raises(ValueError, match=r"'binary_logloss'.*'aucpr'"):
        FocalXGBClassifier(eval_metric="binary_logloss").fit(X, Y, eval_set=[(X, Y)])
    with pytest.raises(ValueError, match=r"'aucpr'.*'average_precision'"):
        FocalLGBMClassifier(eval_metric="aucpr").fit(X, Y, eval_set=[(X, Y)])
    with pytest.raises(TypeError, match=r"eval_metric.*3"):
        FocalLGBMClassifier(eval_metric=["auc", 3]).fit(X, Y)

    def bad(y_true, y_pred):
        return "not a number"

    with pytest.raises(TypeError, match="bad.*must return a number"):
        FocalLGBMClassifier(eval_metric=bad, n_estimators=2).fit(
            X, Y, eval_set=[(XV, YV)]
        )


# ------------------------------------------------ best iteration and score
def test_xgboost_best_iteration_and_score_follow_the_last_metric():
    fit = {"eval_set": [(XV, YV), (XW, YW)]}
    params = dict(
        n_estimators=200,
        learning_rate=0.5,
        eval_metric=["auc", "logloss"],
        early_stopping_rounds=3,
    )
    ours, ref = _fit_both("xgboost", fit, **params)
    assert ours.best_iteration == ref.best_iteration
    assert ours.best_score == pytest.approx(ref.best_score, abs=XGB_METRIC_TOL)
    assert ours.get_booster().num_boosted_rounds() == ref.best_iteration + 1
    np.testing.assert_allclose(
        ours.predict_proba(XV), ref.predict_proba(XV), atol=XGB_TOL
    )


def test_xgboost_best_attributes_only_after_early_stopping():
    ours, ref = _fit_both("xgboost", {"eval_set": [(XV, YV)]})
    for clf in (ours, ref):
        with pytest.raises(AttributeError, match="early stopping"):
            clf.best_iteration  # noqa: B018


LGB_STOPPING = [
    pytest.param({}, ["auc", "binary_logloss"], id="any-metric"),
    pytest.param({"early_stopping_rounds": 400}, ["auc"], id="never-stalls"),
    pytest.param(
        {"early_stopping_rounds": None, "early_stopping_round": 4},
        ["auc"],
        id="lightgbm-parameter",
    ),
    pytest.param({"first_metric_only": True}, ["auc"], id="first-metric-only"),
    pytest.param({}, ["binary_error"], id="error"),
]


@pytest.mark.parametrize(("extra", "metric"), LGB_STOPPING)
def test_lightgbm_early_stopping_over_every_set_and_metric(extra, metric):
    fit = {"eval_set": [(XV, YV), (XW, YW)]}
    params = dict(
        n_estimators=60,
        learning_rate=0.3,
        eval_metric=metric,
        **{"early_stopping_rounds": 4, **LGB_PARAMS, **extra},
    )
    ours, ref = _fit_both("lightgbm", fit, **params)
    assert 0 < ref.best_iteration_ < 60  # the reference's best round
    assert ours.best_iteration_ == ref.best_iteration_  # 1-based, as LightGBM
    assert ours.n_iter_ == ref.n_iter_ == ours.n_estimators_
    for name, scores in ref.best_score_.items():
        for m, value in scores.items():
            assert ours.best_score_[name][m] == pytest.approx(value, abs=1e-9)
    np.testing.assert_allclose(ours.predict_proba(XV), ref.predict_proba(XV), atol=1e-9)


def test_lightgbm_best_iteration_is_zero_without_early_stopping():
    ours, ref = _fit_both("lightgbm", {"eval_set": [(XV, YV)]})
    assert ours.best_iteration_ == ref.best_iteration_ == 0
    assert ours.n_iter_ == ref.n_iter_ == 10


# --------------------------------------------------------- predict keywords
def test_margin_keywords_are_the_booster_margin():
    ours, ref = _fit_both("xgboost")
    want = ref.predict(XV, output_margin=True)
    assert _diff(ours.predict(XV, output_margin=True), want) < XGB_TOL
    assert _diff(ours.decision_function(XV, output_margin=True), want) < XGB_TOL
    ours, ref = _fit_both("lightgbm")
    want = ref.predict(XV, raw_score=True)
    assert _diff(ours.predict(XV, raw_score=True), want) < LGB_TOL
    assert _diff(ours.predict_proba(XV, raw_score=True), want) < LGB_TOL


def test_margin_is_the_focal_decision_function_at_any_gamma():
    clf = FocalLGBMClassifier(gamma=2.0, alpha=0.25, n_estimators=10).fit(X, Y)
    margin = clf.predict(XV, raw_score=True)
    assert not np.allclose(clf.decision_function(XV), margin)  # posterior map
    clf.set_params(probability="focal")
    np.testing.assert_array_equal(clf.decision_function(XV), margin)


@pytest.mark.parametrize("rounds", [(2, 5), (0, 3), (4, 10), (0, 0)])
def test_xgboost_iteration_range(rounds):
    ours, ref = _fit_both("xgboost")
    for method in ("predict_proba", "predict"):
        got = getattr(ours, method)(XV, iteration_range=rounds)
        want = getattr(ref, method)(XV, iteration_range=rounds)
        assert _diff(got, want) < XGB_TOL
    got = ours.predict(XV, iteration_range=rounds, output_margin=True)
    want = ref.predict(XV, iteration_range=rounds, output_margin=True)
    assert _diff(got, want) < XGB_TOL


@pytest.mark.parametrize(
    "rounds",
    [
        {"start_iteration": 2, "num_iteration": 3},
        {"num_iteration": 4},
        {"start_iteration": 3},
        {"num_iteration": -1},
    ],
)
def test_lightgbm_start_and_num_iteration(rounds):
    ours, ref = _fit_both("lightgbm")
    for method in ("predict_proba", "predict"):
        got = getattr(ours, method)(XV, **rounds)
        want = getattr(ref, method)(XV, **rounds)
        assert _diff(got, want) < LGB_TOL
    got = ours.predict(XV, raw_score=True, **rounds)
    assert _diff(got, ref.predict(XV, raw_score=True, **rounds)) < LGB_TOL


def test_iteration_range_outside_the_booster_is_refused():
    clf = FocalXGBClassifier(n_estimators=3).fit(X, Y)
    with pytest.raises(ValueError, match=r"iteration_range.*<= 3.*\(0, 5\)"):
        clf.predict(XV, iteration_range=(0, 5))
    with pytest.raises(TypeError, match="num_iteration must be an integer"):
        FocalLGBMClassifier(n_estimators=3).fit(X, Y).predict(XV, num_iteration=1.5)


def test_leaf_indices_are_the_backends():
    ours, ref = _fit_both("xgboost")
    np.testing.assert_array_equal(ours.apply(XV), ref.apply(XV))
    np.testing.assert_array_equal(
        ours.apply(XV, iteration_range=(0, 4)), ref.apply(XV, iteration_range=(0, 4))
    )
    np.testing.assert_array_equal(ours.predict(XV, pred_leaf=True), ref.apply(XV))
    ours, ref = _fit_both("lightgbm")
    want = ref.predict(XV, pred_leaf=True)
    np.testing.assert_array_equal(ours.predict(XV, pred_leaf=True), want)
    np.testing.assert_array_equal(ours.apply(XV), want)
    np.testing.assert_array_equal(
        ours.apply(XV, num_iteration=3),
        ref.predict(XV, pred_leaf=True, num_iteration=3),
    )


def test_leaf_indices_after_early_stopping_are_the_best_models():
    fit = {"eval_set": [(XV, YV)]}
    params = dict(n_estimators=200, learning_rate=0.5, early_stopping_rounds=3)
    ours, ref = _fit_both("xgboost", fit, eval_metric="logloss", **params)
    assert ours.best_iteration == ref.best_iteration
    np.testing.assert_array_equal(ours.apply(XW), ref.apply(XW))


def test_contributions_are_the_backends_and_add_up_to_the_margin():
    ours, ref = _fit_both("lightgbm")
    got = ours.predict(XV, pred_contrib=True)
    assert _diff(got, ref.predict(XV, pred_contrib=True)) < LGB_TOL
    assert _diff(got.sum(axis=1), ours.predict(XV, raw_score=True)) < 1e-9
    ours, ref = _fit_both("xgboost")
    got = ours.predict(XV, pred_contribs=True)
    want = ref.get_booster().predict(xgb.DMatrix(XV), pred_contribs=True)
    assert _diff(got, want) < XGB_TOL
    assert _diff(got.sum(axis=1), ours.predict(XV, output_margin=True)) < XGB_TOL


def test_xgboost_base_margin_at_predict():
    ours, ref = _fit_both("xgboost")
    margin = np.random.default_rng(5).normal(size=len(YV))
    got = ours.predict(XV, output_margin=True, base_margin=margin)
    want = ref.predict(XV, output_margin=True, base_margin=margin)
    assert _diff(got, want) < XGB_TOL
    got = ours.predict_proba(XV, base_margin=margin)
    assert _diff(got, ref.predict_proba(XV, base_margin=margin)) < XGB_TOL


def _frame(X, prefix="col"):
    pd = pytest.importorskip("pandas", reason="pandas not installed")
    return pd.DataFrame(X, columns=[f"{prefix}_{j}" for j in range(X.shape[1])])


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_validate_features(backend):
    ours, _ = _pair(backend)
    ours.fit(_frame(X), Y)
    renamed = _frame(XV, prefix="other")
    with pytest.raises(ValueError, match="feature names"):
        ours.predict_proba(renamed)
    got = ours.predict_proba(renamed, validate_features=False)
    np.testing.assert_array_equal(got, ours.predict_proba(_frame(XV)))
    with pytest.raises(TypeError, match="validate_features must be True or False"):
        ours.predict(_frame(XV), validate_features="yes")


REFUSED = [
    pytest.param(
        FocalXGBClassifier,
        {"raw_score": True},
        "use 'output_margin'",
        id="xgb-raw_score",
    ),
    pytest.param(
        FocalXGBClassifier,
        {"num_iteration": 3},
        "'num_iteration'.*takes output_margin",
        id="xgb-num_iteration",
    ),
    pytest.param(
        FocalLGBMClassifier,
        {"output_margin": True},
        "use 'raw_score'",
        id="lgb-output_margin",
    ),
    pytest.param(
        FocalLGBMClassifier,
        {"pred_contribs": True},
        "use 'pred_contrib'",
        id="lgb-pred_contribs",
    ),
    pytest.param(
        FocalLGBMClassifier,
        {"base_margin": np.zeros(150)},
        "raw_score=True",
        id="lgb-base_margin",
    ),
    pytest.param(
        FocalLGBMClassifier,
        {"iteration_range": (0, 2)},
        "'iteration_range'.*takes raw_score",
        id="lgb-iteration_range",
    ),
    pytest.param(FocalXGBClassifier, {"n_jobs": 2}, "'n_jobs'", id="xgb-unknown"),
]


@pytest.mark.parametrize(("cls", "kwargs", "message"), REFUSED)
def test_foreign_predict_keywords_are_refused_by_name(cls, kwargs, message):
    clf = cls(n_estimators=2).fit(X, Y)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(TypeError, match=message):
            getattr(clf, method)(XV, **kwargs)


def test_two_outputs_at_once_are_refused():
    clf = FocalLGBMClassifier(n_estimators=2).fit(X, Y)
    with pytest.raises(ValueError, match="one of raw_score, pred_leaf, pred_contrib"):
        clf.predict(XV, raw_score=True, pred_leaf=True)


# ------------------------------------------------------ fitted attributes
def test_xgboost_fitted_attributes():
    ours, ref = _fit_both("xgboost")
    assert ours.get_num_boosting_rounds() == ref.get_num_boosting_rounds() == 10
    params = ours.get_xgb_params()
    assert params["eta"] == 0.3 and params["max_depth"] == 6
    assert isinstance(ours.get_booster(), xgb.Booster)
    assert ours.n_features_in_ == ref.n_features_in_
    assert _diff(ours.feature_importances_, ref.feature_importances_) < 1e-4
    assert ours.best_iteration_ == 9  # focalboost's: the last round used


def test_lightgbm_fitted_attributes():
    ours, ref = _fit_both("lightgbm")
    for name in ("n_features_", "n_features_in_", "n_iter_", "n_estimators_"):
        assert getattr(ours, name) == getattr(ref, name), name
    assert ours.feature_name_ == ref.feature_name_
    np.testing.assert_array_equal(ours.feature_importances_, ref.feature_importances_)
    assert isinstance(ours.booster_, lgb.Booster)
    assert ours.objective_ is ours.loss_  # focalboost's objective: the loss


# ------------------------------------------- the backends' own callbacks
def test_xgboost_early_stopping_callback_reads_focalboosts_metrics():
    def stopper():
        return xgb.callback.EarlyStopping(
            rounds=3, metric_name="auc", data_name="validation_0", save_best=True
        )

    fit = {"eval_set": [(XV, YV)]}
    ours, ref = _pair("xgboost", n_estimators=200, learning_rate=0.5)
    ours.set_params(eval_metric=["logloss", "auc"], callbacks=[stopper()])
    ref.set_params(eval_metric=["logloss", "auc"], callbacks=[stopper()])
    ours.fit(X, Y, **fit)
    ref.fit(X, Y, verbose=False, **fit)
    assert ours.best_iteration == ref.best_iteration
    np.testing.assert_allclose(
        ours.predict_proba(XW), ref.predict_proba(XW), atol=XGB_TOL
    )


def test_lightgbm_callbacks_see_lightgbms_metric_names():
    records = [{}, {}]
    models = _pair("lightgbm", n_estimators=200, learning_rate=0.3, **LGB_PARAMS)
    for clf, record in zip(models, records, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            clf.fit(
                X,
                Y,
                eval_set=[(XV, YV)],
                eval_metric="auc",
                callbacks=[
                    lgb.early_stopping(3, verbose=False),
                    lgb.record_evaluation(record),
                ],
            )
    ours, ref = models
    assert ours.best_iteration_ == ref.best_iteration_ > 0
    got, want = records
    assert list(got) == list(want) == ["valid_0"]
    assert _diff(got["valid_0"]["auc"], want["valid_0"]["auc"]) < LGB_TOL


# ------------------------------------------------- explaining and plotting
def _explain(booster, data):
    shap = pytest.importorskip("shap", reason="shap not installed")
    with warnings.catch_warnings():
        # shap's own deprecation notices are not focalboost's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        # shap's note that its LightGBM output format changed
        warnings.filterwarnings("ignore", "LightGBM binary", UserWarning)
        explainer = shap.TreeExplainer(booster)
        return np.asarray(explainer.shap_values(data)), explainer


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_shap_tree_explainer_on_the_booster(backend):
    ours, ref = _fit_both(backend)
    if backend == "xgboost":
        mine, theirs = ours.get_booster(), ref.get_booster()
    else:
        mine, theirs = ours.booster_, ref.booster_
    got, explainer = _explain(mine, XV)
    want, _ = _explain(theirs, XV)
    assert _diff(got, want) < (XGB_TOL if backend == "xgboost" else 1e-9)
    # SHAP values add up to the booster's margin (decision_function with
    # probability="focal")
    total = got.sum(axis=1) + np.ravel(explainer.expected_value)[0]
    ours.set_params(probability="focal")
    assert _diff(total, ours.decision_function(XV)) < 1e-5


def _plots():
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def test_xgboost_plots_take_get_booster():
    plt = _plots()
    ours, ref = _pair("xgboost")
    ours.fit(_frame(X), Y)
    ref.fit(_frame(X), Y)
    assert ours.get_booster().feature_names == ref.get_booster().feature_names
    labels = []
    for clf in (ours, ref):
        ax = xgb.plot_importance(clf.get_booster(), importance_type="weight")
        labels.append([t.get_text() for t in ax.get_yticklabels()])
        plt.close("all")
    assert labels[0] == labels[1]
    pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    source = xgb.to_graphviz(ours.get_booster(), tree_idx=0)
    assert "col_" in source.source  # the DataFrame's column names
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("xgboost.plot_tree renders with graphviz's dot, not installed")
    xgb.plot_tree(ours.get_booster(), tree_idx=0)
    plt.close("all")


def test_lightgbm_plots_take_booster_and_evals_result():
    plt = _plots()
    fit = {"eval_set": [(_frame(XV), YV)], "eval_metric": "auc"}
    ours, ref = _pair("lightgbm", **LGB_PARAMS)
    ours.fit(_frame(X), Y, **fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        ref.fit(_frame(X), Y, **fit)
    labels = []
    for clf in (ours, ref):
        ax = lgb.plot_importance(clf.booster_)
        labels.append([t.get_text() for t in ax.get_yticklabels()])
        plt.close("all")
    assert labels[0] == labels[1]
    ax = lgb.plot_metric(ours.evals_result_, metric="auc")
    plotted = ax.get_lines()[0].get_ydata()
    assert _diff(plotted, ref.evals_result_["valid_0"]["auc"]) < LGB_TOL
    plt.close("all")
    pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    graph = lgb.create_tree_digraph(ours.booster_, tree_index=0)
    assert "col_" in graph.source


def test_the_focal_loss_is_a_metric_by_name():
    clf = FocalXGBClassifier(n_estimators=3, eval_metric=["focal", "logloss"])
    clf.fit(X, Y, eval_set=[(XV, YV)])
    history = clf.evals_result()["validation_0"]
    assert list(history) == ["focal", "logloss"]
    clf.set_params(probability="focal")
    expected = clf.loss_.loss(YV, clf.decision_function(XV)).mean()
    assert history["focal"][-1] == pytest.approx(expected, rel=1e-12)


def _multiclass(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    score = X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=n)
    return X, np.digitize(score, [-0.8, 0.8])


MULTICLASS_NAMED = [
    pytest.param("xgboost", ["mlogloss", "merror", "auc"], id="xgb"),
    pytest.param("lightgbm", ["multi_logloss", "multi_error"], id="lgb"),
]


@pytest.mark.parametrize(("backend", "metric"), MULTICLASS_NAMED)
def test_multiclass_metrics_are_the_backends(backend, metric):
    Xm, ym = _multiclass()
    Xe, ye = _multiclass(n=200, seed=1)
    ours, ref = _pair(backend, **(LGB_PARAMS if backend == "lightgbm" else {}))
    fit = {"eval_set": [(Xe, ye)]}
    if backend == "lightgbm":
        fit["eval_metric"] = metric
    else:
        ours.set_params(eval_metric=metric)
        ref.set_params(eval_metric=metric)
        fit["verbose"] = False
    ours.set_params(gamma=0.0)
    ours.fit(Xm, ym, **{k: v for k, v in fit.items() if k != "verbose"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        ref.fit(Xm, ym, **fit)
    got, want = _history(ours), _history(ref)
    name = list(want)[0]
    assert list(got[name]) == list(want[name])
    # multiclass parity: probabilities within 1e-6 (XGBoost float32)
    for m, values in want[name].items():
        assert _diff(got[name][m], values) < 1e-5, m


def test_lightgbm_training_data_in_eval_set_is_named_and_not_watched():
    fit = {"eval_set": [(X, Y), (XV, YV)]}
    params = dict(n_estimators=60, learning_rate=0.3, early_stopping_rounds=4)
    ours, ref = _fit_both("lightgbm", fit, **params, **LGB_PARAMS)
    assert (
        list(ours.evals_result_) == list(ref.evals_result_) == ["training", "valid_1"]
    )
    assert ours.best_iteration_ == ref.best_iteration_
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_best_iteration_conventions_survive_save_and_load(backend, tmp_path):
    fit = {"eval_set": [(XV, YV)]}
    params = dict(n_estimators=100, learning_rate=0.5, early_stopping_rounds=3)
    ours, _ = _pair(backend, eval_metric=["auc", "logloss"], **params)
    ours.fit(X, Y, **fit)
    path = tmp_path / ("model.json" if backend == "xgboost" else "model.txt")
    ours.save_model(path)
    loaded = type(ours)().load_model(path)
    assert loaded.best_iteration_ == ours.best_iteration_
    if backend == "xgboost":
        assert loaded.best_iteration == ours.best_iteration
        assert loaded.best_score == ours.best_score
    else:
        assert loaded.best_iteration_ > 0  # 1-based after early stopping
        assert loaded.best_score_ == ours.best_score_
    assert loaded.evals_result_ == ours.evals_result_
