"""Classical, PPI, PPI++ and cross-PPI quantiles (the test inversion is in ``_quantile_core``)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ._checks import (
    as_float_array,
    check_confidence_level,
    check_min_rows,
    check_same_length,
    check_weights,
)
from ._quantile_core import estimate_quantile
from ._regression_inputs import ppi_lambda
from ._regression_result import RegressionResult

__all__ = ["classical_quantile", "crossfit_ppi_quantile", "ppi_quantile"]


def _level(q) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)):
        raise ValueError(f"q must be a number strictly between 0 and 1, got {q!r}.")
    if not 0.0 < float(q) < 1.0:
        raise ValueError(
            f"q must lie strictly between 0 and 1 (e.g. 0.5 for the median), got {q!r}."
        )
    return float(q)


def _inputs(y, yhat, yhat_unlabeled, *, cross: bool):
    Y = as_float_array(y, "y")
    F = as_float_array(yhat, "yhat")
    Fu = as_float_array(yhat_unlabeled, "yhat_unlabeled", ndim=(1, 2) if cross else 1)
    check_same_length(Y, "y", F, "yhat")
    check_min_rows(Y, "y", 2)
    check_min_rows(Fu, "yhat_unlabeled", 2)
    return Y, F, Fu[:, None] if Fu.ndim == 1 else Fu


def classical_quantile(y, q: float, *, confidence_level: float = 0.95) -> RegressionResult:
    """Sample quantile of the labels with the order-statistic (binomial) confidence interval.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels.
    q : float
        Level of the quantile, strictly between 0 and 1 (0.5 is the median).
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).

    Returns
    -------
    RegressionResult
        One row: the sample quantile (``np.quantile(y, q, method="inverted_cdf")``), the interval
        ``[y_(i), y_(j)]`` of order statistics with ``i, j = int(q n -+ z sqrt(q (1 - q) n))``
        (0-based, clipped to the sample: ppi_py's ``classical_quantile_ci``, which instead wraps
        round or fails at the ends), the implied standard error ``(y_(j) - y_(i)) / (2 z)`` and
        the sign-test p-value of ``quantile == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_quantile
    >>> result = classical_quantile(np.arange(1.0, 101.0), 0.5)
    >>> float(result.coefficients[0]), result.confidence_interval.tolist()
    (50.0, [[41.0, 60.0]])
    """
    q = _level(q)
    level = check_confidence_level(confidence_level)
    Y = as_float_array(y, "y")
    check_min_rows(Y, "y", 2)
    n, z = len(Y), ndtri(1.0 - (1.0 - level) / 2.0)
    spread = z * np.sqrt(q * (1.0 - q) * n)
    ordered = np.sort(Y)
    lo = ordered[min(max(int(q * n - spread), 0), n - 1)]
    hi = ordered[min(max(int(q * n + spread), 0), n - 1)]
    sign = (np.count_nonzero(Y <= 0.0) - q * n) / np.sqrt(q * (1.0 - q) * n)
    return RegressionResult(
        coefficients=[np.quantile(Y, q, method="inverted_cdf")],
        standard_errors=[(hi - lo) / (2.0 * z)],
        confidence_interval=[[lo, hi]],
        p_values=[2.0 * ndtr(-abs(sign))],
        lambda_=0.0,
        n_labeled=n,
        n_unlabeled=0,
        effective_sample_size=[float(n)],
        feature_names=(f"q={q:g}",),
        method="classical",
        confidence_level=level,
        model="quantile",
    )


def ppi_quantile(
    y,
    yhat,
    yhat_unlabeled,
    q: float,
    *,
    method: str = "ppi++",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    exact_grid: bool = False,
) -> RegressionResult:
    """Prediction-powered q-quantile: the rectified CDF of the predictions crosses ``q``.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels of the labelled rows.
    yhat : array-like of shape (n,)
        Model predictions for the same rows.
    yhat_unlabeled : array-like of shape (N,)
        Model predictions for the unlabelled rows.
    q : float
        Level of the quantile, strictly between 0 and 1 (0.5 is the median).
    method : {"ppi++", "ppi"}, default="ppi++"
        ``"ppi++"`` tunes ``lambda`` in [0, 1] (from the gradients ``1{. <= theta} - q`` at the
        estimate); ``"ppi"`` uses ``lambda = 1``, as ppi_py's ``ppi_quantile_ci`` does.
    lambda_ : float in [0, 1], optional
        Fixed power-tuning parameter for ``method="ppi++"``.
    sample_weight, sample_weight_unlabeled : array-like, optional
        Non-negative weights of the labelled and unlabelled rows, each normalised to mean one.
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).
    exact_grid : bool, default=False
        Search the sorted labels and predictions instead of 5,000 equally spaced points.

    Returns
    -------
    RegressionResult
        One row named ``"q=<level>"``: estimate, implied standard error (half-width over ``z``),
        interval, p-value of the test of ``quantile == 0``, ``lambda_`` and the effective sample
        size ``n * Var(classical CDF) / Var(rectified CDF)`` at the estimate.

    Notes
    -----
    Unweighted with ``method="ppi"`` the estimate and interval are those of ppi_py's
    ``ppi_quantile_pointestimate`` and ``ppi_quantile_ci``. With unequal weights ppi_py takes
    the variance of ``w_u 1{f_u <= t}`` where the sandwich has ``w_u (1{f_u <= t} - q)``: its
    interval for the q-quantile of ``Y`` is then not minus its interval for the (1 - q)-quantile
    of ``-Y``, as it must be; ours is.

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_quantile, ppi_quantile
    >>> rng = np.random.default_rng(0)
    >>> y, y_unl = rng.normal(size=200), rng.normal(size=2000)
    >>> yhat, yhat_unl = y + 0.3 * rng.normal(size=200), y_unl + 0.3 * rng.normal(size=2000)
    >>> result = ppi_quantile(y, yhat, yhat_unl, 0.5)
    >>> lo, hi = result.confidence_interval[0]
    >>> bool(lo < 0 < hi), bool(hi - lo < np.ptp(classical_quantile(y, 0.5).confidence_interval))
    (True, True)
    """
    lam, q = ppi_lambda(method, lambda_), _level(q)
    level = check_confidence_level(confidence_level)
    Y, F, Fu = _inputs(y, yhat, yhat_unlabeled, cross=False)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    wu = check_weights(sample_weight_unlabeled, len(Fu), "sample_weight_unlabeled")
    w = np.ones(len(Y)) if w is None else w
    wu = np.ones(len(Fu)) if wu is None else wu
    return estimate_quantile(Y, F, Fu, w, wu, q, lam, level, exact_grid, method)


def crossfit_ppi_quantile(
    y,
    yhat,
    yhat_unlabeled,
    q: float,
    *,
    method: str = "ppi",
    confidence_level: float = 0.95,
    exact_grid: bool = False,
) -> RegressionResult:
    """Cross-prediction-powered q-quantile (K fold models), optionally power-tuned.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels.
    yhat : array-like of shape (n,)
        Out-of-fold predictions: row ``i`` predicted by the fold model not trained on it.
    yhat_unlabeled : array-like of shape (N, K) or (N,)
        Predictions of each of the K fold models on the unlabelled rows (one column per model).
    q : float
        Level of the quantile, strictly between 0 and 1.
    method : {"ppi", "ppi++"}, default="ppi"
        ``"ppi"``: ``lambda = 1`` (Zrnic & Candes); ``"ppi++"``: ``lambda`` tuned.
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).
    exact_grid : bool, default=False
        Search the sorted labels and predictions instead of 5,000 equally spaced points.

    Returns
    -------
    RegressionResult
        With ``method="cross-ppi"`` (``lambda_=1``) or ``"cross-ppi++"``.

    Notes
    -----
    The unlabelled CDF is the average of the K models' CDFs, and its variance that of the
    average indicator ``mean_k 1{f_k <= t}``. ppi_py's ``crossppi_quantile_ci`` averages the
    CDFs too but takes the variance of ``1{mean_k f_k <= t}``, another quantity; the two agree
    when the K models agree.

    References
    ----------
    .. [1] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024 (arXiv:2309.16598).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import crossfit_ppi_quantile
    >>> rng = np.random.default_rng(0)
    >>> y, y_unl = rng.normal(size=200), rng.normal(size=1000)
    >>> per_fold = y_unl[:, None] + 0.3 * rng.normal(size=(1000, 5))
    >>> result = crossfit_ppi_quantile(y, y + 0.3 * rng.normal(size=200), per_fold, 0.25)
    >>> result.feature_names, result.method
    (('q=0.25',), 'cross-ppi')
    """
    if method not in ("ppi", "ppi++"):
        raise ValueError(f"method must be one of ('ppi', 'ppi++'), got {method!r}.")
    q, level = _level(q), check_confidence_level(confidence_level)
    Y, F, Fu = _inputs(y, yhat, yhat_unlabeled, cross=True)
    ones, ones_u = np.ones(len(Y)), np.ones(len(Fu))
    lam = 1.0 if method == "ppi" else None
    name = "cross-ppi" if method == "ppi" else "cross-ppi++"
    return estimate_quantile(Y, F, Fu, ones, ones_u, q, lam, level, exact_grid, name)
