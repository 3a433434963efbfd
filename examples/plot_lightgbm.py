"""
Focal loss with LightGBM
========================

:class:`~focalboost.FocalLGBMClassifier` is the LightGBM twin of
:class:`~focalboost.FocalXGBClassifier`: the same focal parameters
(``alpha``, ``gamma``, ``hessian``, ``probability``), LightGBM's own names for
the rest (``num_leaves``, ``min_child_samples``, ``subsample``,
``colsample_bytree``, ...), and trees grown by ``lightgbm.train``.

This example trains it with the log loss and with focal loss on the Wine
Quality task shipped with focalboost, compares their precision-recall
curves, and shows which features the focal model splits on.
"""  # noqa: D205, D400

# %%
# Data
# ----
# 4,898 white wines and 11 physico-chemical measurements; the positive class
# (3.7 %) is a sensory quality of 4 or lower. ``as_frame=True`` keeps the
# column names, which the fitted model keeps too (``feature_names_in_``).

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import PrecisionRecallDisplay, average_precision_score
from sklearn.model_selection import train_test_split

from focalboost import FocalLGBMClassifier
from focalboost.datasets import load_wine_quality

X, y = load_wine_quality(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print(f"{len(y_train)} training rows, {int(y_train.sum())} positives")

# %%
# Log loss and focal loss, the same trees
# ---------------------------------------
# ``gamma=0, alpha=None`` is exactly LightGBM's ``binary`` objective.
# ``predict_proba`` of the focal model is the posterior estimate mapped back
# from the focal margin (``probability="posterior"``, the default).

trees = dict(n_estimators=200, learning_rate=0.05, num_leaves=15, n_jobs=1)
models = {
    "log loss": FocalLGBMClassifier(alpha=None, gamma=0.0, **trees),
    "focal (alpha=0.25, gamma=2)": FocalLGBMClassifier(alpha=0.25, gamma=2.0, **trees),
}
fig, (ax_pr, ax_imp) = plt.subplots(1, 2, figsize=(10, 4))
for name, model in models.items():
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    print(f"{name:>28}: PR-AUC {average_precision_score(y_test, proba):.3f}")
    PrecisionRecallDisplay.from_predictions(y_test, proba, name=name, ax=ax_pr)
ax_pr.set_title("test precision-recall curves")

# %%
# What the focal model splits on
# ------------------------------
# ``feature_importances_`` are LightGBM's own (``importance_type="split"``
# by default: how many splits use each feature), over the rounds ``predict``
# uses.

focal = models["focal (alpha=0.25, gamma=2)"]
order = np.argsort(focal.feature_importances_)
ax_imp.barh(
    np.asarray(focal.feature_names_in_)[order], focal.feature_importances_[order]
)
ax_imp.set_title("splits per feature (focal model)")
fig.tight_layout()
