"""The paper's baseline predictors of data efficiency, for comparison with CoS-Low.

Je & Raffel (arXiv 2512.24991) compare CoS-Low (Spearman correlation with the AUC 0.675) with
the cosine of *random* examples (0.29), the gradient norm (0.152) and the average confidence
(-0.024).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from .._validation import n_rows, take_rows
from ..selection._low_confidence import confidence
from ._estimator import DataEfficiencyEstimator, zero_shot_estimator

__all__ = ["random_cosine", "gradient_norm", "average_confidence"]


def random_cosine(estimator, X, y, *, n_examples=32, random_state=None, **params) -> float:
    """Median pairwise gradient cosine of ``n_examples`` uniformly random examples.

    The same computation as CoS-Low with ``quantile=1.0`` (no low-confidence filter).
    ``params`` go to :class:`DataEfficiencyEstimator` (``lora_r``, ``n_projections``, ...).

    Examples
    --------
    >>> from sklearn_llmrect import LLMClassifier
    >>> from sklearn_llmrect.efficiency import random_cosine
    >>> X = ["loved it", "awful", "great film", "boring", "superb", "terrible plot"]
    >>> y = ["pos", "neg", "pos", "neg", "pos", "neg"]
    >>> value = random_cosine(LLMClassifier(dtype="float32", device="cpu"), X, y, n_examples=4,
    ...                       lora_r=4, n_projections=1, random_state=0)
    >>> -1 <= value <= 1
    True
    """
    n, y = n_rows(X), np.asarray(y)
    if len(y) == n > n_examples:  # draw first, so only the drawn rows are scored
        rows = check_random_state(random_state).choice(n, n_examples, replace=False)
        X, y = take_rows(X, rows), y[rows]
    scorer = DataEfficiencyEstimator(
        estimator, n_examples=n_examples, quantile=1.0, random_state=random_state, **params
    )
    return scorer.fit(X, y).cos_low_


def gradient_norm(estimator, X, y, *, n_examples=32, random_state=None, **params) -> float:
    """Mean per-example gradient norm of the low-confidence examples CoS-Low uses.

    ``estimator`` may also be a fitted :class:`DataEfficiencyEstimator`, whose gradients are
    reused (then X and y are ignored and may be None).
    """
    if isinstance(estimator, DataEfficiencyEstimator) and hasattr(estimator, "gradient_norms_"):
        return float(np.mean(estimator.gradient_norms_))
    scorer = DataEfficiencyEstimator(
        estimator, n_examples=n_examples, random_state=random_state, **params
    ).fit(X, y)
    return float(np.mean(scorer.gradient_norms_))


def average_confidence(estimator, X=None, y=None) -> float:
    """Mean zero-shot confidence of the model in its own answer over the rows of X.

    ``estimator`` is an unfitted LLM estimator (fitted zero-shot on ``X, y`` here), a fitted
    estimator (used as it is), or a fitted :class:`DataEfficiencyEstimator` (its
    ``confidence_``).
    """
    if isinstance(estimator, DataEfficiencyEstimator):
        return float(np.mean(estimator.confidence_))
    if X is None:
        raise ValueError("average_confidence needs X (the rows to score); got None.")
    if not hasattr(estimator, "n_features_in_"):
        if y is None:
            raise ValueError("average_confidence needs y to fit the zero-shot model; got None.")
        estimator = zero_shot_estimator(estimator, X, y)
    return float(np.mean(confidence(estimator, X)))
