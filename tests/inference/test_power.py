"""Effective sample size and label planning for PPI++ means."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_llmrect.inference import effective_sample_size, required_labels


def test_effective_sample_size_formula():
    assert effective_sample_size(100, 0.0) == 100.0
    assert effective_sample_size(100, 0.0, n_unlabeled=1000) == 100.0
    assert effective_sample_size(100, 0.8) == pytest.approx(100 / 0.36)
    assert effective_sample_size(100, -0.8, n_unlabeled=1500) == pytest.approx(250.0)
    assert effective_sample_size(100, 0.8, n_unlabeled=900) == pytest.approx(1e5 / 424)
    assert effective_sample_size(100, 1.0) == math.inf
    assert effective_sample_size(100, 1.0, n_unlabeled=100) == pytest.approx(200.0)
    assert effective_sample_size(100, 0.5, n_unlabeled=0) == 100.0


@pytest.mark.parametrize("budget, cost_yhat", [(500, 0.01), (2000, 0.1), (300, 0.001)])
@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_effective_sample_size_matches_ppi_py_power_analysis(ppi_py, budget, cost_yhat, rho):
    """ppi_py.ppi_power reports effective_n = round(n (n + N) / (n + (1 - rho^2) N))."""
    plan = ppi_py.ppi_power(rho, cost_X=0.0, cost_Y=1.0, cost_Yhat=cost_yhat, budget=budget)
    ours = effective_sample_size(plan["n"], rho, n_unlabeled=plan["N"])
    assert round(ours) == plan["effective_n"]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 10_000),
    N=st.integers(0, 10**6),
    rho=st.floats(-0.99, 0.99),
)
def test_effective_sample_size_properties(n, N, rho):
    ess = effective_sample_size(n, rho, n_unlabeled=N)
    assert n * (1 - 1e-12) <= ess <= n / (1 - rho**2) * (1 + 1e-12)
    assert ess <= n + N + 1e-9 * n  # never worth more than labelling every row
    assert effective_sample_size(n, rho, n_unlabeled=N + 1000) >= ess * (1 - 1e-12)


def _planned_half_width(m, rho, N, std_y=1.3, z=1.959963984540054):
    share = 1.0 if N == math.inf else N / (m + N)
    return z * std_y * math.sqrt((1 - rho**2 * share) / m)


def test_required_labels_inverts_the_variance():
    for rho in (0.0, 0.5, 0.9):
        for N in (math.inf, 1000, 20000):
            n = required_labels(0.05, std_y=1.3, correlation=rho, n_unlabeled=N)
            assert _planned_half_width(n, rho, N) <= 0.05 < _planned_half_width(n - 1, rho, N)


def test_required_labels_examples_and_validation():
    assert required_labels(0.1, std_y=1.0) == 385
    assert required_labels(0.1, std_y=1.0, alternative="larger") == math.ceil(
        (1.6448536269514722 / 0.1) ** 2
    )
    assert required_labels(10.0, std_y=1.0) == 2
    with pytest.raises(ValueError, match="half_width"):
        required_labels(0.0, std_y=1.0)
    with pytest.raises(ValueError, match="std_y"):
        required_labels(0.1, std_y=-1.0)
    with pytest.raises(ValueError, match="correlation must lie in"):
        required_labels(0.1, std_y=1.0, correlation=1.5)
    with pytest.raises(ValueError, match="n_labeled must be"):
        effective_sample_size(0, 0.5)
    with pytest.raises(TypeError, match="correlation must be a number"):
        effective_sample_size(10, None)
    with pytest.raises(ValueError, match="confidence_level"):
        required_labels(0.1, std_y=1.0, confidence_level=1.0)


def test_planned_labels_give_the_width_in_simulation():
    """Labels planned for a half-width of 0.1 give about that half-width with PPI++."""
    from sklearn_llmrect.inference import ppi_mean

    rho, N = 0.8, 20_000
    n = required_labels(0.1, std_y=1.0, correlation=rho, n_unlabeled=N)
    rng = np.random.default_rng(0)
    widths = []
    for _ in range(20):
        y, y_unl = rng.normal(size=n), rng.normal(size=N)
        noise = math.sqrt(1 - rho**2) / rho
        yhat = y + noise * rng.normal(size=n)
        yhat_unl = y_unl + noise * rng.normal(size=N)
        widths.append(ppi_mean(y, yhat, yhat_unl).width / 2)
    assert np.mean(widths) == pytest.approx(0.1, rel=0.05)
