"""The estimator contract: what every focal classifier does, written once.

:class:`FocalClassifierMixin` validates the parameters (from the backend's
table in :mod:`focalboost._params`) and the data, encodes the labels, builds
the loss and its focal-optimal intercept, scales ``min_child_weight``,
prepares the evaluation sets and keeps the training record; it maps margins
to probabilities and labels, and saves and loads models through
:mod:`focalboost._persist`. A backend module only turns prepared arrays into
a booster (``_fit_backend``) and a booster into margins (``_margin``), and
reads and writes its native file.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._input import check_X
from ._link import expit
from ._objective import hessian_scale, make_loss
from ._params import Param, native_params, parameters_doc
from ._training import EvalMetric, TrainingLog, resolve_eval_metric
from ._validation import (
    check_booster_params,
    check_classification_y,
    check_eval_labels,
    check_eval_set,
    check_same_rows,
    check_sample_weight,
    check_y,
    encode_labels,
    seed_from,
    take_rows,
    tame_weight_scale,
)

__all__ = [
    "EvalData",
    "FocalClassifierMixin",
    "NOTES",
    "NoSplitWarning",
    "estimator_sections",
    "fill_doc",
    "paragraph",
]


class NoSplitWarning(UserWarning):
    """A fit with boosting rounds made no split: the model is its intercept.

    Expected on tiny data (LightGBM's ``min_child_samples=20`` forbids any
    split below 40 rows; XGBoost's ``min_child_weight=1`` any split of a set
    whose log-loss Hessians sum to less than 2). Otherwise it usually means
    that a large ``gamma`` made the Hessians of the samples the model already
    fits, about ``(1 - p)**gamma`` times the log loss's, too small for
    ``min_child_weight`` in every candidate child. The message names the
    constraint that applied, with its numbers.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from focalboost import FocalXGBClassifier, NoSplitWarning
    >>> X = np.random.default_rng(0).normal(size=(12, 3))
    >>> y = (X[:, 0] > 1).astype(int)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = FocalXGBClassifier(n_estimators=5).fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['NoSplitWarning']
    >>> print(str(caught[0].message).split(". ")[1][:50])
    The training Hessians sum to 1.15 at the intercept
    >>> clf = FocalXGBClassifier(n_estimators=5, min_child_weight=0.1).fit(X, y)
    """


@dataclass
class EvalData:
    """One prepared evaluation set: features, encoded labels, weights, name."""

    X: Any
    y: np.ndarray
    sample_weight: np.ndarray | None
    name: str


#: The docstring sections shared by every estimator, see :func:`fill_doc`.
NOTES = {
    "inputs": (
        "Inputs: dense arrays (float32 is kept), scipy sparse CSR/CSC (XGBoost "
        "treats an absent entry as missing, LightGBM as zero), pandas and polars "
        "frames (categorical columns as above; text columns are refused by "
        "name), NaN as a missing value. Persistence: pickle/joblib, or "
        ":meth:`save_model` / :meth:`load_model` in the native format, which "
        "predict bit-identically."
    ),
    "explain": (
        "Explaining the model: ``booster_`` predicts the focal margin, "
        "intercept included{where}, which is :meth:`decision_function` with "
        '``probability="focal"``; SHAP values of ``booster_`` '
        "(``shap.TreeExplainer(clf.booster_)`` or ``booster_.predict(..., "
        "{contrib}=True)``) add up to that margin. With the default "
        '``probability="posterior"`` the decision function is a monotone map of '
        "the margin (``loss_.posterior_raw_prediction``), so the same SHAP values "
        "rank features and samples the same way but do not add up to it."
    ),
}


def fill_doc(**sections: str):
    """Class decorator: replace ``%(name)s`` markers of the docstring.

    Each value is inserted as given (already indented); the markers keep the
    literal docstring readable and make generated sections (parameters,
    attributes, shared notes) written once.
    """

    def decorate(cls):
        doc = cls.__doc__
        for name, text in sections.items():
            doc = doc.replace(f"%({name})s", text)
        cls.__doc__ = doc
        return cls

    return decorate


def paragraph(text: str, indent: str = "    ") -> str:
    """Return ``text`` wrapped to the docstrings' width, continuation indented."""
    import textwrap

    return textwrap.fill(
        text, 80, initial_indent=indent, subsequent_indent=indent
    ).lstrip()


EXAMPLES = """>>> from sklearn.datasets import make_classification
    >>> from focalboost import {cls}
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> clf = {cls}(alpha=0.25, gamma=2.0, n_estimators=20).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True"""


def estimator_sections(
    params, *, booster, intercept, extra_attributes=(), cls=None
) -> dict:
    """Return the generated docstring sections of an estimator's table.

    ``cls``: the class name of the runnable ``Examples`` section.
    """
    return {
        "examples": EXAMPLES.replace("{cls}", cls or ""),
        "parameters": parameters_doc(params).lstrip(),
        "attributes": _persist.attributes_doc(
            booster=booster, intercept=intercept, extra=extra_attributes
        ).lstrip(),
        "inputs": paragraph(NOTES["inputs"]),
    }


class FocalClassifierMixin(ClassifierMixin, BaseEstimator):
    """Shared ``fit`` / ``predict`` machinery of the focal classifiers.

    A backend sets the class attributes below and implements
    ``_fixed_params(params, seed, booster_params)`` (its fixed native
    parameters added),
    ``_fit_backend(X, y, w, evals, loss, log, params)``, ``_margin(X)``,
    ``_n_splits()``, ``_feature_importances(importance_type)``,
    ``_save_native`` and ``_load_native``.
    """

    #: The parameter table (focalboost._params).
    _params: tuple[Param, ...] = ()
    #: Native names ``booster_params`` may not set.
    _reserved_params: tuple[str, ...] = ()
    #: Native names of ``min_child_weight`` (the first) and its aliases.
    _min_child_weight_keys: tuple[str, ...] = ("min_child_weight",)
    #: Native names of a minimum row count per leaf (LightGBM), else empty.
    _min_child_rows_keys: tuple[str, ...] = ()
    #: Least native value the scaling gives (a backend whose split search
    #: fails on Hessian sums near zero sets it above that).
    _min_child_weight_floor: float = 0.0

    # ------------------------------------------------------------- sklearn API
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------ parameters
    def _backend_params(self) -> dict[str, Any]:
        """Validate every parameter; return the backend's native parameters.

        The table's native values, the seed, then ``booster_params`` (which
        wins over the table), then the backend's fixed ones.
        """
        params = native_params(self, self._params)
        seed = seed_from(self.random_state)
        extra = check_booster_params(self.booster_params, self._reserved_params)
        return self._fixed_params(params, seed, extra)

    def _fixed_params(self, params, seed, booster_params) -> dict[str, Any]:
        raise NotImplementedError

    def _kernel_threads(self) -> int | None:
        """Threads of the compiled objective kernel: ``n_jobs`` when positive.

        None (or ``n_jobs`` <= 0, the backends' "all threads") leaves the
        choice to :func:`focalboost._kernels.num_threads`.
        """
        n_jobs = self.n_jobs
        return int(n_jobs) if n_jobs is not None and n_jobs >= 1 else None

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None):
        """Fit the focal-loss boosted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training features; NaN marks a missing value.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Binary or multiclass labels of any type (strings, bools,
            integers), or a 0/1 indicator matrix for multi-label.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, applied inside the objective (Hessian policy
            first, then the weight). Zero-weight rows are dropped.
        eval_set : list of (X, y) tuples, default=None
            Validation sets; the last one drives early stopping.
        eval_sample_weight : list of array-like, default=None
            Weights of each validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        try:
            return self._fit(X, y, sample_weight, eval_set, eval_sample_weight)
        except BaseException:
            _persist.clear(self)  # never leave a half-fitted estimator behind
            raise

    def _fit(self, X, y, sample_weight, eval_set, eval_sample_weight):
        native = self._backend_params()
        X = check_X(self, X, reset=True)
        y = check_y(y, type(self).__name__)
        check_same_rows(X.shape[0], y.shape[0])
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        check_classification_y(y)
        w = check_sample_weight(sample_weight, X.shape[0])
        if w is not None and np.any(w == 0):
            keep = w > 0
            X, y, w = take_rows(X, keep), y[keep], w[keep]
        w = tame_weight_scale(w)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        self._set_target(y_type, y, lambda: np.unique(y))
        if y_type == "multilabel-indicator":
            y_enc = np.asarray(y, dtype=np.float64)
        else:
            y_enc = encode_labels(y, self.classes_, name="y")
        evals = self._prepare_eval_sets(eval_set, eval_sample_weight)
        loss, metric = self._fit_loss(y_enc, w, evals)
        native = self._scale_min_child_weight(native)
        log = TrainingLog(metric, [e.name for e in evals], self.early_stopping_rounds)
        self._fit_backend(X, y_enc, w, evals, loss, log, native)
        self._warn_if_no_split(y_enc, w, native)
        return self

    def _set_target(self, y_type: str, y, classes) -> None:
        """Check the target type; set ``classes_``, ``target_type_``, ``n_outputs_``.

        ``y`` gives the shape and dtype of a multi-label target; ``classes`` is
        a callable returning the sorted distinct labels of any other target
        (so that it runs only after the type is known to be valid).
        """
        if y_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                "y must be a binary, multiclass or multi-label indicator target; "
                f"got a {y_type!r} target."
            )
        if y_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
            # a string, not a numpy.dtype: skops and other secure loaders trust it
            self._y_dtype = np.dtype(y.dtype).str
        else:
            found = np.asarray(classes())
            if found.shape[0] < 2:
                raise ValueError(
                    "y (after dropping zero-weight samples) contains only one class "
                    f"({found.tolist()!r}); focal loss needs at least two classes."
                )
            self.classes_ = found
        self.target_type_ = y_type
        self.n_outputs_ = 1 if y_type == "binary" else int(self.classes_.shape[0])

    def _fit_loss(self, y_enc, w, evals) -> tuple[Any, EvalMetric]:
        """Set ``loss_``, ``intercept_`` and ``hessian_scale_``; return the metric too.

        ``y_enc`` and ``w`` are the encoded labels and weights (or, on Dask, a
        small data set with the same per-class totals); ``evals`` the prepared
        eval sets, needed by ``early_stopping_rounds``.
        """
        if self.early_stopping_rounds is not None and not evals:
            raise ValueError(
                "early_stopping_rounds="
                f"{self.early_stopping_rounds!r} needs a non-empty eval_set."
            )
        loss = make_loss(
            self.target_type_, self.alpha, self.gamma, y_enc, w, self.n_outputs_
        )
        self.loss_ = loss
        self.intercept_ = loss.fit_intercept_only(y_enc, w)
        self.hessian_scale_ = hessian_scale(
            loss, y_enc, w, self.intercept_, self.hessian
        )[0]
        return loss, resolve_eval_metric(self.eval_metric, loss)

    def _scale_min_child_weight(self, params: dict) -> dict:
        """Native ``min_child_weight``: the parameter times ``hessian_scale_``.

        ``min_child_weight`` is in log-loss Hessian units, so the fit gives
        the backend ``min_child_weight * hessian_scale_`` (the same value at
        ``gamma=0, alpha=None``), at least ``_min_child_weight_floor``. A
        value set in ``booster_params`` (under any of the backend's names
        for it) is the native value itself and is passed unchanged.
        """
        key, *aliases = self._min_child_weight_keys
        given = set(self.booster_params or {})
        if given & set(aliases) and key not in given:
            return {k: v for k, v in params.items() if k != key}
        if key in given:
            return params
        native = max(params[key] * self.hessian_scale_, self._min_child_weight_floor)
        return dict(params, **{key: native})

    def _finish_training(self, log: TrainingLog, n_rounds: int) -> None:
        """Set ``best_iteration_`` and ``evals_result_`` from the record."""
        self.best_iteration_ = log.best_iteration(n_rounds)
        self.evals_result_ = log.evals_result()

    def _prepare_eval_sets(self, eval_set, eval_sample_weight) -> list[EvalData]:
        if not check_eval_set(eval_set, eval_sample_weight):
            return []
        out = []
        for i, (Xe, ye) in enumerate(eval_set):
            try:
                Xe = check_X(self, Xe, reset=False)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"eval_set[{i}] X: {exc}") from exc
            ye = np.asarray(ye)
            if ye.shape[0] != Xe.shape[0]:
                raise ValueError(
                    f"eval_set[{i}] has {Xe.shape[0]} rows in X but {ye.shape[0]} "
                    "labels in y."
                )
            multilabel = self.target_type_ == "multilabel-indicator"
            zero_one = bool(np.all(np.isin(ye, (0, 1)))) if multilabel else True
            check_eval_labels(i, ye.shape, self.target_type_, self.n_outputs_, zero_one)
            if multilabel:
                ye = ye.astype(np.float64)
            else:
                ye = encode_labels(ye, self.classes_, name=f"eval_set[{i}] y")
            we = None
            if eval_sample_weight is not None:
                name = f"eval_sample_weight[{i}]"
                we = check_sample_weight(eval_sample_weight[i], Xe.shape[0], name=name)
                we = tame_weight_scale(we)
            out.append(EvalData(Xe, ye, we, f"validation_{i}"))
        return out

    # ------------------------------------------------------- when nothing split
    def _warn_if_no_split(self, y_enc, w, params: dict) -> None:
        """Warn when boosting rounds were asked for but no tree ever split.

        The model is then the focal-optimal constant. The backends report
        this only in their logs, which focalboost silences. The message
        names the constraint that made splits impossible, with its numbers.
        """
        if self.best_iteration_ < 0 or self._n_splits() > 0:
            return
        warnings.warn(
            f"{type(self).__name__} made no split in {self.best_iteration_ + 1} "
            "boosting round(s): the model predicts the constant intercept. "
            + self._no_split_reason(y_enc, w, params),
            NoSplitWarning,
            stacklevel=3,
        )

    def _no_split_reason(self, y_enc, w, params: dict) -> str:
        n_rows = y_enc.shape[0]
        rows = next((params[k] for k in self._min_child_rows_keys if k in params), 0)
        if n_rows < 2 * rows:
            return (
                f"The {n_rows} training rows cannot fill two leaves of "
                f"min_child_samples={rows} rows each: lower min_child_samples."
            )
        native = next(
            (params[k] for k in self._min_child_weight_keys if k in params), 0.0
        )
        total = hessian_scale(self.loss_, y_enc, w, self.intercept_, self.hessian)[1]
        focal = (
            f"gamma={self.gamma!r} and alpha={self.alpha!r} make the focal "
            f"Hessians {self.hessian_scale_:.3g} x the log loss's at the intercept"
        )
        units = (
            f"min_child_weight={self.min_child_weight!r} in log-loss units, "
            f"{native:.3g} in the backend's ({focal})"
        )
        if total < 2 * native:
            return (
                f"The training Hessians sum to {total:.3g} at the intercept, less "
                f"than the two children of a split need (2 x {units}): the data "
                "set is too small for that min_child_weight; lower it."
            )
        shrink = (
            " and shrink as (1 - p)**gamma on the samples the model already fits"
            if self.gamma > 0
            else ""
        )
        return (
            f"No candidate split had both children above {units}{shrink}, or "
            "gained more than min_split_loss and the L1/L2 penalties allow: lower "
            "min_child_weight (or gamma) if the data should allow splits."
        )

    # ------------------------------------------------------ fitted model view
    @property
    def n_classes_(self) -> int:
        """Number of classes (binary, multiclass) or of labels (multi-label).

        ``len(classes_)``, as in scikit-learn and the backends' classifiers.
        """
        return len(self.classes_)

    @property
    def alpha_(self):
        """The resolved ``alpha`` (numbers when ``alpha="balanced"``)."""
        return self.loss_.alpha

    def _importance_type(self) -> str:
        """Return the checked ``importance_type``, None resolved."""
        entry = next(p for p in self._params if p.name == "importance_type")
        value = entry.check("importance_type", self.importance_type)
        return self._default_importance_type() if value is None else value

    def _default_importance_type(self) -> str:
        raise NotImplementedError

    @property
    def feature_importances_(self) -> np.ndarray:
        """Feature importances of ``booster_`` by ``importance_type``.

        The values the backend's own classifier reports for the same booster
        (see ``importance_type``), over the rounds ``predict`` uses. Used by
        :class:`~sklearn.feature_selection.SelectFromModel` and
        :class:`~sklearn.feature_selection.RFE`.

        Returns
        -------
        ndarray of shape (``n_features_in_``,)
        """
        check_is_fitted(self)
        return self._feature_importances(self._importance_type())

    # ------------------------------------------------------------- persistence
    def save_model(self, fname: str | os.PathLike) -> None:
        """Save the fitted model in the backend's native format.

        The file is the one the backend's own ``save_model`` writes (XGBoost
        JSON or UBJSON by the file suffix; LightGBM text), so the booster
        alone loads with ``xgboost.Booster(model_file=...)`` /
        ``lightgbm.Booster(model_file=...)`` and predicts the full margin,
        intercept included. The focal parameters, classes, target type,
        probability link and categories travel inside it as a JSON document
        (an XGBoost booster attribute, a header line of the LightGBM text
        model) that :meth:`load_model` reads back.

        Parameters
        ----------
        fname : str or path-like
            Where to write.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from focalboost import FocalLGBMClassifier
        >>> X, y = make_classification(n_samples=300, random_state=0)
        >>> clf = FocalLGBMClassifier(n_estimators=5).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.txt")
        >>> clf.save_model(path)
        >>> loaded = FocalLGBMClassifier().load_model(path)
        >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
        True
        """
        check_is_fitted(self)
        self._save_native(os.fspath(fname), _persist.metadata(self))

    def load_model(self, fname: str | os.PathLike):
        """Load a model written by :meth:`save_model` into this estimator.

        Parameters and fitted state are replaced by the file's; predictions
        are bit-identical to those of the saved estimator.

        Parameters
        ----------
        fname : str or path-like
            A file written by :meth:`save_model` of the same class.

        Returns
        -------
        self : object
            The loaded estimator.
        """
        fname = os.fspath(fname)
        booster, text = self._load_native(fname)
        # restore into a fresh estimator: a failure leaves this one as it was
        new = type(self)()
        _persist.restore(new, text, repr(fname))
        new.booster_ = booster
        self.set_params(**new.get_params(deep=False))
        _persist.copy(new, self)
        return self

    # ----------------------------------------------------------------- predict
    def _check_probability(self) -> None:
        entry = next(p for p in self._params if p.name == "probability")
        entry.check("probability", self.probability)

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of :meth:`predict_proba`.

        With ``probability="focal"``: the booster's raw margin, focal-optimal
        intercept included. With ``probability="posterior"``: that margin
        mapped by the loss's ``posterior_raw_prediction`` (calibrated log-odds
        for binary and multi-label, log posterior for multiclass). Either way
        ``predict`` agrees with it (``> 0``, or the argmax).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, ``n_outputs_``), float64
            Binary: one value per sample; multiclass and multi-label: one per
            class or label.
        """
        check_is_fitted(self)
        self._check_probability()
        X = check_X(self, X, reset=False)
        margin = np.asarray(self._margin(X), dtype=np.float64)
        if self.probability == "posterior":
            return self.loss_.posterior_raw_prediction(margin)
        return margin

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: the link applied to :meth:`decision_function`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Binary: ``[1 - p, p]`` with ``p = expit(decision)``; multiclass:
            ``softmax(decision)`` (rows sum to 1); multi-label: ``expit`` of
            each label's value. Posterior estimates with
            ``probability="posterior"`` (whose calibration degrades with
            model complexity, see the user guide), raw focal probabilities
            with ``"focal"``. Columns ordered as ``classes_``; float64.
        """
        decision = self.decision_function(X)
        if self.target_type_ == "binary":
            return np.column_stack([expit(-decision), expit(decision)])
        if self.target_type_ == "multiclass":
            return softmax(decision, axis=1)
        return expit(decision)

    def predict(self, X) -> np.ndarray:
        """Predicted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Binary: ``classes_[decision > 0]``; multiclass:
            ``classes_[argmax(decision)]``; multi-label: the 0/1 indicator
            matrix ``decision > 0`` in the dtype of the training ``y``
            (``decision`` from :meth:`decision_function`), i.e. the argmax of
            :meth:`predict_proba` (per label for multi-label).
        """
        decision = self.decision_function(X)
        if self.target_type_ == "binary":
            return self.classes_[(decision > 0).astype(np.intp)]
        if self.target_type_ == "multiclass":
            return self.classes_[np.argmax(decision, axis=1)]
        return (decision > 0).astype(self._y_dtype)
