"""The ramp-up pilot (Wang, Ye & Zhao, appendix EC.2) on estimators whose residual variance
follows a known scaling law."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression

from sklearn_llmrect.rectify.allocation import ScalingLaw
from sklearn_llmrect.rectify.rampup import default_ramp_sizes, ramp_up, residual_variance


class LawRegressor(RegressorMixin, BaseEstimator):
    """Fitted on s rows, predicts y - sqrt(a s^-alpha + b) * z from X = [y, z]: its residual
    variance is exactly the law's (up to the sample variance of z)."""

    def __init__(self, a=10.21, alpha=0.21, b=1.98):
        self.a, self.alpha, self.b = a, alpha, b

    def fit(self, X, y):
        self.n_fit_ = len(y)
        self.fit_rows_ = np.asarray(X)[:, 2].copy()
        return self

    def predict(self, X):
        X = np.asarray(X)
        scale = np.sqrt(self.a * self.n_fit_ ** (-self.alpha) + self.b)
        return X[:, 0] - scale * X[:, 1]


def _law_data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 4, n)
    return np.column_stack([y, rng.normal(size=n), np.arange(n)]), y


def test_stops_at_the_first_stage_past_the_papers_optimum():
    X, y = _law_data(14_000)
    # n - n_validation = 10,000 labels to split: the paper's s* is 1,028
    assert ScalingLaw.from_params(10.21, 0.21, 1.98).optimal_split(10_000) == 1028
    result = ramp_up(
        LawRegressor(),
        X,
        y,
        n_validation=4_000,
        sizes=[100, 200, 400, 800, 1600, 3200, 6400],
        cap_at_estimate=False,  # the paper's schedule
        random_state=0,
    )
    assert result.n_finetune == 1600
    assert result.sizes == [100, 200, 400, 800, 1600]
    assert result.optimal_sizes[:2] == [None, None]
    assert 800 < result.optimal_sizes[-1] <= 1600
    assert "<= current size 1600" in result.stop_reason
    assert result.fine_tuning_pays
    law = result.scaling_law
    assert law.alpha_ == pytest.approx(0.21, abs=0.15) and law.r2_ > 0.9


def test_capped_schedule_stops_near_the_optimum_instead_of_a_growth_step_past_it():
    X, y = _law_data(14_000)
    sizes = [100, 200, 400, 800, 1600, 3200, 6400]
    result = ramp_up(LawRegressor(), X, y, n_validation=4_000, sizes=sizes, random_state=0)
    assert result.sizes[:4] == [100, 200, 400, 800]
    assert 800 < result.n_finetune < 1600  # the paper's schedule keeps 1,600
    assert abs(result.n_finetune - 1028) / 1028 < 0.2
    assert result.optimal_sizes[-1] <= result.n_finetune


def test_indices_partition_the_labels_and_the_kept_model_saw_only_its_rows():
    X, y = _law_data(3_000, seed=1)
    result = ramp_up(LawRegressor(), X, y, random_state=3)
    parts = [result.finetune_indices, result.validation_indices, result.rectify_indices]
    assert sum(len(p) for p in parts) == len(y)
    assert len(np.unique(np.concatenate(parts))) == len(y)
    assert len(result.validation_indices) == 300  # max(20, n // 10), charged to the budget
    assert len(result.finetune_indices) == result.n_finetune == result.estimator.n_fit_
    np.testing.assert_array_equal(
        np.sort(result.estimator.fit_rows_), np.sort(result.finetune_indices)
    )


def test_useless_fine_tuning_stops_at_the_first_fitted_stage():
    X, y = _law_data(3_000, seed=2)
    result = ramp_up(LawRegressor(a=0.5, alpha=0.5, b=15.0), X, y, random_state=0)
    assert len(result.sizes) == 3
    assert result.optimal_sizes[-1] <= result.sizes[-1]
    # residual variance about 15 against Var(Y) = 16: rectifying the 64-label model with the
    # other 2,636 labels still beats the classical mean of all 2,700 (15/2636 < 16/2700)
    assert result.fine_tuning_pays


def test_a_model_worse_than_the_mean_does_not_pay():
    X, y = _law_data(3_000, seed=2)
    result = ramp_up(LawRegressor(a=0.5, alpha=0.5, b=17.0), X, y, random_state=0)
    assert not result.fine_tuning_pays  # residual variance 17 > Var(Y) = 16


def test_classifier_residual_variance_is_the_onehot_trace():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] + rng.normal(0, 1, 200) > 0, "pos", "neg")
    model = LogisticRegression().fit(X, y)
    onehot = np.column_stack([y == "neg", y == "pos"]).astype(float)
    expected = np.var(onehot - model.predict_proba(X), axis=0, ddof=1).sum()
    assert residual_variance(model, X, y) == pytest.approx(expected)


def test_default_sizes_and_bad_arguments():
    assert default_ramp_sizes(1000) == [16, 32, 64, 128, 256, 512]
    assert default_ramp_sizes(10) == [2, 4, 8]
    assert default_ramp_sizes(4) == [1, 2, 3]  # too few for doubling: quarters
    X, y = _law_data(100)
    with pytest.raises(ValueError, match="n_validation"):
        ramp_up(LawRegressor(), X, y, n_validation=99)
    with pytest.raises(ValueError, match="sizes must be"):
        ramp_up(LawRegressor(), X, y, sizes=[10, 5, 20])
    with pytest.raises(ValueError, match="different lengths"):
        ramp_up(LawRegressor(), X, y[:-1])


def test_classifier_ramp_up_uses_the_onehot_label_variance_as_baseline():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.where(X[:, 0] + rng.normal(0, 1, 400) > 0, "pos", "neg")
    result = ramp_up(LogisticRegression(), X, y, n_unlabeled=5_000, random_state=0)
    onehot = np.column_stack([y == "neg", y == "pos"]).astype(float)
    assert result.scaling_law.var_y_ == pytest.approx(np.var(onehot, axis=0, ddof=1).sum())
    assert result.n_finetune in result.sizes


def test_memory_makes_a_rerun_load_every_stage(tmp_path):
    from sklearn.linear_model import Ridge

    from sklearn_llmrect.caching import CachedEstimator, FitCache

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 10))
    y = X @ np.linspace(1, 0.1, 10) + rng.normal(size=600)
    first = ramp_up(Ridge(), X, y, memory=tmp_path, random_state=0)
    stored = FitCache(tmp_path).size()
    assert stored["fits"] == len(first.sizes) and stored["predictions"] >= len(first.sizes)
    cache = FitCache(tmp_path)
    again = ramp_up(Ridge(), X, y, memory=cache, random_state=0)
    assert cache.stats["fits_loaded"] == len(first.sizes) and cache.stats["fits_saved"] == 0
    assert again.residual_variances == first.residual_variances
    assert not isinstance(again.estimator, CachedEstimator)
