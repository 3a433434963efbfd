"""The backends' scikit-learn usage, with only the class name changed.

Each case is a short rewrite of a scikit-learn demo of the backends' own
documentation (XGBoost ``demo/guide-python``: imbalanced classification,
evals_result, the scikit-learn examples, continuation, callbacks,
categorical data and pipelines, leaf indices, first trees, feature weights,
individual trees; LightGBM ``examples/python-guide``: the scikit-learn and
plotting examples), written as a function of the classifier class. It runs
once with the backend's class and once with focalboost's (default
parameters: a focal loss, ``gamma=2``), checks the demo's own assertions
inside, and the test asserts that both runs give the same outcome: the same
keys, shapes, round counts and conventions, and the same verdicts on the
numbers the demo prints (a focal model is not the log-loss model, so values
are compared through the demo's claims, not digit by digit; the digit by
digit comparisons at ``gamma=0`` are in ``tests/test_dropin_predict.py``).
"""

import contextlib
import os
import pickle
import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.metrics import confusion_matrix, recall_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

pd = pytest.importorskip("pandas", reason="pandas not installed")


@contextlib.contextmanager
def _quiet():
    """The backends' own deprecation notices (LightGBM 4.7's eval_set)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, random_state=0)


def _imbalanced(n=3000, seed=1994):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=12,
        n_informative=6,
        weights=[0.95],
        flip_y=0.01,
        random_state=seed,
    )
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


# =============================================================== XGBoost
def xgb_imbalanced_scale_pos_weight(cls, tmp_path):
    X_train, X_test, y_train, y_test = _imbalanced()
    ratio = (y_train == 0).sum() / (y_train == 1).sum()
    recall = {}
    for name, extra in (("baseline", {}), ("weighted", {"scale_pos_weight": ratio})):
        clf = cls(n_estimators=50, max_depth=4, eval_metric="aucpr", **extra)
        clf.fit(X_train, y_train)
        proba = clf.predict_proba(X_test)[:, 1]
        assert roc_auc_score(y_test, proba) > 0.8
        recall[name] = recall_score(y_test, (proba >= 0.5).astype(int))
    # the demo's claim: the weighted model catches more of the rare class
    return recall["weighted"] > recall["baseline"]


def xgb_evals_result(cls, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    clf = cls(n_estimators=2, eval_metric="logloss")
    clf.fit(X[:400], y[:400], eval_set=[(X[:400], y[:400]), (X[400:], y[400:])])
    result = clf.evals_result()
    assert len(result["validation_0"]["logloss"]) == 2
    return {name: {m: len(v) for m, v in ms.items()} for name, ms in result.items()}


def xgb_evals_result_verbose(cls, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    clf = cls(n_estimators=3, eval_metric=["auc", "logloss"])
    clf.fit(X, y, eval_set=[(X, y)], verbose=True)
    return list(clf.evals_result()["validation_0"])


def xgb_kfold_binary_digits(cls, tmp_path):
    digits = load_digits(n_class=2)
    X, y = digits["data"], digits["target"]
    ok = []
    for train, test in KFold(n_splits=2, shuffle=True, random_state=0).split(X):
        model = cls(n_jobs=1, n_estimators=20).fit(X[train], y[train])
        matrix = confusion_matrix(y[test], model.predict(X[test]))
        ok.append(matrix.shape == (2, 2) and np.trace(matrix) / matrix.sum() > 0.95)
    return ok


def xgb_kfold_multiclass_iris(cls, tmp_path):
    X, y = load_iris(return_X_y=True)
    ok = []
    for train, test in KFold(n_splits=2, shuffle=True, random_state=0).split(X):
        model = cls(n_jobs=1, n_estimators=20).fit(X[train], y[train])
        matrix = confusion_matrix(y[test], model.predict(X[test]))
        ok.append(matrix.shape == (3, 3) and np.trace(matrix) / matrix.sum() > 0.85)
    return ok


def xgb_grid_search(cls, tmp_path):
    X_train, _, y_train, _ = _cancer()
    grid = GridSearchCV(
        cls(n_jobs=1),
        {"max_depth": [2, 4], "n_estimators": [10, 20]},
        cv=3,
        n_jobs=1,
    )
    grid.fit(X_train, y_train)
    return sorted(grid.best_params_), bool(grid.best_score_ > 0.9)


def xgb_pickle(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    clf = cls(n_estimators=10).fit(X_train, y_train)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(clf))
    loaded = pickle.loads(path.read_bytes())
    return bool(np.allclose(clf.predict_proba(X_test), loaded.predict_proba(X_test)))


def xgb_early_stopping_multiclass_auc(cls, tmp_path):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = cls(n_jobs=1, early_stopping_rounds=5, eval_metric="auc", n_estimators=60)
    clf.fit(X_train, y_train, eval_set=[(X_test, y_test)], verbose=False)
    history = clf.evals_result()["validation_0"]["auc"]
    assert clf.best_iteration == int(np.argmax(history))
    return list(clf.evals_result()["validation_0"]), clf.best_iteration < 59


def _continue(cls, first, tmp_path, how):
    if how == "pickle":
        path = tmp_path / "first.pkl"
        path.write_bytes(pickle.dumps(first))
        return pickle.loads(path.read_bytes())
    path = os.fspath(tmp_path / "first.json")
    first.save_model(path)
    loaded = cls()
    loaded.load_model(path)
    return loaded


@pytest.fixture(params=["pickle", "json"])
def how(request):
    return request.param


def xgb_continuation(cls, tmp_path, how="json"):
    X, y = load_breast_cancer(return_X_y=True)
    clf = cls(n_estimators=8, eval_metric="logloss").fit(X, y, eval_set=[(X, y)])
    assert clf.get_booster().num_boosted_rounds() == 8
    loaded = _continue(cls, clf, tmp_path, how)
    clf = cls(n_estimators=24, eval_metric="logloss")
    clf.fit(X, y, eval_set=[(X, y)], xgb_model=loaded)
    return clf.get_booster().num_boosted_rounds()


def xgb_continuation_pickle(cls, tmp_path):
    return xgb_continuation(cls, tmp_path, "pickle")


def xgb_continuation_early_stop(cls, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=0)

    def stop():
        return xgb.callback.EarlyStopping(rounds=5, save_best=True)

    fit = {"eval_set": [(X_valid, y_valid)], "verbose": False}
    clf = cls(n_estimators=300, eval_metric="logloss", callbacks=[stop()])
    clf.fit(X_train, y_train, **fit)
    best = clf.best_iteration
    clf = cls(n_estimators=10, eval_metric="logloss", callbacks=[stop()])
    clf.fit(X_train, y_train, **fit)
    assert clf.get_booster().num_boosted_rounds() == 10
    # save_model keeps no callbacks, as XGBClassifier's does
    loaded = _continue(cls, clf, tmp_path, "json")
    clf = cls(n_estimators=290, eval_metric="logloss", callbacks=[stop()])
    clf.fit(X_train, y_train, xgb_model=loaded, **fit)
    return clf.best_iteration >= 10, best > 0


class _Recorder(xgb.callback.TrainingCallback):
    """A user's callback: remembers the (set, metric) pairs XGBoost logs."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def after_iteration(self, model, epoch, evals_log):
        for data, metrics in evals_log.items():
            self.seen |= {(data, m) for m in metrics}
        return False


def xgb_custom_callback(cls, tmp_path):
    X_train, X_valid, y_train, y_valid = _cancer()
    recorder = _Recorder()
    clf = cls(n_estimators=5, eval_metric=["error", "logloss"], callbacks=[recorder])
    clf.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_valid, y_valid)])
    return sorted(recorder.seen)


def xgb_checkpoint_callback(cls, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    check_point = xgb.callback.TrainingCheckPoint(
        directory=os.fspath(tmp_path), interval=2, name="model"
    )
    cls(n_estimators=6, callbacks=[check_point]).fit(X, y)
    return sorted(p.name for p in tmp_path.iterdir())


def _shop_data(n=512):
    rng = np.random.default_rng(1994)
    frame = pd.DataFrame(
        rng.integers(32, 96, size=(n, 3)),
        columns=["brand_id", "retailer_id", "category_id"],
    )
    frame["price"] = rng.integers(100, 200, size=n)
    frame["on_sale"] = rng.choice([True, False], n)
    score = (frame["brand_id"] % 7) / 7 + frame["on_sale"] + rng.normal(size=n) / 2
    return frame, (score > 1.0).astype(int)


def xgb_categorical_pipeline(cls, tmp_path):
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    X, y = _shop_data()
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=3)
    encoder = make_column_transformer(
        (
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
            make_column_selector(pattern=".*_id"),
        ),
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    cats = ["brand_id", "retailer_id", "category_id"]
    feature_types = ["c" if c in cats else "q" for c in X_train.columns]
    clf = cls(feature_types=feature_types, enable_categorical=True, n_estimators=10)
    pipe = make_pipeline(encoder, clf).fit(X_train, y_train)
    assert list(clf.get_booster().feature_types) == feature_types
    # the encoding is the same for a slice and for the whole frame
    np.testing.assert_allclose(
        pipe.predict_proba(X_train.iloc[:16]), pipe.predict_proba(X_train)[:16]
    )
    return pipe.predict_proba(X_test).shape


def _categorical_frame(n=200, n_features=5, n_categories=4):
    rng = np.random.RandomState(1994)
    frame = pd.DataFrame(
        {str(i): rng.randint(0, n_categories, size=n) for i in range(n_features)}
    )
    y = (frame.sum(axis=1) + rng.randint(0, 3, size=n) > 8).astype(int)
    frame = frame.astype("category")
    for col in frame.columns:
        frame[col] = frame[col].cat.set_categories(np.arange(n_categories))
    return frame, y


def xgb_categorical_frame_and_shap(cls, tmp_path):
    X, y = _categorical_frame()
    clf = cls(enable_categorical=True, max_cat_to_onehot=5, n_estimators=10)
    clf.fit(X, y, eval_set=[(X, y)])
    history = clf.evals_result()["validation_0"]["logloss"]
    booster = clf.get_booster()
    data = xgb.DMatrix(X, enable_categorical=True)
    shap_values = booster.predict(data, pred_contribs=True)
    margin = booster.predict(data, output_margin=True)
    np.testing.assert_allclose(shap_values.sum(axis=-1), margin, rtol=1e-3)
    return len(history), shap_values.shape


def xgb_leaf_indices(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    clf = cls(n_estimators=3, max_depth=2).fit(X_train, y_train)
    leaves = clf.apply(X_test)
    native = clf.get_booster().predict(xgb.DMatrix(X_test), pred_leaf=True)
    np.testing.assert_array_equal(leaves, native)
    first = clf.apply(X_test, iteration_range=(0, 1))
    return leaves.shape, first.shape


def xgb_first_trees(cls, tmp_path):
    X_train, X_test, y_train, y_test = _cancer()
    clf = cls(n_estimators=10, max_depth=2).fit(X_train, y_train)
    one = clf.predict_proba(X_test, iteration_range=(0, 1))
    full = clf.predict_proba(X_test)
    error = [np.mean((p[:, 1] > 0.5) != y_test) for p in (one, full)]
    assert error[1] < 0.1
    return one.shape, bool(np.abs(one - full).max() > 0)


def xgb_margin_and_base_margin(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    first = cls(n_estimators=3).fit(X_train, y_train)
    margin = first.predict(X_train, output_margin=True)
    second = cls(n_estimators=3).fit(X_train, y_train, base_margin=margin)
    test_margin = first.predict(X_test, output_margin=True)
    out = second.predict(X_test, output_margin=True, base_margin=test_margin)
    assert np.isfinite(out).all()
    return out.shape


def xgb_feature_weights(cls, tmp_path):
    X_train, _, y_train, _ = _cancer()
    weights = np.ones(X_train.shape[1])
    weights[:10] = 0.0  # never sampled
    clf = cls(n_estimators=10, colsample_bynode=0.3, random_state=0)
    clf.fit(X_train, y_train, feature_weights=weights)
    used = {int(name[1:]) for name in clf.get_booster().get_fscore()}
    return bool(used) and min(used) >= 10


def xgb_individual_trees(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    clf = cls(n_estimators=4, max_depth=2).fit(X_train, y_train)
    booster = clf.get_booster()
    data = xgb.DMatrix(X_test)
    full = booster.predict(data, output_margin=True)
    trees = [booster[t : t + 1].predict(data, output_margin=True) for t in range(4)]
    # each one-tree slice carries the intercept: the sum has three too many,
    # the same constant for every row
    extra = np.sum(trees, axis=0) - full
    np.testing.assert_allclose(extra, extra[0], atol=1e-5)
    return len(booster.get_dump()), len(trees)


def xgb_params_api(cls, tmp_path):
    clf = cls(n_estimators=7, max_depth=3, learning_rate=0.2)
    clf.set_params(max_depth=4)
    assert clf.get_params()["max_depth"] == 4
    return clf.get_num_boosting_rounds(), "max_depth" in clf.get_xgb_params()


def xgb_plot_importance(cls, tmp_path):
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    clf = cls(n_estimators=5).fit(X, y)
    ax = xgb.plot_importance(clf.get_booster(), max_num_features=5)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    plt.close("all")
    return len(labels), all(label in X.columns for label in labels)


def xgb_shap(cls, tmp_path):
    shap = pytest.importorskip("shap", reason="shap not installed")
    X_train, X_test, y_train, _ = _cancer()
    clf = cls(n_estimators=5).fit(X_train, y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        explainer = shap.TreeExplainer(clf.get_booster())
        values = explainer.shap_values(X_test)
    margin = clf.predict(X_test, output_margin=True)
    total = values.sum(axis=1) + explainer.expected_value
    np.testing.assert_allclose(total, margin, rtol=1e-4, atol=1e-4)
    return values.shape


def xgb_grid_search_with_fit_params(cls, tmp_path):
    X_train, X_valid, y_train, y_valid = _cancer()
    grid = GridSearchCV(cls(n_estimators=10), {"max_depth": [2, 3]}, cv=2)
    grid.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
    return sorted(grid.best_params_)


def xgb_cross_val_score(cls, tmp_path):
    from sklearn.model_selection import cross_val_score

    X, y = load_breast_cancer(return_X_y=True)
    scores = cross_val_score(cls(n_estimators=10), X, y, cv=3, scoring="roc_auc")
    return len(scores), bool(scores.min() > 0.9)


def xgb_frame_feature_names(cls, tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    clf = cls(n_estimators=3).fit(X, y)
    names = list(clf.feature_names_in_)
    assert clf.get_booster().feature_names == names == list(X.columns)
    return len(names), set(clf.get_booster().get_score()) <= set(names)


# ============================================================== LightGBM
def lgb_early_stopping_and_best_iteration(cls, tmp_path):
    X_train, X_test, y_train, y_test = _cancer()
    clf = cls(num_leaves=31, learning_rate=0.05, n_estimators=200, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_metric="binary_logloss",
            callbacks=[lgb.early_stopping(5, verbose=False)],
        )
    proba = clf.predict_proba(X_test, num_iteration=clf.best_iteration_)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.95
    return (
        0 < clf.best_iteration_ < 200,
        list(clf.best_score_["valid_0"]),
        len(clf.feature_importances_),
    )


def _log_loss_metric(y_true, y_pred):
    p = np.clip(y_pred, 1e-15, 1 - 1e-15)
    value = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return "my_logloss", value, False


def _error_metric(y_true, y_pred):
    return "my_error", float(np.mean((y_pred > 0.5) != y_true)), False


def lgb_custom_eval_metric(cls, tmp_path):
    X_train, X_test, y_train, y_test = _cancer()
    clf = cls(n_estimators=100, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_metric=_log_loss_metric,
            callbacks=[lgb.early_stopping(5, verbose=False)],
        )
    return list(clf.evals_result_["valid_0"]), clf.best_iteration_ > 0


def lgb_several_custom_eval_metrics(cls, tmp_path):
    X_train, X_test, y_train, y_test = _cancer()
    clf = cls(n_estimators=30, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_metric=[_log_loss_metric, _error_metric],
            callbacks=[lgb.early_stopping(5, first_metric_only=True, verbose=False)],
        )
    proba = clf.predict_proba(X_test, num_iteration=clf.best_iteration_)[:, 1]
    return list(clf.evals_result_["valid_0"]), _error_metric(y_test, proba)[1] < 0.1


def lgb_grid_search(cls, tmp_path):
    X_train, _, y_train, _ = _cancer()
    grid = GridSearchCV(
        cls(num_leaves=7, verbose=-1),
        {"learning_rate": [0.1, 0.5], "n_estimators": [10, 20]},
        cv=3,
    )
    grid.fit(X_train, y_train)
    return sorted(grid.best_params_), bool(grid.best_score_ > 0.9)


def lgb_plot_metric_and_importance(cls, tmp_path):
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X_train, X_test, y_train, y_test = _cancer()
    record = {}
    clf = cls(num_leaves=5, n_estimators=20, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_train, y_train), (X_test, y_test)],
            eval_metric=["auc"],
            callbacks=[lgb.record_evaluation(record)],
        )
    ax = lgb.plot_metric(record, metric="auc")
    lines = len(ax.get_lines())
    ax = lgb.plot_importance(clf.booster_, max_num_features=10)
    bars = len(ax.patches)
    plt.close("all")
    ax = lgb.plot_metric(clf.evals_result_, metric="binary_logloss")
    plt.close("all")
    return lines, bars, sorted(record["valid_1"])


def lgb_tree_digraph(cls, tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    X_train, _, y_train, _ = _cancer()
    names = [f"f{i + 1}" for i in range(X_train.shape[1])]
    clf = cls(num_leaves=5, n_estimators=5, verbose=-1)
    clf.fit(X_train, y_train, feature_name=names)
    graph = lgb.create_tree_digraph(clf.booster_, tree_index=2, name="Tree3")
    return "f" in graph.source, clf.feature_name_ == names


def lgb_leaves_and_contributions(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    clf = cls(n_estimators=5, num_leaves=7, verbose=-1).fit(X_train, y_train)
    leaves = clf.predict(X_test, pred_leaf=True)
    contrib = clf.predict(X_test, pred_contrib=True)
    raw = clf.predict(X_test, raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-10, atol=1e-10)
    return leaves.shape, contrib.shape


def lgb_categorical_frame(cls, tmp_path):
    X, y = _categorical_frame(n=400)
    clf = cls(n_estimators=10, min_child_samples=5, verbose=-1).fit(X, y)
    proba = clf.predict_proba(X)
    return proba.shape, clf.feature_name_ == list(X.columns)


def lgb_categorical_feature_keyword(cls, tmp_path):
    X, y = _shop_data(n=400)
    X = X.astype({"on_sale": int})
    clf = cls(n_estimators=10, min_child_samples=5, verbose=-1)
    clf.fit(X, y, categorical_feature=["brand_id"])
    return clf.predict_proba(X).shape


def lgb_init_model(cls, tmp_path):
    X_train, X_test, y_train, _ = _cancer()
    first = cls(n_estimators=10, verbose=-1).fit(X_train, y_train)
    second = cls(n_estimators=5, verbose=-1).fit(X_train, y_train, init_model=first)
    assert np.isfinite(second.predict_proba(X_test)).all()
    return second.booster_.current_iteration()


def lgb_callbacks_log_and_record(cls, tmp_path, capsys=None):
    X_train, X_test, y_train, y_test = _cancer()
    record = {}
    clf = cls(n_estimators=4, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_names=["holdout"],
            callbacks=[lgb.log_evaluation(2), lgb.record_evaluation(record)],
        )
    return {k: {m: len(v) for m, v in ms.items()} for k, ms in record.items()}


def _rare_class_weighting(cls, weighting):
    X_train, X_test, y_train, _ = _imbalanced()
    mean = {}
    for name, extra in (("baseline", {}), ("weighted", weighting)):
        clf = cls(n_estimators=50, verbose=-1, **extra).fit(X_train, y_train)
        mean[name] = clf.predict_proba(X_test)[:, 1].mean()
    # the weights raise the rare class's predicted probability
    return mean["weighted"] > mean["baseline"]


def lgb_imbalanced_is_unbalance(cls, tmp_path):
    return _rare_class_weighting(cls, {"is_unbalance": True})


def lgb_class_weight_balanced(cls, tmp_path):
    return _rare_class_weighting(cls, {"class_weight": "balanced"})


def lgb_multiclass_iris(cls, tmp_path):
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = cls(n_estimators=30, min_child_samples=5, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_metric="multi_error",
        )
    return (
        sorted(clf.evals_result_["valid_0"]),
        clf.predict_proba(X_test).shape,
        bool(clf.score(X_test, y_test) > 0.85),
    )


def lgb_split_value_histogram(cls, tmp_path):
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X_train, _, y_train, _ = _cancer()
    names = [f"f{i + 1}" for i in range(X_train.shape[1])]
    clf = cls(num_leaves=5, n_estimators=20, verbose=-1)
    clf.fit(X_train, y_train, feature_name=names)
    used = names[int(np.argmax(clf.booster_.feature_importance()))]
    ax = lgb.plot_split_value_histogram(clf.booster_, feature=used, bins="auto")
    title = ax.get_title()
    plt.close("all")
    return title.startswith("Split value histogram")


def lgb_eval_names_and_best_score(cls, tmp_path):
    X_train, X_test, y_train, y_test = _cancer()
    clf = cls(n_estimators=200, learning_rate=0.2, verbose=-1)
    with _quiet():
        clf.fit(
            X_train,
            y_train,
            eval_set=[(X_test, y_test)],
            eval_names=["holdout"],
            eval_metric=["auc", "binary_error"],
            callbacks=[lgb.early_stopping(5, verbose=False)],
        )
    return (
        list(clf.best_score_),
        list(clf.best_score_["holdout"]),
        bool(clf.best_iteration_ > 0),
    )


# ---------------------------------------------------------------- the runs
XGB_CASES = [
    xgb_imbalanced_scale_pos_weight,
    xgb_evals_result,
    xgb_evals_result_verbose,
    xgb_kfold_binary_digits,
    xgb_kfold_multiclass_iris,
    xgb_grid_search,
    xgb_pickle,
    xgb_early_stopping_multiclass_auc,
    xgb_continuation,
    xgb_continuation_pickle,
    xgb_continuation_early_stop,
    xgb_custom_callback,
    xgb_checkpoint_callback,
    xgb_categorical_pipeline,
    xgb_categorical_frame_and_shap,
    xgb_leaf_indices,
    xgb_first_trees,
    xgb_margin_and_base_margin,
    xgb_feature_weights,
    xgb_individual_trees,
    xgb_params_api,
    xgb_plot_importance,
    xgb_shap,
    xgb_grid_search_with_fit_params,
    xgb_cross_val_score,
    xgb_frame_feature_names,
]
LGB_CASES = [
    lgb_early_stopping_and_best_iteration,
    lgb_custom_eval_metric,
    lgb_several_custom_eval_metrics,
    lgb_grid_search,
    lgb_plot_metric_and_importance,
    lgb_tree_digraph,
    lgb_leaves_and_contributions,
    lgb_categorical_frame,
    lgb_categorical_feature_keyword,
    lgb_init_model,
    lgb_callbacks_log_and_record,
    lgb_imbalanced_is_unbalance,
    lgb_class_weight_balanced,
    lgb_multiclass_iris,
    lgb_split_value_histogram,
    lgb_eval_names_and_best_score,
]
CASES = [
    pytest.param(case, xgb.XGBClassifier, FocalXGBClassifier, id=case.__name__)
    for case in XGB_CASES
] + [
    pytest.param(case, lgb.LGBMClassifier, FocalLGBMClassifier, id=case.__name__)
    for case in LGB_CASES
]


@pytest.mark.parametrize(("case", "theirs", "ours"), CASES)
def test_backend_usage_with_the_class_name_changed(case, theirs, ours, tmp_path):
    (tmp_path / "theirs").mkdir()
    (tmp_path / "ours").mkdir()
    with warnings.catch_warnings():
        # the backends' own warnings on their own classes are not focalboost's
        warnings.simplefilter("ignore")
        want = case(theirs, tmp_path / "theirs")
    got = case(ours, tmp_path / "ours")
    assert got == want
