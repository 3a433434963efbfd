r"""
Multiclass targets: the softmax focal loss
==========================================

With more than two classes the estimators train the softmax focal loss: one
margin per class, :math:`-\alpha_y (1 - p_y)^\gamma \log p_y` with
:math:`p` the softmax of the margins. ``alpha`` takes one weight per class
(or ``"balanced"``: inverse class totals, normalised to sum to one).

This example builds three classes of very different sizes (80 %, 17 %, 3 %)
and compares the log loss with focal loss class by class: PR-AUC of each
class against the others, and the confusion matrices.
"""  # noqa: D205, D400

# %%
# Three classes, one of them rare
# -------------------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import ConfusionMatrixDisplay, average_precision_score
from sklearn.model_selection import train_test_split

from focalboost import FocalXGBClassifier

X, y = make_classification(
    n_samples=6_000,
    n_features=12,
    n_informative=6,
    n_classes=3,
    n_clusters_per_class=1,
    weights=[0.80, 0.17, 0.03],
    flip_y=0.01,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print("training rows per class:", np.bincount(y_train))

# %%
# Log loss and focal loss
# -----------------------
# ``gamma=0, alpha=None`` is exactly XGBoost's ``multi:softprob``.
# ``alpha="balanced"`` gives each class the same total weight; the resolved
# weights are in ``alpha_`` after ``fit``.

trees = dict(n_estimators=150, learning_rate=0.1, max_depth=4, n_jobs=1)
models = {
    "log loss": FocalXGBClassifier(alpha=None, gamma=0.0, **trees),
    "focal (balanced, gamma=2)": FocalXGBClassifier(
        alpha="balanced", gamma=2.0, **trees
    ),
}
for model in models.values():
    model.fit(X_train, y_train)
print(
    "alpha_ of the focal model:",
    np.round(models["focal (balanced, gamma=2)"].alpha_, 3),
)

# %%
# PR-AUC per class
# ----------------
# ``predict_proba`` has one column per class (rows sum to 1); each column
# ranks its class against the others.

for name, model in models.items():
    proba = model.predict_proba(X_test)
    per_class = [
        average_precision_score(y_test == k, proba[:, k]) for k in model.classes_
    ]
    print(f"{name:>26}: PR-AUC per class", np.round(per_class, 3))

# %%
# Confusion matrices
# ------------------
# ``predict`` is the most probable class of the posterior estimate, for both
# models; the class weights change how the trees are grown, not where the
# decision is.

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (name, model) in zip(axes, models.items(), strict=True):
    ConfusionMatrixDisplay.from_estimator(
        model, X_test, y_test, ax=ax, colorbar=False, values_format="d"
    )
    ax.set_title(name)
fig.tight_layout()
