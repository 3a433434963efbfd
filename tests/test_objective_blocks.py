"""The backend objectives evaluate long arrays block by block, identically."""

import numpy as np
import pytest

from focalboost import _kernels
from focalboost.lightgbm import LightGBMObjective
from focalboost.losses import BinaryFocalLoss, MultiLabelFocalLoss, SoftmaxFocalLoss
from focalboost.xgboost import XGBoostObjective


def _case(kind, rng, n):
    if kind == "binary":
        return BinaryFocalLoss(0.25, 2.0), (rng.random(n) < 0.2) * 1.0, (n,)
    if kind == "multiclass":
        return SoftmaxFocalLoss([0.2, 0.3, 0.5], 1.5), rng.integers(0, 3, n), (n, 3)
    y = (rng.random((n, 4)) < 0.3) * 1.0
    return MultiLabelFocalLoss(0.3, 2.0), y, (n, 4)


@pytest.mark.parametrize("kernel", ["compiled", "numpy"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("policy", ["surrogate", "clipped"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("cls", [XGBoostObjective, LightGBMObjective])
def test_blocks_give_the_same_arrays(
    monkeypatch, rng, cls, kind, policy, weighted, kernel
):
    if kernel == "numpy":
        monkeypatch.setenv("FOCALBOOST_NO_CKERNEL", "1")
    elif not _kernels.HAVE_CKERNEL:
        pytest.skip("focalboost._ckernels not built")
    else:
        monkeypatch.delenv("FOCALBOOST_NO_CKERNEL", raising=False)
    n = 1003
    loss, y, shape = _case(kind, rng, n)
    w = rng.integers(1, 5, n).astype(float) if weighted else None
    z = rng.normal(0.0, 4.0, shape)
    if cls is XGBoostObjective:
        z = z.astype(np.float32)  # what XGBoost passes
    obj = cls(loss, y, w, policy)
    g_one, h_one = obj.gradient_hessian(z)  # 1003 rows: a single block
    monkeypatch.setattr(cls, "block_rows", 100)
    g_blk, h_blk = obj.gradient_hessian(z)  # 11 blocks (fewer rows if 2-D)
    # through the compiled kernel: one call, written in float32, the type
    # both backends keep
    fused = kernel == "compiled"
    f32 = cls is XGBoostObjective or fused
    assert g_blk.dtype == g_one.dtype == (np.float32 if f32 else np.float64)
    assert g_blk.shape == h_blk.shape == shape
    np.testing.assert_array_equal(g_blk, g_one)
    np.testing.assert_array_equal(h_blk, h_one)
    # and the values are the loss's own (weights applied after the policy),
    # softmax Hessians times the backend's factor (multi:softprob's 2 p (1-p),
    # LightGBM multiclass's K/(K-1) p (1-p))
    g_ref, h_ref = loss.gradient_hessian(y, z, w, hessian=policy)
    factor = 1.0
    if kind == "multiclass":
        factor = 2.0 if cls is XGBoostObjective else 3 / 2
    if cls is XGBoostObjective:  # float32 with 3 mantissa bits cleared
        np.testing.assert_allclose(g_blk, g_ref, rtol=2.0**-20, atol=1e-30)
        np.testing.assert_allclose(h_blk, factor * h_ref, rtol=2.0**-20, atol=1e-30)
    else:  # LightGBM's own conversion of float64 values, times 3/2 (exact)
        np.testing.assert_array_equal(g_blk, g_ref.astype(g_blk.dtype))
        np.testing.assert_array_equal(h_blk, h_ref.astype(h_blk.dtype) * factor)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("cls", [XGBoostObjective, LightGBMObjective])
def test_adapters_write_each_round_into_the_previous_arrays(rng, cls, kind):
    """The backends copy the values in ``boost``: no new pages every round."""
    if not _kernels.ckernel_enabled():
        pytest.skip("the numpy path allocates its blocks")
    loss, y, shape = _case(kind, rng, 500)
    obj = cls(loss, y, None, "surrogate")
    z1, z2 = rng.normal(0.0, 3.0, shape), rng.normal(0.0, 3.0, shape)
    if cls is LightGBMObjective and kind != "binary":
        z1, z2 = np.asfortranarray(z1), np.asfortranarray(z2)  # LightGBM's layout
    g1, h1 = obj(z1, None)
    g2, h2 = obj(z2, None)
    assert g2 is g1 and h2 is h1
    g_ref, h_ref = obj.gradient_hessian(z2)  # no out: new arrays
    assert g_ref is not g2
    np.testing.assert_array_equal(g2, g_ref)
    np.testing.assert_array_equal(h2, h_ref)
