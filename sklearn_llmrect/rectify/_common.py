"""Helpers of the rectified meta-estimators: parameter checks, the split of the labels, the
fold ensemble of cross-fitting and the markers of unlabelled rows.

No torch: this module needs only numpy and scikit-learn.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..inference._pool import POPULATIONS

METHODS = ("ppi", "ppi++", "cross")
MIN_RAMP_UP_LABELS = 24  # ramp_up: at least 20 validation labels and 4 left to fine-tune
# allocation="auto" with the default surrogate: the learning curve's smallest fit (a quarter of
# the labels) must hold the surrogate's 5 inner folds
MIN_LEARNING_CURVE_LABELS = 20


def is_fitted(estimator) -> bool:
    """Whether ``estimator`` is fitted (a ``FrozenEstimator`` always is)."""
    if type(estimator).__name__ == "FrozenEstimator":
        return True
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except TypeError:  # not an estimator at all: let fit fail on it later
        return False
    return True


def estimator_has(attr):
    """For ``available_if``: the fitted sub-estimator (or the unfitted one) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        if self.estimator is None:  # the default LLM estimators have predict and predict_proba
            return True
        return hasattr(self.estimator, attr)

    return check


class FoldEnsemble(BaseEstimator):
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


def check_params(params) -> None:
    """Validate ``method``, ``allocation``, ``n_folds``, ``budget``, ``confidence_level`` and
    ``population``."""
    if params.method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {params.method!r}.")
    check_allocation(params.allocation)
    n_folds = params.n_folds
    if isinstance(n_folds, bool) or not isinstance(n_folds, numbers.Integral) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}.")
    budget = params.budget
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget < 2
    ):
        raise ValueError(f"budget must be None or an integer >= 2 (labels), got {budget!r}.")
    level = params.confidence_level
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0.0 < level < 1.0:
        raise ValueError(f"confidence_level must be a float in (0, 1), got {level!r}.")
    if params.population not in POPULATIONS:
        raise ValueError(
            f"population must be one of {list(POPULATIONS)}, got {params.population!r}."
        )
    if params.population == "pool" and params.estimand != "mean":
        raise ValueError(
            f"population='pool' (the finite-pool interval) is available for estimand='mean' "
            f"only, got estimand={params.estimand!r}; use population='superpopulation'."
        )


def check_allocation(allocation) -> None:
    """``allocation`` is ``"auto"``, ``"ramp-up"``, ``"cross"``, a fraction in [0, 1) or a
    count >= 0."""
    expected = (
        "allocation must be 'auto', 'ramp-up', 'cross', a fraction in [0, 1) or a non-negative "
        "integer count"
    )
    if isinstance(allocation, str):
        if allocation not in ("auto", "ramp-up", "cross"):
            raise ValueError(f"{expected}, got {allocation!r}.")
    elif isinstance(allocation, bool) or not isinstance(allocation, numbers.Real):
        raise ValueError(f"{expected}, got {allocation!r} ({type(allocation).__name__}).")
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


def n_finetune_for(allocation, n_used: int) -> int:
    """Fine-tuning labels of a fixed ``allocation`` (fraction or count) of ``n_used`` labels;
    at least two must be left to rectify."""
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


def is_unlabeled_marker(value) -> bool:
    """``-1``, ``"-1"``, ``None`` or a float NaN: the markers of an unlabelled row in an object
    array of class labels."""
    if value is None:
        return True
    if isinstance(value, str):
        return value == "-1"
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value == -1 or (isinstance(value, numbers.Real) and value != value)  # NaN
    return False
