"""Selections drawn with known probabilities, and the inverse-probability-weighted estimate.

Labels picked by uncertainty or diversity are not a random sample, so they cannot rectify a
model's predictions. Labels drawn *at random with known inclusion probabilities* ``pi_i`` can,
however unequal the ``pi_i``: with ``xi_i ~ Bernoulli(pi_i)`` independent of everything else
and any model ``p``, the active-inference estimate of the share of class ``k``,

    theta_k = (1/N) sum_i [ p_k(x_i) + (1{y_i = k} - p_k(x_i)) * xi_i / pi_i ],

is unbiased, and its standard error is the sample standard deviation of the ``N`` terms over
``sqrt(N)`` (Zrnic & Candes, 2024). The mean of a numeric label is the same estimate with
``f(x_i)`` and ``y_i`` in place of ``p_k(x_i)`` and ``1{y_i = k}``. Rows whose label is known
for certain enter with ``pi_i = 1``.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import ndtri

from ..inference import ClassSharesResult, InferenceResult

__all__ = ["inclusion_probabilities", "ipw_class_shares", "ipw_mean"]


def inclusion_probabilities(scores, n_expected, *, uniform_mix=0.2) -> np.ndarray:
    """Inclusion probabilities proportional to ``scores``, mixed with a uniform share.

    ``pi_i = min(1, c * ((1 - m) * s_i / mean(s) + m))`` with ``m = uniform_mix`` and ``c``
    chosen so that ``sum_i pi_i = n_expected``. The uniform share keeps every ``pi_i`` at least
    ``c * m``, which bounds the weights ``1 / pi_i``.

    Parameters
    ----------
    scores : array-like of shape (n,)
        Non-negative, e.g. the model's uncertainty.
    n_expected : float
        Expected number of draws, in (0, n].
    uniform_mix : float, default=0.2
        ``m`` in (0, 1]; 1 gives uniform probabilities.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> from sklearn_llmrect.selection import inclusion_probabilities
    >>> pi = inclusion_probabilities([0.0, 0.1, 0.5, 0.9], 2)
    >>> round(float(pi.sum()), 6), bool(pi[3] > pi[0] > 0)
    (2.0, True)
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or not np.all(np.isfinite(scores)) or (scores < 0).any():
        raise ValueError("scores must be a 1-D array of finite non-negative numbers.")
    n = len(scores)
    if not (isinstance(n_expected, numbers.Real) and 0 < n_expected <= n):
        raise ValueError(f"n_expected must be in (0, {n}]; got {n_expected!r}.")
    if not (isinstance(uniform_mix, numbers.Real) and 0 < uniform_mix <= 1):
        raise ValueError(f"uniform_mix must be in (0, 1]; got {uniform_mix!r}.")
    mean = scores.mean()
    relative = scores / mean if mean > 0 else np.ones(n)
    weights = (1 - uniform_mix) * relative + uniform_mix
    pi = np.zeros(n)
    capped = np.zeros(n, dtype=bool)
    for _ in range(n + 1):  # water-filling: cap at 1, spread the rest over the others
        remaining = n_expected - capped.sum()
        free = ~capped
        pi[free] = weights[free] * remaining / weights[free].sum()
        pi[capped] = 1.0
        over = free & (pi >= 1.0)
        if not over.any():
            break
        capped |= over
    return np.clip(pi, 0.0, 1.0)


def ipw_class_shares(proba, known, y, pi, *, classes, confidence_level=0.95) -> ClassSharesResult:
    """Share of each class from model probabilities and labels drawn with known probabilities.

    Parameters
    ----------
    proba : array-like of shape (N, n_classes)
        The model's class probabilities for every row of the population sample.
    known : array-like of bool, shape (N,)
        Rows whose human label is in ``y`` (drawn ones, and rows labelled with certainty).
    y : array-like of shape (N,)
        Human labels (read where ``known``).
    pi : array-like of shape (N,)
        Each row's probability of having been labelled (1 for rows labelled with certainty).
    classes : array-like of shape (n_classes,)
        Column order of ``proba``.
    confidence_level : float, default=0.95

    Returns
    -------
    ClassSharesResult
        ``method="active-ipw"``; ``n_labeled`` counts the known rows.

    References
    ----------
    Zrnic & Candes (2024). Active Statistical Inference. ICML. arXiv:2403.03208.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import ipw_class_shares
    >>> proba = np.tile([[0.5, 0.5]], (4, 1))
    >>> known = np.array([True, False, True, False])
    >>> y = np.array(["a", None, "b", None], dtype=object)
    >>> pi = np.array([0.5, 0.5, 0.5, 0.5])
    >>> ipw_class_shares(proba, known, y, pi, classes=["a", "b"]).estimates.tolist()
    [0.5, 0.5]
    """
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise ValueError(f"proba must have shape (N, {len(classes)}); got {proba.shape}.")
    known, pi = _check_draw(len(proba), known, y, pi, confidence_level, "proba")
    y = np.asarray(y, dtype=object)
    onehot = np.zeros_like(proba)
    for k, label in enumerate(classes.tolist()):
        onehot[known, k] = [value == label for value in y[known]]
    estimates, stderrs = _ipw_estimates(proba, onehot, known, pi)
    n_known = max(int(known.sum()), 1)
    results = []
    for k, label in enumerate(classes.tolist()):
        share = min(max(float(estimates[k]), 1e-12), 1 - 1e-12)
        results.append(
            _result(
                estimates[k],
                stderrs[k],
                share * (1 - share) / n_known,
                known,
                confidence_level,
                target=f"share of class {label!r}",
            )
        )
    return ClassSharesResult(classes=tuple(classes.tolist()), results=tuple(results))


def ipw_mean(predictions, known, y, pi, *, confidence_level=0.95) -> InferenceResult:
    """Mean of a numeric label from model predictions and labels drawn with known probabilities.

    ``theta = (1/N) sum_i [ f(x_i) + (y_i - f(x_i)) * xi_i / pi_i ]``, with its standard error
    the sample standard deviation of the ``N`` terms over ``sqrt(N)``.

    Parameters
    ----------
    predictions : array-like of shape (N,)
        The model's prediction for every row of the population sample.
    known : array-like of bool, shape (N,)
        Rows whose human label is in ``y`` (drawn ones, and rows labelled with certainty).
    y : array-like of shape (N,)
        Human labels (read where ``known``).
    pi : array-like of shape (N,)
        Each row's probability of having been labelled (1 for rows labelled with certainty).
    confidence_level : float, default=0.95

    Returns
    -------
    InferenceResult
        ``method="active-ipw"``; ``n_labeled`` counts the known rows.

    References
    ----------
    Zrnic & Candes (2024). Active Statistical Inference. ICML. arXiv:2403.03208.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import ipw_mean
    >>> predictions = np.array([1.0, 1.0, 1.0, 1.0])
    >>> known = np.array([True, False, True, False])
    >>> y = np.array([2.0, np.nan, 0.0, np.nan])
    >>> round(ipw_mean(predictions, known, y, np.full(4, 0.5)).estimate, 6)
    1.0
    """
    predictions = np.asarray(predictions, dtype=float)
    if predictions.ndim != 1:
        raise ValueError(f"predictions must be 1-D; got shape {predictions.shape}.")
    known, pi = _check_draw(len(predictions), known, y, pi, confidence_level, "predictions")
    labels = np.zeros(len(predictions))
    labels[known] = np.asarray(y, dtype=object)[known].astype(float)
    if not np.all(np.isfinite(labels[known])):
        raise ValueError("y must be finite on the known rows.")
    estimates, stderrs = _ipw_estimates(predictions[:, None], labels[:, None], known, pi)
    n_known = int(known.sum())
    classical_var = float(np.var(labels[known], ddof=1)) / n_known if n_known > 1 else np.inf
    return _result(estimates[0], stderrs[0], classical_var, known, confidence_level)


def _check_draw(n, known, y, pi, confidence_level, name):
    known = np.asarray(known, dtype=bool)
    pi = np.asarray(pi, dtype=float)
    if known.shape != (n,) or pi.shape != (n,) or len(y) != n:
        raise ValueError(f"{name}, known, y and pi must have the same number of rows.")
    if ((pi <= 0) | (pi > 1))[known].any():
        raise ValueError("pi must lie in (0, 1] for every labelled row.")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    return known, pi


def _ipw_estimates(predictions, outcomes, known, pi):
    """Column means of ``f + (y - f) * xi / pi`` and their standard errors, for (N, K) arrays."""
    weight = np.where(known, 1.0 / np.where(known, pi, 1.0), 0.0)
    terms = predictions + (outcomes - predictions) * weight[:, None]
    return terms.mean(axis=0), terms.std(axis=0, ddof=1) / np.sqrt(len(terms))


def _result(estimate, stderr, classical_var, known, confidence_level, target="mean"):
    estimate, stderr = float(estimate), float(stderr)
    n_known = int(known.sum())
    z = ndtri(0.5 + confidence_level / 2)
    return InferenceResult(
        estimate=estimate,
        stderr=stderr,
        confidence_interval=(estimate - z * stderr, estimate + z * stderr),
        confidence_level=float(confidence_level),
        alternative="two-sided",
        method="active-ipw",
        lambda_=1.0,
        n_labeled=n_known,
        n_unlabeled=len(known) - n_known,
        effective_sample_size=float(
            n_known * classical_var / stderr**2 if stderr > 0 else float("inf")
        ),
        target=target,
    )
