"""Bad input gets a clear error that names the parameter; nothing half-fitted."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]

X, Y = make_classification(n_samples=120, n_features=4, random_state=0)
N = Y.shape[0]

# (id, constructor params, fit kwargs override, error type, regex on message)
BAD_PARAMS = [
    ("alpha-above-1", {"alpha": 1.5}, ValueError, r"alpha.*1\.5"),
    ("alpha-zero", {"alpha": 0.0}, ValueError, r"alpha.*0\.0"),
    ("alpha-negative", {"alpha": -0.1}, ValueError, r"alpha.*-0\.1"),
    ("alpha-unknown-string", {"alpha": "auto"}, ValueError, r"alpha.*'auto'"),
    ("alpha-bool", {"alpha": True}, TypeError, r"alpha.*True"),
    (
        "alpha-vector-binary",
        {"alpha": [0.2, 0.8]},
        ValueError,
        r"alpha.*binary target.*\[0\.2, 0\.8\]",
    ),
    ("alpha-vector-short", {"alpha": [0.2]}, ValueError, r"alpha.*shape \(1,\)"),
    ("alpha-vector-negative", {"alpha": [0.2, -1.0]}, ValueError, r"alpha.*-1\.0"),
    ("alpha-dict", {"alpha": {"a": 1}}, TypeError, r"alpha.*\{'a': 1\}"),
    ("gamma-negative", {"gamma": -1.0}, ValueError, r"gamma.*-1\.0"),
    ("gamma-nan", {"gamma": float("nan")}, ValueError, r"gamma.*nan"),
    ("gamma-inf", {"gamma": float("inf")}, ValueError, r"gamma.*inf"),
    ("gamma-string", {"gamma": "2"}, TypeError, r"gamma.*'2'"),
    ("gamma-huge", {"gamma": 1e6}, ValueError, r"gamma must be <= 100.*1000000\.0"),
    ("gamma-bool", {"gamma": True}, TypeError, r"gamma.*True"),
    ("n-jobs-string", {"n_jobs": "2"}, TypeError, r"n_jobs.*'2'"),
    ("random-state-string", {"random_state": "a"}, ValueError, r"random_state.*'a'"),
    ("probability-unknown", {"probability": "raw"}, ValueError, r"probability.*'raw'"),
    ("gamma-none", {"gamma": None}, TypeError, r"gamma.*None"),
    ("hessian-unknown", {"hessian": "newton"}, ValueError, r"hessian.*'newton'"),
    ("n-estimators-negative", {"n_estimators": -1}, ValueError, r"n_estimators.*-1"),
    ("n-estimators-float", {"n_estimators": 10.5}, TypeError, r"n_estimators.*10\.5"),
    ("learning-rate-zero", {"learning_rate": 0.0}, ValueError, r"learning_rate.*0\.0"),
    ("subsample-above-1", {"subsample": 1.5}, ValueError, r"subsample.*1\.5"),
    ("reg-lambda-negative", {"reg_lambda": -1.0}, ValueError, r"reg_lambda.*-1\.0"),
    (
        "min-child-weight-nan",
        {"min_child_weight": np.nan},
        ValueError,
        r"min_child_weight.*nan",
    ),
    (
        "early-stopping-zero",
        {"early_stopping_rounds": 0},
        ValueError,
        r"early_stopping_rounds.*0",
    ),
    (
        "eval-metric-unknown",
        {"eval_metric": "accuracy"},
        ValueError,
        r"eval_metric.*'accuracy'",
    ),
    ("eval-metric-number", {"eval_metric": 3}, TypeError, r"eval_metric.*3"),
    (
        "booster-params-not-dict",
        {"booster_params": [("a", 1)]},
        TypeError,
        r"booster_params.*list",
    ),
    (
        "booster-params-objective",
        {"booster_params": {"objective": "binary"}},
        ValueError,
        r"booster_params.*objective",
    ),
    (
        "booster-params-gamma",
        {"booster_params": {"gamma": 1.0}},
        ValueError,
        r"booster_params.*gamma",
    ),
]

W_OK = np.ones(N)
BAD_FIT = [
    (
        "y-nan",
        {"y": np.where(np.arange(N) == 0, np.nan, Y)},
        ValueError,
        r"Input y contains NaN",
    ),
    (
        "y-inf",
        {"y": np.where(np.arange(N) == 0, np.inf, Y)},
        ValueError,
        r"Input y contains infinity",
    ),
    (
        "y-continuous",
        {"y": np.linspace(0, 1, N)},
        ValueError,
        r"y is not a classification target.*Unknown label type",
    ),
    (
        "y-multiclass-multioutput",
        {"y": np.c_[np.arange(N) % 3, np.arange(N) % 2]},
        ValueError,
        r"y must be a binary, multiclass or multi-label.*multiclass-multioutput",
    ),
    ("y-one-class", {"y": np.zeros(N)}, ValueError, r"y .*only one class"),
    ("y-wrong-length", {"y": Y[:-1]}, ValueError, rf"X has {N} rows but y has {N - 1}"),
    ("X-empty", {"X": np.empty((0, 4)), "y": np.empty(0)}, ValueError, r"X.*0 sample"),
    ("X-3d", {"X": X.reshape(N, 2, 2)}, ValueError, r"X.*dim 3"),
    ("X-no-features", {"X": np.empty((N, 0))}, ValueError, r"X.*0 feature"),
    ("X-complex", {"X": X + 1j}, ValueError, r"X must be real-valued"),
    ("X-none", {"X": None}, ValueError, r"X is not valid"),
    ("y-3d", {"y": Y.reshape(N, 1, 1)}, ValueError, r"y is not valid.*dim 3"),
    (
        "y-strings-with-none",
        {"y": np.array(["a", None] * (N // 2))},
        TypeError,
        r"y has labels that cannot be sorted",
    ),
    (
        "y-multilabel-not-0-1",
        {"y": np.c_[np.arange(N) % 2, 2 * (np.arange(N) % 2)]},
        ValueError,
        r"y must be a binary, multiclass or multi-label",
    ),
    (
        "sample-weight-inf",
        {"sample_weight": np.where(Y == 0, np.inf, 1.0)},
        ValueError,
        r"sample_weight.*finite",
    ),
    (
        "eval-set-3d",
        {"eval_set": [(X.reshape(N, 2, 2), Y)]},
        ValueError,
        r"X.*dim 3",
    ),
    (
        "eval-set-y-2d-for-binary",
        {"eval_set": [(X, np.c_[Y, Y])]},
        ValueError,
        r"eval_set\[0\] y must be 1-D",
    ),
    (
        "eval-set-nan-labels",
        {"eval_set": [(X, np.where(np.arange(N) == 0, np.nan, Y))]},
        ValueError,
        r"eval_set\[0\] y",
    ),
    (
        "X-inf",
        {"X": np.where(np.eye(N, 4) == 1, np.inf, X)},
        ValueError,
        r"Input X contains infinity",
    ),
    (
        "X-strings",
        {"X": np.full((N, 4), "a", dtype=object)},
        TypeError,
        r"X must be numeric",
    ),
    (
        "sample-weight-short",
        {"sample_weight": W_OK[:-1]},
        ValueError,
        rf"sample_weight.*\({N},\).*\({N - 1},\)",
    ),
    (
        "sample-weight-2d",
        {"sample_weight": np.ones((N, 2))},
        ValueError,
        r"sample_weight\.shape",
    ),
    (
        "sample-weight-negative",
        {"sample_weight": np.where(Y == 0, -1.0, 1.0)},
        ValueError,
        r"sample_weight.*non-negative.*-1\.0",
    ),
    (
        "sample-weight-nan",
        {"sample_weight": np.where(Y == 0, np.nan, 1.0)},
        ValueError,
        r"sample_weight.*finite",
    ),
    (
        "sample-weight-all-zero",
        {"sample_weight": np.zeros(N)},
        ValueError,
        r"sample_weight.*all zero",
    ),
    (
        "sample-weight-one-class-left",
        {"sample_weight": (Y == 1).astype(float)},
        ValueError,
        r"only one class",
    ),
    (
        "sample-weight-strings",
        {"sample_weight": np.array(["a"] * N)},
        TypeError,
        r"sample_weight",
    ),
    (
        "eval-set-unseen-label",
        {"eval_set": [(X, np.where(Y == 1, 7, 0))]},
        ValueError,
        r"eval_set\[0\] y contains labels not seen in y: \[7\]",
    ),
    ("eval-set-not-tuples", {"eval_set": [X]}, ValueError, r"eval_set must be"),
    (
        "eval-set-wrong-features",
        {"eval_set": [(X[:, :3], Y)]},
        ValueError,
        r"X has 3 features.*expecting 4",
    ),
    (
        "eval-set-length-mismatch",
        {"eval_set": [(X, Y[:-1])]},
        ValueError,
        r"eval_set\[0\] has 120 rows in X but 119 labels",
    ),
    (
        "eval-weight-without-eval-set",
        {"eval_sample_weight": [W_OK]},
        ValueError,
        r"eval_sample_weight.*without eval_set",
    ),
    (
        "eval-weight-negative",
        {"eval_set": [(X, Y)], "eval_sample_weight": [-W_OK]},
        ValueError,
        r"eval_sample_weight\[0\].*non-negative",
    ),
]


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [pytest.param(p, e, m, id=i) for i, p, e, m in BAD_PARAMS],
)
def test_bad_parameters_raise_at_fit_naming_the_parameter(cls, params, exc, match):
    est = cls(**params)  # constructing never raises (sklearn convention)
    with pytest.raises(exc, match=match):
        est.fit(X, Y)
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(est))


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [pytest.param(k, e, m, id=i) for i, k, e, m in BAD_FIT],
)
def test_bad_fit_input_raises_clearly_and_leaves_no_state(cls, kwargs, exc, match):
    est = cls(n_estimators=3)
    args = {"X": X, "y": Y} | kwargs
    with pytest.raises(exc, match=match):
        est.fit(**args)
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(est))


@pytest.mark.parametrize("cls", BACKENDS)
def test_failed_refit_does_not_keep_the_old_model(cls):
    est = cls(n_estimators=3).fit(X, Y)
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(X, Y, sample_weight=-np.ones(N))
    assert not hasattr(est, "booster_")


@pytest.mark.parametrize("cls", BACKENDS)
def test_early_stopping_needs_an_eval_set(cls):
    with pytest.raises(ValueError, match=r"early_stopping_rounds=5 needs"):
        cls(early_stopping_rounds=5).fit(X, Y)


@pytest.mark.parametrize("cls", BACKENDS)
def test_predict_with_wrong_number_of_features(cls):
    est = cls(n_estimators=3).fit(X, Y)
    with pytest.raises(ValueError, match="X has 5 features"):
        est.predict(np.ones((2, 5)))
