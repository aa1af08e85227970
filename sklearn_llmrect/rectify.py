"""Fine-tune then rectify: meta-estimators turning a few human labels into a valid, tight estimate.

:class:`RectifiedRegressor` estimates the population mean of a numeric label and
:class:`RectifiedClassifier` the share of each class, from ``n`` human labels and ``N`` unlabelled
rows, following Wang, Ye & Zhao (arXiv 2511.19486): part of the labels fine-tune a model, the
other part rectify its predictions on the unlabelled rows with PPI or PPI++, so that the estimate
is unbiased whatever the model and its interval is valid. The split is chosen by the ramp-up pilot
and the scaling law (``allocation="auto"``), given as a fraction or a count, or replaced by
cross-fitting (``method="cross"``), where every label both trains and rectifies.

This module needs only numpy, scipy and scikit-learn: the default LLM estimators are imported
lazily in ``fit`` when no estimator is given.
"""

from __future__ import annotations

import numbers
import warnings
from importlib import import_module

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._validation import n_rows, take_rows
from .inference import (
    classical_class_shares,
    classical_mean,
    crossfit_ppi_class_shares,
    crossfit_ppi_mean,
    crossfit_predict,
    ppi_class_shares,
    ppi_mean,
)
from .rampup import ramp_up

__all__ = ["RectifiedRegressor", "RectifiedClassifier"]

_METHODS = ("ppi", "ppi++", "cross")
_MIN_RAMP_UP_LABELS = 24  # ramp_up: at least 20 validation labels and 4 left to fine-tune


def _is_frozen(estimator) -> bool:
    return type(estimator).__name__ == "FrozenEstimator"


def _is_fitted(estimator) -> bool:
    if _is_frozen(estimator):
        return True
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except TypeError:  # not an estimator at all: let fit fail on it later
        return False
    return True


def _estimator_has(attr):
    """For ``available_if``: the fitted sub-estimator (or the unfitted one) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        if self.estimator is None:  # the default LLM estimators have predict and predict_proba
            return True
        return hasattr(self.estimator, attr)

    return check


class _FoldEnsemble(BaseEstimator):
    """The K fold models of cross-fitting as one predictor (their average).

    ``predict`` averages the models' predictions (regression) or returns the class with the
    largest averaged probability (classification).
    """

    def __init__(self, estimators=(), classes=None):
        self.estimators = estimators
        self.classes = classes

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        if self.classes is None:
            raise AttributeError("a regression ensemble has no classes_")
        return self.classes

    def predict_proba(self, X):
        if self.classes is None:
            raise AttributeError("a regression ensemble has no predict_proba")
        return np.mean([np.asarray(m.predict_proba(X)) for m in self.estimators], axis=0)

    def predict(self, X):
        if self.classes is not None:
            return np.asarray(self.classes)[np.argmax(self.predict_proba(X), axis=1)]
        return np.mean([np.asarray(m.predict(X), dtype=float) for m in self.estimators], axis=0)


class _RectifiedBase(MetaEstimatorMixin, BaseEstimator):
    """Shared fitting logic of :class:`RectifiedRegressor` and :class:`RectifiedClassifier`."""

    _default_estimator = "LLMRegressor"
    _is_classification = False

    def __init__(
        self,
        estimator=None,
        *,
        allocation="auto",
        method="ppi++",
        n_folds=5,
        budget=None,
        confidence_level=0.95,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.allocation = allocation
        self.method = method
        self.n_folds = n_folds
        self.budget = budget
        self.confidence_level = confidence_level
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------------------------- validation
    def _check_params(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {list(_METHODS)}, got {self.method!r}.")
        allocation = self.allocation
        if isinstance(allocation, str):
            if allocation != "auto":
                raise ValueError(
                    "allocation must be 'auto', a fraction in [0, 1) or a non-negative integer "
                    f"count, got {allocation!r}."
                )
        elif isinstance(allocation, bool) or not isinstance(allocation, numbers.Real):
            raise ValueError(
                "allocation must be 'auto', a fraction in [0, 1) or a non-negative integer "
                f"count, got {allocation!r} ({type(allocation).__name__})."
            )
        elif isinstance(allocation, numbers.Integral):
            if allocation < 0:
                raise ValueError(
                    f"allocation must be a non-negative count of labels, got {allocation}."
                )
        elif not (np.isfinite(allocation) and 0.0 <= allocation < 1.0):
            raise ValueError(
                "allocation as a float must be a fraction of the labels in [0, 1) (0 means 'do "
                f"not fine-tune'), got {allocation!r}; pass an int for a count."
            )
        n_folds = self.n_folds
        if isinstance(n_folds, bool) or not isinstance(n_folds, numbers.Integral) or n_folds < 2:
            raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}.")
        budget = self.budget
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget < 2
        ):
            raise ValueError(f"budget must be None or an integer >= 2 (labels), got {budget!r}.")
        level = self.confidence_level
        if (
            isinstance(level, bool)
            or not isinstance(level, numbers.Real)
            or not 0.0 < float(level) < 1.0
        ):
            raise ValueError(f"confidence_level must be a float in (0, 1), got {level!r}.")

    def _resolve_estimator(self):
        if self.estimator is not None:
            return self.estimator
        module = import_module("sklearn_llmrect.estimators")  # lazily: imports torch
        return getattr(module, self._default_estimator)()

    def _split_labels(self, y):
        """Return ``(y, labeled_mask)``; implemented by the subclasses."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fine-tune on part of the labelled rows and rectify with the rest (or cross-fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            All rows, labelled and unlabelled; indexed by row.
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows are ``NaN`` (:class:`RectifiedRegressor`) or ``-1``
            (:class:`RectifiedClassifier`). With no unlabelled row there is nothing to rectify:
            the estimate is then the classical one from the labels used, with a warning.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        self._check_params()
        y, labeled = self._split_labels(y)
        n_total = n_rows(X)
        if n_total != len(y):
            raise ValueError(
                f"X and y must have the same number of rows, got {n_total} and {len(y)}."
            )
        unlabeled_mark = "-1" if self._is_classification else "NaN"
        labeled_idx = np.flatnonzero(labeled)
        unlabeled_idx = np.flatnonzero(~labeled)
        if len(labeled_idx) == 0:
            raise ValueError(
                f"y has no labelled rows (every value is {unlabeled_mark}); at least a few human "
                "labels are needed to rectify the model."
            )
        self.n_labeled_ = len(labeled_idx)
        rng = check_random_state(self.random_state)
        if self.budget is not None:
            if self.budget > len(labeled_idx):
                raise ValueError(
                    f"budget={self.budget} is larger than the number of labelled rows in y "
                    f"({len(labeled_idx)})."
                )
            used = np.sort(rng.choice(labeled_idx, size=self.budget, replace=False))
        else:
            used = labeled_idx
        self.n_labeled_used_ = n_used = len(used)
        self.n_unlabeled_ = len(unlabeled_idx)
        self.labeled_indices_used_ = used
        X_unlabeled = take_rows(X, unlabeled_idx)
        estimator = self._resolve_estimator()
        self.scaling_law_ = None
        self.ramp_up_ = None
        self.validation_indices_ = used[:0]
        if len(unlabeled_idx) == 0:
            return self._fit_without_pool(X, y, used, estimator, unlabeled_mark)

        if self.method == "cross":
            if self.n_folds > n_used:
                raise ValueError(
                    f"n_folds={self.n_folds} is larger than the number of labels used ({n_used})."
                )
            preds = crossfit_predict(
                estimator,
                take_rows(X, used),
                y[used],
                X_unlabeled,
                n_folds=int(self.n_folds),
                response_method="predict_proba" if self._is_classification else "predict",
                random_state=rng.randint(np.iinfo(np.int32).max),
                return_estimators=True,
            )
            self.estimators_ = list(preds.estimators)
            self.estimator_ = _FoldEnsemble(self.estimators_, preds.classes)
            self.finetune_indices_ = used
            self.rectify_indices_ = used
            self.n_finetune_, self.n_rectify_, self.n_validation_ = 0, n_used, 0
            self.result_ = self._crossfit_result(y[used], preds)
            return self._store_result()

        if self.allocation == "auto":
            if n_used < _MIN_RAMP_UP_LABELS:
                raise ValueError(
                    f"allocation='auto' runs the ramp-up pilot, which needs at least "
                    f"{_MIN_RAMP_UP_LABELS} labelled rows; got {n_used}. Pass a fraction or a "
                    "count as allocation, or method='cross'."
                )
            ramp = ramp_up(
                estimator,
                take_rows(X, used),
                y[used],
                n_unlabeled=float(self.n_unlabeled_),
                random_state=rng,
                verbose=self.verbose,
            )
            self.ramp_up_ = ramp
            self.scaling_law_ = ramp.scaling_law
            finetune = used[ramp.finetune_indices]
            validation = used[ramp.validation_indices]
            rectify = used[ramp.rectify_indices]
            if len(rectify) < 2:
                raise ValueError(
                    f"the ramp-up pilot left {len(rectify)} of the {n_used} labels to rectify; "
                    "at least 2 are needed. Use more labels or a fixed allocation."
                )
            self.estimator_ = ramp.estimator
        else:
            n_finetune = self._n_finetune(n_used)
            order = rng.permutation(used)
            finetune, rectify = np.sort(order[:n_finetune]), np.sort(order[n_finetune:])
            validation = used[:0]
            if n_finetune == 0:
                if not _is_fitted(estimator):
                    raise ValueError(
                        f"allocation={self.allocation!r} means 'do not fine-tune', so the "
                        "estimator must already be fitted (or wrapped in "
                        "sklearn.frozen.FrozenEstimator); "
                        f"{type(estimator).__name__} is not fitted. Fit it first, or pass a "
                        "fraction, a count or 'auto' as allocation."
                    )
                self.estimator_ = estimator
            else:
                self.estimator_ = clone(estimator).fit(take_rows(X, finetune), y[finetune])
        self.finetune_indices_ = finetune
        self.validation_indices_ = validation
        self.rectify_indices_ = rectify
        self.n_finetune_ = len(finetune)
        self.n_validation_ = len(validation)
        self.n_rectify_ = len(rectify)
        self.result_ = self._ppi_result(y[rectify], take_rows(X, rectify), X_unlabeled)
        return self._store_result()

    def _fit_without_pool(self, X, y, used, estimator, unlabeled_mark):
        """Every row is labelled (N = 0): nothing to rectify, so the classical estimate."""
        warnings.warn(
            f"y has no unlabelled rows ({unlabeled_mark}): there is nothing to rectify, so the "
            f"estimate is the classical one from the {len(used)} labels used; the estimator is "
            "fitted on them for predict.",
            UserWarning,
            stacklevel=3,
        )
        prefitted = self.allocation in (0, 0.0) and _is_fitted(estimator)
        self.estimator_ = (
            estimator if prefitted else clone(estimator).fit(take_rows(X, used), y[used])
        )
        self.finetune_indices_ = used[:0] if prefitted else used
        self.rectify_indices_ = used
        self.n_finetune_, self.n_rectify_, self.n_validation_ = (
            len(self.finetune_indices_),
            len(used),
            0,
        )
        self.result_ = self._classical_result(y[used])
        return self._store_result()

    def _n_finetune(self, n_used: int) -> int:
        allocation = self.allocation
        if isinstance(allocation, numbers.Integral):
            n_finetune = int(allocation)
        else:
            n_finetune = int(round(float(allocation) * n_used))
            if allocation > 0:
                n_finetune = max(n_finetune, 1)
        if n_used - n_finetune < 2:
            raise ValueError(
                f"allocation={allocation!r} fine-tunes on {n_finetune} of the {n_used} labels used "
                f"and leaves {n_used - n_finetune} to rectify; at least 2 rectification labels "
                f"are needed, so the fine-tuning count can be at most {n_used - 2}."
            )
        return n_finetune

    def _store_result(self):
        result = self.result_
        if self._is_classification:
            self.estimate_ = result.estimates
            self.stderr_ = result.stderrs
            self.confidence_interval_ = result.confidence_intervals
            self.lambda_ = result.lambdas
            self.effective_sample_size_ = result.effective_sample_sizes
        else:
            self.estimate_ = result.estimate
            self.stderr_ = result.stderr
            self.confidence_interval_ = result.confidence_interval
            self.lambda_ = result.lambda_
            self.effective_sample_size_ = result.effective_sample_size
        return self

    # ---------------------------------------------------------------------------------- score
    def _predicted_variance_terms(self, X, y):
        """``(var_r, var_f)`` of the score from the rows given."""
        raise NotImplementedError

    def score(self, X, y):
        """Negative predicted variance of the final estimate, for model selection.

        With the labelled rows of ``(X, y)`` (``y`` not ``NaN`` / not ``-1``), held out from this
        fit, the residual variance ``var_r = Var(y - f(X))`` of the fitted model ``f`` is
        measured (classifier: the trace over classes of ``Var(onehot(y) - p(X))``), and
        ``var_f = Var(f(X))`` over all rows given (classifier: the trace of the covariance of
        ``p(X)``). The score is

        ``-(var_r / n_rectify_ + var_f / n_unlabeled_)``,

        the variance of the PPI estimate (``lambda = 1``) with this fit's allocation; for
        ``method="cross"`` ``n_rectify_`` is every label used. Larger is better (a tighter
        interval), so ``GridSearchCV(RectifiedRegressor(...), {"allocation": [...]})`` (or over
        ``budget`` or ``method``) picks the allocation with the narrowest predicted interval.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            Held-out rows.
        y : array-like of shape (n_samples,)
            Their labels, unlabelled rows marked as in :meth:`fit`; at least two labelled.

        Returns
        -------
        float
            ``-(var_r / n_rectify_ + var_f / n_unlabeled_)``.
        """
        check_is_fitted(self, "estimator_")
        y, labeled = self._split_labels(y)
        if n_rows(X) != len(y):
            raise ValueError(
                f"X and y must have the same number of rows, got {n_rows(X)} and {len(y)}."
            )
        if labeled.sum() < 2:
            raise ValueError(
                f"score needs at least 2 labelled rows in y to measure residuals, got "
                f"{int(labeled.sum())}."
            )
        var_r, var_f = self._predicted_variance_terms(X, y, labeled)
        pool_term = var_f / self.n_unlabeled_ if self.n_unlabeled_ else 0.0
        return float(-(var_r / self.n_rectify_ + pool_term))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is None:
            tags.input_tags.string = True
            tags.input_tags.two_d_array = True
        else:
            inner = get_tags(self.estimator).input_tags
            tags.input_tags.string = inner.string
            tags.input_tags.sparse = inner.sparse
            tags.input_tags.allow_nan = inner.allow_nan
        tags.target_tags.required = True
        return tags


_DOC_PARAMETERS = """
    Parameters
    ----------
    estimator : estimator, default=None
        The model to fine-tune (cloned), any scikit-learn {kind}; default
        :class:`~sklearn_llmrect.estimators.{default}` (imported only in ``fit``). With
        ``allocation=0`` it must already be fitted (or be a
        :class:`sklearn.frozen.FrozenEstimator`) and is used as it is.
    allocation : "auto", float or int, default="auto"
        How the labels used are split between fine-tuning and rectification. ``"auto"`` runs the
        ramp-up pilot (:func:`~sklearn_llmrect.rampup.ramp_up`), which holds out a validation
        set (charged to the budget, used for nothing else), fits the scaling law and stops at
        the optimal fine-tuning size; the remaining labels rectify. A float in (0, 1) is the
        fraction of the labels used that fine-tune, an int their count; the rows are drawn by
        a seeded permutation and the rest rectify. ``0`` means "do not fine-tune". Ignored with
        ``method="cross"``.
    method : {{"ppi++", "ppi", "cross"}}, default="ppi++"
        ``"ppi++"``: power-tuned prediction-powered inference (``lambda`` in [0, 1]); ``"ppi"``:
        ``lambda = 1``; ``"cross"``: cross-prediction-powered inference, where ``n_folds`` models
        are each fine-tuned on all labels but one fold, which they rectify.
    n_folds : int, default=5
        Number of folds K for ``method="cross"``.
    budget : int, default=None
        Use only a seeded random subset of this many labelled rows (``None``: all), to answer
        "what would ``budget`` labels have given me". The other labelled rows are not used.
    confidence_level : float, default=0.95
        Nominal coverage of the confidence interval(s), in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seeds the budget subset, the split (or the ramp-up order) and the folds.
    verbose : int, default=0
        Progress bar of the ramp-up pilot when > 0.
"""

_DOC_ATTRIBUTES = """
    estimator_ : estimator
        The fine-tuned model (for ``method="cross"``, the average of the fold models).
    estimators_ : list of estimators
        Only with ``method="cross"``: the K fold models.
    result_ : {result}
        The full result, with ``summary()``.
    scaling_law_ : ScalingLaw or None
        The law fitted by the ramp-up pilot (``allocation="auto"``), else None.
    ramp_up_ : RampUpResult or None
        What the ramp-up pilot measured (``allocation="auto"``), else None.
    n_labeled_ : int
        Labelled rows in ``y``.
    n_labeled_used_ : int
        Labels used (``budget``, or all); ``n_finetune_ + n_validation_ + n_rectify_`` equals it
        (with ``method="cross"``, ``n_rectify_`` does and ``n_finetune_`` is 0).
    n_finetune_, n_validation_, n_rectify_, n_unlabeled_ : int
        Labels that fine-tuned the model, scored the ramp-up stages and rectified the
        predictions; unlabelled rows.
    finetune_indices_, validation_indices_, rectify_indices_ : ndarray of int
        The same rows, as positions in the ``X`` given to ``fit``.
    labeled_indices_used_ : ndarray of int
        Positions of the labels used.
"""

_DOC_REFERENCES = """
    References
    ----------
    .. [1] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with
       limited human data: fine-tuning then rectification", arXiv:2511.19486, 2025
       (fine-tune-then-rectify, the scaling-law allocation and the ramp-up pilot).
    .. [2] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [3] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.
    .. [4] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024.
"""


class RectifiedRegressor(RegressorMixin, _RectifiedBase):
    __doc__ = (
        """Mean of a numeric label from a few human labels and a fine-tuned, rectified model.

    Part of the labelled rows fine-tunes ``estimator``; the others, a uniform random sample the
    model never trained on, rectify its predictions on the unlabelled rows with PPI or PPI++
    (:func:`~sklearn_llmrect.inference.ppi_mean`), so that the estimate of the population mean
    is unbiased whatever the model and its confidence interval valid. With
    ``method="cross"`` every label both fine-tunes (K - 1 fold models) and rectifies
    (:func:`~sklearn_llmrect.inference.crossfit_ppi_mean`).

    Unlabelled rows are marked by ``NaN`` in ``y``, so ``fit(X, y)`` works in pipelines and
    ``GridSearchCV``, whose default score (:meth:`score`) is the negative predicted variance of
    the estimate.
"""
        + _DOC_PARAMETERS.format(kind="regressor", default="LLMRegressor")
        + """
    Attributes
    ----------
    estimate_ : float
        Estimated population mean of the label.
    stderr_ : float
        Its standard error.
    confidence_interval_ : tuple of float
        ``(lower, upper)`` at ``confidence_level``.
    lambda_ : float
        Power-tuning parameter (1 for PPI and cross-PPI).
    effective_sample_size_ : float
        Labels the classical mean would need for the same standard error.
"""
        + _DOC_ATTRIBUTES.format(result="InferenceResult")
        + """
    See Also
    --------
    RectifiedClassifier : the same for class shares.
    sklearn_llmrect.inference.ppi_mean : the rectification step.
"""
        + _DOC_REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.rectify import RectifiedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 3))
    >>> y = X @ [1.0, -0.5, 0.2] + 2.0 + rng.normal(0, 0.5, 2000)
    >>> y[300:] = np.nan  # only the first 300 rows have a human label
    >>> model = RectifiedRegressor(Ridge(), allocation=0.3, random_state=0).fit(X, y)
    >>> model.n_finetune_, model.n_rectify_, model.n_unlabeled_
    (90, 210, 1700)
    >>> lo, hi = model.confidence_interval_
    >>> bool(lo < 2.0 < hi), bool(model.effective_sample_size_ > 300)
    (True, True)
    """
    )

    _default_estimator = "LLMRegressor"
    _is_classification = False
    # the mixin (left of the base class) defines R^2 / accuracy: use the predicted variance
    score = _RectifiedBase.score

    def _split_labels(self, y):
        try:
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"y must be numeric labels with NaN marking unlabelled rows; could not convert "
                f"it to float ({error})."
            ) from None
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if np.isinf(y).any():
            raise ValueError("y contains infinite values; mark unlabelled rows with NaN.")
        return y, ~np.isnan(y)

    def _crossfit_result(self, y_used, preds):
        return crossfit_ppi_mean(
            y_used, preds.labeled, preds.unlabeled, confidence_level=self.confidence_level
        )

    def _classical_result(self, y_used):
        return classical_mean(y_used, confidence_level=self.confidence_level)

    def _ppi_result(self, y_rect, X_rect, X_unlabeled):
        return ppi_mean(
            y_rect,
            np.asarray(self.estimator_.predict(X_rect), dtype=float),
            np.asarray(self.estimator_.predict(X_unlabeled), dtype=float),
            method=self.method,
            confidence_level=self.confidence_level,
        )

    def _predicted_variance_terms(self, X, y, labeled):
        predictions = np.asarray(self.estimator_.predict(X), dtype=float)
        var_r = float(np.var(y[labeled] - predictions[labeled], ddof=1))
        var_f = float(np.var(predictions, ddof=1)) if len(predictions) > 1 else 0.0
        return var_r, var_f

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predictions of the fine-tuned model ``estimator_`` (not rectified).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)


class RectifiedClassifier(ClassifierMixin, _RectifiedBase):
    __doc__ = (
        """Share of each class from a few human labels and a fine-tuned, rectified classifier.

    Part of the labelled rows fine-tunes ``estimator``; the others, a uniform random sample the
    model never trained on, rectify its predicted class probabilities on the unlabelled rows
    with PPI or PPI++ (:func:`~sklearn_llmrect.inference.ppi_class_shares`, one ``lambda`` for
    all classes, so the shares sum to one), giving one valid confidence interval per class
    (not simultaneous). With ``method="cross"`` every label both fine-tunes and rectifies
    (:func:`~sklearn_llmrect.inference.crossfit_ppi_class_shares`).

    Unlabelled rows are marked by ``-1`` in ``y`` (as in
    :class:`sklearn.semi_supervised.SelfTrainingClassifier`); ``y`` may be integers or an object
    array of strings that contains ``-1`` (in a string array, ``"-1"`` marks them). The
    estimator needs ``predict_proba``. scikit-learn's stratified splitters cannot sort a mix of
    strings and ``-1``: with such a ``y``, give ``GridSearchCV`` or ``cross_validate`` a
    ``KFold`` as ``cv`` (or mark unlabelled rows with the string ``"-1"``).
"""
        + _DOC_PARAMETERS.format(kind="classifier with predict_proba", default="LLMClassifier")
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of the estimates (``estimator_.classes_``).
    estimate_ : ndarray of shape (n_classes,)
        Estimated population share of each class.
    stderr_ : ndarray of shape (n_classes,)
        Their standard errors.
    confidence_interval_ : ndarray of shape (n_classes, 2)
        Lower (column 0) and upper (column 1) bound of each share.
    lambda_ : ndarray of shape (n_classes,)
        Power-tuning parameter of each share (one value repeated with PPI++).
    effective_sample_size_ : ndarray of shape (n_classes,)
        Labels the classical share would need for the same standard error, per class.
"""
        + _DOC_ATTRIBUTES.format(result="ClassSharesResult")
        + """
    See Also
    --------
    RectifiedRegressor : the same for the mean of a numeric label.
    sklearn_llmrect.inference.ppi_class_shares : the rectification step.
"""
        + _DOC_REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.rectify import RectifiedClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(3000, 2))
    >>> y = np.where(X[:, 0] + 0.5 * rng.normal(size=3000) > 0.3, "pos", "neg").astype(object)
    >>> y[400:] = -1  # only the first 400 rows have a human label
    >>> model = RectifiedClassifier(LogisticRegression(), allocation=0.25, random_state=0)
    >>> model = model.fit(X, y)
    >>> model.classes_.tolist(), model.confidence_interval_.shape
    (['neg', 'pos'], (2, 2))
    >>> round(float(model.estimate_.sum()), 8)
    1.0
    """
    )

    _default_estimator = "LLMClassifier"
    _is_classification = True
    # the mixin (left of the base class) defines R^2 / accuracy: use the predicted variance
    score = _RectifiedBase.score

    def _split_labels(self, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if y.dtype.kind in "US":
            unlabeled = y == "-1"
        elif y.dtype.kind == "O":
            unlabeled = np.array([_is_minus_one(v) for v in y], dtype=bool)
        elif y.dtype.kind in "iub":
            unlabeled = y == -1
        elif y.dtype.kind == "f":
            if np.isnan(y).any():
                raise ValueError("y contains NaN; mark unlabelled rows with -1 for a classifier.")
            unlabeled = y == -1
        else:
            raise ValueError(f"y must hold class labels, got dtype {y.dtype}.")
        labeled = ~unlabeled
        if labeled.any() and y.dtype.kind == "O":
            kinds = {isinstance(v, str) for v in y[labeled]}
            if len(kinds) > 1:
                raise ValueError(
                    "y mixes string and non-string class labels; use one type (with -1 for "
                    "unlabelled rows)."
                )
        return y, labeled

    def fit(self, X, y):  # noqa: D102 (documented in the base class)
        super().fit(X, y)
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    fit.__doc__ = _RectifiedBase.fit.__doc__

    def _check_classes(self, y_labels, classes):
        unknown = np.setdiff1d(np.asarray(y_labels), np.asarray(classes))
        if len(unknown):
            raise ValueError(
                f"the rectification labels contain classes {unknown.tolist()} that the "
                f"fine-tuned model does not know ({np.asarray(classes).tolist()}); fine-tune on "
                "more labels (a larger allocation) so that every class is seen."
            )

    def _crossfit_result(self, y_used, preds):
        return crossfit_ppi_class_shares(
            y_used,
            preds.labeled,
            preds.unlabeled,
            classes=preds.classes,
            confidence_level=self.confidence_level,
        )

    def _classical_result(self, y_used):
        return classical_class_shares(
            y_used,
            classes=np.asarray(self.estimator_.classes_),
            confidence_level=self.confidence_level,
        )

    def _ppi_result(self, y_rect, X_rect, X_unlabeled):
        if not hasattr(self.estimator_, "predict_proba"):
            raise ValueError(
                f"the estimator must have predict_proba; {type(self.estimator_).__name__} does not."
            )
        classes = np.asarray(self.estimator_.classes_)
        self._check_classes(y_rect, classes)
        return ppi_class_shares(
            y_rect,
            np.asarray(self.estimator_.predict_proba(X_rect), dtype=float),
            np.asarray(self.estimator_.predict_proba(X_unlabeled), dtype=float),
            classes=classes,
            method=self.method,
            confidence_level=self.confidence_level,
        )

    def _predicted_variance_terms(self, X, y, labeled):
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=float)
        classes = np.asarray(self.estimator_.classes_)
        y_labeled = y[labeled]
        self._check_classes(y_labeled, classes)
        onehot = (y_labeled[:, None] == classes[None, :]).astype(float)
        var_r = float(np.var(onehot - proba[labeled], axis=0, ddof=1).sum())
        var_f = float(np.var(proba, axis=0, ddof=1).sum()) if len(proba) > 1 else 0.0
        return var_r, var_f

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Class predictions of the fine-tuned model ``estimator_`` (for ``method="cross"``, the
        class with the largest probability averaged over the fold models).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the fine-tuned model ``estimator_``, columns in the order of
        ``classes_`` (for ``method="cross"``, averaged over the fold models).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)


def _is_minus_one(value) -> bool:
    if isinstance(value, str):
        return value == "-1"
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value == -1
    return False
