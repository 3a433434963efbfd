"""
Calibrated probabilities from a focal-loss model
================================================

Focal loss is not a proper scoring rule: the sigmoid of a focal-trained
margin is pulled toward 1/2 by ``gamma`` and shifted by ``alpha``, so it is
not a probability. focalboost's ``predict_proba`` therefore maps the margin
back to a posterior estimate by default (``probability="posterior"``); the
raw focal sigmoid is available as ``probability="focal"``. This example
draws the reliability diagram of both, next to a log-loss model trained on
the same data, and reports the Brier score and the expected calibration
error (ECE). The maths of the map is in :doc:`/calibration`.
"""  # noqa: D205, D400

# %%
# Data and models
# ---------------
# A generated problem with 10 % positives. One focal model
# (``alpha=0.25, gamma=2``) is fitted once; its probability mode is switched
# with ``set_params`` at predict time, without refitting. Shallow trees keep
# the models from over-fitting, the case in which the posterior map works
# best (see :doc:`/calibration` for deeper trees).

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from focalboost import FocalXGBClassifier

X, y = make_classification(
    n_samples=20_000,
    n_features=20,
    n_informative=6,
    weights=[0.9],
    flip_y=0.05,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

trees = dict(n_estimators=150, learning_rate=0.05, max_depth=3, n_jobs=1)
focal = FocalXGBClassifier(alpha=0.25, gamma=2.0, **trees).fit(X_train, y_train)
log_loss_model = FocalXGBClassifier(alpha=None, gamma=0.0, **trees).fit(
    X_train, y_train
)

proba = {
    "focal, posterior (default)": focal.set_params(
        probability="posterior"
    ).predict_proba(X_test)[:, 1],
    "focal, raw (probability='focal')": focal.set_params(
        probability="focal"
    ).predict_proba(X_test)[:, 1],
    "log loss": log_loss_model.predict_proba(X_test)[:, 1],
}
focal.set_params(probability="posterior")

# %%
# Brier score and expected calibration error
# ------------------------------------------
# ECE: 15 equal-width bins of the predicted probability, the bin-size
# weighted mean of ``|fraction of positives - mean prediction|``. Both modes
# of the focal model rank the rows identically, so their ROC-AUCs are equal:
# only the probability values differ.


def expected_calibration_error(y_true, y_prob, n_bins=15):
    """Bin-size weighted mean gap between observed and predicted rates."""
    bins = np.minimum((y_prob * n_bins).astype(int), n_bins - 1)
    gap = 0.0
    for b in np.unique(bins):
        in_bin = bins == b
        gap += in_bin.sum() * abs(y_true[in_bin].mean() - y_prob[in_bin].mean())
    return gap / y_true.size


print(f"{'probabilities':<34}{'Brier':>8}{'ECE':>8}{'ROC-AUC':>9}")
for name, p in proba.items():
    print(
        f"{name:<34}{brier_score_loss(y_test, p):>8.4f}"
        f"{expected_calibration_error(y_test, p):>8.4f}"
        f"{roc_auc_score(y_test, p):>9.4f}"
    )

# %%
# Reliability diagram
# -------------------
# Each point is a bin of test rows with similar predicted probabilities
# (quantile bins, so each holds the same number of rows): its mean prediction
# against the observed fraction of positives. A calibrated model lies on the
# diagonal. The raw focal probabilities form the typical flat "S": too low
# for the confident positives and too high near zero, where most rows of an
# imbalanced problem are. The posterior map puts them back near the diagonal,
# about where the log-loss model is.

fig, (ax, ax_hist) = plt.subplots(
    2, 1, figsize=(6.0, 7.0), height_ratios=[3, 1], sharex=True
)
ax.plot([0, 1], [0, 1], color="black", linestyle=":", label="perfectly calibrated")
for (name, p), marker in zip(proba.items(), "osd", strict=True):
    observed, predicted = calibration_curve(y_test, p, n_bins=12, strategy="quantile")
    ax.plot(predicted, observed, marker=marker, label=name)
    ax_hist.hist(p, bins=40, range=(0, 1), histtype="step", label=name)
ax.set_ylabel("observed fraction of positives")
ax.set_title("Reliability diagram (test part)")
ax.legend(loc="upper left", fontsize=8)
ax_hist.set_yscale("log")
ax_hist.set_xlabel("predicted probability of the positive class")
ax_hist.set_ylabel("rows")
fig.tight_layout()
plt.show()

# %%
# Thresholds
# ----------
# Because the posterior undoes ``alpha`` as well as ``gamma``, ``predict``
# (the 0.5 threshold) of the default mode is the accuracy-optimal decision,
# as for a log-loss model. If you want more recall of the rare class, choose
# a lower threshold on the posterior (from the costs of the two errors, or on
# validation data) rather than through ``alpha``.

for name, p in proba.items():
    flagged = p >= 0.5
    recall = flagged[y_test == 1].mean()
    print(f"{name:<34} flags {flagged.sum():>5} rows, recall {recall:.3f}")
