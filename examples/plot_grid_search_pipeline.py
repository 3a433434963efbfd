"""
Tuning alpha and gamma with GridSearchCV in a Pipeline
======================================================

The focal loss has two parameters, ``alpha`` (class weight) and ``gamma``
(focusing). Both are ordinary estimator parameters, so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other,
also when the classifier sits at the end of a
:class:`~sklearn.pipeline.Pipeline`.

The data is the Wine Quality "quality <= 4" task shipped with focalboost
(:func:`focalboost.datasets.load_wine_quality`: 4,898 wines, 3.7 % positives).
The grid includes ``gamma=0, alpha=None``, which is exactly the log loss, so
the search can always fall back to the baseline.
"""  # noqa: D205, D400

# %%
# Data and a held-out test part
# -----------------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import average_precision_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from focalboost import FocalLGBMClassifier
from focalboost.datasets import load_wine_quality

X, y = load_wine_quality(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"training: {y_train.size} rows, {y_train.sum()} positives")
print(f"test:     {y_test.size} rows, {y_test.sum()} positives")

# %%
# The pipeline and the grid
# -------------------------
# Trees do not need scaled features; the scaler stands for whatever
# preprocessing your data needs and shows how the parameters are addressed
# through the pipeline (``clf__alpha``, ``clf__gamma``). PR-AUC (average
# precision) is the score: it needs probabilities, hence
# ``response_method="predict_proba"``. ``alpha="balanced"`` weighs the two
# classes by their inverse frequencies.

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "clf",
            FocalLGBMClassifier(
                n_estimators=100,
                learning_rate=0.05,
                num_leaves=15,
                n_jobs=1,
                random_state=0,
            ),
        ),
    ]
)
param_grid = {
    "clf__alpha": [None, 0.25, "balanced"],
    "clf__gamma": [0.0, 1.0, 2.0],
}
pr_auc = make_scorer(average_precision_score, response_method="predict_proba")
search = GridSearchCV(
    pipe,
    param_grid,
    scoring=pr_auc,
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
    n_jobs=1,
)
search.fit(X_train, y_train)

# %%
# The cross-validation results
# ----------------------------
# ``cv_results_`` holds one row per candidate; here it is sorted by rank.
# (With pandas installed, ``pandas.DataFrame(search.cv_results_)`` gives the
# same table as a data frame.)

results = search.cv_results_
print(f"{'rank':>4}  {'alpha':<9}{'gamma':>6}  {'mean PR-AUC':>11}  {'std':>6}")
for i in np.argsort(results["rank_test_score"], kind="stable"):
    params = results["params"][i]
    print(
        f"{results['rank_test_score'][i]:>4}  {params['clf__alpha']!s:<9}"
        f"{params['clf__gamma']:>6.1f}  {results['mean_test_score'][i]:>11.3f}"
        f"  {results['std_test_score'][i]:>6.3f}"
    )
print(f"\nbest: {search.best_params_}")

# %%
# The same scores as a heat map. The differences between cells are of the
# order of the standard deviation over folds: on this data set the grid is
# nearly flat, which is what focal loss usually looks like on moderately
# imbalanced tabular data (see :doc:`/when_focal_helps`).

alphas = [str(a) for a in param_grid["clf__alpha"]]
gammas = param_grid["clf__gamma"]
scores = results["mean_test_score"].reshape(len(alphas), len(gammas))
fig, ax = plt.subplots(figsize=(5.2, 3.8))
image = ax.imshow(scores, cmap="viridis")
middle = (scores.min() + scores.max()) / 2
for (i, j), value in np.ndenumerate(scores):
    color = "black" if value > middle else "white"  # readable on viridis
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color=color)
ax.set_xticks(range(len(gammas)), [f"{g:g}" for g in gammas])
ax.set_yticks(range(len(alphas)), alphas)
ax.set_xlabel("gamma")
ax.set_ylabel("alpha")
ax.set_title("Mean cross-validated PR-AUC")
fig.colorbar(image, ax=ax)
fig.tight_layout()
plt.show()

# %%
# The refitted best pipeline on the test part
# -------------------------------------------
# ``GridSearchCV`` refits the best candidate on the whole training part. Its
# test PR-AUC is compared with the log-loss pipeline (``alpha=None,
# gamma=0``) trained on the same rows.

baseline = pipe.set_params(clf__alpha=None, clf__gamma=0.0).fit(X_train, y_train)
for name, model in [("best focal", search.best_estimator_), ("log loss", baseline)]:
    score = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    print(f"{name:<11} test PR-AUC {score:.3f}")

# %%
# A candidate that wins the grid by less than the fold-to-fold spread need not
# win on new data; compare it with the log-loss baseline on held-out rows, as
# above, before preferring it. ``GridSearchCV`` works the same way with
# :class:`~focalboost.FocalXGBClassifier`, with more parameters (tree depth,
# learning rate, ``n_estimators``) in the grid, and with any scorer
# (``"roc_auc"``, ``"neg_log_loss"`` on the posterior probabilities, ...).
