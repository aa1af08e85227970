"""Prediction-powered M-estimation: the rectified loss, its Newton solver, the sandwich variance and
the PPI++ power tuning, shared by the OLS, logistic and Poisson regressions (and, for ``lambda``
and the effective sample size, by the quantiles).

A generalised linear model with canonical link has per-row loss ``b(x'theta) - t x'theta`` (``b``
the cumulant: ``eta**2 / 2``, ``log(1 + exp(eta))`` or ``exp(eta)``) and gradient
``x (mu(x'theta) - t)``. The prediction-powered estimate minimises the rectified loss

    L_lambda(theta) = lambda * mean_u w_u l(X_u, f_u) + mean_l w (l(X, Y) - lambda * l(X, f)),

(Angelopoulos et al. 2023; Angelopoulos, Duchi & Zrnic 2023), convex for ``lambda`` in [0, 1].
Its covariance is estimated by the sandwich ``H^-1 (Cov1(G - lambda G_hat) + n/N Cov1(lambda
G_hat_u)) H^-1 / n``, with ``G``, ``G_hat`` and ``G_hat_u`` the weighted per-row gradients at the
estimate with labels, labelled predictions and unlabelled predictions, and ``H`` the Hessian
averaged over all ``n + N`` rows (the labelled rows only when ``lambda = 0``): the numbers of
ppi_py (``np.cov``, ``ddof=1``). The tuned ``lambda`` minimises the trace of that covariance with
``Var(G_hat)`` and ``Var(G_hat_u)`` pooled, clipped to [0, 1]; it is estimated at the PPI
(``lambda = 1``) pilot, then once more at the resulting estimate, as ppi_py's ``*_ci`` do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["FAMILIES", "GLMData", "MFit", "fit_rectified", "tuned_glm_lambda"]


@dataclass(frozen=True)
class Family:
    """Canonical-link GLM: cumulant ``b``, mean ``mu = b'`` and its derivative ``b''``."""

    name: str
    cumulant: Callable[[np.ndarray], np.ndarray]
    mean: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]


def _logistic_slope(eta: np.ndarray) -> np.ndarray:
    mu = expit(eta)
    return mu * (1.0 - mu)


FAMILIES = {
    "ols": Family("ols", lambda e: 0.5 * e**2, lambda e: e, np.ones_like),
    "logistic": Family("logistic", lambda e: np.logaddexp(0.0, e), expit, _logistic_slope),
    "poisson": Family("poisson", np.exp, np.exp, np.exp),
}


@dataclass(frozen=True)
class GLMData:
    """Validated inputs: labelled ``X, y, f`` and unlabelled ``Xu, fu``; weights of mean one."""

    X: np.ndarray
    y: np.ndarray
    f: np.ndarray
    Xu: np.ndarray
    fu: np.ndarray
    w: np.ndarray
    wu: np.ndarray


@dataclass(frozen=True)
class MFit:
    """Estimate, its covariance, the classical covariance (same ``H``) and ``lambda``."""

    theta: np.ndarray
    covariance: np.ndarray
    classical_covariance: np.ndarray
    lambda_: float


def _solve(H: np.ndarray, g: np.ndarray, what: str) -> np.ndarray:
    try:
        return np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"{what} has collinear (or constant zero) columns: the coefficients are not "
            "identified; drop redundant columns."
        ) from None


def solve_rectified(family: Family, data: GLMData, lam: float, max_iter: int = 100) -> np.ndarray:
    """Minimise ``L_lambda`` by Newton's method with backtracking (one exact step for OLS).

    The loss is written as ``sum_r a_r b(x_r'theta) - c_r x_r'theta`` over the labelled rows
    (``a = (1 - lambda) w / n``, ``c = w (y - lambda f) / n``) and, if ``lambda != 0``, the
    unlabelled ones (``a = c / f_u = lambda w_u / N``).
    """
    n, N = len(data.y), len(data.fu)
    Xs, a, c = [data.X], [(1.0 - lam) * data.w / n], [data.w * (data.y - lam * data.f) / n]
    if lam != 0.0:
        Xs.append(data.Xu)
        a.append(lam * data.wu / N)
        c.append(lam * data.wu * data.fu / N)
    X, a, c = np.concatenate(Xs), np.concatenate(a), np.concatenate(c)

    def loss(theta: np.ndarray) -> float:
        eta = X @ theta
        with np.errstate(over="ignore"):
            return float(a @ family.cumulant(eta) - c @ eta)

    theta = np.zeros(X.shape[1])
    what = "X_labeled" if lam != 1.0 else "X_unlabeled"
    current = loss(theta)
    for _ in range(max_iter):
        eta = X @ theta
        grad = X.T @ (a * family.mean(eta) - c)
        step = _solve((X * (a * family.slope(eta))[:, None]).T @ X, grad, what)
        if family.name == "ols":
            return theta - step
        t = 1.0
        while True:  # Armijo backtracking: the loss is convex, so a short enough step descends
            candidate = theta - t * step
            new = loss(candidate)
            if new <= current - 1e-4 * t * (grad @ step) or t < 1e-10:
                break
            t *= 0.5
        theta, current = candidate, new
        if np.max(np.abs(t * step)) <= 1e-12 * (1.0 + np.max(np.abs(theta))):
            return theta
    raise ValueError(
        f"the {family.name} fit did not converge in {max_iter} Newton steps; are the classes "
        "perfectly separated by X_labeled (logistic), or the counts extreme (Poisson)?"
    )


def gradients(family: Family, data: GLMData, theta: np.ndarray, use_unlabeled: bool):
    """Per-row gradients ``G``, ``G_hat``, ``G_hat_u`` at ``theta`` and the inverse Hessian."""
    n, N = len(data.y), len(data.fu)
    eta, eta_u = data.X @ theta, data.Xu @ theta
    mu, mu_u = family.mean(eta), family.mean(eta_u)
    G = data.X * (data.w * (mu - data.y))[:, None]
    G_hat = data.X * (data.w * (mu - data.f))[:, None]
    G_hat_u = data.Xu * (data.wu * (mu_u - data.fu))[:, None]
    H = (data.X * (data.w * family.slope(eta))[:, None]).T @ data.X
    if use_unlabeled:
        H = (H + (data.Xu * (data.wu * family.slope(eta_u))[:, None]).T @ data.Xu) / (n + N)
    else:
        H = H / n
    H_inv = _solve(H, np.eye(len(theta)), "X_labeled")
    return G, G_hat, G_hat_u, H_inv


def _cov1(G: np.ndarray) -> np.ndarray:
    """Covariance of the rows of ``G`` (``ddof=1``), always 2-D."""
    return np.atleast_2d(np.cov(G, rowvar=False))


def tuned_glm_lambda(
    G: np.ndarray, G_hat: np.ndarray, G_hat_u: np.ndarray, H_inv: np.ndarray
) -> float:
    """PPI++ ``lambda`` minimising the trace of the sandwich covariance, clipped to [0, 1].

    ``tr(H^-1 C H^-1) / (2 (1 + n/N) tr(H^-1 V H^-1))`` with ``C`` the symmetrised cross-covariance
    of ``G`` and ``G_hat`` (``ddof=0``, times two) and ``V`` the covariance of ``G_hat`` and
    ``G_hat_u`` pooled (``ddof=1``). No information in the predictions gives ``lambda = 0``.
    """
    n, N = len(G), len(G_hat_u)
    Gc, Fc = G - G.mean(axis=0), G_hat - G_hat.mean(axis=0)
    C = (Gc.T @ Fc + Fc.T @ Gc) / n
    V = _cov1(np.concatenate([G_hat, G_hat_u]))
    num = float(np.sum((H_inv @ C) * H_inv))  # tr(H^-1 C H^-1), H^-1 symmetric
    den = 2.0 * (1.0 + n / N) * float(np.sum((H_inv @ V) * H_inv))
    if not den > 1e-300:
        return 0.0
    return float(np.clip(num / den, 0.0, 1.0))


def fit_rectified(family_name: str, data: GLMData, lambda_: float | None) -> MFit:
    """Estimate with a fixed ``lambda_`` (0 is classical, 1 PPI) or, if None, the tuned one."""
    family = FAMILIES[family_name]
    if lambda_ is None:  # PPI++: pilot at lambda = 1, then two tuning steps
        theta = solve_rectified(family, data, 1.0)
        for _ in range(2):
            lam = tuned_glm_lambda(*gradients(family, data, theta, use_unlabeled=True))
            theta = solve_rectified(family, data, lam)
    else:
        lam = float(lambda_)
        theta = solve_rectified(family, data, lam)
    n, N = len(data.y), len(data.fu)
    G, G_hat, G_hat_u, H_inv = gradients(family, data, theta, use_unlabeled=lam != 0.0)
    inner = _cov1(G - lam * G_hat)
    if lam != 0.0:
        inner = inner + (n / N) * _cov1(lam * G_hat_u)
    covariance = H_inv @ inner @ H_inv / n
    classical = covariance if lam == 0.0 else H_inv @ _cov1(G) @ H_inv / n
    return MFit(theta, covariance, classical, lam)
