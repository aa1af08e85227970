"""Tests of the fine-tune-then-rectify meta-estimators (fast scikit-learn sub-estimators only)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from sklearn_llmrect.inference import (
    ClassSharesResult,
    InferenceResult,
    classical_class_shares,
    classical_mean,
    crossfit_ppi_mean,
    crossfit_predict,
    ppi_class_shares,
    ppi_mean,
)
from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor

BETA = np.array([1.0, -0.5, 0.25])


def regression_data(n_labeled=200, n_unlabeled=1000, seed=0, noise=0.5, n_features=3):
    rng = np.random.default_rng(seed)
    n = n_labeled + n_unlabeled
    X = rng.normal(size=(n, n_features))
    beta = np.resize(BETA, n_features)
    y = X @ beta + 2.0 + rng.normal(0, noise, n)
    y_obs = y.copy()
    y_obs[n_labeled:] = np.nan
    return X, y_obs, y


def classification_data(n_labeled=300, n_unlabeled=1500, seed=0, strings=True):
    rng = np.random.default_rng(seed)
    n = n_labeled + n_unlabeled
    X = rng.normal(size=(n, 2))
    score = X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=n)
    labels = np.digitize(score, [-0.5, 0.6])
    if strings:
        y = np.array(["low", "mid", "high"], dtype=object)[labels]
    else:
        y = labels.astype(int)
    y_obs = y.copy()
    y_obs[n_labeled:] = -1
    return X, y_obs, y


# ------------------------------------------------------------------------- hand computations
@pytest.mark.parametrize("method", ["ppi", "ppi++"])
def test_regressor_matches_ppi_mean_on_same_split(method):
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), allocation=0.4, method=method, random_state=0).fit(X, y)
    assert model.n_finetune_ == 80 and model.n_rectify_ == 120 and model.n_validation_ == 0
    assert model.n_unlabeled_ == 1000 and model.n_labeled_used_ == 200
    ft, rect = model.finetune_indices_, model.rectify_indices_
    assert len(np.intersect1d(ft, rect)) == 0
    assert np.all(rect < 200) and np.all(ft < 200)
    ridge = Ridge().fit(X[ft], y[ft])
    np.testing.assert_allclose(model.estimator_.coef_, ridge.coef_)
    expected = ppi_mean(y[rect], ridge.predict(X[rect]), ridge.predict(X[200:]), method=method)
    assert isinstance(model.result_, InferenceResult)
    assert model.estimate_ == pytest.approx(expected.estimate, abs=1e-12)
    assert model.stderr_ == pytest.approx(expected.stderr, abs=1e-12)
    np.testing.assert_allclose(model.confidence_interval_, expected.confidence_interval)
    assert model.lambda_ == pytest.approx(expected.lambda_)
    assert model.effective_sample_size_ == pytest.approx(expected.effective_sample_size)
    assert model.scaling_law_ is None
    assert "PPI" in model.result_.summary()
    np.testing.assert_allclose(model.predict(X[:5]), ridge.predict(X[:5]))


def test_classifier_matches_ppi_class_shares_and_sums_to_one():
    X, y, _ = classification_data()
    model = RectifiedClassifier(LogisticRegression(), allocation=100, random_state=1).fit(X, y)
    assert model.n_finetune_ == 100 and model.n_rectify_ == 200
    assert isinstance(model.result_, ClassSharesResult)
    assert sorted(model.classes_.tolist()) == ["high", "low", "mid"]
    ft, rect = model.finetune_indices_, model.rectify_indices_
    clf = LogisticRegression().fit(X[ft], y[ft].astype(str))
    expected = ppi_class_shares(
        y[rect].astype(str),
        clf.predict_proba(X[rect]),
        clf.predict_proba(X[300:]),
        classes=clf.classes_,
    )
    np.testing.assert_allclose(model.estimate_, expected.estimates, atol=1e-10)
    assert model.estimate_.sum() == pytest.approx(1.0, abs=1e-8)
    assert model.confidence_interval_.shape == (3, 2)
    assert np.all(model.confidence_interval_[:, 0] < model.estimate_)
    assert np.all(model.estimate_ < model.confidence_interval_[:, 1])
    assert model.stderr_.shape == model.lambda_.shape == (3,)
    proba = model.predict_proba(X[:7])
    assert proba.shape == (7, 3)
    assert set(model.predict(X[:7])) <= set(model.classes_)
    assert "share" in model.result_.summary()


def test_classifier_integer_labels_and_string_minus_one():
    X, y, _ = classification_data(strings=False)
    model = RectifiedClassifier(LogisticRegression(), allocation=0.3, random_state=0).fit(X, y)
    assert model.classes_.tolist() == [0, 1, 2] and model.n_labeled_ == 300
    y_str = np.asarray(y).astype(str)  # "-1" marks unlabelled rows in a string array
    model_str = RectifiedClassifier(LogisticRegression(), allocation=0.3, random_state=0)
    model_str.fit(X, y_str)
    assert model_str.n_labeled_ == 300 and model_str.n_unlabeled_ == 1500
    np.testing.assert_allclose(model_str.estimate_, model.estimate_)


# --------------------------------------------------------------------------------- budget
def test_budget_uses_a_seeded_subset():
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), allocation=0.5, budget=60, random_state=3).fit(X, y)
    assert model.n_labeled_ == 200 and model.n_labeled_used_ == 60
    assert model.n_finetune_ + model.n_rectify_ == 60 and model.n_unlabeled_ == 1000
    used = model.labeled_indices_used_
    assert len(np.unique(used)) == 60 and np.all(used < 200)
    assert set(model.finetune_indices_) | set(model.rectify_indices_) == set(used)
    again = RectifiedRegressor(Ridge(), allocation=0.5, budget=60, random_state=3).fit(X, y)
    np.testing.assert_array_equal(again.labeled_indices_used_, used)
    assert again.estimate_ == model.estimate_
    other = RectifiedRegressor(Ridge(), allocation=0.5, budget=60, random_state=4).fit(X, y)
    assert not np.array_equal(other.labeled_indices_used_, used)


def test_budget_larger_than_labels_names_both_numbers():
    X, y, _ = regression_data(n_labeled=50)
    with pytest.raises(ValueError, match=r"budget=80.*\(50\)"):
        RectifiedRegressor(Ridge(), allocation=0.5, budget=80).fit(X, y)


# ----------------------------------------------------------------------------- allocations
@pytest.mark.parametrize(
    "allocation, n_finetune",
    [(0.25, 50), (0.5, 100), (30, 30), (198, 198)],
)
def test_fraction_and_count_allocations(allocation, n_finetune):
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), allocation=allocation, random_state=0).fit(X, y)
    assert model.n_finetune_ == n_finetune
    assert model.n_finetune_ + model.n_rectify_ + model.n_validation_ == model.n_labeled_used_


@pytest.mark.parametrize("prefit", ["fitted", "frozen"])
def test_allocation_zero_with_prefitted_model(prefit):
    X, y, _ = regression_data()
    rng = np.random.default_rng(9)
    X_other = rng.normal(size=(100, 3))
    base = LinearRegression().fit(X_other, X_other @ BETA + 2.0)
    estimator = base if prefit == "fitted" else FrozenEstimator(base)
    model = RectifiedRegressor(estimator, allocation=0, random_state=0).fit(X, y)
    assert model.n_finetune_ == 0 and model.n_rectify_ == 200 and model.n_validation_ == 0
    assert model.estimator_ is estimator
    np.testing.assert_array_equal(model.rectify_indices_, np.arange(200))
    expected = ppi_mean(y[:200], base.predict(X[:200]), base.predict(X[200:]))
    assert model.estimate_ == pytest.approx(expected.estimate, abs=1e-12)
    zero_float = RectifiedRegressor(estimator, allocation=0.0).fit(X, y)
    assert zero_float.estimate_ == pytest.approx(model.estimate_)


def test_allocation_zero_with_unfitted_model_raises():
    X, y, _ = regression_data()
    with pytest.raises(ValueError, match="allocation=0.*already be fitted"):
        RectifiedRegressor(Ridge(), allocation=0).fit(X, y)


def test_auto_allocation_runs_ramp_up_and_counts_add_up():
    X, y, _ = regression_data(n_labeled=400, n_unlabeled=1000, n_features=20, noise=1.0)
    model = RectifiedRegressor(Ridge(), allocation="ramp-up", random_state=0).fit(X, y)
    assert model.ramp_up_ is not None
    assert model.n_validation_ == 40  # max(20, n // 10)
    assert model.n_finetune_ == model.ramp_up_.n_finetune > 0
    assert model.n_finetune_ + model.n_rectify_ + model.n_validation_ == model.n_labeled_used_
    assert model.scaling_law_ is model.ramp_up_.scaling_law
    parts = [model.finetune_indices_, model.validation_indices_, model.rectify_indices_]
    all_rows = np.concatenate(parts)
    assert len(np.unique(all_rows)) == 400 and np.all(all_rows < 400)
    expected = ppi_mean(
        y[model.rectify_indices_],
        model.estimator_.predict(X[model.rectify_indices_]),
        model.estimator_.predict(X[400:]),
    )
    assert model.estimate_ == pytest.approx(expected.estimate, abs=1e-12)


def test_auto_allocation_classifier():
    X, y, _ = classification_data(n_labeled=300)
    model = RectifiedClassifier(LogisticRegression(), allocation="ramp-up", random_state=0).fit(
        X, y
    )
    assert model.n_validation_ == 30
    assert model.n_finetune_ + model.n_rectify_ + model.n_validation_ == 300
    assert model.estimate_.sum() == pytest.approx(1.0, abs=1e-8)


def _noise_data(rng, n_labeled=300, n_unlabeled=300):
    """Features that carry no signal: no fine-tuning share can beat the classical mean."""
    X = rng.normal(size=(n_labeled + n_unlabeled, 2))
    y = rng.normal(size=n_labeled + n_unlabeled)
    y_observed = y.copy()
    y_observed[n_labeled:] = np.nan
    return X, y, y_observed


def test_auto_falls_back_to_the_classical_mean_when_fine_tuning_does_not_pay():
    X, y, y_observed = _noise_data(np.random.default_rng(0))
    model = RectifiedRegressor(KNeighborsRegressor(5), allocation="ramp-up", random_state=0).fit(
        X, y_observed
    )
    assert not model.ramp_up_.fine_tuning_pays
    assert model.n_finetune_ == 0 and len(model.finetune_indices_) == 0
    # every label outside the validation set, the ramp-up's training rows included
    expected_rows = np.setdiff1d(np.arange(300), model.validation_indices_)
    np.testing.assert_array_equal(model.rectify_indices_, expected_rows)
    assert model.n_rectify_ + model.n_validation_ == 300
    reference = classical_mean(y[expected_rows])
    assert model.estimate_ == pytest.approx(reference.estimate, abs=1e-12)
    np.testing.assert_allclose(model.confidence_interval_, reference.confidence_interval)
    assert model.lambda_ == 0 and model.rectify_predictions_ is None
    assert model.predict(X[:3]).shape == (3,)  # the last stage's model, kept for predict


def test_classifier_falls_back_to_the_classical_shares():
    rng = np.random.default_rng(1)
    X, _, _ = _noise_data(rng)
    labels = rng.integers(0, 3, size=600)
    labels[300:] = -1
    model = RectifiedClassifier(KNeighborsClassifier(5), allocation="ramp-up", random_state=0).fit(
        X, labels
    )
    assert not model.ramp_up_.fine_tuning_pays and model.n_finetune_ == 0
    reference = classical_class_shares(labels[model.rectify_indices_], classes=[0, 1, 2])
    np.testing.assert_allclose(model.estimate_, reference.estimates, atol=1e-12)


# ---------------------------------------------------------------------------------- cross
def test_cross_regressor_matches_crossfit_ppi_mean():
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), method="cross", n_folds=4, random_state=0).fit(X, y)
    assert len(model.estimators_) == 4
    assert model.n_rectify_ == 200 and model.n_finetune_ == 0 and model.n_validation_ == 0
    assert model.lambda_ == 1.0 and model.result_.method == "cross-ppi"
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    preds = crossfit_predict(Ridge(), X[:200], y[:200], X[200:], n_folds=4, random_state=seed)
    expected = crossfit_ppi_mean(y[:200], preds.labeled, preds.unlabeled)
    assert model.estimate_ == pytest.approx(expected.estimate, abs=1e-12)
    assert model.stderr_ == pytest.approx(expected.stderr, abs=1e-12)
    average = np.mean([m.predict(X[:5]) for m in model.estimators_], axis=0)
    np.testing.assert_allclose(model.predict(X[:5]), average)


def test_cross_classifier():
    X, y, _ = classification_data()
    model = RectifiedClassifier(LogisticRegression(), method="cross", n_folds=3, random_state=0)
    model.fit(X, y)
    assert len(model.estimators_) == 3 and model.confidence_interval_.shape == (3, 2)
    assert model.estimate_.sum() == pytest.approx(1.0, abs=1e-8)
    proba = np.mean([m.predict_proba(X[:9]) for m in model.estimators_], axis=0)
    np.testing.assert_allclose(model.predict_proba(X[:9]), proba)
    np.testing.assert_array_equal(model.predict(X[:9]), model.classes_[proba.argmax(axis=1)])


# ------------------------------------------------------------------------- other inputs
def test_list_of_texts_and_dataframe_inputs():
    pd = pytest.importorskip("pandas")

    class LengthRegressor(LinearRegression):
        """Regresses on the length of a text (a tiny text 'model')."""

        def fit(self, X, y):
            return super().fit(np.array([[len(t)] for t in X], dtype=float), y)

        def predict(self, X):
            return super().predict(np.array([[len(t)] for t in X], dtype=float))

    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, size=300)
    texts = ["x" * k for k in lengths]
    y = lengths * 0.5 + rng.normal(size=300)
    y[100:] = np.nan
    model = RectifiedRegressor(LengthRegressor(), allocation=0.3, random_state=0).fit(texts, y)
    assert model.n_rectify_ == 70 and np.isfinite(model.estimate_)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y2 = frame["a"].to_numpy() + 1.0
    y2[150:] = np.nan
    fitted = RectifiedRegressor(Ridge(), allocation=0.5, random_state=0).fit(frame, y2)
    assert fitted.n_unlabeled_ == 150


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(allocation="best"), "allocation must be 'auto'"),
        (dict(allocation=1.0), r"allocation as a float.*\[0, 1\)"),
        (dict(allocation=-3), "allocation must be a non-negative"),
        (dict(allocation=True), "allocation must be"),
        (dict(allocation=199), "at least 2 rectification labels.*at most 198"),
        (dict(method="bayes"), "method must be one of"),
        (dict(n_folds=1), "n_folds must be an integer >= 2"),
        (dict(n_folds=500, method="cross"), r"n_folds=500.*\(200\)"),
        (dict(budget=0), "budget must be None or an integer"),
        (dict(budget=2.5), "budget must be None or an integer"),
        (dict(confidence_level=1.5), r"confidence_level must be a float in \(0, 1\)"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match):
    X, y, _ = regression_data()
    params = {"allocation": 0.5, **params}
    with pytest.raises(ValueError, match=match):
        RectifiedRegressor(Ridge(), **params).fit(X, y)


def test_bad_labels_raise_clear_errors():
    X, y, _ = regression_data()
    with pytest.raises(ValueError, match="no labelled rows"):
        RectifiedRegressor(Ridge(), allocation=0.5).fit(X, np.full(len(y), np.nan))
    with pytest.raises(ValueError, match="same number of rows"):
        RectifiedRegressor(Ridge(), allocation=0.5).fit(X[:100], y)
    Xc, yc, _ = classification_data()
    with pytest.raises(ValueError, match="NaN.*-1"):
        RectifiedClassifier(LogisticRegression(), allocation=0.5).fit(Xc, np.full(len(yc), np.nan))


def test_auto_needs_enough_labels():
    X, y, _ = regression_data(n_labeled=20)
    with pytest.raises(ValueError, match="at least 24 labelled rows; got 20"):
        RectifiedRegressor(Ridge(), allocation="ramp-up").fit(X, y)


def test_rectification_class_unknown_to_model_raises():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = np.where(X[:, 0] > 0, "a", "b").astype(object)
    y[200:] = -1
    # the split of fit: a permutation of the 200 labelled rows seeded by random_state
    order = np.random.RandomState(0).permutation(200)
    y[order[:2]] = ["a", "b"]  # the 10 fine-tuning rows see both common classes
    y[order[50]] = "rare"  # a class only among the rectification rows
    model = RectifiedClassifier(LogisticRegression(), allocation=10, random_state=0)
    with pytest.raises(ValueError, match=r"classes \['rare'\].*does not know"):
        model.fit(X, y)


def test_default_estimator_is_not_imported_at_construction():
    model = RectifiedRegressor()
    assert model.estimator is None and model.get_params()["allocation"] == "auto"
    assert clone(RectifiedClassifier(LogisticRegression(C=2.0))).get_params()["estimator__C"] == 2.0


def test_predict_proba_availability():
    assert not hasattr(RectifiedRegressor(Ridge()), "predict_proba")
    assert hasattr(RectifiedClassifier(LogisticRegression()), "predict_proba")


# ----------------------------------------------------------------------------- score / CV
def test_score_is_negative_predicted_variance():
    X, y, _ = regression_data(n_labeled=300, seed=1)
    model = RectifiedRegressor(Ridge(), allocation=0.5, random_state=0).fit(X[:800], y[:800])
    X_test, y_test = X[800:], y[800:].copy()
    y_test[:50] = regression_data(n_labeled=300, seed=1)[2][800:850]
    f = model.predict(X_test)
    labeled = ~np.isnan(y_test)
    var_r = np.var(y_test[labeled] - f[labeled], ddof=1)
    var_f = np.var(f, ddof=1)
    expected = -(var_r / model.n_rectify_ + var_f / model.n_unlabeled_)
    assert model.score(X_test, y_test) == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least 2 labelled rows"):
        model.score(X[900:], y[900:])


def test_classifier_score():
    X, y, _ = classification_data()
    model = RectifiedClassifier(LogisticRegression(), allocation=0.5, random_state=0).fit(X, y)
    score = model.score(X[:300], y[:300])
    assert np.isfinite(score) and score < 0


def test_grid_search_picks_the_allocation_with_the_smallest_predicted_variance():
    # 10 features and 300 labels: 5% (15 rows) fine-tune a poor model; 50% a good one.
    X, y, _ = regression_data(n_labeled=300, n_unlabeled=3000, n_features=10, noise=0.3, seed=2)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    grid = GridSearchCV(
        RectifiedRegressor(Ridge(alpha=1.0), method="ppi", random_state=0),
        {"allocation": [0.05, 0.5]},
        cv=KFold(3, shuffle=True, random_state=0),
    )
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert grid.best_params_ == {"allocation": 0.5}
    assert scores[1] > scores[0]
    # the predicted variance agrees with the fitted standard errors' ordering
    small = RectifiedRegressor(Ridge(), allocation=0.05, method="ppi", random_state=0).fit(X, y)
    large = RectifiedRegressor(Ridge(), allocation=0.5, method="ppi", random_state=0).fit(X, y)
    assert large.stderr_ < small.stderr_


@pytest.mark.parametrize("strings", [False, True])
def test_grid_search_over_budget_and_classifier(strings):
    X, y, _ = classification_data(strings=strings)
    # sklearn's stratified split cannot sort a mix of strings and -1: pass a KFold then
    cv = KFold(3, shuffle=True, random_state=0) if strings else 3
    grid = GridSearchCV(
        RectifiedClassifier(LogisticRegression(), allocation=0.4, random_state=0),
        {"budget": [60, 180]},
        cv=cv,
    )
    grid.fit(X, y)
    assert grid.best_params_ == {"budget": 180}


# ------------------------------------------------------------------------------ coverage
def test_coverage_of_the_95_percent_interval():
    """200 seeded replications, Ridge fine-tuned on 30% of 100 labels, N = 1000."""
    n_labeled, n_unlabeled, true_mean = 100, 1000, 2.0
    covered = 0
    n_reps = 200
    for rep in range(n_reps):
        rng = np.random.default_rng(1000 + rep)
        X = rng.normal(size=(n_labeled + n_unlabeled, 3))
        y = X @ BETA + true_mean + rng.normal(0, 1.0, len(X)) + 0.5 * X[:, 0] ** 2 - 0.5
        y[n_labeled:] = np.nan
        model = RectifiedRegressor(Ridge(), allocation=0.3, random_state=rep).fit(X, y)
        lo, hi = model.confidence_interval_
        covered += lo <= true_mean <= hi
    assert covered / n_reps >= 0.91


def test_pipeline_cross_validate_and_tags():
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import get_tags

    X, y, _ = regression_data()
    pipe = make_pipeline(StandardScaler(), RectifiedRegressor(Ridge(), allocation=0.3))
    assert np.isfinite(pipe.fit(X, y)[-1].estimate_)
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_validate(RectifiedRegressor(Ridge(), allocation=0.3), X, y, cv=cv)
    assert np.all(scores["test_score"] < 0)
    assert get_tags(RectifiedRegressor()).input_tags.string
    assert not get_tags(RectifiedRegressor(Ridge())).input_tags.string
    assert get_tags(RectifiedClassifier()).estimator_type == "classifier"


def test_all_rows_labelled_falls_back_to_the_classical_estimate_and_says_so():
    X, y, _ = regression_data()
    with pytest.warns(UserWarning, match="no unlabelled rows.*classical"):
        model = RectifiedRegressor(Ridge(), allocation=0.5).fit(X[:200], y[:200])
    expected = classical_mean(y[:200])
    assert model.estimate_ == pytest.approx(expected.estimate)
    assert model.confidence_interval_ == pytest.approx(expected.confidence_interval)
    assert model.n_unlabeled_ == 0 and model.n_rectify_ == 200
    assert np.isfinite(model.score(X[:200], y[:200]))
    assert model.predict(X[:3]).shape == (3,)
    Xc, yc, _ = classification_data()
    with pytest.warns(UserWarning, match="no unlabelled rows"):
        clf = RectifiedClassifier(LogisticRegression(), allocation=0.5).fit(Xc[:300], yc[:300])
    shares = classical_class_shares(yc[:300].astype(str), classes=clf.classes_)
    np.testing.assert_allclose(clf.estimate_, shares.estimates)


# ------------------------------------------------------------- unlabelled markers, caching
@pytest.mark.parametrize("marker", [None, np.nan, "-1"])
def test_object_labels_accept_none_and_nan_as_unlabelled(marker):
    X, y, _ = classification_data()
    reference = RectifiedClassifier(LogisticRegression(), allocation=0.3, random_state=0)
    reference.fit(X, y)
    y_marked = y.copy()
    y_marked[300:] = marker
    model = RectifiedClassifier(LogisticRegression(), allocation=0.3, random_state=0)
    model.fit(X, y_marked)
    assert model.n_labeled_ == 300 and model.n_unlabeled_ == 1500
    np.testing.assert_allclose(model.estimate_, reference.estimate_)


def test_string_minus_one_works_with_the_default_stratified_cv():
    X, y, _ = classification_data()
    y = np.where(y == -1, "-1", y).astype(str)  # all strings: stratified CV can sort them
    grid = GridSearchCV(
        RectifiedClassifier(LogisticRegression(), allocation=0.4, random_state=0),
        {"budget": [60, 180]},
        cv=3,
    )
    assert grid.fit(X, y).best_params_ == {"budget": 180}


def test_predictions_of_the_rectification_and_unlabelled_rows_are_kept():
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), allocation=0.4, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        model.rectify_predictions_, model.estimator_.predict(X[model.rectify_indices_])
    )
    np.testing.assert_allclose(model.unlabeled_predictions_, model.estimator_.predict(X[200:]))
    cross = RectifiedRegressor(Ridge(), method="cross", n_folds=3, random_state=0).fit(X, y)
    assert cross.rectify_predictions_.shape == (200,)
    np.testing.assert_allclose(cross.unlabeled_predictions_, cross.predict(X[200:]))


class CountingRidge(Ridge):
    fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


@pytest.mark.parametrize("params", [dict(), dict(allocation=0.3), dict(method="cross")])
def test_memory_caches_every_fit_and_gives_the_same_answer(tmp_path, params):
    from sklearn_llmrect.caching import CachedEstimator

    X, y, _ = regression_data(n_labeled=300)
    CountingRidge.fits = 0
    first = RectifiedRegressor(CountingRidge(), memory=tmp_path, random_state=0, **params)
    first.fit(X, y)
    n_fits = CountingRidge.fits
    assert n_fits >= 1
    again = RectifiedRegressor(CountingRidge(), memory=str(tmp_path), random_state=0, **params)
    again.fit(X, y)
    assert CountingRidge.fits == n_fits  # everything came from the cache
    assert again.estimate_ == first.estimate_
    assert again.confidence_interval_ == first.confidence_interval_
    assert not isinstance(again.estimator_, CachedEstimator)
    if again.ramp_up_ is not None:
        assert not isinstance(again.ramp_up_.estimator, CachedEstimator)
    uncached = RectifiedRegressor(CountingRidge(), random_state=0, **params).fit(X, y)
    assert uncached.estimate_ == pytest.approx(first.estimate_, rel=1e-12)


def test_memory_with_a_prefitted_model_caches_its_predictions(tmp_path):
    X, y, _ = regression_data()
    base = LinearRegression().fit(X[:100], X[:100] @ BETA + 2.0)
    model = RectifiedRegressor(base, allocation=0, memory=tmp_path).fit(X, y)
    assert model.estimator_ is base
    assert len(list((tmp_path / "predictions").glob("*.npy"))) == 2


def test_classes_keep_their_public_module_and_pickle():
    import pickle

    assert RectifiedRegressor.__module__ == "sklearn_llmrect.rectify"
    X, y, _ = regression_data()
    model = RectifiedRegressor(Ridge(), allocation=0.5, random_state=0).fit(X, y)
    assert pickle.loads(pickle.dumps(model)).estimate_ == model.estimate_
