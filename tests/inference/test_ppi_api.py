"""Result objects, effective sample size and input validation of the statistics core."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from sklearn_llmrect.inference import (
    ClassSharesResult,
    InferenceResult,
    classical_class_shares,
    classical_mean,
    crossfit_ppi_mean,
    ppi_class_shares,
    ppi_mean,
)


@pytest.fixture
def data(make_data):
    return make_data(seed=0, n=200, N=2000)


def test_result_is_frozen_and_complete(data):
    result = ppi_mean(*data)
    assert isinstance(result, InferenceResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.estimate = 0.0
    assert result.method == "ppi++"
    assert (result.n_labeled, result.n_unlabeled) == (200, 2000)
    assert result.confidence_level == 0.95 and result.alternative == "two-sided"
    lo, hi = result.confidence_interval
    assert lo < result.estimate < hi
    assert result.width == pytest.approx(hi - lo)
    assert result.width == pytest.approx(2 * 1.959963984540054 * result.stderr)
    assert isinstance(result.estimate, float) and isinstance(result.n_labeled, int)


def test_summary_is_readable(data):
    text = ppi_mean(*data).summary()
    assert text.splitlines()[0].startswith("PPI++ estimate of the mean (lambda = ")
    for word in ("estimate", "standard error", "95% interval", "two-sided", "200 / 2,000"):
        assert word in text
    assert str(ppi_mean(*data)) == text
    assert "Classical estimate" in classical_mean(data[0]).summary()
    shares = ppi_class_shares(
        np.array(["a", "b"] * 10), np.tile([[0.6, 0.4], [0.3, 0.7]], (10, 1)), np.full((30, 2), 0.5)
    )
    table = shares.summary()
    assert len(table.splitlines()) == 5 and "'a'" not in table.splitlines()[3]
    assert table.splitlines()[3].startswith("a ") and table.splitlines()[4].startswith("b ")


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_pvalue_is_dual_to_the_interval(data, alternative):
    result = ppi_mean(*data, alternative=alternative, confidence_level=0.9)
    lo, hi = result.confidence_interval
    end = lo if alternative != "smaller" else hi
    assert result.pvalue(end) == pytest.approx(0.1, abs=1e-12)
    inside = result.estimate
    outside = end - 1.0 if alternative != "smaller" else end + 1.0
    assert result.pvalue(inside) > 0.1 > result.pvalue(outside)


def test_one_sided_intervals_and_interval_method(data):
    two = ppi_mean(*data)
    larger = ppi_mean(*data, alternative="larger")
    smaller = ppi_mean(*data, alternative="smaller")
    assert larger.confidence_interval[1] == np.inf and smaller.confidence_interval[0] == -np.inf
    assert two.confidence_interval[0] < larger.confidence_interval[0] < two.estimate
    assert two.interval(alternative="larger") == pytest.approx(larger.confidence_interval)
    assert two.interval(confidence_level=0.9) == pytest.approx(
        ppi_mean(*data, confidence_level=0.9).confidence_interval
    )
    # one-sided p-values of the two directions add up to one
    assert larger.pvalue(0.9) + smaller.pvalue(0.9) == pytest.approx(1.0)
    assert two.pvalue(0.9, alternative="larger") == pytest.approx(larger.pvalue(0.9))


def test_effective_sample_size_definition(data, make_data):
    y, yhat, yhat_unl = data
    classical = classical_mean(y)
    for method in ("ppi", "ppi++"):
        result = ppi_mean(y, yhat, yhat_unl, method=method)
        expected = 200 * (classical.stderr / result.stderr) ** 2
        assert result.effective_sample_size == pytest.approx(expected, rel=1e-12)
        assert result.effective_sample_size > 200  # a good predictor is worth extra labels
    useless = ppi_mean(*make_data(seed=1, n=200, N=2000, kind="useless"), method="ppi")
    assert useless.effective_sample_size < 200  # plain PPI with noise costs labels


def test_ppi_plus_plus_effective_size_tracks_the_population_formula(make_data):
    from sklearn_llmrect.inference import effective_sample_size

    y, yhat, yhat_unl = make_data(seed=3, n=5000, N=50000)
    rho = np.corrcoef(y, yhat)[0, 1]
    result = ppi_mean(y, yhat, yhat_unl)
    expected = effective_sample_size(5000, rho, n_unlabeled=50000)
    assert result.effective_sample_size == pytest.approx(expected, rel=0.03)


def test_class_shares_result_access():
    y = np.array([0, 1, 2, 1, 1, 0, 2, 1])
    proba = np.eye(3)[y] * 0.7 + 0.1
    result = ppi_class_shares(y, proba, np.full((20, 3), 1 / 3))
    assert isinstance(result, ClassSharesResult)
    assert result.classes == (0, 1, 2) and len(result) == 3
    assert result[1] is result.results[1]
    assert [r.target for r in result] == [f"share of class {c!r}" for c in (0, 1, 2)]
    assert result.confidence_intervals.shape == (3, 2)
    assert result.stderrs.shape == result.lambdas.shape == result.effective_sample_sizes.shape
    assert (result.method, result.n_labeled, result.n_unlabeled) == ("ppi++", 8, 20)
    with pytest.raises(KeyError, match="not one of the classes"):
        result[5]


def test_class_absent_from_labels_needs_classes():
    y = np.array(["a", "a", "b", "b"])
    proba = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match="pass classes="):
        ppi_class_shares(y, proba, proba)
    result = ppi_class_shares(y, proba, proba, classes=["a", "b", "c"])
    assert result["c"].estimate == pytest.approx(0.0, abs=1e-12)
    assert classical_class_shares(y, classes=["a", "b", "c"])["c"].stderr == 0.0


def test_no_torch_import():
    code = "import sys, sklearn_llmrect.inference; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------------------------
# validation: a ValueError / TypeError that names the argument
# ----------------------------------------------------------------------------------------------

Y, F, FU = np.arange(10.0), np.arange(10.0) + 1, np.arange(30.0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"yhat": F[:9]}, ValueError, "y and yhat must have the same number of rows, got 10 and 9"),
        ({"y": np.r_[Y[:9], np.nan]}, ValueError, "y contains 1 NaN"),
        ({"yhat": np.r_[F[:9], np.inf]}, ValueError, "yhat contains 1 NaN or infinite"),
        ({"yhat_unlabeled": np.r_[FU[:29], np.nan]}, ValueError, "yhat_unlabeled contains"),
        ({"yhat_unlabeled": []}, ValueError, "yhat_unlabeled is empty"),
        ({"y": [], "yhat": []}, ValueError, "y is empty"),
        ({"y": Y[:1], "yhat": F[:1]}, ValueError, "y needs at least 2 rows"),
        ({"y": np.ones((10, 2))}, ValueError, "y must be a 1-D array"),
        ({"y": ["a"] * 10}, ValueError, "y must contain numbers"),
        ({"y": None}, ValueError, "y is None"),
        ({"confidence_level": 1.0}, ValueError, "confidence_level must lie strictly between"),
        ({"confidence_level": 0.0}, ValueError, "confidence_level"),
        ({"confidence_level": 95}, ValueError, "confidence_level"),
        ({"confidence_level": "0.95"}, TypeError, "confidence_level"),
        ({"alternative": "greater"}, ValueError, "alternative must be one of"),
        ({"method": "ppi+"}, ValueError, "method must be one of"),
        ({"method": "ppi", "lambda_": 0.5}, ValueError, "lambda_ fixes"),
        ({"lambda_": np.nan}, ValueError, "lambda_ must be finite"),
        ({"lambda_": "auto"}, TypeError, "lambda_"),
        ({"sample_weight": -np.ones(10)}, ValueError, "sample_weight must be non-negative"),
        ({"sample_weight": np.zeros(10)}, ValueError, "sample_weight must not be all zero"),
        ({"sample_weight": np.ones(9)}, ValueError, "sample_weight must have one weight per row"),
        ({"sample_weight_unlabeled": np.ones(3)}, ValueError, "sample_weight_unlabeled must"),
    ],
)
def test_ppi_mean_rejects_bad_input(kwargs, error, match):
    args = {"y": Y, "yhat": F, "yhat_unlabeled": FU} | kwargs
    with pytest.raises(error, match=match):
        ppi_mean(**args)


def test_column_vectors_are_accepted():
    flat = ppi_mean(Y, F, FU)
    column = ppi_mean(Y[:, None], F[:, None], FU[:, None])
    assert column == flat


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((["a", "b", "c"], [[1, 0], [0, 1], [1, 0]], [[1, 0]]), {}, "proba has 2 columns"),
        ((["a", "b"], [[1, 0], [0, 1]], [[1, 0, 0]]), {}, "same number of columns"),
        ((["a", "b"], [[1, 0], [0, 1]], [[1, 0]]), {"classes": ["a"]}, "classes has 1 entries"),
        ((["a", "z"], [[1, 0], [0, 1]], [[1, 0]]), {"classes": ["a", "b"]}, r"y contains label"),
        ((["a", "b"], [[1, 0], [0, 1]], [[1, 0]]), {"classes": ["a", "a"]}, "duplicates"),
        ((["a", "b"], ["a", "q"], ["a"]), {"classes": ["a", "b"]}, "proba contains label"),
        ((["a", "b"], [[1, 0], [0, 1]], [[1, np.nan]]), {}, "proba_unlabeled contains"),
        ((["a", "b"], [[1, 0], [0, 1], [1, 0]], [[1, 0]]), {}, "y and proba must have the same"),
        ((["a", "b"], [[1, 0], [0, 1]], [[1, 0]]), {"lambda_mode": "each"}, "lambda_mode"),
        (([["a"], ["b"]], [[1, 0], [0, 1]], [[1, 0]]), {}, "y must be a 1-D array"),
    ],
)
def test_class_shares_reject_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ppi_class_shares(*args, **kwargs)


def test_classical_mean_and_crossfit_validate_too():
    with pytest.raises(ValueError, match="y contains"):
        classical_mean([1.0, np.nan])
    with pytest.raises(ValueError, match="sample_weight must have one weight per row"):
        classical_mean([1.0, 2.0], sample_weight=[1.0])
    with pytest.raises(ValueError, match="yhat_unlabeled must be a 1-D or 2-D array"):
        crossfit_ppi_mean(Y, F, np.ones((3, 2, 2)))
