"""Coverage of the class-share intervals a multi-fidelity loop can give, over seeded replications.

Each replication draws a fresh pool from a model whose class share is known, runs the loop (EEQ
selection driven by the uncertainty of a student fitted on 20 random labels, LLM labels of
accuracy 0.8) and checks whether the 90% interval covers the true share:

* rectified with the uniform random reserve (PPI++ through RectifiedClassifier): valid;
* rectified with an IPW sample drawn with known, uncertainty-driven probabilities: valid;
* "rectified" with the EEQ-chosen human labels instead (what the loop refuses to do): the
  student is misspecified (a linear model for an "or" of two regions) and trained on those very
  labels, so the estimate is biased and the interval misses the truth most of the time.
"""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from sklearn_llmrect.annotators import OracleAnnotator, SimulatedAnnotator
from sklearn_llmrect.multifidelity import MultiFidelityClassifier
from sklearn_llmrect.rectify import RectifiedClassifier
from sklearn_llmrect.selection import EEQSelector

N_REPLICATIONS = 100  # binomial sd of a 90% coverage: 3 points; tolerance 8 points
LEVEL = 0.90
# y = pos if x0 + 0.5 e > 0.8 or x1 > 1.3, with x0, x1, e independent standard normals
_A, _B = norm.sf(0.8 / np.sqrt(1.25)), norm.sf(1.3)
TRUE_SHARE = float(_A + _B - _A * _B)


def _pool(rng, n=400):
    X = rng.normal(size=(n, 2))
    positive = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.8) | (X[:, 1] > 1.3)
    return X, np.where(positive, "pos", "neg")


def _fit(X, truth, seed, rectification):
    y = np.full(len(X), -1, dtype=object)
    y[:20] = truth[:20]  # a first random sample, so that every query is uncertainty-driven
    return MultiFidelityClassifier(
        LogisticRegression(),
        human_annotator=OracleAnnotator(truth),
        llm_annotator=SimulatedAnnotator(truth, accuracy=0.8, random_state=seed),
        selector=EEQSelector(embedder=None, prefilter=2),
        n_human=60,
        n_llm=60,
        n_rounds=2,
        rectification=rectification,
        n_rectify=60,
        random_state=seed,
    ).fit(X, y)


def _covers(result):
    low, high = result["pos"].confidence_interval
    return low <= TRUE_SHARE <= high


@pytest.mark.parametrize("rectification", ["reserve", "ipw"])
def test_rectified_shares_cover_and_selected_labels_do_not(rectification):
    rng = np.random.default_rng(2024)
    covered, naive_covered = [], []
    with threadpool_limits(1):
        for replication in range(N_REPLICATIONS):
            X, truth = _pool(rng)
            model = _fit(X, truth, replication, rectification)
            covered.append(_covers(model.rectified_shares(X, confidence_level=LEVEL)))
            if rectification == "reserve":  # the refused shortcut, done by hand
                y = np.full(len(X), -1, dtype=object)
                y[model.human_indices_] = model.human_labels_
                naive = RectifiedClassifier(
                    FrozenEstimator(model.estimator_), allocation=0, confidence_level=LEVEL
                ).fit(X, y)
                naive_covered.append(_covers(naive.result_))
    coverage = float(np.mean(covered))
    assert abs(coverage - LEVEL) <= 0.08, coverage
    if naive_covered:
        assert np.mean(naive_covered) < 0.6, np.mean(naive_covered)


# -- the regressor: the mean of y = x0 + x1^2 + e is 1 (E[x1^2] = 1) ------------------------------
TRUE_MEAN = 1.0


def _regression_pool(rng, n=400):
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + X[:, 1] ** 2 + 0.5 * rng.normal(size=n)


@pytest.mark.parametrize("rectification", ["reserve", "ipw"])
def test_rectified_mean_covers_and_selected_labels_do_not(rectification):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression

    from sklearn_llmrect.annotators import CallableAnnotator
    from sklearn_llmrect.multifidelity import MultiFidelityRegressor
    from sklearn_llmrect.rectify import RectifiedRegressor

    rng = np.random.default_rng(2025)
    covered, naive_covered = [], []
    with threadpool_limits(1):
        for replication in range(N_REPLICATIONS):
            X, truth = _regression_pool(rng)
            noisy = truth + rng.normal(scale=1.0, size=len(truth))
            y = np.full(len(X), np.nan)
            y[:20] = truth[:20]
            model = MultiFidelityRegressor(
                # a small forest: its members' spread drives EEQ, the split and the IPW draw
                RandomForestRegressor(n_estimators=10, max_depth=4, random_state=replication),
                human_annotator=OracleAnnotator(truth),
                llm_annotator=CallableAnnotator(lambda _, i, n=noisy: n[i], pass_indices=True),
                selector=EEQSelector(embedder=None, prefilter=2),
                n_human=60,
                n_llm=60,
                n_rounds=2,
                rectification=rectification,
                n_rectify=60,
                random_state=replication,
            ).fit(X, y)
            low, high = model.rectified_mean(X, confidence_level=LEVEL).confidence_interval
            covered.append(low <= TRUE_MEAN <= high)
            if rectification == "reserve":  # the refused shortcut, with a linear student
                linear = LinearRegression().fit(
                    X[model.human_indices_], model.human_labels_.astype(float)
                )
                y_naive = np.full(len(X), np.nan)
                y_naive[model.human_indices_] = model.human_labels_.astype(float)
                naive = RectifiedRegressor(
                    FrozenEstimator(linear), allocation=0, confidence_level=LEVEL
                ).fit(X, y_naive)
                low, high = naive.result_.confidence_interval
                naive_covered.append(low <= TRUE_MEAN <= high)
    coverage = float(np.mean(covered))
    assert abs(coverage - LEVEL) <= 0.08, coverage
    if naive_covered:
        assert np.mean(naive_covered) < 0.6, np.mean(naive_covered)
