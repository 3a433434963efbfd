"""
Saving and loading a model
==========================

Two ways to keep a fitted model:

- ``save_model`` writes the backend's own model file (XGBoost JSON or
  UBJSON, LightGBM text) with focalboost's parameters inside it;
  ``load_model`` reads it back into an estimator whose predictions are
  identical. The backend's own ``Booster`` reads the same file without
  focalboost, for serving, and predicts the focal *margin*.
- pickle (``joblib.dump``) stores the whole estimator. Only load pickles you
  trust: loading one runs code.

This example does both, and shows what to apply to the backend's margin to
get ``predict_proba`` back.
"""  # noqa: D205, D400

# %%
# A fitted model
# --------------

import os
import tempfile

import joblib
import matplotlib.pyplot as plt
import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification

from focalboost import FocalXGBClassifier
from focalboost.export import binary_posterior

X, y = make_classification(n_samples=3_000, weights=[0.95], random_state=0)
clf = FocalXGBClassifier(alpha=0.25, gamma=2.0, n_estimators=50, n_jobs=1).fit(X, y)
folder = tempfile.mkdtemp()

# %%
# ``save_model`` and ``load_model``
# ---------------------------------

path = os.path.join(folder, "model.json")
clf.save_model(path)
loaded = FocalXGBClassifier().load_model(path)
print("alpha, gamma read back:", loaded.alpha, loaded.gamma)
print(
    "same probabilities:", np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
)

# %%
# The same file in XGBoost alone
# ------------------------------
# ``xgboost.Booster`` loads the file and predicts the margin, the focal
# intercept included (``output_margin=True``), as the estimator does with the
# same keyword. The margin of a focal model is *not* a log-odds: the sigmoid
# of it is the raw focal probability (``probability="focal"``).
# ``predict_proba`` maps it to the posterior estimate with a closed-form
# function of the margin, ``alpha_`` and ``gamma``:
# :func:`focalboost.export.binary_posterior` applies it to the booster's
# output (:doc:`/serving` has the formula, to port it, and ONNX export).

booster = xgb.Booster(model_file=path)
margin = booster.predict(xgb.DMatrix(X), output_margin=True)
same = np.array_equal(margin, clf.predict(X, output_margin=True))
print("margin equals the estimator's output_margin:", same)

posterior = binary_posterior(margin, alpha=clf.alpha_, gamma=clf.gamma)[:, 1]
print(
    "posterior from the margin equals predict_proba:",
    np.allclose(posterior, clf.predict_proba(X)[:, 1]),
)

# %%
# The map from margin to probability
# ----------------------------------
# Over the margins of this model: the focal sigmoid is flatter than the
# posterior, which undoes both the focusing and the class weight.

z = np.linspace(margin.min(), margin.max(), 200)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(z, 1 / (1 + np.exp(-z)), label="sigmoid of the margin (probability='focal')")
ax.plot(
    z,
    binary_posterior(z, alpha=clf.alpha_, gamma=clf.gamma)[:, 1],
    label="posterior estimate (probability='posterior')",
)
ax.set_xlabel("focal margin (Booster.predict(..., output_margin=True))")
ax.set_ylabel("probability of the positive class")
ax.legend()
fig.tight_layout()

# %%
# Pickle
# ------
# The whole estimator, parameters and fitted state, in one file.

pickled = os.path.join(folder, "model.joblib")
joblib.dump(clf, pickled)
again = joblib.load(pickled)  # only files you trust
print(
    "same probabilities:", np.array_equal(again.predict_proba(X), clf.predict_proba(X))
)
