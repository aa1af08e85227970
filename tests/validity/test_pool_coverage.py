"""Coverage of the finite-pool intervals (``population="pool"``) for the mean of a fixed pool.

Each test fixes one pool of rows (features and labels) whose mean is the truth, and each
replication labels a uniform sample of it drawn without replacement, as a user who labels some
of their own texts does. A quarter of the pool is labelled, so the finite-population correction
matters: the superpopulation interval over-covers the pool mean, the pool interval must not.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsRegressor

from sklearn_llmrect.inference import (
    classical_mean,
    crossfit_ppi_mean,
    crossfit_predict,
    ppi_mean,
)
from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor

# 2,000 replications: a binomial standard error of 0.5 points at 95% (0.7 at 90%), so the
# 2.5-point tolerance is at least 3.6 standard errors.
N_REPLICATIONS = 2000
POOL, N_LABELED = 600, 150


def _pool(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(POOL, 3))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.normal(0, 1.0, POOL)  # non-linear: misspecified
    return X, y


def _draws(seed, n_replications=N_REPLICATIONS, n_labeled=N_LABELED):
    rng = np.random.default_rng(seed)
    for _ in range(n_replications):
        labeled = np.sort(rng.choice(POOL, n_labeled, replace=False))
        yield labeled, np.setdiff1d(np.arange(POOL), labeled), int(rng.integers(2**31))


def _covers(result, truth) -> bool:
    low, high = result.confidence_interval
    return low <= truth <= high


@pytest.mark.parametrize("confidence_level", [0.90, 0.95])
def test_inference_functions_cover_the_pool_mean(confidence_level):
    X, y = _pool(1)
    truth = y.mean()
    f = 0.8 * X[:, 0] + 0.3  # a fixed, imperfect model (trained elsewhere)
    level = {"confidence_level": confidence_level}
    covered = {
        name: []
        for name in ("classical", "ppi", "ppi++", "cross-ppi", "cross-ppi++", "superpopulation")
    }
    for labeled, unlabeled, seed in _draws(2):
        yl = y[labeled]
        covered["classical"].append(
            _covers(classical_mean(yl, population="pool", pool_size=POOL, **level), truth)
        )
        covered["superpopulation"].append(_covers(classical_mean(yl, **level), truth))
        for method in ("ppi", "ppi++"):
            result = ppi_mean(
                yl, f[labeled], f[unlabeled], method=method, population="pool", **level
            )
            covered[method].append(_covers(result, truth))
        preds = crossfit_predict(
            LinearRegression(), X[labeled], yl, X[unlabeled], n_folds=5, random_state=seed
        )
        for method in ("ppi", "ppi++"):
            result = crossfit_ppi_mean(
                yl, preds.labeled, preds.unlabeled, method=method, population="pool", **level
            )
            covered[f"cross-{method}"].append(_covers(result, truth))
    coverage = {name: float(np.mean(hits)) for name, hits in covered.items()}
    superpopulation = coverage.pop("superpopulation")
    for name, value in coverage.items():
        assert abs(value - confidence_level) <= 0.025, (name, coverage)
    # the scenario discriminates: without the correction the interval over-covers the pool mean
    assert superpopulation >= confidence_level + 0.02, superpopulation


@pytest.mark.parametrize(
    "params",
    [
        {},  # the default design choice (cross-fitting, K from the learning-curve law)
        {"allocation": 0.3},  # the split: the fine-tuning labels count exactly
        {"allocation": "ramp-up"},  # validation labels count exactly, or the classical fallback
        {"budget": 100},  # the unused labels are pool rows whose labels are not read
    ],
    ids=["auto", "split", "ramp-up", "budget"],
)
def test_regressor_pool_interval_covers_the_pool_mean(params):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(POOL, 2))
    y_pool = 3.0 * np.sin(2 * X[:, 0]) + rng.normal(size=POOL)
    truth = y_pool.mean()
    covered = []
    for labeled, _, seed in _draws(4, n_replications=N_REPLICATIONS // 2):
        y = np.full(POOL, np.nan)
        y[labeled] = y_pool[labeled]
        model = RectifiedRegressor(
            KNeighborsRegressor(15), population="pool", random_state=seed, **params
        ).fit(X, y)
        low, high = model.confidence_interval_
        covered.append(low <= truth <= high)
    # 1,000 runs: a binomial standard error of 0.7 points; 2.5 points is 3.6 of them
    assert abs(float(np.mean(covered)) - 0.95) <= 0.025, np.mean(covered)


def test_classifier_pool_interval_covers_the_pool_shares():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(POOL, 2))
    labels_pool = np.where(X[:, 0] + rng.normal(0, 1.0, POOL) > 0.3, "yes", "no").astype(object)
    truth = np.mean(labels_pool == "yes")
    covered = []
    for _, unlabeled, seed in _draws(6, n_replications=N_REPLICATIONS // 2):
        labels = labels_pool.copy()
        labels[unlabeled] = -1
        model = RectifiedClassifier(LogisticRegression(), population="pool", random_state=seed).fit(
            X, labels
        )
        low, high = model.confidence_interval_[list(model.classes_).index("yes")]
        covered.append(low <= truth <= high)
    assert abs(float(np.mean(covered)) - 0.95) <= 0.025, np.mean(covered)
