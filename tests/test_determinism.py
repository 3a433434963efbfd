"""With ``random_state`` set, refits are bit-identical on both backends."""

import numpy as np
import pytest

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

# every test here runs on the kernel's 1- and 8-thread paths and on numpy's
pytestmark = pytest.mark.usefixtures("kernel_path")

BACKENDS = [
    pytest.param(FocalXGBClassifier, id="xgboost"),
    pytest.param(FocalLGBMClassifier, id="lightgbm"),
]
# sampling of rows and columns makes the seed matter; two threads make the
# histogram summation order a possible source of differences
SAMPLED = {
    "n_estimators": 20,
    "subsample": 0.7,
    "colsample_bytree": 0.6,
    "n_jobs": 2,
    "gamma": 2.0,
    "alpha": "balanced",
}


def _data(target):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3000, 12))
    X[rng.uniform(size=X.shape) < 0.05] = np.nan
    score = np.nansum(X[:, :4], axis=1) + rng.normal(size=3000)
    if target == "binary":
        return X, (score > 1.5).astype(int)
    if target == "multiclass":
        return X, np.digitize(score, [-1.0, 0.5, 2.0])
    return X, np.c_[score > 1.5, X[:, 5] > 0.3].astype(int)


def _model_text(model):
    if isinstance(model, FocalXGBClassifier):
        return bytes(model.booster_.save_raw("json"))
    return model.booster_.model_to_string()


@pytest.mark.parametrize("cls", BACKENDS)
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_refits_with_the_same_seed_are_bit_identical(cls, target):
    X, y = _data(target)
    a = cls(random_state=7, **SAMPLED).fit(X, y)
    b = cls(random_state=7, **SAMPLED).fit(X, y)
    assert _model_text(a) == _model_text(b)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    # the seed is used: another one samples other rows and columns
    c = cls(random_state=8, **SAMPLED).fit(X, y)
    assert not np.array_equal(a.decision_function(X), c.decision_function(X))


@pytest.mark.parametrize("cls", BACKENDS)
def test_a_random_state_instance_is_reproducible_too(cls):
    X, y = _data("binary")
    a = cls(random_state=np.random.RandomState(3), **SAMPLED).fit(X, y)
    b = cls(random_state=np.random.RandomState(3), **SAMPLED).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))


def test_lightgbm_seeded_fits_pin_the_histogram_layout():
    X, y = _data("binary")
    params = FocalLGBMClassifier(random_state=0)._backend_params()
    assert params["deterministic"] is True and params["force_col_wise"] is True
    free = FocalLGBMClassifier()._backend_params()
    assert "deterministic" not in free and "force_col_wise" not in free
    # booster_params still win for users who prefer speed
    fast = FocalLGBMClassifier(
        random_state=0, booster_params={"force_col_wise": False}
    )._backend_params()
    assert fast["force_col_wise"] is False
