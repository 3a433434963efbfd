"""Write the committed model files that guard the save_model format.

Run from the repository root only when the format changes on purpose (and
bump ``focalboost._persist.FORMAT_VERSION`` then)::

    python tests/data/persistence/make_fixtures.py

Each model is saved with ``save_model``; ``expected.json`` holds the rows they
are evaluated on and the predictions they gave when they were written.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

HERE = Path(__file__).parent
CITIES = ["lille", "lyon", "nice", "paris"]


def data():
    rng = np.random.default_rng(20261123)
    n = 300
    x = np.round(rng.normal(size=n), 3)
    z = np.round(rng.uniform(size=n), 3)
    city = rng.choice(CITIES, n)
    x[:10] = np.nan
    cls3 = np.where(
        x > 0.5, "high", np.where(np.isin(city, ["lyon", "nice"]), "mid", "low")
    )
    frame = pd.DataFrame(
        {"x": x, "city": pd.Categorical(city, categories=CITIES), "z": z}
    )
    labels = np.c_[cls3 == "high", city == "paris", z > 0.7].astype(np.int64)
    return frame, cls3, labels


def main():
    frame, cls3, labels = data()
    binary = np.where(cls3 == "low", "ok", "fraud")
    numeric = frame.assign(city=frame["city"].cat.codes.astype(float)).to_numpy()
    common = {"n_estimators": 6, "random_state": 0, "n_jobs": 1}
    models = {
        "xgb_binary_categorical.json": (
            FocalXGBClassifier(alpha=0.25, gamma=2.0, max_depth=3, **common),
            frame,
            binary,
        ),
        "xgb_multilabel.ubj": (
            FocalXGBClassifier(alpha="balanced", gamma=1.0, max_depth=3, **common),
            numeric,
            labels,
        ),
        "lgb_multiclass.txt": (
            FocalLGBMClassifier(gamma=1.5, num_leaves=7, min_child_samples=5, **common),
            numeric,
            cls3,
        ),
        "lgb_binary_categorical.txt": (
            FocalLGBMClassifier(
                alpha="balanced", gamma=2.0, num_leaves=7, min_child_samples=5, **common
            ),
            frame,
            binary,
        ),
    }
    expected = {
        "rows": {
            "x": [None if np.isnan(v) else v for v in frame["x"]],
            "city": frame["city"].astype(str).tolist(),
            "z": frame["z"].tolist(),
        },
        "models": {},
    }
    for name, (model, X, y) in models.items():
        model.fit(X, y)
        model.save_model(HERE / name)
        expected["models"][name] = {
            "categorical": isinstance(X, pd.DataFrame),
            "decision_function": model.decision_function(X).tolist(),
            "predict_proba": model.predict_proba(X).tolist(),
            "predict": model.predict(X).tolist(),
            "params": {"alpha": model.alpha, "gamma": model.gamma},
        }
    (HERE / "expected.json").write_text(json.dumps(expected) + "\n")


if __name__ == "__main__":
    main()
