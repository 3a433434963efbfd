"""
Early stopping on a validation set
==================================

How many boosting rounds? Hold out part of the training data, pass it as
``eval_set``, and set ``early_stopping_rounds``: the estimator records the
evaluation metrics of every round in ``evals_result_``, stops when the metric
of the *last* ``eval_set`` entry has not improved for that many rounds, and
predicts with the best round (``best_iteration_``).

The metric is the focal loss of the model's own ``alpha`` and ``gamma`` by
default (``"focal"``); ``eval_metric`` names others, e.g.
``"average_precision"`` (PR-AUC) or the backend's own names (``"aucpr"``,
``"logloss"``, ...; the estimator pages of the API reference list them).
"""  # noqa: D205, D400

# %%
# Training, validation and test parts
# -----------------------------------
# The Wine Quality task shipped with focalboost: 4,898 wines, 3.7 % of them
# rated 4 or lower. The validation part chooses the number of rounds; the
# test part is kept for the final score.

import matplotlib.pyplot as plt
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

from focalboost import FocalXGBClassifier
from focalboost.datasets import load_wine_quality

X, y = load_wine_quality(return_X_y=True)
X_rest, X_test, y_rest, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
X_train, X_valid, y_train, y_valid = train_test_split(
    X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=0
)
for name, part in [("train", y_train), ("validation", y_valid), ("test", y_test)]:
    print(f"{name:>10}: {part.size} rows, {part.sum()} positives")

# %%
# Fit with ``eval_set`` and ``early_stopping_rounds``
# ---------------------------------------------------
# Up to 400 rounds; the training part is listed first only to draw its
# curve: stopping watches the last entry, the validation part. Two metrics
# are recorded, the PR-AUC and then the focal loss; XGBoost stops on the
# last one.

clf = FocalXGBClassifier(
    alpha=0.25,
    gamma=2.0,
    n_estimators=400,
    learning_rate=0.1,
    max_depth=4,
    early_stopping_rounds=30,
    eval_metric=["average_precision", "focal"],
    n_jobs=1,
)
clf.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_valid, y_valid)])
history = clf.evals_result_
rounds = len(history["validation_1"]["focal"])
print(f"stopped after {rounds} rounds; best round: {clf.best_iteration_}")

# %%
# The learning curves
# -------------------
# The training loss keeps falling; the validation loss stops improving. The
# dotted line is the best round on the validation part, the one ``predict``
# and ``predict_proba`` use.

fig, (ax_loss, ax_pr) = plt.subplots(1, 2, figsize=(9, 3.5))
for name, label in [("validation_0", "training"), ("validation_1", "validation")]:
    ax_loss.plot(history[name]["focal"], label=label)
    ax_pr.plot(history[name]["average_precision"], label=label)
for ax, title in [(ax_loss, "focal loss"), (ax_pr, "PR-AUC")]:
    ax.axvline(clf.best_iteration_, color="grey", linestyle=":")
    ax.set_xlabel("boosting round")
    ax.set_title(title)
ax_loss.legend()
fig.tight_layout()

# %%
# The score on the test part
# --------------------------
# The stopped model against one that ran all 400 rounds. The validation part
# holds only about 34 positives, so its best round is a noisy estimate: on
# this data the longer model ranks the test part about as well or better.
# Early stopping saves the rounds that do not help the validation metric; with
# few positives, also consider choosing ``n_estimators`` by cross-validation
# (for example with ``focalboost compare`` or ``GridSearchCV``).

full = FocalXGBClassifier(
    alpha=0.25, gamma=2.0, n_estimators=400, learning_rate=0.1, max_depth=4, n_jobs=1
).fit(X_train, y_train)
for name, model in [("early stopped", clf), ("400 rounds", full)]:
    pr_auc = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    print(f"{name:>14}: test PR-AUC {pr_auc:.3f}")
