"""Cross-prediction-powered inference agrees with ppi_py's crossppi_* and crossfit_predict works."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklearn_llmrect.inference import (
    crossfit_ppi_class_shares,
    crossfit_ppi_mean,
    crossfit_predict,
    ppi_class_shares,
    ppi_mean,
)

TOL = 1e-8


def _pair(lo, hi):
    return float(np.squeeze(lo)), float(np.squeeze(hi))


def _regression(seed, n=200, N=2000):
    rng = np.random.default_rng(seed)
    X, X_unl = rng.normal(size=(n, 3)), rng.normal(size=(N, 3))
    beta = np.array([1.0, -1.0, 0.5])
    return X, X @ beta + 2.0 + rng.normal(size=n), X_unl


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_crossfit_mean_matches_ppi_py(ppi_py, seed, alternative):
    X, y, X_unl = _regression(seed)
    preds = crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=5, random_state=seed)
    ours = crossfit_ppi_mean(
        y, preds.labeled, preds.unlabeled, alternative=alternative, confidence_level=0.9
    )
    lo, hi = ppi_py.crossppi_mean_ci(
        y, preds.labeled, preds.unlabeled, alpha=0.1, alternative=alternative
    )
    est = ppi_py.crossppi_mean_pointestimate(y, preds.labeled, preds.unlabeled)
    assert ours.estimate == pytest.approx(float(np.squeeze(est)), abs=TOL)
    assert ours.confidence_interval == pytest.approx(_pair(lo, hi), abs=TOL)
    assert (ours.method, ours.lambda_) == ("cross-ppi", 1.0)
    # identical to plain PPI on out-of-fold predictions and fold-averaged unlabelled predictions
    plain = ppi_mean(
        y,
        preds.labeled,
        preds.unlabeled.mean(axis=1),
        method="ppi",
        alternative=alternative,
        confidence_level=0.9,
    )
    assert plain.confidence_interval == pytest.approx(ours.confidence_interval, abs=1e-12)
    averaged = crossfit_ppi_mean(
        y,
        preds.labeled,
        preds.unlabeled.mean(axis=1),
        alternative=alternative,
        confidence_level=0.9,
    )
    assert averaged == ours


def test_crossfit_predict_out_of_fold_structure():
    X, y, X_unl = _regression(3, n=50, N=20)
    preds = crossfit_predict(
        LinearRegression(), X, y, X_unl, n_folds=5, random_state=0, return_estimators=True
    )
    assert preds.labeled.shape == (50,) and preds.unlabeled.shape == (20, 5)
    assert sorted(np.bincount(preds.folds)) == [10] * 5
    for k, model in enumerate(preds.estimators):
        held_out = preds.folds == k
        np.testing.assert_allclose(preds.labeled[held_out], model.predict(X[held_out]))
        np.testing.assert_allclose(preds.unlabeled[:, k], model.predict(X_unl))
        # the model of fold k never saw its held-out rows: refitting without them reproduces it
        refit = LinearRegression().fit(X[~held_out], y[~held_out])
        np.testing.assert_allclose(refit.coef_, model.coef_)
    again = crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=5, random_state=0)
    np.testing.assert_array_equal(again.folds, preds.folds)
    assert again.estimators == ()


def test_crossfit_predict_accepts_lists_of_texts():
    class Length:
        def fit(self, X, y):
            self.offset_ = float(np.mean(y) - np.mean([len(t) for t in X]))
            return self

        def predict(self, X):
            return np.array([len(t) + self.offset_ for t in X])

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    texts = ["a" * k for k in range(1, 21)]
    preds = crossfit_predict(Length(), texts, np.arange(20.0), ["xyz"], n_folds=4, random_state=1)
    assert preds.labeled.shape == (20,) and preds.unlabeled.shape == (1, 4)


def test_crossfit_class_shares(ppi_py):
    rng = np.random.default_rng(0)
    X, X_unl = rng.normal(size=(300, 2)), rng.normal(size=(3000, 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=300) > 0, "pos", "neg")
    preds = crossfit_predict(
        LogisticRegression(), X, y, X_unl, response_method="predict_proba", random_state=0
    )
    assert preds.unlabeled.shape == (3000, 5, 2) and list(preds.classes) == ["neg", "pos"]
    shares = crossfit_ppi_class_shares(y, preds.labeled, preds.unlabeled)
    onehot = np.column_stack([y == "neg", y == "pos"]).astype(float)
    for j in range(2):
        lo, hi = ppi_py.crossppi_mean_ci(
            onehot[:, j], preds.labeled[:, j], preds.unlabeled[:, :, j], alpha=0.05
        )
        assert tuple(shares.confidence_intervals[j]) == pytest.approx(_pair(lo, hi), abs=TOL)
    assert shares.estimates.sum() == pytest.approx(1.0)
    plain = ppi_class_shares(y, preds.labeled, preds.unlabeled.mean(axis=1), method="ppi")
    np.testing.assert_allclose(plain.confidence_intervals, shares.confidence_intervals)
    # hard labels per fold model: one-hot codes averaged over the models
    hard = crossfit_predict(LogisticRegression(), X, y, X_unl, random_state=0)
    from_labels = crossfit_ppi_class_shares(y, hard.labeled, hard.unlabeled)
    codes = (hard.unlabeled[:, :, None] == np.array(["neg", "pos"])).mean(axis=1)
    expected = ppi_class_shares(
        y, (hard.labeled[:, None] == np.array(["neg", "pos"])).astype(float), codes, method="ppi"
    )
    np.testing.assert_allclose(from_labels.confidence_intervals, expected.confidence_intervals)


def test_crossfit_predict_validation():
    X, y, X_unl = _regression(0, n=10, N=3)
    with pytest.raises(ValueError, match="n_folds must be between 2 and the number of labels"):
        crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=11)
    with pytest.raises(TypeError, match="n_folds must be an integer"):
        crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=2.5)
    with pytest.raises(ValueError, match="X and y must have the same number of rows"):
        crossfit_predict(LinearRegression(), X[:9], y, X_unl)
    with pytest.raises(ValueError, match="response_method"):
        crossfit_predict(LinearRegression(), X, y, X_unl, response_method="decision_function")
    labels = np.array(["a"] * 5 + ["b"] * 4 + ["c"])  # the fold holding out "c" never sees it
    with pytest.raises(ValueError, match="every class needs a label in every training fold"):
        crossfit_predict(
            LogisticRegression(), X, labels, X_unl, n_folds=10, response_method="predict_proba"
        )
