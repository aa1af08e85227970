"""The finite-pool estimates (``population="pool"``): formulas by hand, and the errors."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from sklearn_llmrect.inference import (
    classical_class_shares,
    classical_mean,
    crossfit_ppi_class_shares,
    crossfit_ppi_mean,
    crossfit_predict,
    ppi_class_shares,
    ppi_mean,
)
from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor


@pytest.fixture
def sample():
    rng = np.random.default_rng(0)
    y = rng.normal(size=80)
    f = 0.7 * y + rng.normal(0, 0.5, 80)
    f_unlabeled = rng.normal(0, 0.9, 320)
    return y, f, f_unlabeled


def test_classical_pool_is_cochrans_interval(sample):
    y = sample[0]
    result = classical_mean(y, population="pool", pool_size=400)
    se = np.sqrt((1 - 80 / 400) * np.var(y, ddof=1) / 80)
    assert result.estimate == pytest.approx(y.mean())
    assert result.stderr == pytest.approx(se)
    assert result.confidence_interval == pytest.approx(
        (y.mean() - 1.959964 * se, y.mean() + 1.959964 * se), rel=1e-6
    )
    assert result.effective_sample_size == pytest.approx(80)
    assert result.target == "mean (pool)"
    # the whole pool labelled: its mean is known exactly
    assert classical_mean(y, population="pool", pool_size=80).stderr == 0.0


def test_ppi_pool_is_the_difference_estimator(sample):
    y, f, fu = sample
    n, P = len(y), len(y) + len(fu)
    result = ppi_mean(y, f, fu, method="ppi", population="pool")
    # the labels count as themselves; the unlabelled mean is rectified: (sum y + N * ppi) / P
    ppi_of_unlabeled = fu.mean() + (y - f).mean()
    assert result.estimate == pytest.approx((y.sum() + len(fu) * ppi_of_unlabeled) / P)
    assert result.stderr == pytest.approx(np.sqrt((1 - n / P) * np.var(y - f, ddof=1) / n))
    assert result.lambda_ == 1.0
    tuned = ppi_mean(y, f, fu, population="pool")
    expected = np.cov(y, f)[0, 1] / np.var(f, ddof=1)  # the regression slope
    assert tuned.lambda_ == pytest.approx(np.clip(expected, 0, 1))
    assert tuned.stderr <= result.stderr * (1 + 1e-12)  # the tuned lambda minimises S^2_e
    # a fixed lambda is honoured
    assert ppi_mean(y, f, fu, lambda_=0.25, population="pool").lambda_ == 0.25


def test_pool_interval_is_narrower_than_the_superpopulation_one(sample):
    y, f, fu = sample
    for method in ("ppi", "ppi++", "classical"):
        pool = ppi_mean(y, f, fu, method=method, population="pool")
        superpopulation = ppi_mean(y, f, fu, method=method)
        assert pool.stderr < superpopulation.stderr, method


def test_crossfit_pool_matches_ppi_pool_on_the_same_predictions():
    rng = np.random.default_rng(1)
    X, X_unl = rng.normal(size=(120, 3)), rng.normal(size=(480, 3))
    y = X @ [1.0, -0.5, 0.2] + rng.normal(size=120)
    preds = crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=4, random_state=0)
    for method in ("ppi", "ppi++"):
        cross = crossfit_ppi_mean(
            y, preds.labeled, preds.unlabeled, method=method, population="pool"
        )
        same = ppi_mean(
            y, preds.labeled, preds.unlabeled.mean(axis=1), method=method, population="pool"
        )
        assert cross.estimate == pytest.approx(same.estimate)
        assert cross.stderr == pytest.approx(same.stderr)
        assert cross.method == f"cross-{method}"


def test_class_shares_pool_sum_to_one_and_match_the_mean_per_class():
    rng = np.random.default_rng(2)
    y = rng.choice(["a", "b", "c"], size=150)
    proba = rng.dirichlet([1, 1, 1], size=150)
    proba_unl = rng.dirichlet([1, 1, 1], size=600)
    shares = ppi_class_shares(y, proba, proba_unl, method="ppi", population="pool")
    assert shares.estimates.sum() == pytest.approx(1.0)
    for j, c in enumerate(shares.classes):
        mean = ppi_mean(
            (y == c).astype(float), proba[:, j], proba_unl[:, j], method="ppi", population="pool"
        )
        assert shares[c].estimate == pytest.approx(mean.estimate)
        assert shares[c].stderr == pytest.approx(mean.stderr)
    tuned = ppi_class_shares(y, proba, proba_unl, population="pool")
    assert len(set(tuned.lambdas.tolist())) == 1  # one lambda, so the shares sum to one
    classical = classical_class_shares(y, population="pool", pool_size=750)
    assert classical.stderrs == pytest.approx(
        np.sqrt((1 - 150 / 750) * np.array([np.var(y == c, ddof=1) for c in "abc"]) / 150)
    )
    cross = crossfit_ppi_class_shares(y, proba, proba_unl, population="pool")
    assert cross.estimates.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda y: classical_mean(y, population="pool"), "needs pool_size"),
        (lambda y: classical_mean(y, population="pool", pool_size=10), "at least the number"),
        (lambda y: classical_mean(y, population="pool", pool_size=100.0), "must be an integer"),
        (lambda y: classical_mean(y, pool_size=100), "pass population='pool'"),
        (lambda y: classical_mean(y, population="finite"), "population must be one of"),
        (
            lambda y: classical_mean(
                y, population="pool", pool_size=100, sample_weight=np.ones(len(y))
            ),
            "no sample weights",
        ),
        (
            lambda y: ppi_mean(y, y, y, population="pool", sample_weight_unlabeled=np.ones(80)),
            "no sample weights",
        ),
        (lambda y: crossfit_ppi_mean(y, y, y, population="all"), "population must be one of"),
    ],
)
def test_bad_population_arguments_are_named(sample, call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(sample[0])


def _rated_pool(seed=0, size=400, n_labeled=120):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(size, 3))
    y = X @ [1.0, 0.5, 0.0] + rng.normal(size=size)
    partial = y.copy()
    partial[rng.choice(size, size - n_labeled, replace=False)] = np.nan
    return X, y, partial


def test_regressor_split_counts_the_fine_tuning_labels_exactly():
    X, _, partial = _rated_pool()
    model = RectifiedRegressor(Ridge(), allocation=0.25, population="pool", random_state=0)
    model.fit(X, partial)
    sub = ppi_mean(
        partial[model.rectify_indices_],
        model.rectify_predictions_,
        model.unlabeled_predictions_,
        population="pool",
    )
    known = partial[model.finetune_indices_]
    P = len(partial)
    assert model.estimate_ == pytest.approx((known.sum() + (P - len(known)) * sub.estimate) / P)
    assert model.stderr_ == pytest.approx((P - len(known)) / P * sub.stderr)
    assert model.result_.n_labeled == 120 and model.result_.n_unlabeled == 280
    assert model.result_.target == "mean (pool)"


def test_regressor_pool_budget_keeps_the_unused_labelled_rows_in_the_pool():
    X, _, partial = _rated_pool()
    model = RectifiedRegressor(
        Ridge(), method="cross", budget=60, population="pool", random_state=0
    ).fit(X, partial)
    assert model.n_labeled_used_ == 60
    assert model.n_unlabeled_ == 400 - 60  # the 60 unused labels are pool rows, not dropped
    superpopulation = RectifiedRegressor(Ridge(), method="cross", budget=60, random_state=0)
    assert superpopulation.fit(X, partial).n_unlabeled_ == 280


def test_regressor_pool_with_every_row_labelled_is_exact():
    X, y, _ = _rated_pool()
    with pytest.warns(UserWarning, match="nothing to rectify"):
        model = RectifiedRegressor(Ridge(), population="pool").fit(X, y)
    assert model.estimate_ == pytest.approx(y.mean())
    assert model.stderr_ == 0.0


def test_classifier_pool_split_shares_sum_to_one():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 2))
    labels = np.where(X[:, 0] > 0, "pos", "neg").astype(object)
    labels[150:] = -1
    from sklearn.linear_model import LogisticRegression

    model = RectifiedClassifier(
        LogisticRegression(), allocation=0.3, population="pool", random_state=0
    ).fit(X, labels)
    assert model.estimate_.sum() == pytest.approx(1.0)
    assert model.result_.results[0].n_labeled == 150


def test_meta_estimator_rejects_pool_with_a_regression_estimand():
    X, _, partial = _rated_pool()
    import pandas as pd

    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="population='pool'.*estimand='mean'"):
        RectifiedRegressor(Ridge(), estimand="ols", covariates=["a"], population="pool").fit(
            frame, partial
        )
    with pytest.raises(ValueError, match="population must be one of"):
        RectifiedRegressor(Ridge(), population="finite").fit(X, partial)
