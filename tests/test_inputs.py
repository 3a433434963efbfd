"""Inputs users really have: frames, categories, sparse, float32, NaN, views.

Each test compares against an independent way of giving the backend the same
information (a numpy array, a dense matrix with the documented meaning of
absent entries, an explicitly re-coded column), so a conversion that loses or
permutes anything fails.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

pd = pytest.importorskip("pandas", reason="pandas is needed for DataFrame inputs")

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
COMMON = {"n_estimators": 15, "n_jobs": 1, "random_state": 0}
CITIES = ["lille", "lyon", "nice", "paris", "rennes", "tours"]


def _make(rng, n=1500):
    x = rng.normal(size=n)
    z = rng.uniform(size=n)
    city = rng.choice(CITIES, n)
    # the label depends on a category subset no ordinal split can isolate
    y = ((np.isin(city, ["lyon", "rennes"]) & (x > -0.5)) | (z > 0.97)).astype(int)
    return x, z, city, y


def _frame(x, z, city):
    return pd.DataFrame({"x": x, "city": pd.Categorical(city), "z": z})


def _fit(cls, X, y, **kw):
    return cls(**(COMMON | kw)).fit(X, y)


def _categorical_splits(model) -> int:
    """Number of splits the backend made as categorical splits."""
    if isinstance(model, FocalXGBClassifier):
        # text dump: "[f1:{0,2,3}]" is a categorical split, "[f0<0.5]" is not
        return "\n".join(model.booster_.get_dump()).count(":{")
    count = 0
    stack = [t["tree_structure"] for t in model.booster_.dump_model()["tree_info"]]
    while stack:
        node = stack.pop()
        if "decision_type" in node:
            count += node["decision_type"] == "=="
            stack += [node["left_child"], node["right_child"]]
    return count


# ---------------------------------------------------------------- DataFrames
@pytest.mark.parametrize("cls", BACKENDS)
def test_numeric_dataframe_equals_numpy(cls, rng):
    x, z, _, y = _make(rng)
    df = pd.DataFrame({"x": x, "z": z})
    a = _fit(cls, df, y)
    b = _fit(cls, df.to_numpy(), y)
    assert list(a.feature_names_in_) == ["x", "z"]
    assert a.categories_ == {}
    np.testing.assert_array_equal(
        a.decision_function(df), b.decision_function(df.to_numpy())
    )


@pytest.mark.parametrize("cls", BACKENDS)
def test_category_columns_split_natively(cls, rng):
    x, z, city, y = _make(rng)
    df = _frame(x, z, city)
    model = _fit(cls, df, y, max_depth=3)
    assert model.categories_ == {"city": CITIES}
    assert _categorical_splits(model) > 0
    # an independent encoding: the same codes as a plain numeric column would
    # only allow ordinal splits, which cannot isolate {lyon, rennes} in 1 split
    codes = pd.Categorical(city, categories=CITIES).codes.astype(float)
    numeric = _fit(cls, np.c_[x, codes, z], y, max_depth=3, n_estimators=1)
    native = _fit(cls, df, y, max_depth=3, n_estimators=1)
    auc_native = roc_auc_score(y, native.predict_proba(df)[:, 1])
    auc_numeric = roc_auc_score(y, numeric.predict_proba(np.c_[x, codes, z])[:, 1])
    assert auc_native > auc_numeric


@pytest.mark.parametrize("cls", BACKENDS)
def test_categories_are_matched_by_value_not_by_code(cls, rng):
    x, z, city, y = _make(rng)
    df = _frame(x, z, city)
    model = _fit(cls, df, y)
    reordered = df.assign(city=df["city"].cat.reorder_categories(CITIES[::-1]))
    subset = df.assign(city=pd.Categorical(city))  # same values, inferred cats
    expected = model.decision_function(df)
    np.testing.assert_array_equal(model.decision_function(reordered), expected)
    np.testing.assert_array_equal(model.decision_function(subset), expected)


@pytest.mark.parametrize("cls", BACKENDS)
def test_unseen_and_missing_categories_are_missing_values(cls, rng):
    x, z, city, y = _make(rng)
    city = city.astype(object)
    city[:40] = None
    df = _frame(x, z, city)
    model = _fit(cls, df, y)
    row = df.iloc[:5].copy()
    unseen = row.assign(city=pd.Categorical(["brest"] * 5))
    missing = row.assign(city=pd.Categorical([None] * 5, categories=CITIES))
    got = model.decision_function(unseen)
    np.testing.assert_array_equal(got, model.decision_function(missing))
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("cls", BACKENDS)
def test_nullable_pandas_dtypes(cls, rng):
    x, z, city, y = _make(rng)
    ints = pd.array(np.round(x * 10).astype(int), dtype="Int64")
    ints[:30] = pd.NA
    df = pd.DataFrame({"i": ints, "city": pd.Categorical(city), "z": z})
    model = _fit(cls, df, y)
    plain = df.assign(i=df["i"].astype("float64"))
    np.testing.assert_array_equal(
        model.decision_function(df), model.decision_function(plain)
    )


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("dtype", ["object", "string"])
def test_text_columns_are_refused_by_name(cls, dtype, rng):
    x, z, city, y = _make(rng)
    df = pd.DataFrame({"x": x, "city": pd.Series(city, dtype=dtype), "z": z})
    est = cls(**COMMON)
    with pytest.raises(TypeError, match=r"X has non-numeric columns 'city'.*category"):
        est.fit(df, y)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("cls", BACKENDS)
def test_categorical_model_needs_a_frame_with_the_same_kinds(cls, rng):
    x, z, city, y = _make(rng)
    df = _frame(x, z, city)
    model = _fit(cls, df, y)
    with pytest.raises(ValueError, match=r"X must be a pandas or polars DataFrame"):
        model.predict(df.to_numpy())
    with pytest.raises(TypeError, match=r"non-numeric columns 'city'"):
        model.predict(df.assign(city=df["city"].astype(object)))
    codes = df.assign(city=df["city"].cat.codes.astype(float))
    with pytest.raises(ValueError, match=r"X column 'city' must be categorical"):
        model.predict(codes)
    with pytest.raises(ValueError, match=r"feature names"):
        model.predict(df.rename(columns={"z": "w"}))
    numeric = _fit(cls, codes, y)
    with pytest.raises(ValueError, match=r"X column 'city' is categorical"):
        numeric.predict(df)


# -------------------------------------------------------------------- polars
@pytest.mark.parametrize("cls", BACKENDS)
def test_polars_frames(cls, rng):
    pl = pytest.importorskip("polars", reason="polars is not installed")
    x, z, city, y = _make(rng)
    numeric = pl.DataFrame({"x": x, "z": z})
    a = _fit(cls, numeric, y)
    np.testing.assert_array_equal(
        a.decision_function(numeric),
        _fit(cls, np.c_[x, z], y).decision_function(np.c_[x, z]),
    )
    assert list(a.feature_names_in_) == ["x", "z"]
    cat = pl.DataFrame({"x": x, "city": city, "z": z}).with_columns(
        pl.col("city").cast(pl.Categorical)
    )
    enum = cat.with_columns(pl.col("city").cast(pl.String).cast(pl.Enum(CITIES)))
    ref = _fit(cls, _frame(x, z, city), y)
    for frame in (cat, enum):
        model = _fit(cls, frame, y)
        assert model.categories_ == {"city": CITIES}
        np.testing.assert_array_equal(
            model.decision_function(frame),
            ref.decision_function(_frame(x, z, city)),
        )
    # a polars model predicts pandas frames with the same values, and back
    np.testing.assert_array_equal(
        ref.decision_function(cat), ref.decision_function(_frame(x, z, city))
    )
    with pytest.raises(TypeError, match=r"non-numeric columns 'city'"):
        cls(**COMMON).fit(cat.with_columns(pl.col("city").cast(pl.String)), y)


# -------------------------------------------------------------------- sparse
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_xgboost_treats_absent_sparse_entries_as_missing(fmt, rng):
    dense = np.where(rng.uniform(size=(800, 6)) < 0.6, 0.0, rng.normal(size=(800, 6)))
    y = (dense[:, 0] + dense[:, 1] > 0.2).astype(int)
    Xs = sp.csr_matrix(dense).asformat(fmt)
    missing = np.where(dense == 0.0, np.nan, dense)
    a = _fit(FocalXGBClassifier, Xs, y)
    b = _fit(FocalXGBClassifier, missing, y)
    np.testing.assert_array_equal(a.decision_function(Xs), b.decision_function(missing))
    zeros = _fit(FocalXGBClassifier, dense, y)
    assert not np.array_equal(a.decision_function(Xs), zeros.decision_function(dense))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_lightgbm_treats_absent_sparse_entries_as_zero(fmt, rng):
    dense = np.where(rng.uniform(size=(800, 6)) < 0.6, 0.0, rng.normal(size=(800, 6)))
    y = (dense[:, 0] + dense[:, 1] > 0.2).astype(int)
    Xs = sp.csr_matrix(dense).asformat(fmt)
    a = _fit(FocalLGBMClassifier, Xs, y)
    b = _fit(FocalLGBMClassifier, dense, y)
    np.testing.assert_allclose(
        a.decision_function(Xs), b.decision_function(dense), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("cls", BACKENDS)
def test_sparse_arrays_as_well_as_matrices(cls, rng):
    dense = np.where(rng.uniform(size=(400, 5)) < 0.5, 0.0, rng.normal(size=(400, 5)))
    y = (dense[:, 0] > 0).astype(int)
    a = _fit(cls, sp.csr_array(dense), y)
    b = _fit(cls, sp.csr_matrix(dense), y)
    np.testing.assert_array_equal(
        a.decision_function(sp.csr_array(dense)),
        b.decision_function(sp.csr_matrix(dense)),
    )


# ---------------------------------------------------- dtypes, NaN, memory views
@pytest.mark.parametrize("cls", BACKENDS)
def test_float32_and_float64_give_the_same_model(cls, rng):
    X = rng.normal(size=(600, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    a = _fit(cls, X, y)
    b = _fit(cls, X.astype(np.float64), y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert a.predict_proba(X).dtype == np.float64


@pytest.mark.parametrize("cls", BACKENDS)
def test_missing_values_are_used_natively(cls, rng):
    X = rng.normal(size=(1000, 3))
    y = rng.uniform(size=1000) < 0.5
    X[y, 0] = np.nan  # the label is "is x0 missing"
    model = _fit(cls, X, y.astype(int), max_depth=2)
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) == 1.0
    imputed = np.where(np.isnan(X), 0.0, X)
    assert roc_auc_score(y, model.predict_proba(imputed)[:, 1]) < 0.9


@pytest.mark.parametrize("cls", BACKENDS)
def test_read_only_and_non_contiguous_arrays(cls, rng):
    base = rng.normal(size=(500, 8))
    y = (base[:, 0] + base[:, 2] > 0).astype(int)
    X = np.ascontiguousarray(base[:, ::2])
    expected = _fit(cls, X, y).decision_function(X)
    readonly = X.copy()
    readonly.setflags(write=False)
    y_ro = y.copy()
    y_ro.setflags(write=False)
    views = {
        "strided": base[:, ::2],
        "fortran": np.asfortranarray(X),
        "read-only": readonly,
    }
    for name, Xv in views.items():
        got = _fit(cls, Xv, y_ro).decision_function(Xv)
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_xgboost_exact_tree_method_refuses_categorical_columns(rng):
    x, z, city, y = _make(rng)
    est = FocalXGBClassifier(tree_method="exact", **COMMON)
    with pytest.raises(ValueError, match=r"tree_method='exact'.*\['city'\]"):
        est.fit(_frame(x, z, city), y)
    assert not hasattr(est, "categories_")
    est.set_params(tree_method="approx").fit(_frame(x, z, city), y)
    assert _categorical_splits(est) > 0


@pytest.mark.parametrize("cls", BACKENDS)
def test_numbers_stored_as_object_are_numeric(cls, rng):
    x, z, city, y = _make(rng)
    obj = pd.Series(x, dtype=object)
    obj[:5] = None
    df = pd.DataFrame({"x": obj, "z": z})
    model = _fit(cls, df, y)
    plain = pd.DataFrame({"x": obj.astype(float), "z": z})
    np.testing.assert_array_equal(
        model.decision_function(df), _fit(cls, plain, y).decision_function(plain)
    )
    # with a categorical column too
    model = _fit(cls, df.assign(city=pd.Categorical(city)), y)
    assert model.categories_ == {"city": CITIES}


@pytest.mark.parametrize("cls", BACKENDS)
def test_frame_edge_cases_are_refused_clearly(cls, rng):
    x, z, city, y = _make(rng)
    est = cls(**COMMON)
    with pytest.raises(TypeError, match=r"column names must be strings"):
        est.fit(pd.DataFrame({0: pd.Categorical(city), 1: x}), y)
    with pytest.raises(ValueError, match=r"X is not valid.*unique column names"):
        est.fit(pd.DataFrame(np.c_[x, z], columns=["a", "a"]), y)
    with pytest.raises(ValueError, match=r"X is not valid.*2-dimensional"):
        est.fit(pd.Series(x), y)
    model = _fit(cls, np.c_[x, z], y)
    with pytest.raises(ValueError, match=r"eval_set\[0\] X: X has 1 features"):
        cls(**COMMON).fit(np.c_[x, z], y, eval_set=[(x[:, None], y)])
    assert np.isfinite(model.decision_function(np.c_[x, z])).all()
