"""Regressions and quantiles: input checks, weights, the result object and its text."""

import builtins

import numpy as np
import pytest
from scipy.special import expit

from sklearn_llmrect.inference import (
    RegressionResult,
    classical_logistic,
    classical_ols,
    classical_poisson,
    classical_quantile,
    crossfit_ppi_logistic,
    crossfit_ppi_ols,
    crossfit_ppi_poisson,
    crossfit_ppi_quantile,
    ppi_logistic,
    ppi_ols,
    ppi_poisson,
    ppi_quantile,
)
from sklearn_llmrect.inference._quantile_core import _RectifiedCDF

PPI = {"ols": ppi_ols, "logistic": ppi_logistic, "poisson": ppi_poisson}
CLASSICAL = {"ols": classical_ols, "logistic": classical_logistic, "poisson": classical_poisson}
CROSS = {
    "ols": crossfit_ppi_ols,
    "logistic": crossfit_ppi_logistic,
    "poisson": crossfit_ppi_poisson,
}


def _data(model, n=120, N=600, seed=0):
    rng = np.random.default_rng(seed)

    def draw(m):
        x, z = rng.normal(size=m), rng.normal(size=m)
        X = np.column_stack([np.ones(m), x])
        if model == "logistic":
            y = (rng.random(m) < expit(0.2 + x + z)).astype(float)
            return X, y, expit(0.8 * x + 0.8 * z)
        if model == "poisson":
            return X, rng.poisson(np.exp(0.2 + 0.4 * x + 0.4 * z)).astype(float), np.exp(0.4 * z)
        return X, 1 + 2 * x + z + rng.normal(size=m), 1.1 + 1.9 * x + 0.8 * z

    X, y, f = draw(n)
    Xu, _, fu = draw(N)
    return X, y, f, Xu, fu


# ----------------------------------------------------------------------------------------------
# bad input: a ValueError that names the argument
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["ols", "logistic", "poisson"])
@pytest.mark.parametrize(
    "position, bad, name",
    [
        (0, lambda a: a[:-1], "X_labeled"),
        (1, lambda a: a[:-1], "y_labeled"),
        (2, lambda a: a[:-1], "yhat_labeled"),
        (3, lambda a: a[:, :1], "X_unlabeled"),
        (4, lambda a: a[:-1], "yhat_unlabeled"),
        (0, lambda a: np.where(np.arange(a.size).reshape(a.shape) == 3, np.nan, a), "X_labeled"),
        (1, lambda a: np.where(np.arange(a.size) == 5, np.nan, a), "y_labeled"),
        (4, lambda a: np.where(np.arange(a.size) == 5, np.inf, a), "yhat_unlabeled"),
    ],
)
def test_shape_mismatch_and_nan_name_the_argument(model, position, bad, name):
    args = list(_data(model))
    args[position] = bad(args[position])
    with pytest.raises(ValueError, match=name):
        PPI[model](*args)


@pytest.mark.parametrize(
    "model, position, value, name",
    [
        ("logistic", 1, 2.0, "y_labeled must be binary"),
        ("logistic", 1, 0.5, "y_labeled must be binary"),
        ("logistic", 2, 1.2, "yhat_labeled must lie in \\[0, 1\\]"),
        ("logistic", 4, -0.1, "yhat_unlabeled must lie in \\[0, 1\\]"),
        ("poisson", 1, -1.0, "y_labeled must be non-negative"),
        ("poisson", 4, -1.0, "yhat_unlabeled must be non-negative"),
    ],
)
def test_responses_outside_the_model_are_refused(model, position, value, name):
    args = list(_data(model))
    args[position] = args[position].copy()
    args[position][0] = value
    with pytest.raises(ValueError, match=name):
        PPI[model](*args)
    if position == 1:
        with pytest.raises(ValueError, match=name):
            CLASSICAL[model](args[0], args[1])


def test_other_bad_arguments():
    args = _data("ols")
    with pytest.raises(ValueError, match="method"):
        ppi_ols(*args, method="cross-ppi")
    with pytest.raises(ValueError, match="lambda_"):
        ppi_ols(*args, method="ppi", lambda_=0.5)
    with pytest.raises(ValueError, match="lambda_ must lie in \\[0, 1\\]"):
        ppi_ols(*args, lambda_=1.5)
    with pytest.raises(ValueError, match="confidence_level"):
        ppi_ols(*args, confidence_level=1.5)
    with pytest.raises(ValueError, match="feature_names"):
        ppi_ols(*args, feature_names=["a"])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        ppi_ols(*args, sample_weight=-np.ones(120))
    with pytest.raises(ValueError, match="sample_weight_unlabeled"):
        ppi_ols(*args, sample_weight_unlabeled=np.ones(5))
    with pytest.raises(ValueError, match="method"):
        crossfit_ppi_ols(*args, method="classical")
    X, y, f, Xu, fu = args
    with pytest.raises(ValueError, match="collinear"):
        ppi_ols(np.column_stack([X, X[:, 1]]), y, f, np.column_stack([Xu, Xu[:, 1]]), fu)


def test_perfect_separation_is_reported():
    x = np.linspace(-1, 1, 40)
    X = np.column_stack([np.ones(40), x])
    with pytest.raises(ValueError, match="separated"):
        classical_logistic(X, (x > 0).astype(float))


@pytest.mark.parametrize("q", [0.0, 1.0, -0.2, 1.5, "half", [0.5], np.nan])
def test_quantile_level_must_lie_in_the_open_unit_interval(q):
    y = np.arange(10.0)
    for call in (
        lambda: ppi_quantile(y, y, y, q),
        lambda: crossfit_ppi_quantile(y, y, y, q),
        lambda: classical_quantile(y, q),
    ):
        with pytest.raises(ValueError, match="q must"):
            call()


def test_quantile_inputs_name_the_argument():
    y = np.arange(10.0)
    with pytest.raises(ValueError, match="yhat"):
        ppi_quantile(y, y[:-1], y, 0.5)
    with pytest.raises(ValueError, match="yhat_unlabeled"):
        ppi_quantile(y, y, np.array([1.0, np.nan, 2.0]), 0.5)
    with pytest.raises(ValueError, match="yhat_unlabeled must be a 1-D"):
        ppi_quantile(y, y, np.ones((10, 3)), 0.5)  # per-fold columns only for cross-PPI
    with pytest.raises(ValueError, match="method"):
        crossfit_ppi_quantile(y, y, y, 0.5, method="classical")


# ----------------------------------------------------------------------------------------------
# estimates
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["ols", "logistic", "poisson"])
def test_lambda_zero_is_the_classical_estimate(model):
    X, y, f, Xu, fu = _data(model)
    ppi0, classical = PPI[model](X, y, f, Xu, fu, lambda_=0.0), CLASSICAL[model](X, y)
    np.testing.assert_allclose(ppi0.confidence_interval, classical.confidence_interval, atol=1e-10)
    assert (classical.effective_sample_size == 120).all() and classical.n_unlabeled == 0


@pytest.mark.parametrize("model", ["ols", "logistic", "poisson"])
def test_weights_are_normalised_and_equal_weights_change_nothing(model):
    X, y, f, Xu, fu = _data(model)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    plain = PPI[model](X, y, f, Xu, fu)
    ones = PPI[model](X, y, f, Xu, fu, sample_weight=np.full(len(y), 3.0))
    np.testing.assert_allclose(ones.confidence_interval, plain.confidence_interval, atol=1e-10)
    weighted = PPI[model](X, y, f, Xu, fu, sample_weight=w, sample_weight_unlabeled=np.ones(600))
    scaled = PPI[model](X, y, f, Xu, fu, sample_weight=7 * w)
    np.testing.assert_allclose(scaled.confidence_interval, weighted.confidence_interval, atol=1e-10)
    assert not np.allclose(weighted.coefficients, plain.coefficients)


def test_weights_are_frequency_weights_for_the_point_estimate():
    X, y, f, Xu, fu = _data("logistic")
    w = np.random.default_rng(2).integers(1, 4, len(y))
    weighted = ppi_logistic(X, y, f, Xu, fu, lambda_=0.5, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w)
    repeated = ppi_logistic(X[rows], y[rows], f[rows], Xu, fu, lambda_=0.5)
    np.testing.assert_allclose(weighted.coefficients, repeated.coefficients, atol=1e-10)


@pytest.mark.parametrize("model", ["ols", "logistic", "poisson"])
def test_crossfit_takes_per_fold_columns_or_their_average(model):
    X, y, f, Xu, fu = _data(model)
    per_fold = np.clip(
        fu[:, None] * np.linspace(0.9, 1.1, 5), 0, 1 if model == "logistic" else None
    )
    columns = CROSS[model](X, y, f, Xu, per_fold)
    average = CROSS[model](X, y, f, Xu, per_fold.mean(axis=1))
    np.testing.assert_allclose(columns.confidence_interval, average.confidence_interval)
    assert columns.method == "cross-ppi" and columns.lambda_ == 1.0
    np.testing.assert_allclose(
        columns.confidence_interval,
        PPI[model](X, y, f, Xu, per_fold.mean(axis=1), method="ppi").confidence_interval,
    )
    tuned = CROSS[model](X, y, f, Xu, per_fold, method="ppi++")
    assert tuned.method == "cross-ppi++" and 0.0 <= tuned.lambda_ <= 1.0


def test_good_predictions_raise_the_effective_sample_size():
    X, y, f, Xu, fu = _data("ols", n=200, N=4000)
    result = ppi_ols(X, y, f, Xu, fu)
    assert (result.effective_sample_size > 1.5 * 200).all()
    assert (result.standard_errors < classical_ols(X, y).standard_errors).all()
    rng = np.random.default_rng(0)
    useless = ppi_ols(X, y, rng.normal(size=200), Xu, rng.normal(size=4000))
    assert useless.lambda_ < 0.2


def test_quantile_cdf_test_matches_brute_force():
    """The sorted-cumulative-sum statistics equal explicit indicator matrices, with weights,
    several fold models and a lambda strictly between 0 and 1."""
    rng = np.random.default_rng(0)
    n, N, K, q, lam = 40, 70, 3, 0.3, 0.6
    Y, F, Fu = rng.normal(size=n), rng.normal(size=n), rng.normal(size=(N, K))
    w, wu = rng.uniform(0.5, 2, n), rng.uniform(0.5, 2, N)
    w, wu = w * n / w.sum(), wu * N / wu.sum()
    t = np.linspace(-2.5, 2.5, 41)
    statistic, se, classical = _RectifiedCDF(Y, F, Fu, w, wu).test(t, q, lam)
    a, b = (Y[:, None] <= t).astype(float), (F[:, None] <= t).astype(float)
    m = (Fu[:, :, None] <= t).mean(axis=1)
    labelled = w[:, None] * ((a - q) - lam * (b - q))
    unlabelled = wu[:, None] * lam * (m - q)
    expected = lam * (wu[:, None] * m).mean(0) + (w[:, None] * (a - lam * b)).mean(0) - q
    np.testing.assert_allclose(statistic, expected, atol=1e-12)
    expected_se = np.sqrt(labelled.var(axis=0) / n + unlabelled.var(axis=0) / N)
    np.testing.assert_allclose(se, np.maximum(expected_se, 1e-16), atol=1e-12)
    np.testing.assert_allclose(classical, (w[:, None] * (a - q)).var(axis=0) / n, atol=1e-12)


def test_quantile_p_value_agrees_with_the_interval():
    rng = np.random.default_rng(4)
    y, y_unl = rng.normal(0.2, 1, 300), rng.normal(0.2, 1, 3000)
    f, f_unl = y + 0.5 * rng.normal(size=300), y_unl + 0.5 * rng.normal(size=3000)
    for q in (0.3, 0.5, 0.7, 0.9):
        result = ppi_quantile(y, f, f_unl, q)
        lo, hi = result.confidence_interval[0]
        assert (lo <= 0 <= hi) == (result.p_values[0] > 0.05)
        assert lo <= result.coefficients[0] <= hi
    assert ppi_quantile(y, f, f_unl, 0.5, method="ppi").lambda_ == 1.0
    assert classical_quantile(y, 0.5).effective_sample_size[0] == 300


# ----------------------------------------------------------------------------------------------
# the result
# ----------------------------------------------------------------------------------------------


def test_coefficient_table_summary_and_names():
    pd = pytest.importorskip("pandas")
    X, y, f, Xu, fu = _data("ols")
    frame = pd.DataFrame(X, columns=["const", "income"])
    result = ppi_ols(frame, y, f, Xu, fu)
    assert result.feature_names == ("const", "income")
    table = result.coefficient_table()
    assert list(table.index) == ["const", "income"]
    assert list(table.columns) == ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]", "ESS"]
    np.testing.assert_allclose(table["coef"], result.coefficients)
    np.testing.assert_allclose(table["0.975]"], result.confidence_interval[:, 1])
    text = result.summary()
    pieces = ["PPI++ OLS regression results", "coef", "std err", "P>|z|", "[0.025", "0.975]"]
    pieces += ["ESS", "income", "Labelled rows:", "120", "Unlabelled rows:", "600", "lambda:"]
    pieces += [f"{result.coefficients[1]:.4f}", f"{result.effective_sample_size[1]:.1f}"]
    for piece in pieces:
        assert piece in text, piece
    assert str(result) == text
    ninety = ppi_ols(X, y, f, Xu, fu, confidence_level=0.9, feature_names=["a", "b"])
    assert "[0.05" in ninety.summary() and "0.95]" in ninety.summary()
    assert "Cross-PPI logistic regression" in crossfit_ppi_logistic(*_data("logistic")).summary()
    assert "PPI++ quantile" in ppi_quantile(y, f, fu, 0.5).summary()
    assert ppi_quantile(y, f, fu, 0.25).feature_names == ("q=0.25",)


def test_coefficient_table_without_pandas(monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas here")
        return real_import(name, *args, **kwargs)

    result = classical_ols(*_data("ols")[:2])
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    table = result.coefficient_table()
    assert isinstance(table, dict) and list(table["feature"]) == ["x0", "x1"]
    np.testing.assert_array_equal(table["std err"], result.standard_errors)


def test_result_is_read_only_and_consistent():
    result = ppi_poisson(*_data("poisson"))
    assert isinstance(result, RegressionResult)
    with pytest.raises(ValueError):
        result.coefficients[0] = 1.0
    with pytest.raises(AttributeError):
        result.lambda_ = 0.5
    np.testing.assert_allclose(np.sqrt(np.diag(result.covariance)), result.standard_errors)
    np.testing.assert_allclose(result.z_values, result.coefficients / result.standard_errors)
    assert result.confidence_interval.shape == (2, 2) and result.model == "poisson"
