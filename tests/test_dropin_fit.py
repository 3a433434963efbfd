"""XGBClassifier / LGBMClassifier code with the class name changed.

Every scenario runs the backend's own classifier and focalboost's on the same
data and asserts the same outcome: at ``gamma=0, alpha=None`` the same model
to rounding (binary; multiclass where the Hessian convention already agrees),
or, for each deliberate refusal, a clear error naming the parameter and what
to use instead. The references are the backends' classifiers, scikit-learn's
``compute_sample_weight`` and the arithmetic of the documented weighting rule.

Tolerances: XGBoost trains in float32 and focalboost rounds its gradients to
21 significant bits, so probabilities agree to about 1e-7 (asserted at 1e-6);
LightGBM works in float64 on both sides, to 1e-12.
"""

import pickle
import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.class_weight import compute_sample_weight

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

XGB_TOL = 1e-6
LGB_TOL = 1e-12
#: LGBMClassifier stores its class-weighted sample weights in float32 and
#: focalboost weighs in float64: a relative 6e-8 per weight that is not a
#: float32 number (3.1666...).
LGB_WEIGHT_TOL = 1e-7
N = 200  # at most max_bin rows: XGBoost's quantile sketch is exact, unweighted


def _data(n=N, seed=0, target="binary", n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    score = X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=n)
    if target == "binary":
        return X, (score > 0.8).astype(int)
    return X, np.digitize(score, [-1.0, 0.5, 1.5])


def _frame(X):
    pd = pytest.importorskip("pandas", reason="pandas not installed")
    return pd.DataFrame(X, columns=[f"col_{j}" for j in range(X.shape[1])])


def _diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def _xgb(**params):
    return FocalXGBClassifier(**{"gamma": 0.0, "n_estimators": 10, **params})


def _lgb(**params):
    return FocalLGBMClassifier(**{"gamma": 0.0, "n_estimators": 10, **params})


def _ref_lgb(**params):
    return lgb.LGBMClassifier(**{"n_estimators": 10, "verbosity": -1, **params})


X, Y = _data()
XV, YV = _data(n=120, seed=1)


# ---------------------------------------- constructor keywords, backend meaning
XGB_KEYWORDS = [
    pytest.param({"max_leaves": 4, "grow_policy": "lossguide"}, id="max_leaves"),
    pytest.param({"colsample_bylevel": 0.5, "random_state": 1}, id="colsample_bylevel"),
    pytest.param({"colsample_bynode": 0.5, "random_state": 1}, id="colsample_bynode"),
    pytest.param({"max_delta_step": 0.3}, id="max_delta_step"),
    pytest.param({"num_parallel_tree": 2, "subsample": 0.8}, id="num_parallel_tree"),
    pytest.param({"monotone_constraints": "(1,-1,0,0)"}, id="monotone_constraints"),
    pytest.param({"interaction_constraints": "[[0, 1], [2, 3]]"}, id="interactions"),
    pytest.param({"sampling_method": "uniform", "subsample": 0.7}, id="sampling"),
    pytest.param({"eta": 0.1}, id="kwargs-eta"),
    pytest.param({"booster": "dart", "rate_drop": 0.2, "random_state": 0}, id="dart"),
]


@pytest.mark.parametrize("params", XGB_KEYWORDS)
def test_xgboost_constructor_keywords_are_xgbclassifiers(params):
    ours = _xgb(**params).fit(X, Y)
    ref = xgb.XGBClassifier(n_estimators=10, **params).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL
    # and the keyword changed the model (it was not accepted and ignored)
    plain = _xgb().fit(X, Y)
    assert _diff(ours.predict_proba(X), plain.predict_proba(X)) > 1e-4


LGB_KEYWORDS = [
    pytest.param({"min_split_gain": 0.5}, id="min_split_gain"),
    pytest.param(
        {"boosting_type": "goss", "top_rate": 0.1, "learning_rate": 0.5}, id="goss"
    ),
    pytest.param({"subsample_for_bin": 50}, id="subsample_for_bin"),
    pytest.param({"path_smooth": 2.0}, id="kwargs-path_smooth"),
    pytest.param({"min_data_in_leaf": 5}, id="kwargs-min_data_in_leaf"),
    pytest.param({"extra_trees": True, "random_state": 0}, id="kwargs-extra_trees"),
    pytest.param({"monotone_constraints": [1, -1, 0, 0]}, id="monotone"),
]


@pytest.mark.parametrize("params", LGB_KEYWORDS)
def test_lightgbm_constructor_keywords_are_lgbmclassifiers(params):
    ours = _lgb(**params).fit(X, Y)
    ref = _ref_lgb(**params).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL
    plain = _lgb().fit(X, Y)
    assert _diff(ours.predict_proba(X), plain.predict_proba(X)) > 1e-6


def test_multiclass_keywords_are_the_backends():
    # the backends' softmax Hessian conventions (see the multiclass notes):
    # XGBoost to float32 rounding, LightGBM to the intercept solve's 1e-8
    Xm, ym = _data(target="multiclass")
    params = {"max_leaves": 4, "grow_policy": "lossguide"}
    ours = _xgb(**params).fit(Xm, ym)
    ref = xgb.XGBClassifier(n_estimators=10, **params).fit(Xm, ym)
    assert _diff(ours.predict_proba(Xm), ref.predict_proba(Xm)) < XGB_TOL
    ours = _lgb(min_split_gain=0.2, path_smooth=1.0).fit(Xm, ym)
    ref = _ref_lgb(min_split_gain=0.2, path_smooth=1.0).fit(Xm, ym)
    assert _diff(ours.predict_proba(Xm), ref.predict_proba(Xm)) < 1e-7


@pytest.mark.parametrize("cls", [FocalXGBClassifier, FocalLGBMClassifier])
def test_quiet_keywords_do_not_change_the_model(cls):
    quiet = {"verbosity": 0} if cls is FocalXGBClassifier else {"verbose": -1}
    a = cls(n_estimators=5, **quiet).fit(X, Y)
    b = cls(n_estimators=5).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_lightgbm_dart_is_accepted_and_changes_the_model():
    # not compared with LGBMClassifier: LightGBM's DART folds its
    # boost-from-average into tree 0 and rescales it when that tree is
    # dropped, and its drop sequence depends on earlier DART fits in the
    # process; focalboost's intercept is the fixed starting margin
    params = {"boosting_type": "dart", "drop_rate": 0.3}
    ours = _lgb(probability="focal", **params).fit(X, Y)
    assert ours.booster_.params["boosting_type"] == "dart"
    plain = _lgb(probability="focal").fit(X, Y)
    assert _diff(ours.decision_function(X), plain.decision_function(X)) > 1e-3


def test_xgboost_verbosity_is_set_for_the_fit_only():
    before = xgb.get_config()["verbosity"]
    xgb.XGBClassifier(n_estimators=1, verbosity=0).fit(X, Y)
    assert xgb.get_config()["verbosity"] == before  # XGBClassifier's scope
    _xgb(n_estimators=1, verbosity=0).fit(X, Y)
    assert xgb.get_config()["verbosity"] == before


def test_lightgbm_verbose_keyword_is_lightgbms(capfd):
    _lgb(verbose=1).fit(X, Y)
    assert "[LightGBM]" in capfd.readouterr().out
    _lgb(verbose=-1).fit(X, Y)
    assert "[LightGBM]" not in capfd.readouterr().out


@pytest.mark.parametrize("make_rng", [np.random.RandomState, np.random.default_rng])
def test_random_state_objects_seed_as_the_backends(make_rng):
    params = {"subsample": 0.6, "colsample_bytree": 0.6}
    ours = _xgb(random_state=make_rng(1), **params).fit(X, Y)
    ref = xgb.XGBClassifier(n_estimators=10, random_state=make_rng(1), **params)
    assert _diff(ours.predict_proba(X), ref.fit(X, Y).predict_proba(X)) < XGB_TOL
    params = {"subsample": 0.6, "subsample_freq": 1}
    ours = _lgb(random_state=make_rng(1), **params).fit(X, Y)
    ref = _ref_lgb(random_state=make_rng(1), **params).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL


def test_n_estimators_none_is_xgboosts_default():
    clf = FocalXGBClassifier(n_estimators=None).fit(X, Y)
    ref = xgb.XGBClassifier(n_estimators=None).fit(X, Y)
    assert clf.get_booster().num_boosted_rounds() == 100
    assert ref.get_booster().num_boosted_rounds() == 100


def test_missing_value_is_xgboosts():
    rng = np.random.default_rng(3)
    Xm = np.where(rng.random(X.shape) < 0.15, -999.0, X)
    ours = _xgb(missing=-999.0).fit(Xm, Y)
    ref = xgb.XGBClassifier(n_estimators=10, missing=-999.0).fit(Xm, Y)
    assert _diff(ours.predict_proba(Xm), ref.predict_proba(Xm)) < XGB_TOL
    # -999 as a value is another model
    assert _diff(ours.predict_proba(Xm), _xgb().fit(Xm, Y).predict_proba(Xm)) > 1e-4


@pytest.mark.parametrize("missing", [-999.0, np.nan])
def test_missing_survives_save_and_load(tmp_path, missing):
    Xm = np.where(np.random.default_rng(3).random(X.shape) < 0.15, -999.0, X)
    clf = _xgb(missing=missing).fit(Xm, Y)
    clf.save_model(tmp_path / "m.json")
    loaded = FocalXGBClassifier().load_model(tmp_path / "m.json")
    got = loaded.get_params()["missing"]
    assert np.isnan(got) if np.isnan(missing) else got == missing
    np.testing.assert_array_equal(loaded.predict_proba(Xm), clf.predict_proba(Xm))


def test_monotone_constraints_by_column_name_after_a_dataframe_fit():
    df = _frame(X)
    cons = {"col_0": 1, "col_1": -1}
    ours = _xgb(monotone_constraints=cons).fit(df, Y)
    ref = xgb.XGBClassifier(n_estimators=10, monotone_constraints=cons).fit(df, Y)
    assert _diff(ours.predict_proba(df), ref.predict_proba(df)) < XGB_TOL
    # the constraint holds: raising col_0 never lowers the positive probability
    grid = np.tile(X[:1], (50, 1))
    grid[:, 0] = np.linspace(-3, 3, 50)
    p = ours.predict_proba(_frame(grid))[:, 1]
    assert np.all(np.diff(p) >= -1e-12)


@pytest.mark.parametrize(
    "cls, names",
    [
        pytest.param(FocalXGBClassifier, "feature_names", id="xgboost"),
        pytest.param(FocalLGBMClassifier, "feature_name", id="lightgbm"),
    ],
)
def test_booster_carries_the_dataframe_feature_names(cls, names):
    df = _frame(X)
    clf = cls(n_estimators=3).fit(df, Y)
    got = clf.booster_.feature_names if names == "feature_names" else None
    if got is None:
        got = clf.booster_.feature_name()
    assert list(got) == list(df.columns)
    # the backends' plotting helpers read them (the ones SHAP shows too)
    if cls is FocalXGBClassifier:
        assert set(clf.booster_.get_score()) <= set(df.columns)


def test_xgboost_enable_categorical_false_refuses_categorical_columns():
    pd = pytest.importorskip("pandas", reason="pandas not installed")
    df = _frame(X).assign(cat=pd.Categorical(np.where(Y > 0, "a", "b")))
    with pytest.raises(ValueError, match="enable_categorical=False"):
        _xgb(enable_categorical=False).fit(df, Y)
    ref_msg = "enable_categorical"
    with pytest.raises(ValueError, match=ref_msg):
        xgb.XGBClassifier(enable_categorical=False).fit(df, Y)
    _xgb(enable_categorical=True).fit(df, Y)  # as None: native splits


# ------------------------------------------- get_params / clone / GridSearchCV
@pytest.mark.parametrize(
    "est, key, value",
    [
        pytest.param(FocalXGBClassifier(max_leaves=7), "max_leaves", 7, id="xgb"),
        pytest.param(FocalXGBClassifier(eta=0.2), "eta", 0.2, id="xgb-kwargs"),
        pytest.param(
            FocalLGBMClassifier(path_smooth=1.5), "path_smooth", 1.5, id="lgb"
        ),
        pytest.param(
            FocalLGBMClassifier(min_split_gain=0.1), "min_split_gain", 0.1, id="lgb-sig"
        ),
    ],
)
def test_get_params_clone_and_pickle_keep_backend_keywords(est, key, value):
    assert est.get_params()[key] == value
    assert clone(est).get_params()[key] == value
    assert pickle.loads(pickle.dumps(est)).get_params()[key] == value
    assert f"{key}={value}" in repr(est)
    est.set_params(**{key: value * 2})
    assert est.get_params()[key] == value * 2


@pytest.mark.parametrize(
    "est, grid",
    [
        pytest.param(
            FocalXGBClassifier(n_estimators=3), {"max_leaves": [2, 4]}, id="xgb"
        ),
        pytest.param(
            FocalLGBMClassifier(n_estimators=3, min_child_samples=5),
            {"path_smooth": [0.0, 1.0], "is_unbalance": [False, True]},
            id="lgb",
        ),
    ],
)
def test_gridsearchcv_over_backend_keywords(est, grid):
    search = GridSearchCV(est, grid, cv=2).fit(X, Y)
    assert set(search.best_params_) == set(grid)
    for key, value in search.best_params_.items():
        assert search.best_estimator_.get_params()[key] == value


def test_gridsearchcv_passes_the_backends_fit_keywords():
    grid = {"max_depth": [2, 3]}
    ours = GridSearchCV(_xgb(n_estimators=3), grid, cv=2)
    ours.fit(X, Y, eval_set=[(XV, YV)], verbose=False)
    ref = GridSearchCV(xgb.XGBClassifier(n_estimators=3), grid, cv=2)
    ref.fit(X, Y, eval_set=[(XV, YV)], verbose=False)
    assert ours.best_params_ == ref.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"]
    )


# --------------------------------------------------------------- weighting rule
@pytest.mark.parametrize("k", [0.25, 3.0])
def test_scale_pos_weight_is_positive_class_weights_times_k(k):
    w = np.where(Y == 1, k, 1.0)
    for make in (_xgb, _lgb):
        scaled = make(scale_pos_weight=k).fit(X, Y)
        weighted = make().fit(X, Y, sample_weight=w)
        np.testing.assert_array_equal(
            scaled.predict_proba(X), weighted.predict_proba(X)
        )
        # and it changed the model
        assert _diff(scaled.predict_proba(X), make().fit(X, Y).predict_proba(X)) > 1e-3
    # with sample weights: multiplied
    rng = np.random.default_rng(5)
    sw = rng.uniform(0.5, 2.0, size=N)
    a = _xgb(scale_pos_weight=k).fit(X, Y, sample_weight=sw)
    b = _xgb().fit(X, Y, sample_weight=sw * w)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("k", [0.25, 3.0])
def test_scale_pos_weight_is_xgbclassifiers(k):
    ours = _xgb(scale_pos_weight=k).fit(X, Y)
    # XGBoost's scale_pos_weight does not reach its intercept estimate;
    # focalboost's composed weights do (the documented rule): started from the
    # same intercept, the trees are XGBClassifier's own
    share = np.average(Y, weights=np.where(Y == 1, k, 1.0))
    ref = xgb.XGBClassifier(n_estimators=10, scale_pos_weight=k, base_score=share)
    ref.fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL


@pytest.mark.parametrize("k", [0.25, 3.0])
def test_lightgbm_scale_pos_weight_is_lgbmclassifiers_class_weight(k):
    ours = _lgb(scale_pos_weight=k).fit(X, Y)
    ref = _ref_lgb(class_weight={1: k}).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize(
    "class_weight",
    [
        pytest.param("balanced", id="balanced"),
        pytest.param({0: 2.0, 1: 0.5}, id="dict"),
    ],
)
def test_class_weight_is_lgbmclassifiers(target, class_weight):
    Xt, yt = _data(target=target)
    ours = _lgb(class_weight=class_weight).fit(Xt, yt)
    # the factors are scikit-learn's compute_sample_weight, as LightGBM's
    same = _lgb().fit(Xt, yt, sample_weight=compute_sample_weight(class_weight, yt))
    np.testing.assert_array_equal(ours.predict_proba(Xt), same.predict_proba(Xt))
    ref = _ref_lgb(class_weight=class_weight).fit(Xt, yt)
    # multiclass: LightGBM's softmax Hessian convention (K / (K - 1) p (1 - p))
    # and a softmax intercept solved to about 1e-8 (see the multiclass notes)
    tol = LGB_WEIGHT_TOL if target == "binary" else 1e-7
    assert _diff(ours.predict_proba(Xt), ref.predict_proba(Xt)) < tol


def test_is_unbalance_is_lightgbms():
    n_pos, n_neg = int(Y.sum()), int((Y == 0).sum())
    assert n_pos < n_neg
    ours = _lgb(is_unbalance=True).fit(X, Y)
    # LightGBM's BinaryLogloss: the rarer class weighs count(larger)/count(smaller)
    ref = _ref_lgb(class_weight={1: n_neg / n_pos}).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_WEIGHT_TOL
    # the rarer class is up-weighted whichever label it has
    flipped = _lgb(is_unbalance=True).fit(X, 1 - Y)
    ref = _ref_lgb(class_weight={0: n_neg / n_pos}).fit(X, 1 - Y)
    assert _diff(flipped.predict_proba(X), ref.predict_proba(X)) < LGB_WEIGHT_TOL


def test_class_weight_composes_with_sample_weight_and_alpha():
    rng = np.random.default_rng(7)
    sw = rng.uniform(0.5, 2.0, size=N)
    cw = {0: 1.0, 1: 3.0}
    a = FocalLGBMClassifier(alpha=0.4, n_estimators=5, class_weight=cw)
    b = FocalLGBMClassifier(alpha=0.4, n_estimators=5)
    a.fit(X, Y, sample_weight=sw)
    b.fit(X, Y, sample_weight=sw * np.where(Y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.alpha_ == 0.4  # alpha stays the focal weight, on top


# -------------------------------------------------------------- fit keywords
def test_xgboost_early_stopping_callback_is_xgbclassifiers():
    def make():
        return xgb.callback.EarlyStopping(rounds=3, save_best=False)

    ours = _xgb(n_estimators=200, learning_rate=0.5, callbacks=[make()])
    ours.fit(X, Y, eval_set=[(XV, YV)])
    ref = xgb.XGBClassifier(
        n_estimators=200, learning_rate=0.5, callbacks=[make()], eval_metric="logloss"
    ).fit(X, Y, eval_set=[(XV, YV)], verbose=False)
    # at gamma=0 the focal loss is the log loss: the same rounds and model
    assert ours.best_iteration_ == ref.best_iteration < 199
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL


def test_lightgbm_callbacks_are_lgbmclassifiers():
    rec_ours, rec_ref = {}, {}
    ours = _lgb(n_estimators=200, learning_rate=0.5).fit(
        X,
        Y,
        eval_set=[(XV, YV)],
        callbacks=[
            lgb.early_stopping(3, verbose=False),
            lgb.record_evaluation(rec_ours),
        ],
    )
    ref = _ref_lgb(learning_rate=0.5, n_estimators=200)
    ref.fit(
        X,
        Y,
        eval_X=XV,
        eval_y=YV,
        callbacks=[
            lgb.early_stopping(3, verbose=False),
            lgb.record_evaluation(rec_ref),
        ],
    )
    assert ours.booster_.best_iteration == ref.booster_.best_iteration
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL
    assert list(rec_ours) == list(rec_ref) == ["valid_0"]
    focal = np.asarray(next(iter(rec_ours["valid_0"].values())))
    logloss = np.asarray(rec_ref["valid_0"]["binary_logloss"])
    np.testing.assert_allclose(focal, logloss, rtol=1e-9)


def test_lightgbm_log_evaluation_prints(capsys):
    _lgb(n_estimators=3).fit(
        X, Y, eval_set=[(XV, YV)], callbacks=[lgb.log_evaluation(1)]
    )
    assert "valid_0" in capsys.readouterr().out


@pytest.mark.parametrize("verbose, lines", [(True, 4), (2, 3), (False, 0)])
def test_xgboost_verbose_prints_as_xgboost(capsys, verbose, lines):
    _xgb(n_estimators=4).fit(X, Y, eval_set=[(XV, YV)], verbose=verbose)
    out = capsys.readouterr().out
    assert len([ln for ln in out.splitlines() if "validation_0" in ln]) == lines


def test_eval_set_names_are_the_backends():
    xgb_clf = _xgb(n_estimators=2).fit(X, Y, eval_set=[(XV, YV), (X, Y)])
    assert list(xgb_clf.evals_result()) == ["validation_0", "validation_1"]
    # LightGBM names the training data itself "training" unless eval_names
    # names it (the backend's own dict lists it first: the order is not kept)
    cases = [
        ([(XV, YV), (XV[:60], YV[:60])], {}, {"valid_0", "valid_1"}),
        ([(XV, YV), (X, Y)], {}, {"valid_0", "training"}),
        ([(XV, YV), (X, Y)], {"eval_names": ["val", "train"]}, {"val", "train"}),
    ]
    for eval_set, kwargs, names in cases:
        ours = _lgb(n_estimators=2).fit(X, Y, eval_set=eval_set, **kwargs)
        with warnings.catch_warnings():
            # LightGBM 4.7 deprecates eval_set (its eval_X / eval_y lose the
            # "training" name); focalboost keeps eval_set with this meaning
            warnings.simplefilter("ignore", category=FutureWarning)
            ref = _ref_lgb(n_estimators=2).fit(X, Y, eval_set=eval_set, **kwargs)
        assert set(ours.evals_result_) == set(ref.evals_result_) == names


def test_sample_weight_eval_set_is_eval_sample_weight():
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=YV.shape[0])
    a = _xgb(n_estimators=3).fit(X, Y, eval_set=[(XV, YV)], sample_weight_eval_set=[w])
    b = _xgb(n_estimators=3).fit(X, Y, eval_set=[(XV, YV)], eval_sample_weight=[w])
    c = _xgb(n_estimators=3).fit(X, Y, eval_set=[(XV, YV)])
    assert a.evals_result() == b.evals_result() != c.evals_result()
    with pytest.raises(ValueError, match="sample_weight_eval_set and eval_sample"):
        _xgb().fit(
            X,
            Y,
            eval_set=[(XV, YV)],
            sample_weight_eval_set=[w],
            eval_sample_weight=[w],
        )


def test_feature_weights_are_xgboosts():
    fw = np.array([0.05, 1.0, 1.0, 5.0])
    params = dict(colsample_bynode=0.5, random_state=0)
    ours = _xgb(**params).fit(X, Y, feature_weights=fw)
    ref = xgb.XGBClassifier(n_estimators=10, feature_weights=fw, **params).fit(X, Y)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL
    ctor = _xgb(feature_weights=fw, **params).fit(X, Y)
    np.testing.assert_array_equal(ctor.predict_proba(X), ours.predict_proba(X))


def test_lightgbm_feature_name_and_categorical_feature():
    Xc = X.copy()
    Xc[:, 3] = np.random.default_rng(4).integers(0, 4, size=N)
    names = ["a", "b", "c", "code"]
    ours = _lgb(min_child_samples=5).fit(
        Xc, Y, feature_name=names, categorical_feature=["code"]
    )
    ref = _ref_lgb(min_child_samples=5).fit(
        Xc, Y, feature_name=names, categorical_feature=["code"]
    )
    assert ours.booster_.feature_name() == names
    raw = ref.booster_.predict(Xc, raw_score=True)  # no feature-name warning
    assert (
        _diff(ours.set_params(probability="focal").decision_function(Xc), raw) < 1e-12
    )
    ours.set_params(probability="posterior")
    by_index = _lgb(min_child_samples=5).fit(Xc, Y, categorical_feature=[3])
    np.testing.assert_array_equal(by_index.predict_proba(Xc), ours.predict_proba(Xc))


def test_xgboost_base_margin_trains_from_the_given_margin():
    bm = np.random.default_rng(6).normal(scale=0.3, size=N)
    ours = _xgb().fit(X, Y, base_margin=bm)
    ref = xgb.XGBClassifier(n_estimators=10).fit(X, Y, base_margin=bm)
    data = xgb.DMatrix(X, base_margin=bm)
    # the trees added to the margin are XGBClassifier's
    got = ours.get_booster().predict(data, output_margin=True)
    want = ref.get_booster().predict(data, output_margin=True)
    assert _diff(got, want) < 1e-5
    # without the margin, both predict from the intercept (XGBoost's
    # base_score, estimated from y alone in both)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL
    # the evaluation sets start from their own margins too
    bv = np.random.default_rng(8).normal(scale=0.3, size=YV.shape[0])
    kw = dict(base_margin=bm, eval_set=[(XV, YV)], base_margin_eval_set=[bv])
    ours = _xgb(eval_metric="logloss").fit(X, Y, **kw)
    ref = xgb.XGBClassifier(n_estimators=10, eval_metric="logloss")
    ref.fit(X, Y, verbose=False, **kw)
    np.testing.assert_allclose(
        ours.evals_result()["validation_0"]["logloss"],
        ref.evals_result()["validation_0"]["logloss"],
        rtol=1e-6,
    )


def test_lightgbm_init_score_trains_from_the_given_margin():
    score = np.random.default_rng(6).normal(scale=0.3, size=N)
    ours = _lgb(probability="focal").fit(
        X, Y, init_score=score, eval_set=[(XV, YV)], eval_init_score=[np.zeros(120)]
    )
    ref = _ref_lgb().fit(X, Y, init_score=score)
    # LightGBM's meaning: the model is the trees added to the margin
    assert _diff(ours.decision_function(X), ref.predict(X, raw_score=True)) < 1e-12


# --------------------------------------------------------- continued training
def test_xgboost_continued_training_is_xgbclassifiers():
    first = xgb.XGBClassifier(n_estimators=5).fit(X, Y)
    ref = xgb.XGBClassifier(n_estimators=5).fit(X, Y, xgb_model=first.get_booster())
    ours = _xgb(n_estimators=5).fit(X, Y, xgb_model=first.get_booster())
    assert ours.get_booster().num_boosted_rounds() == 10
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < XGB_TOL
    # from a focalboost model: its intercept, no second one
    own = _xgb(n_estimators=5).fit(X, Y)
    more = _xgb(n_estimators=5).fit(X, Y, xgb_model=own)
    assert more.intercept_ == own.intercept_
    ten = xgb.XGBClassifier(n_estimators=10).fit(X, Y)
    assert _diff(more.predict_proba(X), ten.predict_proba(X)) < XGB_TOL


def test_xgboost_continued_training_from_a_model_file(tmp_path):
    own = _xgb(n_estimators=5).fit(X, Y)
    path = tmp_path / "model.json"
    own.save_model(path)
    from_file = _xgb(n_estimators=5).fit(X, Y, xgb_model=str(path))
    from_est = _xgb(n_estimators=5).fit(X, Y, xgb_model=own)
    np.testing.assert_array_equal(from_file.predict_proba(X), from_est.predict_proba(X))


def test_lightgbm_continued_training_from_a_model_file(tmp_path):
    own = _lgb(n_estimators=5).fit(X, Y)
    path = tmp_path / "model.txt"
    own.save_model(path)
    from_file = _lgb(n_estimators=5).fit(X, Y, init_model=str(path))
    from_est = _lgb(n_estimators=5).fit(X, Y, init_model=own)
    assert from_file.intercept_ == own.intercept_
    np.testing.assert_allclose(
        from_file.predict_proba(X), from_est.predict_proba(X), rtol=0, atol=1e-12
    )


def test_lightgbm_continued_training_is_lgbmclassifiers():
    first = _ref_lgb(n_estimators=5).fit(X, Y)
    ref = _ref_lgb(n_estimators=5).fit(X, Y, init_model=first.booster_)
    ours = _lgb(n_estimators=5)
    ours.fit(X, Y, init_model=first.booster_)
    assert ours.booster_.current_iteration() == 10
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL
    own = _lgb(n_estimators=5).fit(X, Y)
    more = _lgb(n_estimators=5).fit(X, Y, init_model=own)
    ten = _ref_lgb().fit(X, Y)
    assert _diff(more.predict_proba(X), ten.predict_proba(X)) < LGB_TOL


# ------------------------------------------------------------------- refusals
REFUSALS = [
    (
        FocalXGBClassifier,
        {"objective": "binary:logistic"},
        r"objective=.*gamma=0, alpha=None",
    ),
    (FocalLGBMClassifier, {"objective": "binary"}, r"objective=.*gamma=0, alpha=None"),
    (FocalXGBClassifier, {"base_score": 0.3}, r"base_score=0.3.*base_margin"),
    (FocalLGBMClassifier, {"boosting_type": "rf"}, r"boosting_type='rf'.*gbdt"),
    (FocalLGBMClassifier, {"boosting": "rf"}, r"boosting='rf'.*gbdt"),
    (FocalLGBMClassifier, {"not_a_param": 1}, r"not_a_param=1.*neither a parameter"),
    (FocalLGBMClassifier, {"is_unbalance": True, "scale_pos_weight": 2.0}, "together"),
    (FocalLGBMClassifier, {"class_weight": "auto"}, r"class_weight.*'auto'"),
    (FocalLGBMClassifier, {"class_weight": {5: 2.0}}, r"class_weight.*\[5\]"),
    (
        FocalXGBClassifier,
        {"booster_params": {"scale_pos_weight": 3}},
        r"scale_pos_weight=",
    ),
    (
        FocalLGBMClassifier,
        {"booster_params": {"is_unbalance": True}},
        r"is_unbalance.*is_unbalance=",
    ),
    (FocalLGBMClassifier, {"unbalance": True}, r"unbalance=True.*is_unbalance="),
    (FocalLGBMClassifier, {"num_iterations": 5}, r"num_iterations.*n_estimators="),
    (FocalXGBClassifier, {"scale_pos_weight": -1.0}, r"scale_pos_weight.*-1\.0"),
    (FocalXGBClassifier, {"booster": "gblinear"}, r"booster='gblinear'.*gbtree"),
]


@pytest.mark.parametrize(
    "cls, params, match",
    [pytest.param(*r, id=f"{r[0].__name__[5:8]}-{list(r[1])[0]}") for r in REFUSALS],
)
def test_deliberate_refusals_name_the_parameter(cls, params, match):
    with pytest.raises(ValueError, match=match):
        cls(n_estimators=2, **params).fit(X, Y)


@pytest.mark.parametrize("cls", [FocalXGBClassifier, FocalLGBMClassifier])
def test_binary_weighting_refused_for_multiclass(cls):
    Xm, ym = _data(target="multiclass")
    with pytest.raises(ValueError, match=r"scale_pos_weight=2.0 applies to binary"):
        cls(n_estimators=2, scale_pos_weight=2.0).fit(Xm, ym)


def test_unknown_xgboost_keywords_warn_as_xgbclassifier():
    # XGBoost names a parameter it does not use; so does the drop-in
    with pytest.warns(UserWarning, match=r"not_a_param.*not used"):
        xgb.XGBClassifier(n_estimators=2, not_a_param=1).fit(X, Y)
    with pytest.warns(UserWarning, match=r"not_a_param.*not used"):
        _xgb(n_estimators=2, not_a_param=1).fit(X, Y)


def test_class_weighting_refused_for_multilabel():
    Y2 = np.c_[Y, 1 - Y]
    for cls, params in (
        (FocalLGBMClassifier, {"class_weight": "balanced"}),
        (FocalXGBClassifier, {"scale_pos_weight": 2.0}),
    ):
        with pytest.raises(ValueError, match="not supported for a multi-label"):
            cls(n_estimators=2, **params).fit(X, Y2)


def test_class_weight_dict_keys_are_the_labels():
    labels = np.where(Y == 1, "yes", "no")
    cw = {"yes": 3.0}
    ours = _lgb(class_weight=cw).fit(X, labels)
    ref = _ref_lgb(class_weight=cw).fit(X, labels)
    assert _diff(ours.predict_proba(X), ref.predict_proba(X)) < LGB_TOL


def test_xgboost_multiclass_continued_training_is_xgbclassifiers():
    # multiclass at XGBoost's softmax Hessian convention (see the notes)
    Xm, ym = _data(target="multiclass")
    first = xgb.XGBClassifier(n_estimators=3).fit(Xm, ym)
    ref = xgb.XGBClassifier(n_estimators=3).fit(Xm, ym, xgb_model=first.get_booster())
    ours = _xgb(n_estimators=3).fit(Xm, ym, xgb_model=first.get_booster())
    assert _diff(ours.predict_proba(Xm), ref.predict_proba(Xm)) < XGB_TOL


def test_lightgbm_multiclass_continued_training_is_lgbmclassifiers():
    # multiclass at LightGBM's convention; the intercept solve's 1e-8
    Xm, ym = _data(target="multiclass")
    first = _ref_lgb(n_estimators=3).fit(Xm, ym)
    ref = _ref_lgb(n_estimators=3).fit(Xm, ym, init_model=first.booster_)
    ours = _lgb(n_estimators=3).fit(Xm, ym, init_model=first.booster_)
    assert _diff(ours.predict_proba(Xm), ref.predict_proba(Xm)) < 1e-7
    own = _lgb(n_estimators=3).fit(Xm, ym)
    more = _lgb(n_estimators=3).fit(Xm, ym, init_model=own)
    six = _ref_lgb(n_estimators=6).fit(Xm, ym)
    assert _diff(more.predict_proba(Xm), six.predict_proba(Xm)) < 1e-7


def test_continued_training_from_another_objective_is_refused():
    reg = xgb.XGBRegressor(n_estimators=2, objective="reg:absoluteerror").fit(X, Y)
    with pytest.raises(ValueError, match="reg:absoluteerror.*binary:logistic"):
        _xgb().fit(X, Y, xgb_model=reg.get_booster())


def test_lightgbm_fit_refusals():
    with pytest.raises(ValueError, match="eval_class_weight.*eval_sample_weight"):
        _lgb().fit(X, Y, eval_set=[(XV, YV)], eval_class_weight=[{0: 1}])
    with pytest.raises(ValueError, match="early_stopping_rounds.*continued"):
        _lgb(early_stopping_rounds=2).fit(
            X, Y, eval_set=[(XV, YV)], init_model=_lgb().fit(X, Y)
        )


def test_refusals_match_the_backend_where_it_refuses_too():
    # LightGBM itself refuses is_unbalance with scale_pos_weight (in C++)
    with pytest.raises(lgb.basic.LightGBMError):
        _ref_lgb(is_unbalance=True, scale_pos_weight=2.0).fit(X, Y)
    # and rf from a given margin, which focalboost's training always has
    with pytest.raises(lgb.basic.LightGBMError):
        _ref_lgb(boosting_type="rf", subsample=0.5, subsample_freq=1).fit(
            X, Y, init_score=np.zeros(N)
        )
