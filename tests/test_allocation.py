"""ScalingLaw: fitting the fine-tuning scaling law and the paper's optimal allocation.

Numbers and properties are from Wang, Ye & Zhao, arXiv 2511.19486 (research note
ft-then-rectify.md): Theorem 1 (eq. 4), Propositions 1 and 3, Example 3, Table EC.1, and the
revision's fitted law.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklearn_llmrect.rectify.allocation import ScalingLaw

PAPER = {"a": 10.21, "alpha": 0.21, "b": 1.98}  # Wine Reviews fit, section 6.2


def law(a=PAPER["a"], alpha=PAPER["alpha"], b=PAPER["b"], var_y=None):
    return ScalingLaw.from_params(a=a, alpha=alpha, b=b, var_y=var_y)


# ----------------------------------------------------------------------------------------------
# Theorem 1 and the paper's numbers
# ----------------------------------------------------------------------------------------------


def test_paper_split_at_n_10000():
    assert law().optimal_split(10_000) == 1028
    assert law().optimal_split(10_000, integer=False) == pytest.approx(1028.34, abs=0.01)


@pytest.mark.parametrize("n, expected", [(1000, 121), (3000, 337), (5000, 542), (10_000, 1028)])
def test_paper_splits_at_each_sample_size(n, expected):
    assert law().optimal_split(n) == expected


def test_root_solves_eq_4():
    a, alpha, b = PAPER.values()
    n = 10_000
    s = law().optimal_split(n, integer=False)
    lhs = alpha * a * n * s ** (-alpha - 1) - (alpha + 1) * a * s**-alpha - b
    assert abs(lhs) < 1e-9
    # the paper's equivalent form n = ((alpha+1)/alpha) s + (b/(a alpha)) s^(alpha+1)
    assert (alpha + 1) / alpha * s + b / (a * alpha) * s ** (alpha + 1) == pytest.approx(n)


def test_integer_split_is_the_integer_argmin():
    for n in (50, 333, 10_000):
        s = np.arange(1, n)
        objective = law().predicted_variance(s, n)
        assert law().optimal_split(n) == s[np.argmin(objective)]


def test_table_ec1_median_parameters():
    """Table EC.1: median (a, alpha, b) = (11.403, 0.261, 2.447) give s*/n = 0.110 at n = 5000."""
    s = law(11.403, 0.261, 2.447).optimal_split(5000, integer=False)
    assert s / 5000 == pytest.approx(0.1099, abs=5e-5)


@pytest.mark.parametrize("n, rho", [(240, 0.190), (400, 0.171), (560, 0.158), (800, 0.145)])
def test_revision_law(n, rho):
    """The revision's LoRA law (16.86, 0.553, 2.754) and its theoretical split fractions."""
    assert law(16.86, 0.553, 2.754).optimal_split(n, integer=False) / n == pytest.approx(
        rho, abs=0.0015
    )


@pytest.mark.parametrize("alpha", [0.1, 0.21, 0.5, 1.0, 1.4])
@pytest.mark.parametrize("a, n", [(0.5, 100), (10.21, 10_000), (300.0, 777)])
def test_b_zero_gives_fraction_alpha_over_alpha_plus_one(alpha, a, n):
    """Proposition 1 (iv): with b = 0, s*/n = alpha / (alpha + 1), whatever a and n."""
    fraction = alpha / (alpha + 1)
    assert law(a, alpha, 0.0).optimal_split(n, integer=False) / n == pytest.approx(fraction)
    assert abs(law(a, alpha, 0.0).optimal_split(n) / n - fraction) <= 1 / n


# ----------------------------------------------------------------------------------------------
# Proposition 1: monotonicity (hypothesis)
# ----------------------------------------------------------------------------------------------

params = {
    "a": st.floats(0.01, 100.0),
    "alpha": st.floats(0.05, 1.5),
    "b": st.floats(0.0, 10.0),
    "n": st.integers(10, 100_000),
    "factor": st.floats(1.1, 5.0),
}


def s_star(a, alpha, b, n):
    return law(a, alpha, b).optimal_split(n, integer=False)


@settings(max_examples=80, deadline=None)
@given(**params)
def test_proposition_1_monotonicity(a, alpha, b, n, factor):
    s = s_star(a, alpha, b, n)
    assert 0 < s < n
    tol = 1e-9 * n
    assert s_star(a * factor, alpha, b, n) >= s - tol  # (i) nondecreasing in a
    assert s_star(a, alpha, b * factor + 0.01, n) <= s + tol  # (ii) decreasing in b
    bigger_n = int(n * factor) + 1
    assert s_star(a, alpha, b, bigger_n) > s  # (iii) strictly increasing in n
    assert s_star(a, alpha, b, bigger_n) / bigger_n <= s / n + 1e-9  # (v) fraction nonincreasing
    assert s / n <= alpha / (alpha + 1) + 1e-9  # (iv) b = 0 is the upper bound on the fraction


def test_proposition_1_strict_cases():
    base = s_star(10.0, 0.3, 2.0, 5000)
    assert s_star(20.0, 0.3, 2.0, 5000) > base + 1  # (i) strictly increasing in a when b > 0
    assert s_star(10.0, 0.3, 3.0, 5000) < base - 1  # (ii)
    assert s_star(10.0, 0.3, 0.0, 5000) == s_star(20.0, 0.3, 0.0, 5000)  # b = 0: a drops out
    fractions = [s_star(10.0, 0.3, 2.0, n) / n for n in (10**3, 10**5, 10**7, 10**9)]
    assert all(np.diff(fractions) < 0) and fractions[-1] < 0.02  # (v) -> 0 as n grows


@settings(max_examples=60, deadline=None)
@given(a=params["a"], alpha=params["alpha"], b=params["b"], n=params["n"])
def test_proposition_1_eq_5_derivative_bound(a, alpha, b, n):
    """0 >= d(s*/n)/dn >= -(alpha/(alpha+1)) (b/a) n^(alpha-1) (eq. 5), by finite differences."""
    h = max(1, n // 1000)
    slope = (s_star(a, alpha, b, n + h) / (n + h) - s_star(a, alpha, b, n) / n) / h
    bound = -(alpha / (alpha + 1)) * (b / a) * n ** (alpha - 1)
    assert 1e-9 >= slope >= bound * 1.01 - 1e-9


# ----------------------------------------------------------------------------------------------
# Proposition 3 / Example 3: when fine-tuning beats the sample mean (s = 0 means "do not")
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "b, feasible", [(0.0, True), (0.79, True), (0.8, False), (0.81, False), (0.9, False)]
)
def test_example_3_n_100(b, feasible):
    """sigma^2 = 1, a = 1, alpha = 1: feasible iff b < 1 - 2/sqrt(n) = 0.8 at n = 100."""
    split = law(1.0, 1.0, b, var_y=1.0).optimal_split(100)
    assert (split > 0) == feasible
    if b == 0.0:
        assert split == 50  # Proposition 1 (iv): s*/n = alpha / (alpha + 1)
    if b == 0.79:  # at the edge, only the maximiser s0 = (a alpha n / sigma^2)^(1/2) of q wins
        assert split == 10


@pytest.mark.parametrize("b", [0.0, 0.3])
def test_example_3_n_4_never_feasible(b):
    assert law(1.0, 1.0, b, var_y=1.0).optimal_split(4) == 0
    assert law(1.0, 1.0, b, var_y=1.0).optimal_split(4, integer=False) == 0.0


@settings(max_examples=80, deadline=None)
@given(
    a=st.floats(0.01, 10.0),
    alpha=st.floats(0.1, 1.5),
    b=st.floats(0.0, 1.0),
    n=st.integers(4, 5000),
)
def test_proposition_3_condition_eq_6(a, alpha, b, n):
    """Fine-tuning beats the sample mean iff eq. 6 holds (sigma^2 = var_y = 1).

    b / s2 < 1 - (1 + 1/alpha) (a alpha n^-alpha / s2)^(1/(alpha+1)).
    """
    var_y = 1.0
    rhs = 1 - (1 + 1 / alpha) * (a * alpha * n**-alpha / var_y) ** (1 / (alpha + 1))
    assume(abs(b / var_y - rhs) > 1e-6)
    s = law(a, alpha, b, var_y=var_y).optimal_split(n, integer=False)
    assert (s > 0) == (b / var_y < rhs)


def test_zero_shot_baseline():
    """A good zero-shot model can make fine-tuning not worth its labels."""
    paper = law(var_y=9.57)
    assert paper.optimal_split(1000) == 121
    # at s* = 121 the law predicts a residual variance of 5.71 on 879 rectification labels,
    # 5.71 / 879 = 6.50 / 1000: a zero-shot model with residual variance 7.0 loses ...
    assert paper.optimal_split(1000, var_zero_shot=7.0) == 121
    # ... and one with 6.0 wins: rectify it with all 1000 labels instead of fine-tuning
    assert paper.optimal_split(1000, var_zero_shot=6.0) == 0
    assert paper.predicted_variance(0, 1000, var_zero_shot=6.0) == pytest.approx(6.0 / 1000)
    # the baseline is the better of the zero-shot rectification and the classical mean
    assert paper.predicted_variance(0, 1000, var_zero_shot=20.0) == pytest.approx(9.57 / 1000)
    # without var_y or var_zero_shot there is no baseline: the interior optimum is returned
    assert law().optimal_split(100) > 0
    assert law().predicted_variance([0], 100)[0] == math.inf


# ----------------------------------------------------------------------------------------------
# the Var(f)/N term
# ----------------------------------------------------------------------------------------------


def test_constant_var_prediction_adds_a_constant():
    paper = law()
    n, N = 3000, 20_000
    assert paper.optimal_split(n, n_unlabeled=N, var_prediction=5.0) == paper.optimal_split(n)
    s = np.array([10, 337, 2000])
    with_term = paper.predicted_variance(s, n, n_unlabeled=N, var_prediction=5.0)
    np.testing.assert_allclose(with_term - paper.predicted_variance(s, n), 5.0 / N)


def test_calibrated_var_prediction_keeps_the_dropped_term():
    """Var(f_s) = var_y - Var(Y - f_s): a finite pool N lowers the optimal s below the paper's."""
    paper = law(var_y=9.57)
    n = 10_000
    s = np.arange(1, n)
    for N in (30_000, 100_000, 1_000_000):
        split = paper.optimal_split(n, n_unlabeled=N)
        objective = paper.predicted_variance(s, n, n_unlabeled=N)
        assert split == s[np.argmin(objective)]
        assert 0 < split < paper.optimal_split(n)
        g = paper.predict(split)
        assert objective[split - 1] == pytest.approx(g / (n - split) + (9.57 - g) / N)
        continuous = paper.optimal_split(n, n_unlabeled=N, integer=False)
        assert abs(continuous - split) < 1
    # as N grows the paper's rule is recovered
    assert abs(paper.optimal_split(n, n_unlabeled=10**9) - 1028) <= 1
    # with N no larger than n, plain PPI cannot beat the classical mean at any split
    assert paper.optimal_split(n, n_unlabeled=n) == 0


def test_var_prediction_is_required_with_n_unlabeled():
    with pytest.raises(ValueError, match="pass var_prediction, or give var_y"):
        law().optimal_split(1000, n_unlabeled=5000)
    with pytest.raises(ValueError, match="pass var_prediction, or give var_y"):
        law().predicted_variance(10, 1000, n_unlabeled=5000)


# ----------------------------------------------------------------------------------------------
# fitting
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, alpha, b",
    [(10.21, 0.21, 1.98), (16.86, 0.553, 2.754), (0.287, 0.297, 0.042), (5.0, 1.2, 0.0)],
)
def test_fit_recovers_noiseless_parameters(a, alpha, b):
    sizes = np.geomspace(50, 5000, 10).round()
    fitted = ScalingLaw().fit(sizes, a * sizes**-alpha + b)
    assert (fitted.a_, fitted.alpha_, fitted.b_) == pytest.approx((a, alpha, b), rel=1e-4, abs=1e-6)
    assert fitted.r2_ == pytest.approx(1.0, abs=1e-10)
    assert fitted.n_points_ == 10 and fitted.sse_ < 1e-12


def test_fit_recovers_noisy_parameters():
    rng = np.random.default_rng(0)
    sizes = np.repeat(np.geomspace(50, 5000, 12).round(), 3)
    truth = 10.21 * sizes**-0.21 + 1.98
    fitted = ScalingLaw().fit(sizes, truth * (1 + 0.01 * rng.normal(size=sizes.size)), var_y=9.57)
    assert fitted.r2_ > 0.95
    assert fitted.alpha_ == pytest.approx(0.21, abs=0.1)
    np.testing.assert_allclose(
        fitted.predict([100, 1000, 10_000]),
        [10.21 * s**-0.21 + 1.98 for s in (100, 1000, 10_000)],
        rtol=0.02,
    )
    assert abs(fitted.optimal_split(10_000) - 1028) / 1028 < 0.25
    assert fitted.var_y_ == 9.57


def _multistart_least_squares_sse(sizes, variances, b_max):
    """The authors' fitting recipe: a bounded non-linear solver from 18 starts."""
    from scipy.optimize import least_squares

    lower, upper = [1e-12, 0.02, 0.0], [np.inf, 1.5, b_max]
    best = np.inf
    for alpha0 in (0.05, 0.1, 0.2, 0.5, 0.9, 1.3):
        for fraction in (0.0, 0.25, 0.75):
            b0 = min(fraction * variances.min(), b_max)
            a0 = max(variances.max() - b0, 1e-6) * sizes.min() ** alpha0
            fitted = least_squares(
                lambda p: p[0] * sizes ** -p[1] + p[2] - variances,
                np.clip([a0, alpha0, b0], lower, upper),
                bounds=(lower, upper),
            )
            best = min(best, float(np.sum(fitted.fun**2)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_variable_projection_fit_is_never_worse_than_multistart_least_squares(seed):
    rng = np.random.default_rng(seed)
    sizes = np.sort(rng.choice(2.0 ** np.arange(3, 11), size=rng.integers(3, 8), replace=False))
    a, alpha, b = rng.uniform(0.1, 20), rng.uniform(0.03, 1.4), rng.uniform(0, 3)
    clean = a * sizes**-alpha + b
    variances = np.maximum(
        clean * (1 + rng.choice([0, 0.05, 0.3]) * rng.normal(size=sizes.size)), 0
    )
    b_max = float(variances.max() * rng.uniform(0.8, 3))
    law = ScalingLaw(b_max=b_max).fit(sizes, variances)
    reference = _multistart_least_squares_sse(sizes, variances, b_max)
    assert law.sse_ <= reference * (1 + 1e-7) + 1e-14
    assert law.sse_ == pytest.approx(
        np.sum((law.predict(sizes) - variances) ** 2), rel=1e-9, abs=1e-15
    )
    assert law.a_ > 0 and 0.02 <= law.alpha_ <= 1.5 and 0 <= law.b_ <= b_max


def test_fit_respects_bounds():
    sizes = np.array([10.0, 20, 40, 80, 160])
    fitted = ScalingLaw(alpha_bounds=(0.5, 0.6), b_max=0.1).fit(sizes, 3 * sizes**-0.2 + 1.0)
    assert 0.5 <= fitted.alpha_ <= 0.6 and 0 <= fitted.b_ <= 0.1
    assert fitted.r2_ < 1.0
    flat = ScalingLaw().fit(sizes, np.full(5, 2.0))
    assert np.isnan(flat.r2_)
    np.testing.assert_allclose(flat.predict(sizes), 2.0, atol=1e-6)


def test_sklearn_conventions():
    estimator = ScalingLaw(alpha_bounds=(0.1, 1.0))
    assert estimator.get_params() == {"alpha_bounds": (0.1, 1.0), "b_max": None}
    assert clone(estimator).get_params() == estimator.get_params()
    sizes = np.array([10.0, 20, 40, 80])
    assert estimator.fit(sizes, sizes**-0.5) is estimator
    assert not hasattr(ScalingLaw(), "a_")
    with pytest.raises(NotFittedError):
        ScalingLaw().predict([10])
    with pytest.raises(NotFittedError):
        ScalingLaw().optimal_split(100)


@pytest.mark.parametrize(
    "sizes, variances, match",
    [
        ([10, 20, 30], [1.0, 0.9], "same length"),
        ([10, 10, 20, 20], [1.0, 0.9, 0.8, 0.8], "at least 3 distinct"),
        ([0, 10, 20], [1.0, 0.9, 0.8], "sizes must be finite and > 0"),
        ([10, 20, np.nan], [1.0, 0.9, 0.8], "sizes must be finite"),
        ([10, 20, 30], [1.0, -0.9, 0.8], "residual_variances must be finite and >= 0"),
    ],
)
def test_fit_rejects_bad_input(sizes, variances, match):
    with pytest.raises(ValueError, match=match):
        ScalingLaw().fit(sizes, variances)


def test_other_bad_input():
    with pytest.raises(ValueError, match="alpha_bounds must satisfy"):
        ScalingLaw(alpha_bounds=(1.0, 0.5)).fit([1, 2, 3], [3, 2, 1])
    with pytest.raises(ValueError, match="alpha_bounds must be a pair"):
        ScalingLaw(alpha_bounds=0.5).fit([1, 2, 3], [3, 2, 1])
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        law().optimal_split(1)
    with pytest.raises(ValueError, match="n must be an integer"):
        law().optimal_split(100.5)
    with pytest.raises(ValueError, match=r"s must lie in \[0, n\)"):
        law().predicted_variance([100], 100)
    with pytest.raises(ValueError, match="at s = 0 there is no fine-tuned model"):
        law().predict([0, 10])
    with pytest.raises(ValueError, match="n_unlabeled must be >= 1"):
        law().optimal_split(100, n_unlabeled=0)
    with pytest.raises(ValueError, match="var_zero_shot must be a finite number >= 0"):
        law().optimal_split(100, var_zero_shot=-1.0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        ScalingLaw.from_params(a=1.0, alpha=0.0, b=0.0)
    with pytest.raises(ValueError, match="var_y must be a finite number >= 0"):
        ScalingLaw().fit([1, 2, 3], [3, 2, 1], var_y=np.nan)
