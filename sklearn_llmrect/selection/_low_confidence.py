"""Low-confidence selection (CoS-Low's first step): the model's confidence in its own answer."""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import take_rows
from ._base import BaseSelector

__all__ = ["LowConfidenceSelector", "confidence", "low_confidence_sample"]

_METHODS = ("auto", "max_proba", "spread")


def confidence(estimator, X, method="auto", *, n_dropout_passes=5, random_state=None):
    """How confident ``estimator`` is in its own answer for each row of X (larger is surer).

    * ``"max_proba"``: the probability of the model's own answer: the largest class probability
      of a classifier; for an LLM with a verbalizer head (a causal LM's next-token
      distribution over the label words or scale digits), the top-1 token probability.
    * ``"spread"`` (regressors): minus the spread of the prediction: for an
      :class:`~sklearn_llmrect.LLMRegressor` with a verbalizer head, the standard deviation of
      the value under its distribution over the scale tokens; otherwise the ensemble or Monte
      Carlo dropout standard deviation of :func:`~sklearn_llmrect.selection.uncertainty`.

    ``"auto"`` is ``"max_proba"`` for classifiers and ``"spread"`` for regressors.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like of rows
    method : {"auto", "max_proba", "spread"}, default="auto"
    n_dropout_passes : int, default=5
        Dropout passes for regressors without a verbalizer or ensemble (linear-head LLMs).
    random_state : int or None
        Seeds those passes.

    Returns
    -------
    ndarray of shape (n_samples,)

    References
    ----------
    Je & Raffel (2025), arXiv:2512.24991 (the mean top-1 token probability of the model's own
    greedy answer).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.selection import confidence
    >>> model = LogisticRegression().fit([[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1])
    >>> c = confidence(model, [[0.0], [3.0]])
    >>> bool(c[0] < c[1])
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    is_classifier = hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")
    verbalizer = getattr(estimator, "head_", None) == "verbalizer"
    if method == "auto":
        method = "max_proba" if is_classifier else "spread"
    if is_classifier:
        if method == "spread":
            raise ValueError("method='spread' is for regressors; use 'max_proba' for classifiers.")
        return np.asarray(estimator.predict_proba(X), dtype=float).max(axis=1)
    if verbalizer:
        import torch

        outputs = torch.as_tensor(estimator._outputs_for(X))
        proba = torch.softmax(outputs.double(), dim=-1).numpy()
        if method == "max_proba":
            return proba.max(axis=1)
        values = np.asarray(estimator.verbalizer_values_, dtype=float)
        mean = proba @ values
        return -np.sqrt(np.maximum(proba @ values**2 - mean**2, 0.0))
    if method == "max_proba":
        raise ValueError(
            f"method='max_proba' needs a classifier or an LLM with a verbalizer head; got "
            f"{type(estimator).__name__}."
        )
    from ._uncertainty import uncertainty

    return -uncertainty(
        estimator, X, "std", n_dropout_passes=n_dropout_passes, random_state=random_state
    )


def low_confidence_sample(scores, n_examples: int, quantile: float, rng) -> np.ndarray:
    """Positions of a uniform sample of ``n_examples`` among the bottom ``quantile`` of scores.

    The bottom set has ``max(ceil(quantile * n), n_examples)`` rows (ties broken at random), so
    a small pool still yields ``n_examples`` rows. Returned sorted by confidence, lowest first.
    """
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    size = min(n, max(int(np.ceil(quantile * n)), n_examples))
    order = np.lexsort((rng.permutation(n), scores))
    bottom = order[:size]
    chosen = rng.choice(bottom, size=n_examples, replace=False)
    return chosen[np.argsort(scores[chosen], kind="stable")]


class LowConfidenceSelector(BaseSelector):
    """The bottom ``quantile`` of the model's confidence in its own answer, then a seeded
    uniform sample of ``batch_size`` of them (CoS-Low's selection; no labels needed).

    Parameters
    ----------
    quantile : float in (0, 1], default=0.1
        Share of the candidates with the lowest confidence to sample from (the paper: the
        lowest decile). 1.0 samples uniformly from all candidates.
    confidence : {"auto", "max_proba", "spread"}, default="auto"
        See :func:`confidence`.
    random_state : int, RandomState or None, default=None
        Seeds the sample (the paper's code sets no seed).

    References
    ----------
    G. H. Je & C. Raffel (2025). Efficiently Estimating Data Efficiency for Language Model
    Fine-tuning. arXiv:2512.24991.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.selection import LowConfidenceSelector
    >>> X = np.linspace(-3, 3, 41)[:, None]
    >>> model = LogisticRegression().fit([[-2.0], [2.0]], [0, 1])
    >>> rows = LowConfidenceSelector(quantile=0.1, random_state=0).query(
    ...     X, None, estimator=model, batch_size=3)
    >>> bool(np.all(np.abs(X[rows, 0]) < 0.31))  # the 5 rows nearest the boundary
    True
    """

    def __init__(self, *, quantile=0.1, confidence="auto", random_state=None):
        self.quantile = quantile
        self.confidence = confidence
        self.random_state = random_state

    def _select(self, X, candidates, estimator, batch_size, rng):
        quantile = self.quantile
        if (
            isinstance(quantile, bool)
            or not isinstance(quantile, numbers.Real)
            or not 0 < quantile <= 1
        ):
            raise ValueError(f"quantile must be in (0, 1]; got {quantile!r}.")
        if estimator is None:
            raise ValueError(
                "LowConfidenceSelector needs a fitted estimator (e.g. a zero-shot LLM, "
                "max_epochs=0) to score the candidates; got estimator=None."
            )
        scores = confidence(
            estimator,
            take_rows(X, candidates),
            self.confidence,
            random_state=int(rng.randint(2**31 - 1)),
        )
        chosen = low_confidence_sample(scores, batch_size, float(quantile), rng)
        return candidates[chosen], -scores
