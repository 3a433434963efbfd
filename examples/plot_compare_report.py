"""
The report of ``focalboost compare``
====================================

``focalboost compare`` answers "does focal loss help on my data?" with a
nested cross-validation and a verdict (see :doc:`/getting_started` and
:doc:`/cli`). This example runs it from Python, through
:func:`focalboost.cli.main` (the same arguments as on the command line), on
the Wine Quality task shipped with focalboost, with a smaller grid, fewer
folds and rounds than the defaults so that it takes seconds, and then shows
what the report holds.
"""  # noqa: D205, D400

# %%
# Run the comparison
# ------------------
# The same as ``focalboost compare --cv 3 --inner-cv 2 ...`` in a shell. It
# prints the verdicts first, then the tables, and writes the report folder.

import base64
import io
import json
import os
import re
import tempfile

import matplotlib.pyplot as plt

from focalboost.cli import main

out = tempfile.mkdtemp()
status = main(
    [
        "compare",
        "--cv", "3",
        "--inner-cv", "2",
        "--alpha", "none,balanced",
        "--gamma", "0,2",
        "--n-estimators", "30",
        "--n-jobs", "1",
        "--out", out,
        "--quiet",
    ]
)  # fmt: skip
print("exit status", status)
print("report folder:", sorted(os.listdir(out)))

# %%
# What ``results.json`` holds
# ---------------------------
# Every score of every outer fold and arm, the parameters tuning chose in each
# fold, the verdicts, and the configuration, versions and machine of the run:
# what to keep next to a decision.

with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
    results = json.load(f)
xgb = results["backends"]["xgboost"]
for arm, scores in xgb["summary"]["arms"].items():
    folds = " ".join(f"{fold['arms'][arm]['pr_auc']:.3f}" for fold in xgb["folds"])
    print(f"{arm:>32}: PR-AUC {scores['pr_auc']['mean']:.3f} (folds {folds})")
print(
    "focal (tuned) chose, per outer fold:", [f["chosen"]["name"] for f in xgb["folds"]]
)
print(f"{results['n_fits']} fits, {results['total_s']:.1f} s")

# %%
# The report's plots
# ------------------
# ``report.html`` is one self-contained page: its plots are embedded in it
# (and written next to it as PNG files where the report does so), so it opens
# offline and can be sent by mail. Here are its images.

with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
    page = f.read()
embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
images = [plt.imread(io.BytesIO(base64.b64decode(data))) for data in embedded]
print(f"{len(images)} images embedded in report.html")

fig, axes = plt.subplots(len(images), 1, figsize=(8, 4 * len(images)), squeeze=False)
for ax, image in zip(axes[:, 0], images, strict=True):
    ax.imshow(image)
    ax.set_axis_off()
fig.tight_layout()
