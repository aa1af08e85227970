"""Coverage of the rectified meta-estimators' intervals over 2,000 seeded replications.

Each replication draws a fresh population sample (labelled rows and an unlabelled pool) from a
model whose mean is known, fits the meta-estimator (a linear model fine-tuned on part of the
labels, or cross-fitted) and checks whether its interval covers the true mean (share).
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsRegressor

from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor

# 2,000 replications: the binomial standard error of a 90% coverage is then 0.7 points, so the
# 2.5-point tolerance is about 3.7 standard errors. (With 500 the first 500 draws of this seed
# happen to sit 3 points low for PPI, ppi_py's interval and the classical mean alike.)
N_REPLICATIONS = 2000
TRUE_MEAN = 1.0


def _regression_sample(rng, n_labeled=150, n_unlabeled=600):
    n = n_labeled + n_unlabeled
    X = rng.normal(size=(n, 3))
    # a non-linear truth, so the linear model is misspecified and the residuals matter
    y = TRUE_MEAN + X[:, 0] + 0.5 * X[:, 1] ** 2 - 0.5 + rng.normal(0, 1.0, n)
    y[n_labeled:] = np.nan
    return X, y


@pytest.mark.parametrize("method", ["ppi", "ppi++", "cross"])
@pytest.mark.parametrize("confidence_level", [0.90, 0.95])
def test_regressor_interval_covers_the_mean(method, confidence_level):
    rng = np.random.default_rng(12345)
    covered = []
    for _ in range(N_REPLICATIONS):
        X, y = _regression_sample(rng)
        model = RectifiedRegressor(
            LinearRegression(),
            allocation=0.3,
            method=method,
            n_folds=3,
            confidence_level=confidence_level,
            random_state=int(rng.integers(2**31)),
        ).fit(X, y)
        low, high = model.confidence_interval_
        covered.append(low <= TRUE_MEAN <= high)
    coverage = float(np.mean(covered))
    assert abs(coverage - confidence_level) <= 0.025, coverage


def test_classifier_shares_cover_the_true_shares():
    rng = np.random.default_rng(777)
    true_share = 0.5  # x ~ N(0, 1) and symmetric noise: P(x + e > 0) = 1/2
    covered = []
    for _ in range(N_REPLICATIONS):
        n_labeled, n = 150, 750
        X = rng.normal(size=(n, 2))
        labels = np.where(X[:, 0] + rng.normal(0, 1.0, n) > 0, 1, 0)
        labels[n_labeled:] = -1
        model = RectifiedClassifier(
            LogisticRegression(), allocation=0.3, random_state=int(rng.integers(2**31))
        ).fit(X, labels)
        low, high = model.confidence_interval_[list(model.classes_).index(1)]
        covered.append(low <= true_share <= high)
    assert abs(float(np.mean(covered)) - 0.95) <= 0.025


def test_auto_allocation_covers_with_and_without_the_classical_fallback():
    """``allocation="ramp-up"`` (the paper's procedure) chooses between rectifying and the
    classical mean from the data.

    The ramp-up decides on its validation labels and the classical fallback then averages the
    other labels, the ramp-up's training rows included, so the choice could bias the interval.
    With a signal that a 15-nearest-neighbour model learns about half the time, both branches
    and the whole must cover at the nominal level.
    """
    rng = np.random.default_rng(2024)
    covered, fell_back = [], []
    for _ in range(N_REPLICATIONS):
        X = rng.normal(size=(800, 2))
        y = TRUE_MEAN + 3.0 * np.sin(2 * X[:, 0]) + rng.normal(size=800)
        y[200:] = np.nan
        model = RectifiedRegressor(
            KNeighborsRegressor(15), allocation="ramp-up", random_state=int(rng.integers(2**31))
        ).fit(X, y)
        low, high = model.confidence_interval_
        covered.append(low <= TRUE_MEAN <= high)
        fell_back.append(not model.ramp_up_.fine_tuning_pays)
    covered, fell_back = np.array(covered), np.array(fell_back)
    assert 0.3 <= fell_back.mean() <= 0.7, fell_back.mean()  # both branches are exercised
    assert abs(covered.mean() - 0.95) <= 0.025, covered.mean()
    # about 1,000 runs per branch: a binomial standard error of 0.7 points, 3.5 points is 5 of them
    assert abs(covered[fell_back].mean() - 0.95) <= 0.035, covered[fell_back].mean()
    assert abs(covered[~fell_back].mean() - 0.95) <= 0.035, covered[~fell_back].mean()


def test_default_auto_design_covers_the_mean():
    """The whole default procedure with a cheap estimator: the learning-curve law, the choice of
    the design and of K from the same labels, then power-tuned cross-fitting. The choice could
    bias the interval; it must still cover at the nominal level."""
    rng = np.random.default_rng(99)
    covered, designs = [], []
    for _ in range(N_REPLICATIONS // 2):
        X = rng.normal(size=(700, 2))
        y = TRUE_MEAN + 3.0 * np.sin(2 * X[:, 0]) + rng.normal(size=700)
        y[200:] = np.nan
        model = RectifiedRegressor(
            KNeighborsRegressor(15), random_state=int(rng.integers(2**31))
        ).fit(X, y)
        low, high = model.confidence_interval_
        covered.append(low <= TRUE_MEAN <= high)
        designs.append(model.design_.chosen)
    # 1,000 runs: a binomial standard error of 0.7 points; 2.5 points is 3.6 of them
    assert abs(float(np.mean(covered)) - 0.95) <= 0.025, np.mean(covered)
    assert all(design.startswith("cross") for design in designs), set(designs)


def test_default_auto_design_covers_the_class_shares():
    rng = np.random.default_rng(314)
    covered = []
    for _ in range(N_REPLICATIONS // 2):
        X = rng.normal(size=(600, 2))
        labels = np.where(X[:, 0] + rng.normal(0, 1.0, 600) > 0, 1, 0)
        labels[200:] = -1
        model = RectifiedClassifier(
            LogisticRegression(), random_state=int(rng.integers(2**31))
        ).fit(X, labels)
        low, high = model.confidence_interval_[list(model.classes_).index(1)]
        covered.append(low <= 0.5 <= high)
    assert abs(float(np.mean(covered)) - 0.95) <= 0.025, np.mean(covered)
