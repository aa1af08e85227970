"""Coverage of classical, PPI, PPI++, cross-PPI and power-tuned cross-PPI intervals over 2,000
seeded replications.

The replications are the columns of one array: the statistics core treats each column as its own
estimand (``lambda`` tuned per column), so a whole Monte Carlo study is a handful of vectorised
numpy calls. ``test_batched_core_equals_the_public_functions`` checks that a column gives exactly
what the public function gives for that replication.

Each empirical coverage must lie within 3.5 binomial standard errors of nominal
(``3.5 * sqrt(p (1 - p) / R)``, 1.7 points at 95 % with R = 2,000).
"""

import math

import numpy as np
import pytest

from sklearn_llmrect.inference import classical_mean, crossfit_ppi_mean, ppi_mean
from sklearn_llmrect.inference._core import classical_stderr, rectified_mean, tuned_lambda
from sklearn_llmrect.inference._result import wald_interval

R, n, N, K = 2000, 200, 1000, 5
THETA = 1.0  # E[Y] for Y = 1 + 2 X + noise, X ~ N(0, 1)


def tolerance(level):
    return 3.5 * math.sqrt(level * (1 - level) / R)


def model(x):
    """A fixed, biased and imperfect predictor 'trained elsewhere' (E f(X) = 1.5, not 1)."""
    return 1.3 + 1.5 * x + 0.2 * x**2


def ols_crossfit(x, y, x_unl):
    """K-fold simple OLS per replication: out-of-fold predictions and the K models' average."""
    folds = np.arange(x.shape[0]) % K
    oof = np.empty_like(y)
    unl = np.zeros_like(x_unl)
    for k in range(K):
        train = folds != k
        xm, ym = x[train].mean(axis=0), y[train].mean(axis=0)
        xc = x[train] - xm
        slope = (xc * (y[train] - ym)).sum(axis=0) / (xc**2).sum(axis=0)
        oof[~train] = ym + slope * (x[~train] - xm)
        unl += (ym + slope * (x_unl - xm)) / K
    return oof, unl


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(20261121)
    x, x_unl = rng.normal(size=(n, R)), rng.normal(size=(N, R))
    y = 1.0 + 2.0 * x + rng.normal(size=(n, R))
    oof, oof_unl = ols_crossfit(x, y, x_unl)
    return {"y": y, "f": model(x), "fu": model(x_unl), "oof": oof, "oof_unl": oof_unl}


def batched(method, y, f, fu, w=None):
    """Estimates and standard errors of every replication (column) at once."""
    if method == "classical":
        theta = y.mean(axis=0) if w is None else (w * y).mean(axis=0)
        return theta, classical_stderr(y, w)
    if method in ("ppi++", "cross-ppi++"):
        lam = tuned_lambda(y, f, fu, w, None, "element")
    else:  # "ppi" and cross-PPI
        lam = np.ones(y.shape[1])
    return rectified_mean(y, f, fu, lam, w, None)


def coverage(theta, se, level, alternative, truth=THETA):
    lo, hi = wald_interval(theta, se, level, alternative)
    return np.mean((lo <= truth) & (truth <= hi))


def _inputs(draws, method):
    if method.startswith("cross"):
        return draws["y"], draws["oof"], draws["oof_unl"]
    return draws["y"], draws["f"], draws["fu"]


METHODS = ["classical", "ppi", "ppi++", "cross-ppi", "cross-ppi++"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "level, alternative",
    [(0.95, "two-sided"), (0.9, "two-sided"), (0.95, "larger"), (0.95, "smaller")],
)
def test_coverage_is_nominal(draws, method, level, alternative):
    theta, se = batched(method, *_inputs(draws, method))
    assert abs(coverage(theta, se, level, alternative) - level) <= tolerance(level)


def test_prediction_power_narrows_the_interval(draws):
    widths = {}
    for method in METHODS:
        _, se = batched(method, *_inputs(draws, method))
        widths[method] = se.mean()
    # the biased fixed model and the OLS fold models both explain most of the label's variance
    assert widths["ppi++"] <= widths["ppi"] * 1.01  # lambda is clipped at 1 for most draws
    assert widths["ppi"] < 0.75 * widths["classical"]
    assert widths["cross-ppi"] < 0.75 * widths["classical"]
    assert widths["cross-ppi++"] <= widths["cross-ppi"] * 1.01


def test_ppi_plus_plus_with_a_useless_predictor_is_valid_and_no_wider(draws):
    rng = np.random.default_rng(1)
    y = draws["y"]
    noise, noise_unl = rng.normal(size=(n, R)), rng.normal(size=(N, R))
    theta, se = batched("ppi++", y, noise, noise_unl)
    assert abs(coverage(theta, se, 0.95, "two-sided") - 0.95) <= tolerance(0.95)
    _, se_classical = batched("classical", y, None, None)
    assert se.mean() <= 1.01 * se_classical.mean()
    _, se_ppi = batched("ppi", y, noise, noise_unl)  # plain PPI pays for the noise
    assert se_ppi.mean() > 1.05 * se_classical.mean()


def test_power_tuned_cross_fit_with_a_useless_feature_is_valid_and_no_wider(draws):
    """Fold models fitted on a feature unrelated to the label: the out-of-fold predictions are
    noise, tuning sends lambda to about 0, and the interval stays valid and near classical."""
    rng = np.random.default_rng(3)
    y = draws["y"]
    oof, oof_unl = ols_crossfit(rng.normal(size=(n, R)), y, rng.normal(size=(N, R)))
    theta, se = batched("cross-ppi++", y, oof, oof_unl)
    assert abs(coverage(theta, se, 0.95, "two-sided") - 0.95) <= tolerance(0.95)
    _, se_classical = batched("classical", y, None, None)
    assert se.mean() <= 1.02 * se_classical.mean()
    _, se_plain = batched("cross-ppi", y, oof, oof_unl)
    assert se_plain.mean() > se.mean()


def test_weighted_design_coverage_and_ppi_py_formula():
    """Labels over-sampled from one stratum and re-weighted to the population.

    Population: P(S = 1) = 0.3; labelled rows drawn with P(S = 1) = 0.6 and weighted by
    p / q; unlabelled rows drawn from the population. Our centred (sandwich) standard error
    covers at the nominal rate; ppi_py's uncentred one, Var(w (Y - lam f)) + Var(lam f_u)
    (equal to ppi_py's output, see tests/inference/test_ppi_vs_ppi_py.py), is inflated by the
    spread of the weights times the level of Y: about 30 % wider here, and it over-covers.
    """
    rng = np.random.default_rng(7)
    strata = rng.random((n, R)) < 0.6
    strata_unl = rng.random((N, R)) < 0.3

    def label(s, shape):
        return np.where(s, rng.normal(12.0, 2.0, shape), rng.normal(10.0, 1.0, shape))

    y, y_unl = label(strata, (n, R)), label(strata_unl, (N, R))
    f = 0.5 * y + 0.5 * (10 + 2 * strata) + rng.normal(0, 0.5, (n, R))
    fu = 0.5 * y_unl + 0.5 * (10 + 2 * strata_unl) + rng.normal(0, 0.5, (N, R))
    w = np.where(strata, 0.3 / 0.6, 0.7 / 0.4)
    w = w / w.mean(axis=0)
    truth = 0.7 * 10.0 + 0.3 * 12.0
    for method in ("classical", "ppi", "ppi++"):
        theta, se = batched(method, y, f, fu, w)
        assert abs(coverage(theta, se, 0.95, "two-sided", truth) - 0.95) <= tolerance(0.95)
    lam = tuned_lambda(y, f, fu, w, None, "element")
    theta, _ = rectified_mean(y, f, fu, lam, w, None)
    se_ppi_py = np.sqrt(np.var(w * (y - lam * f), axis=0) / n + np.var(lam * fu, axis=0) / N)
    assert coverage(theta, se_ppi_py, 0.95, "two-sided", truth) > 0.95 + tolerance(0.95)
    _, se_ours = batched("ppi++", y, f, fu, w)
    assert se_ppi_py.mean() > 1.2 * se_ours.mean()
    unweighted, _ = batched("classical", y, None, None)  # ignoring the design is biased
    assert unweighted.mean() == pytest.approx(0.4 * 10.0 + 0.6 * 12.0, abs=0.02)


def test_batched_core_equals_the_public_functions(draws):
    for r in range(3):
        y, f, fu = draws["y"][:, r], draws["f"][:, r], draws["fu"][:, r]
        for method, public in (
            ("classical", classical_mean(y)),
            ("ppi", ppi_mean(y, f, fu, method="ppi")),
            ("ppi++", ppi_mean(y, f, fu)),
            ("cross-ppi", crossfit_ppi_mean(y, draws["oof"][:, r], draws["oof_unl"][:, r])),
            (
                "cross-ppi++",
                crossfit_ppi_mean(y, draws["oof"][:, r], draws["oof_unl"][:, r], method="ppi++"),
            ),
        ):
            theta, se = batched(method, *_inputs(draws, method))
            assert (theta[r], se[r]) == pytest.approx((public.estimate, public.stderr), rel=1e-12)
