"""Binomial confidence intervals for error rates (Wilson score and Clopper-Pearson).

No torch, no model: plain numpy and scipy.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..inference._checks import check_confidence_level

__all__ = ["binomial_interval", "INTERVAL_METHODS"]

INTERVAL_METHODS = ("wilson", "clopper-pearson")


def binomial_interval(
    k, n, confidence_level: float = 0.95, method: str = "wilson"
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided confidence interval for a proportion ``k / n`` (vectorised).

    ``"wilson"`` is the Wilson score interval: the ``p`` whose score test
    ``|k/n - p| <= z sqrt(p (1 - p) / n)`` does not reject, i.e. centre
    ``(k + z^2/2) / (n + z^2)`` and half-width
    ``z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)``. Its coverage is close to nominal even
    for small ``n`` or ``k`` near 0 or ``n`` (it can dip slightly below nominal for some ``p``).
    ``"clopper-pearson"`` inverts the exact binomial tests (beta quantiles): coverage at least
    nominal for every ``p``, at the price of a wider interval. With ``n = 0`` the interval is
    ``[0, 1]``.

    Parameters
    ----------
    k : int or array-like of int
        Number of errors (successes), ``0 <= k <= n``.
    n : int or array-like of int
        Number of trials.
    confidence_level : float, default=0.95
    method : {"wilson", "clopper-pearson"}, default="wilson"

    Returns
    -------
    low, high : ndarray
        Bounds, same shape as the broadcast of ``k`` and ``n``.

    References
    ----------
    Wilson (1927), JASA 22(158). Clopper & Pearson (1934), Biometrika 26(4). Brown, Cai &
    DasGupta (2001), Interval estimation for a binomial proportion, Statistical Science 16(2).

    Examples
    --------
    >>> from sklearn_llmrect.revision import binomial_interval
    >>> low, high = binomial_interval(12, 40)
    >>> round(float(low), 3), round(float(high), 3)
    (0.181, 0.454)
    >>> low, high = binomial_interval(0, 20, method="clopper-pearson")
    >>> float(low), round(float(high), 3)
    (0.0, 0.168)
    """
    level = check_confidence_level(confidence_level)
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {INTERVAL_METHODS}; got {method!r}.")
    k, n = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    if np.any(n < 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("binomial_interval needs 0 <= k <= n.")
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            z = stats.norm.ppf(1.0 - alpha / 2.0)
            centre = (k + z**2 / 2.0) / (n + z**2)
            half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4.0)
            low, high = centre - half, centre + half
        else:
            low = stats.beta.ppf(alpha / 2.0, k, n - k + 1.0)
            high = stats.beta.ppf(1.0 - alpha / 2.0, k + 1.0, n - k)
            low = np.where(k == 0, 0.0, low)
            high = np.where(k == n, 1.0, high)
    empty = n == 0
    low = np.clip(np.where(empty, 0.0, low), 0.0, 1.0)
    high = np.clip(np.where(empty, 1.0, high), 0.0, 1.0)
    return low, high
