"""Effective sample size and label-budget planning for PPI++ means.

With ``n`` labels, ``N`` unlabelled rows and correlation ``rho`` between labels and predictions,
the PPI++ mean with its optimal ``lambda = Cov(Y, f) / ((1 + n/N) Var(f))`` has variance

    Var(Y) * (1 - rho**2 * N / (n + N)) / n,

which is the variance of a classical mean of ``n (n + N) / (n + (1 - rho**2) N)`` labels, tending
to ``n / (1 - rho**2)`` as ``N`` grows (Angelopoulos, Duchi & Zrnic 2023, PPI++; the same formula
is ``effective_n`` in ``ppi_py.ppi_power``, Broska, Howes & van Loon's "mixed subjects design").
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import ndtri

from ._checks import check_alternative, check_confidence_level

__all__ = ["effective_sample_size", "required_labels"]


def _check_correlation(correlation) -> float:
    if isinstance(correlation, bool) or not isinstance(correlation, numbers.Real):
        raise TypeError(f"correlation must be a number, got {type(correlation).__name__}.")
    rho = float(correlation)
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f"correlation must lie in [-1, 1], got {rho!r}.")
    return rho


def _check_count(value, name: str, *, allow_inf: bool = False, minimum: int = 1) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf) or value < minimum:
        bound = f">= {minimum}" + (" (or inf)" if allow_inf else "")
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return value


def effective_sample_size(
    n_labeled: float, correlation: float, n_unlabeled: float = math.inf
) -> float:
    """Number of classical labels worth as much as PPI++ with ``n_labeled`` labels.

    Parameters
    ----------
    n_labeled : float
        Number of human labels ``n``.
    correlation : float
        Correlation ``rho`` between the label and the model's prediction, in [-1, 1].
    n_unlabeled : float, default=inf
        Number of unlabelled rows ``N`` with predictions.

    Returns
    -------
    float
        ``n (n + N) / (n + (1 - rho**2) N)``; ``n / (1 - rho**2)`` when ``N`` is infinite (and
        infinite when moreover ``|rho| = 1``).

    Notes
    -----
    This is the population value for the optimal, unconstrained ``lambda``; the value estimated
    from data is ``InferenceResult.effective_sample_size``. PPI++ clips ``lambda`` to [0, 1]:
    with a negative correlation it uses ``lambda = 0`` (effective size ``n``), and when the
    optimum exceeds 1 (predictions on a compressed scale) the realised size is below this value.
    For a calibrated predictor (``f = E[Y | X]``) the optimum ``N / (n + N)`` lies inside [0, 1].

    References
    ----------
    .. [1] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> from sklearn_llmrect.inference import effective_sample_size
    >>> round(effective_sample_size(100, 0.8), 2)  # 100 / (1 - 0.8**2)
    277.78
    >>> round(effective_sample_size(100, 0.8, n_unlabeled=1500), 2)
    250.0
    """
    n = _check_count(n_labeled, "n_labeled")
    N = _check_count(n_unlabeled, "n_unlabeled", allow_inf=True, minimum=0)
    rho2 = _check_correlation(correlation) ** 2
    if math.isinf(N):
        return math.inf if rho2 >= 1.0 else n / (1.0 - rho2)
    return n * (n + N) / (n + (1.0 - rho2) * N)


def required_labels(
    half_width: float,
    *,
    std_y: float,
    correlation: float = 0.0,
    n_unlabeled: float = math.inf,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> int:
    """Smallest number of labels for a PPI++ interval no wider than ``half_width`` (planned).

    Solves ``z * std_y * sqrt((1 - rho**2 N / (n + N)) / n) <= half_width`` for the smallest
    integer ``n``, where ``z`` is the normal quantile of the interval. With ``correlation=0``
    this is the classical sample-size formula ``(z std_y / half_width) ** 2``.

    Parameters
    ----------
    half_width : float
        Target half-width (distance from the estimate to a bound), > 0.
    std_y : float
        Standard deviation of the label, e.g. from a pilot, > 0.
    correlation : float, default=0.0
        Correlation between label and prediction, in [-1, 1].
    n_unlabeled : float, default=inf
        Number of unlabelled rows with predictions.
    confidence_level : float, default=0.95
        Nominal coverage.
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        One-sided bounds use ``z`` at ``confidence_level`` instead of its two-sided quantile.

    Returns
    -------
    int
        Number of labels ``n`` (at least 2).

    Examples
    --------
    >>> from sklearn_llmrect.inference import required_labels
    >>> required_labels(0.1, std_y=1.0)  # classical: (1.96 / 0.1) ** 2 = 384.1
    385
    >>> required_labels(0.1, std_y=1.0, correlation=0.8)
    139
    """
    if not (isinstance(half_width, numbers.Real) and half_width > 0 and np.isfinite(half_width)):
        raise ValueError(f"half_width must be a positive finite number, got {half_width!r}.")
    if not (isinstance(std_y, numbers.Real) and std_y > 0 and np.isfinite(std_y)):
        raise ValueError(f"std_y must be a positive finite number, got {std_y!r}.")
    rho2 = _check_correlation(correlation) ** 2
    N = _check_count(n_unlabeled, "n_unlabeled", allow_inf=True, minimum=0)
    level = check_confidence_level(confidence_level)
    alternative = check_alternative(alternative)
    alpha = 1.0 - level
    z = ndtri(1.0 - alpha / 2.0) if alternative == "two-sided" else ndtri(1.0 - alpha)
    target_var = (half_width / z) ** 2  # wanted variance of the estimate
    var_y = float(std_y) ** 2
    if math.isinf(N):
        n = var_y * (1.0 - rho2) / target_var
    else:
        # var_y (n + (1 - rho2) N) <= target_var n (n + N): the positive root of the quadratic
        b = target_var * N - var_y
        c = -var_y * (1.0 - rho2) * N
        n = (-b + math.sqrt(b * b - 4.0 * target_var * c)) / (2.0 * target_var)
    n_int = max(2, math.ceil(n - 1e-9 * max(n, 1.0)))
    return int(n_int)
