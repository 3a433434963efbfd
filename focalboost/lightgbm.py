"""Focal-loss classifier on :func:`lightgbm.train` (public API only).

What is specific to LightGBM: the objective and metric call signatures, the
``Dataset`` with the intercept as ``init_score``, folding the intercept into
the first round's leaves, and the native text model. Everything else is the
contract in :mod:`focalboost._base`.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import (
    NOTES,
    FocalClassifierMixin,
    estimator_sections,
    fill_doc,
    paragraph,
)
from ._input import categorical_indices
from ._objective import FocalObjective
from ._params import LIGHTGBM, LIGHTGBM_RESERVED, make_init
from ._training import TrainingLog

__all__ = [
    "FocalLGBMClassifier",
    "LightGBMEarlyStopping",
    "LightGBMEval",
    "LightGBMObjective",
    "lgb_data",
]


def lgb_data(X):
    """``X`` as LightGBM takes it (scipy sparse *matrices*, not sparse arrays)."""
    if sp.issparse(X) and not isinstance(X, sp.spmatrix):
        return sp.csr_matrix(X) if X.format == "csr" else sp.csc_matrix(X)
    return X


class LightGBMObjective(FocalObjective):
    """``params["objective"]`` callable for :func:`lightgbm.train`.

    Returns float32 arrays where the compiled kernel runs: LightGBM keeps
    float32 gradients and would convert float64 ones itself (the same values,
    a copy every round).
    """

    output_dtype = np.float32

    @staticmethod
    def softmax_hessian_factor(n_classes: int) -> float:
        """LightGBM ``multiclass`` writes ``K / (K - 1) p (1 - p)``."""
        return n_classes / (n_classes - 1)


class LightGBMEval:
    """``feval=`` callable on a :class:`~focalboost._training.TrainingLog`.

    Parameters
    ----------
    log : TrainingLog
        The record.
    sets : dict
        ``{id(dataset): (name, y_true, sample_weight)}``.
    """

    def __init__(self, log: TrainingLog, sets: dict):
        self.log = log
        self.sets = sets

    def __call__(self, preds, eval_data):
        """Return ``(metric name, value, greater is better)`` on ``eval_data``."""
        name, y_true, weight = self.sets[id(eval_data)]
        value = self.log.evaluate(name, y_true, preds, weight)
        return self.log.metric.name, value, self.log.metric.greater_is_better


class LightGBMEarlyStopping:
    """The log's early stopping as a LightGBM callback.

    Unlike ``lightgbm.early_stopping`` (which watches every validation set),
    only the last ``eval_set`` entry drives stopping, as with XGBoost.
    """

    order = 30
    before_iteration = False

    def __init__(self, log: TrainingLog):
        self.log = log

    def __call__(self, env):
        """Raise LightGBM's EarlyStopException when the log says to stop."""
        if self.log.should_stop():
            raise lgb.callback.EarlyStopException(
                self.log.stopper.best_round, env.evaluation_result_list
            )


#: Backend words of the generated docstring sections.
DOC_WORDS = dict(
    booster="lightgbm.Booster",
    intercept="added to the booster's raw score by the first round's leaves",
)
_SECTIONS = estimator_sections(
    LIGHTGBM,
    **DOC_WORDS,
    cls="FocalLGBMClassifier",
    extra_attributes=[
        (
            "feature_importances_",
            "ndarray of shape (``n_features_in_``,)",
            "Importances by ``importance_type``, as LGBMClassifier reports them.",
        ),
        ("n_classes_", "int", "``len(classes_)``."),
        (
            "best_score_",
            "dict",
            "Metric of every ``eval_set`` entry at ``best_iteration_``.",
        ),
    ],
)


@fill_doc(
    **_SECTIONS,
    explain=paragraph(
        NOTES["explain"].format(
            where=" (folded into the first round's leaves)", contrib="pred_contrib"
        )
    ),
)
class FocalLGBMClassifier(FocalClassifierMixin):
    """Gradient-boosted trees trained with a focal loss via LightGBM.

    Binary, multiclass (softmax focal loss) and multi-label (per-label sigmoid
    focal loss, one model with one output per label) targets. The
    focal-optimal constant margin (``intercept_``) is passed as
    ``init_score`` to the training and every evaluation ``Dataset``; LightGBM
    does not store ``init_score`` in the model, so after training it is added
    to every leaf of the first round's trees, and a booster saved with
    ``save_model`` predicts the full margin. Sample weights are applied inside
    the objective (LightGBM ignores ``Dataset`` weights for a callable
    objective); ``feature_pre_filter`` is off so tiny data sets work.

    %(parameters)s

    %(attributes)s

    Notes
    -----
    %(inputs)s

    %(explain)s

    Where this differs from :class:`lightgbm.LGBMClassifier`, on purpose:

    - the objective, the intercept (``init_score`` during training) and the
      probability link are focalboost's; ``predict_proba`` is the posterior
      estimate (see ``probability``);
    - ``min_child_weight`` is in log-loss Hessian units (see above);
    - ``best_iteration_`` is the 0-based index of the last round used, also
      without early stopping (LightGBM's is 1-based, and 0 without it);
    - only the last ``eval_set`` entry drives early stopping (LightGBM
      watches every one), and the eval sets are named ``validation_i``
      (LightGBM: ``valid_i``);
    - a multi-label indicator target trains one model with one output per
      label (LGBMClassifier refuses such targets).

    Examples
    --------
    %(examples)s
    """

    _params = LIGHTGBM
    _doc_words = DOC_WORDS
    _reserved_params = LIGHTGBM_RESERVED
    _min_child_weight_keys = (
        "min_sum_hessian_in_leaf",
        "min_sum_hessian_per_leaf",
        "min_sum_hessian",
        "min_hessian",
        "min_child_weight",
    )
    #: LightGBM's split search fails ("Check failed: left_count > 0") when
    #: leaf Hessian sums near 1e-17 are allowed (gamma=40 with
    #: min_sum_hessian_in_leaf=0); 1e-10 of curvature carries no signal.
    _min_child_weight_floor = 1e-10
    _min_child_rows_keys = (
        "min_data_in_leaf",
        "min_data_per_leaf",
        "min_data",
        "min_child_samples",
        "min_samples_leaf",
    )
    __init__ = make_init(LIGHTGBM, "FocalLGBMClassifier", __name__)

    def _fixed_params(self, params, seed, booster_params):
        params.update(feature_pre_filter=False, verbosity=-1)
        if seed is not None:
            # bit-identical refits: a fixed histogram layout (LightGBM otherwise
            # times row- and column-wise at construction and keeps the faster)
            # and deterministic summation; booster_params may override both
            params.update(seed=seed, deterministic=True, force_col_wise=True)
        params.update(booster_params)
        params["metric"] = "None"
        return params

    # -------------------------------------------------------------- training
    def _init_score(self, n_rows):
        if self.n_outputs_ > 1:
            return np.tile(self.intercept_, (n_rows, 1))
        return np.full(n_rows, self.intercept_)

    def _dataset(self, X, y, params, reference=None):
        # LightGBM labels are 1-D; the objective and metric own the real
        # targets, so a multi-label indicator is represented by zeros
        label = y if y.ndim == 1 else np.zeros(y.shape[0])
        return lgb.Dataset(
            lgb_data(X),
            label=label,
            init_score=self._init_score(X.shape[0]),
            reference=reference,
            params={
                "feature_pre_filter": False,
                "verbosity": -1,
                "max_bin": params["max_bin"],
            },
            free_raw_data=True,
            # category codes of pandas/polars categorical columns (_input)
            categorical_feature=categorical_indices(self) or "auto",
        )

    def _fit_backend(self, X, y, w, evals, loss, log, params):
        if self.n_outputs_ > 1:
            params = dict(params, num_class=self.n_outputs_)
        train = self._dataset(X, y, params)
        if self.n_estimators == 0:
            self.booster_ = lgb.Booster(dict(params, objective="none"), train)
            self._finish_training(log, 0)
            self._set_booster_best_score()
            return
        valid_sets, sets = [], {}
        for e in evals:
            dataset = self._dataset(e.X, e.y, params, reference=train)
            valid_sets.append(dataset)
            sets[id(dataset)] = (e.name, e.y, e.sample_weight)
        objective = LightGBMObjective(loss, y, w, self.hessian, self._kernel_threads())
        booster = lgb.train(
            dict(params, objective=objective),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets or None,
            valid_names=[e.name for e in evals] or None,
            feval=LightGBMEval(log, sets) if valid_sets else None,
            callbacks=[LightGBMEarlyStopping(log)] if valid_sets else None,
        )
        self._finish_training(log, booster.current_iteration())
        self.booster_ = booster
        self._store_intercept(booster)
        self._set_booster_best_score()

    def _store_intercept(self, booster):
        """Add the intercept to every leaf of the first round's trees.

        LightGBM does not save ``init_score`` in the model, so a booster saved
        with ``save_model`` would predict without it. Folding the constant into
        the first round's leaves (tree ``k`` is output ``k``) makes the native
        model predict the full margin; it changes no split.
        """
        k = self.n_outputs_
        if self.best_iteration_ < 0 or booster.num_trees() < k:
            return
        intercept = np.broadcast_to(self.intercept_, (k,))
        for info in booster.dump_model(num_iteration=1)["tree_info"][:k]:
            tree = info["tree_index"]
            for leaf in range(info["num_leaves"]):
                value = booster.get_leaf_output(tree, leaf) + float(intercept[tree])
                booster.set_leaf_output(tree, leaf, value)

    def _set_booster_best_score(self) -> None:
        """``booster_.best_score`` as plain dicts (the values of ``best_score_``).

        ``lightgbm.train`` leaves a ``defaultdict(OrderedDict)`` there, a type
        that secure loaders such as ``skops.io`` do not trust.
        """
        self.booster_.best_score = self.best_score_

    # --------------------------------------------------------------- predict
    def _margin(self, X):
        n_rounds = self.best_iteration_ + 1
        shape = X.shape[0] if self.n_outputs_ == 1 else (X.shape[0], self.n_outputs_)
        if n_rounds == 0:
            return np.broadcast_to(self.intercept_, shape).astype(np.float64)
        raw = self.booster_.predict(lgb_data(X), raw_score=True, num_iteration=n_rounds)
        return raw.reshape(shape)  # the intercept is in the first round's leaves

    def _n_splits(self) -> int:
        used = self.booster_.feature_importance(
            "split", iteration=self.best_iteration_ + 1
        )
        return int(np.sum(used))

    # ------------------------------------------------ the backend's own view
    def _feature_importances(self, importance_type: str) -> np.ndarray:
        # the rule of lightgbm.LGBMClassifier.feature_importances_ (booster_
        # holds only the rounds predict uses)
        return self.booster_.feature_importance(importance_type=importance_type)

    @property
    def best_score_(self) -> dict[str, dict[str, float]]:
        """Metric of every ``eval_set`` entry at ``best_iteration_``.

        ``{"validation_0": {metric name: value}, ...}``, as
        :attr:`lightgbm.LGBMClassifier.best_score_` (empty without an
        ``eval_set``).
        """
        check_is_fitted(self)
        best = self.best_iteration_
        return {
            name: {metric: float(values[best]) for metric, values in h.items()}
            for name, h in self.evals_result_.items()
        }

    # ------------------------------------------------------------ native file
    def _save_native(self, fname, meta):
        # LightGBM keeps no user attributes: the metadata is a header line of
        # the text model, which LightGBM's loader skips as an unknown key
        n_rounds = self.best_iteration_ + 1  # the model predict uses
        text = self.booster_.model_to_string(num_iteration=n_rounds or -1)
        head, sep, rest = text.partition("\n")
        with open(fname, "w", encoding="utf-8") as fh:
            fh.write(f"{head}{sep}{_persist.KEY}={meta}\n{rest}")

    def _load_native(self, fname):
        try:
            with open(fname, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
        except OSError as exc:
            raise ValueError(f"cannot read {fname!r}: {exc}") from None
        except UnicodeDecodeError:
            raise ValueError(
                f"{fname!r} is not a LightGBM model file (not text)."
            ) from None
        prefix = f"{_persist.KEY}="
        meta = next((ln[len(prefix) :] for ln in lines if ln.startswith(prefix)), None)
        text = "\n".join(ln for ln in lines if not ln.startswith(prefix))
        try:
            booster = lgb.Booster(model_str=text)
        except lgb.basic.LightGBMError as exc:
            raise ValueError(
                f"{fname!r} is not a LightGBM model file: {str(exc).splitlines()[0]}"
            ) from None
        return booster, meta
