"""Numerical core of classical, PPI and PPI++ estimates of means and class shares.

The prediction-powered estimate of a mean with power-tuning parameter ``lambda`` is

    theta(lambda) = lambda * mean(f(X_unlabeled)) + mean(Y - lambda * f(X)),

``lambda = 0`` being the classical mean of the labels, ``lambda = 1`` plain PPI (Angelopoulos,
Bates, Fannjiang, Jordan & Zrnic 2023) and a data-tuned ``lambda`` PPI++ (Angelopoulos, Duchi &
Zrnic 2023). Class shares are the means of the one-hot labels, rectified with the predicted
class probabilities.

Numbers follow ``ppi_py`` (PyPI ``ppi-python``) exactly for unweighted data: standard errors use
the biased (``ddof=0``) variances, the tuned ``lambda`` is ``Cov(Y, f) / ((1 + n/N) Var(f))`` with
the variance pooled over labelled and unlabelled predictions (``ddof=1``), clipped to [0, 1].
Where ``ppi_py`` is wrong we are not: the interval honours ``alternative`` when ``lambda`` is
tuned, the p-value uses the same clipped ``lambda`` as the interval, and with sample weights the
standard error is the M-estimation (sandwich) one, ``Var(w * (Y - theta - lambda * (f - theta)))``,
which is invariant to shifting ``Y`` and ``f`` by a constant (``ppi_py`` uses ``Var(w * (Y -
lambda * f))`` and ``Var(w_u * lambda * f_u)``, which are not unless all weights are equal).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_lambda
from ._pool import pool_lambda, pool_results
from ._result import InferenceResult, build_results

METHODS = ("classical", "ppi", "ppi++")

# Arrays are 2-D (rows, columns): a column is a dimension of the estimand (a class share) or an
# independent replication; weights are normalised to mean one, or None.


def _weighted(values: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Row weights: ``w`` of shape (rows,) for every column, or (rows, columns) per column."""
    if w is None:
        return values
    return values * (w[:, None] if w.ndim == 1 else w)


def tuned_lambda(
    Y: np.ndarray,
    F: np.ndarray,
    Fu: np.ndarray,
    w: np.ndarray | None,
    wu: np.ndarray | None,
    mode: str = "overall",
) -> np.ndarray:
    """PPI++ power-tuning parameter per dimension, clipped to [0, 1].

    ``Cov0(g, g_hat) / ((1 + n/N) * Var1(g_hat pooled))`` with gradients ``g = w (Y - theta1)``,
    ``g_hat = w (f - theta1)`` centred at the PPI (``lambda = 1``) pilot ``theta1``, summed over
    dimensions first when ``mode == "overall"``. Constant predictions (relative spread below
    1e-10, where ppi_py divides 0 by 0 or by rounding noise) give ``lambda = 0``.
    """
    n, N = Y.shape[0], Fu.shape[0]
    theta1 = _weighted(Fu, wu).mean(axis=0) + _weighted(Y - F, w).mean(axis=0)
    g = _weighted(Y - theta1, w)
    g_hat = _weighted(F - theta1, w)
    g_hat_u = _weighted(Fu - theta1, wu)
    cov = ((g - g.mean(axis=0)) * (g_hat - g_hat.mean(axis=0))).mean(axis=0)
    pooled = np.concatenate([g_hat, g_hat_u])
    var = pooled.var(axis=0, ddof=1)
    var[var <= 1e-20 * (pooled**2).mean(axis=0)] = 0.0  # constant up to rounding: no information
    var *= 1.0 + n / N
    if mode == "overall":
        num, den = cov.sum(keepdims=True), var.sum(keepdims=True)
    else:
        num, den = cov, var
    lam = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return np.broadcast_to(np.clip(lam, 0.0, 1.0), cov.shape).copy()


def rectified_mean(
    Y: np.ndarray,
    F: np.ndarray,
    Fu: np.ndarray,
    lam: np.ndarray,
    w: np.ndarray | None,
    wu: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and standard error of ``lam * mean(w_u f_u) + mean(w (Y - lam f))`` per dimension.

    The standard error is the sandwich one, ``sqrt(Var0(w ((Y - theta) - lam (f - theta))) / n
    + Var0(w_u lam (f_u - theta)) / N)``; without weights it equals ``sqrt(Var0(Y - lam f) / n
    + lam^2 Var0(f_u) / N)``, the formula of ppi_py.
    """
    n, N = Y.shape[0], Fu.shape[0]
    theta = lam * _weighted(Fu, wu).mean(axis=0) + _weighted(Y - lam * F, w).mean(axis=0)
    labelled = _weighted((Y - theta) - lam * (F - theta), w)
    unlabelled = _weighted(lam * (Fu - theta), wu)
    stderr = np.sqrt(labelled.var(axis=0) / n + unlabelled.var(axis=0) / N)
    return theta, stderr


def classical_stderr(Y: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Standard error of the (weighted) mean of the labels, ``sqrt(Var0(w (Y - mean)) / n)``."""
    theta = _weighted(Y, w).mean(axis=0)
    return np.sqrt(_weighted(Y - theta, w).var(axis=0) / Y.shape[0])


def effective_sizes(n: int, classical_se: np.ndarray, se: np.ndarray) -> np.ndarray:
    """``n * (classical_se / se) ** 2``, the number of labels the classical mean would need."""
    classical_var, var = classical_se**2, se**2
    out = np.full_like(var, float(n))
    ok = var > 0
    out[ok] = n * classical_var[ok] / var[ok]
    out[~ok & (classical_var > 0)] = np.inf
    return out


def check_method(method: str, lambda_) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    if lambda_ is not None and method != "ppi++":
        raise ValueError(
            f"lambda_ fixes the power-tuning parameter of method='ppi++'; it cannot be combined "
            f"with method={method!r} (which has lambda = {0 if method == 'classical' else 1})."
        )


def _lambda_for(method, lambda_, Y, F, Fu, w, wu, mode, population) -> np.ndarray:
    d = Y.shape[1]
    if method == "classical":
        return np.zeros(d)
    if method == "ppi":
        return np.ones(d)
    if lambda_ is not None:
        return np.full(d, check_lambda(lambda_))
    if population == "pool":
        return pool_lambda(Y, F, mode)
    return tuned_lambda(Y, F, Fu, w, wu, mode)


def estimate(
    Y,
    F,
    Fu,
    w,
    wu,
    *,
    method,
    lambda_,
    mode,
    confidence_level,
    alternative,
    targets,
    population="superpopulation",
    pool_size=None,
) -> list[InferenceResult]:
    """Results per dimension; ``population="pool"`` gives the finite-pool estimate of ``_pool``
    over ``pool_size`` rows (``n + N`` unless given, as classical estimates must)."""
    n, N = Y.shape[0], Fu.shape[0]
    lam = _lambda_for(method, lambda_, Y, F, Fu, w, wu, mode, population)
    if population == "pool":
        return pool_results(
            Y,
            F,
            Fu,
            lam,
            pool_size=n + N if pool_size is None else pool_size,
            method=method,
            confidence_level=confidence_level,
            alternative=alternative,
            targets=targets,
        )
    theta, se = rectified_mean(Y, F, Fu, lam, w, wu)
    ess = effective_sizes(n, classical_stderr(Y, w), se)
    return build_results(
        theta,
        se,
        lam,
        ess,
        n=n,
        N=N if method != "classical" else 0,
        method=method,
        confidence_level=confidence_level,
        alternative=alternative,
        targets=targets,
    )
