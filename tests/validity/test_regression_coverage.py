"""Coverage of the PPI++, PPI and cross-PPI regressions and quantiles over seeded replications.

Every coefficient's 95 % interval must cover the population value in a share of the
replications within 3.5 binomial standard errors of 0.95 (``3.5 * sqrt(0.95 * 0.05 / R)``: 2.4
points at R = 1,000, 1.7 at R = 2,000; a calibrated interval fails one such check with
probability 5e-4). The labels depend on the regression covariate ``x`` and on a covariate ``z``
that only the models see, as the text does for an LLM; the fixed "trained elsewhere" models are
biased and nonlinear in ``x`` (the case where ppi_py's OLS intervals are off, see
tests/inference/test_regression_vs_ppi_py.py). The cross-fit models are K-fold least-squares fits
on ``(1, x, z, x**2)``, clipped to the valid range of the predictions.

The data of all replications are drawn at once; each replication then calls the public function.
"""

import math

import numpy as np
import pytest
from scipy.special import expit

from sklearn_llmrect.inference import (
    crossfit_ppi_logistic,
    crossfit_ppi_ols,
    crossfit_ppi_poisson,
    crossfit_ppi_quantile,
    ppi_logistic,
    ppi_ols,
    ppi_poisson,
    ppi_quantile,
)

n, N, K, LEVEL = 300, 1500, 5, 0.95
SQRT3 = math.sqrt(3.0)


def tolerance(R: int) -> float:
    return 3.5 * math.sqrt(LEVEL * (1 - LEVEL) / R)


def features(x, z):
    return np.stack([np.ones_like(x), x, z, x**2], axis=-1)


def crossfit(x, z, y, xu, zu, lo=-np.inf, hi=np.inf):
    """K-fold least squares on ``features`` per replication: out-of-fold and per-fold output."""
    P, Pu = features(x, z), features(xu, zu)
    folds = np.arange(x.shape[1]) % K
    oof, per_fold = np.empty_like(y), np.empty(xu.shape + (K,))
    for k in range(K):
        train = folds != k
        A = np.einsum("rni,rnj->rij", P[:, train], P[:, train])
        b = np.einsum("rni,rn->ri", P[:, train], y[:, train])
        beta = np.linalg.solve(A, b[..., None])[..., 0]
        oof[:, ~train] = np.einsum("rni,ri->rn", P[:, ~train], beta)
        per_fold[..., k] = np.einsum("rni,ri->rn", Pu, beta)
    return np.clip(oof, lo, hi), np.clip(per_fold, lo, hi)


def draw(seed, R, response):
    """Covariates, labels, fixed-model and cross-fit predictions of R replications."""
    rng = np.random.default_rng(seed)
    x, xu = (rng.uniform(-SQRT3, SQRT3, size=(R, m)) for m in (n, N))  # mean 0, variance 1
    z, zu = (rng.normal(size=(R, m)) for m in (n, N))
    if response == "ols":
        y = 1 + 2 * x + z + rng.normal(size=(R, n)) * (0.5 + 0.5 * np.abs(x))
        model = lambda a, b: 0.8 + 1.6 * a + 0.8 * b + 0.3 * a**2  # noqa: E731
        bounds = (-np.inf, np.inf)
    elif response == "logistic":
        y = (rng.random((R, n)) < expit(-0.5 + x + 1.5 * z)).astype(float)
        model = lambda a, b: expit(-0.3 + 0.8 * a + 1.2 * b)  # noqa: E731
        bounds = (0.0, 1.0)
    else:
        y = rng.poisson(np.exp(0.3 + 0.5 * x + 0.5 * z)).astype(float)
        model = lambda a, b: np.exp(0.2 + 0.4 * a + 0.45 * b)  # noqa: E731
        bounds = (0.0, np.inf)
    oof, per_fold = crossfit(x, z, y, xu, zu, *bounds)
    X, Xu = np.stack([np.ones_like(x), x], -1), np.stack([np.ones_like(xu), xu], -1)
    return dict(X=X, y=y, f=model(x, z), Xu=Xu, fu=model(xu, zu), oof=oof, per_fold=per_fold)


def logistic_truth() -> np.ndarray:
    """Population logistic coefficients of y on (1, x): Gauss-Legendre (x) and -Hermite (z)."""
    x_nodes, x_weights = np.polynomial.legendre.leggauss(101)
    z_nodes, z_weights = np.polynomial.hermite_e.hermegauss(101)
    x, z = (a.ravel() for a in np.meshgrid(SQRT3 * x_nodes, z_nodes, indexing="ij"))
    w = np.outer(x_weights / x_weights.sum(), z_weights / z_weights.sum()).ravel()
    p, X, theta = expit(-0.5 + x + 1.5 * z), np.column_stack([np.ones_like(x), x]), np.zeros(2)
    for _ in range(50):
        mu = expit(X @ theta)
        theta -= np.linalg.solve((X * (w * mu * (1 - mu))[:, None]).T @ X, X.T @ (w * (mu - p)))
    return theta


TRUTH = {
    "ols": np.array([1.0, 2.0]),
    "logistic": logistic_truth(),
    "poisson": np.array([0.3 + 0.5**2 / 2, 0.5]),  # E[exp(0.5 z)] = exp(0.125)
    "quantile": np.array([1.0]),  # the median: y - 1 is symmetric about zero
}
FIT = {
    "ols": (ppi_ols, crossfit_ppi_ols),
    "logistic": (ppi_logistic, crossfit_ppi_logistic),
    "poisson": (ppi_poisson, crossfit_ppi_poisson),
}
CASES = [  # (response, estimator, replications)
    ("ols", "ppi++", 4000),
    ("ols", "ppi", 4000),
    ("ols", "cross-ppi", 4000),
    ("logistic", "ppi++", 2000),
    ("logistic", "cross-ppi", 2000),
    ("poisson", "ppi++", 2000),
    ("poisson", "cross-ppi", 2000),
    ("quantile", "ppi++", 2000),
    ("quantile", "cross-ppi", 2000),
]


@pytest.fixture(scope="module")
def data():
    draws = {}
    for response in ("ols", "logistic", "poisson"):
        R = max(r for resp, _, r in CASES if resp == response)
        draws[response] = draw({"ols": 1, "logistic": 2, "poisson": 3}[response], R, response)
    draws["quantile"] = draws["ols"]
    return draws


def _interval(response, estimator, d, r):
    if response == "quantile":
        if estimator == "cross-ppi":
            result = crossfit_ppi_quantile(d["y"][r], d["oof"][r], d["per_fold"][r], 0.5)
        else:
            result = ppi_quantile(d["y"][r], d["f"][r], d["fu"][r], 0.5, method=estimator)
        return result.confidence_interval
    ppi, cross = FIT[response]
    if estimator == "cross-ppi":
        result = cross(d["X"][r], d["y"][r], d["oof"][r], d["Xu"][r], d["per_fold"][r])
    else:
        result = ppi(d["X"][r], d["y"][r], d["f"][r], d["Xu"][r], d["fu"][r], method=estimator)
    return result.confidence_interval


@pytest.mark.parametrize("response, estimator, R", CASES)
def test_every_coefficient_covers_at_the_nominal_rate(data, response, estimator, R):
    truth = TRUTH[response]
    covered = np.zeros(len(truth))
    for r in range(R):
        ci = _interval(response, estimator, data[response], r)
        covered += (ci[:, 0] <= truth) & (truth <= ci[:, 1])
    coverage = covered / R
    assert np.abs(coverage - LEVEL).max() <= tolerance(R), (response, estimator, coverage)


def test_logistic_truth_is_the_population_fit():
    """The Gauss-Hermite coefficients agree with a fit on a million draws (to its noise)."""
    rng = np.random.default_rng(0)
    x, z = rng.uniform(-SQRT3, SQRT3, 1_000_000), rng.normal(size=1_000_000)
    y = rng.random(x.size) < expit(-0.5 + x + 1.5 * z)
    X, theta = np.column_stack([np.ones_like(x), x]), np.zeros(2)
    for _ in range(30):
        mu = expit(X @ theta)
        theta -= np.linalg.solve((X * (mu * (1 - mu))[:, None]).T @ X, X.T @ (mu - y))
    assert np.abs(theta - TRUTH["logistic"]).max() < 0.01
