"""Classical, PPI, PPI++ and cross-PPI quantiles, by inverting a z-test of the rectified CDF.

The q-quantile ``theta`` solves ``F(theta) = q``. The rectified CDF at ``t`` is

    F_lambda(t) = lambda * mean_u(w_u m_u(t)) + mean_l(w (1{Y <= t} - lambda 1{f <= t})),

``m_u(t) = 1{f_u <= t}`` (or, for cross-PPI, the share of the K fold models with ``f_k <= t``).
The interval is the hull of the grid points ``t`` where the test of ``F(t) = q`` does not reject,
with standard error ``sqrt(Var0(w ((1{Y<=t} - q) - lambda (1{f<=t} - q))) / n + lambda**2
Var0(w_u (m_u(t) - q)) / N)`` (the M-estimation sandwich of the gradient ``1{Y <= t} - q``;
the density cancels from the test). The point estimate is the grid point where ``|F_lambda -
q|`` is smallest. The grid is ppi_py's: 5,000 equally spaced points over the range of all labels
and predictions, or (``exact_grid=True``) the sorted values themselves. Unweighted, ``lambda = 1``
and one model, this is ppi_py's ``ppi_quantile_ci`` exactly; the CDFs are computed from sorted
cumulative sums, so memory grows with ``n + N``, not with ``(n + N) x grid``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ._mestimation import tuned_glm_lambda
from ._regression_result import RegressionResult, effective_sizes

__all__ = ["estimate_quantile"]


class _CumulativeSums:
    """Sums of weight columns over the values ``<= t``, for any points ``t``."""

    def __init__(self, values: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(values, kind="stable")
        self.values = values[order]
        self.sums = np.concatenate([np.zeros((1, weights.shape[1])), np.cumsum(weights[order], 0)])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.sums[np.searchsorted(self.values, t, side="right")]


class _RectifiedCDF:
    """Everything the test of ``F(t) = q`` needs, precomputed once for all ``t``, q and lambda."""

    def __init__(self, Y, F, Fu, w, wu) -> None:
        self.n, (self.N, self.K) = len(Y), Fu.shape
        w2, wu2 = np.column_stack([w, w**2]), np.column_stack([wu, wu**2])
        self.y, self.f = _CumulativeSums(Y, w2), _CumulativeSums(F, w2)
        self.yf = _CumulativeSums(np.maximum(Y, F), w2[:, 1:])
        self.u = [_CumulativeSums(Fu[:, k], wu2) for k in range(self.K)]
        self.uu = {
            (k, m): _CumulativeSums(np.maximum(Fu[:, k], Fu[:, m]), wu2[:, 1:])
            for k in range(self.K)
            for m in range(k + 1, self.K)
        }
        self.mean_w, self.mean_w2 = w.mean(), (w**2).mean()
        self.mean_wu, self.mean_wu2 = wu.mean(), (wu**2).mean()

    def test(self, t: np.ndarray, q: float, lam: float):
        """``F_lambda(t) - q``, its standard error and the classical variance, at each ``t``."""
        n, N, K = self.n, self.N, self.K
        (a, a2), (b, b2), ab2 = self.y(t).T, self.f(t).T, self.yf(t)[:, 0]
        u_sums = [s(t) for s in self.u]
        u = sum(s[:, 0] for s in u_sums) / (K * N)  # mean_u(w_u m_u)
        u2 = sum(s[:, 1] for s in u_sums)  # sum_u w_u^2 m_u, times K
        uu2 = u2 + 2.0 * sum((s(t)[:, 0] for s in self.uu.values()), np.zeros(len(t)))
        statistic = (lam * u + (a - lam * b) / n) - q
        # labelled: Var0(w ((1{Y<=t} - q) - lam (1{f<=t} - q)))
        first = (a - lam * b) / n - (1.0 - lam) * q * self.mean_w
        square = (a2 + lam**2 * b2 - 2.0 * lam * ab2 - 2.0 * (1.0 - lam) * q * (a2 - lam * b2)) / n
        var_l = square + (1.0 - lam) ** 2 * q**2 * self.mean_w2 - first**2
        # unlabelled: lam^2 Var0(w_u (m_u - q)), m_u^2 = mean over model pairs of 1{max <= t}
        square_u = uu2 / (K**2 * N) - 2.0 * q * u2 / (K * N) + q**2 * self.mean_wu2
        var_u = lam**2 * (square_u - (u - q * self.mean_wu) ** 2)
        se = np.maximum(np.sqrt(np.clip(var_l, 0, None) / n + np.clip(var_u, 0, None) / N), 1e-16)
        # classical: Var0(w (1{Y <= t} - q)) / n
        classical = a2 * (1.0 - 2.0 * q) / n + q**2 * self.mean_w2 - (a / n - q * self.mean_w) ** 2
        classical = classical / n
        return statistic, se, classical

    def gradients(self, t: float, q: float, Y, F, Fu, w, wu):
        """Per-row gradients ``w (1{. <= t} - q)`` for the PPI++ ``lambda``."""
        m = (Fu <= t).mean(axis=1)
        return ((w * ((Y <= t) - q))[:, None], (w * ((F <= t) - q))[:, None],
                (wu * (m - q))[:, None])  # fmt: skip


def _grid(Y, F, Fu, exact_grid: bool) -> np.ndarray:
    values = np.concatenate([Y, F, Fu.ravel()])
    return np.sort(values) if exact_grid else np.linspace(values.min(), values.max(), 5000)


def estimate_quantile(Y, F, Fu, w, wu, q, lambda_, level, exact_grid, method) -> RegressionResult:
    """Quantile ``q`` with a fixed ``lambda_`` or, if None, the PPI++ one (two tuning steps)."""
    cdf, grid = _RectifiedCDF(Y, F, Fu, w, wu), _grid(Y, F, Fu, exact_grid)

    def solve(lam: float) -> tuple[int, np.ndarray]:
        statistic, se, _ = cdf.test(grid, q, lam)
        return int(np.argmin(np.abs(statistic))), statistic / se

    lam = lambda_
    if lam is None:  # PPI++: pilot at lambda = 1, then tuned twice, as for the regressions
        lam = 1.0
        for _ in range(2):
            best, _ = solve(lam)
            lam = tuned_glm_lambda(*cdf.gradients(grid[best], q, Y, F, Fu, w, wu), np.eye(1))
    best, z_values = solve(lam)
    accepted = grid[2.0 * ndtr(-np.abs(z_values)) > 1.0 - level]
    lo, hi = (accepted[0], accepted[-1]) if accepted.size else (grid[best], grid[best])
    (stat0,), (se0,), _ = cdf.test(np.zeros(1), q, lam)  # the test of "quantile == 0"
    _, (se_hat,), (classical,) = cdf.test(grid[best : best + 1], q, lam)
    n = len(Y)
    return RegressionResult(
        coefficients=[grid[best]],
        standard_errors=[(hi - lo) / (2.0 * ndtri(1.0 - (1.0 - level) / 2.0))],
        confidence_interval=[[lo, hi]],
        p_values=[2.0 * ndtr(-abs(stat0 / se0))],
        lambda_=float(lam),
        n_labeled=n,
        n_unlabeled=Fu.shape[0],
        effective_sample_size=effective_sizes(n, [classical], [se_hat**2]),
        feature_names=(f"q={q:g}",),
        method=method,
        confidence_level=level,
        model="quantile",
    )
