"""The stacked surrogates and the design choice of allocation="auto"."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.preprocessing import FunctionTransformer

from sklearn_llmrect.rectify import (
    RectifiedClassifier,
    RectifiedRegressor,
    SurrogateClassifier,
    SurrogateRegressor,
)
from sklearn_llmrect.rectify._design import choose_design
from sklearn_llmrect.rectify.allocation import ScalingLaw

RNG = np.random.default_rng(0)
A, B = RNG.normal(size=(600, 6)), RNG.normal(size=(600, 4))
ROWS = np.arange(600).reshape(-1, 1)


def _sets():
    return [
        ("a", FunctionTransformer(lambda X: A[X[:, 0].astype(int)])),
        ("b", FunctionTransformer(lambda X: B[X[:, 0].astype(int)])),
    ]


def test_the_stack_weights_the_feature_set_that_carries_the_signal():
    y = 2 * B[:, 0] + RNG.normal(0, 0.3, 600)
    model = SurrogateRegressor(_sets()).fit(ROWS[:400], y[:400])
    assert set(model.candidates_) == {"a", "b", "all"}
    assert model.candidates_["b"] < model.candidates_["a"]
    assert model.weights_["a"] == pytest.approx(0.0, abs=0.05)
    assert model.score(ROWS[400:], y[400:]) > 0.9
    clone(model)  # parameters only, scikit-learn style


def test_the_classifier_predicts_probabilities_of_its_classes():
    labels = np.where(A[:, 0] + B[:, 0] > 0, "pos", "neg")
    model = SurrogateClassifier(_sets()).fit(ROWS[:400], labels[:400])
    proba = model.predict_proba(ROWS[400:])
    assert proba.shape == (200, 2) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == ["neg", "pos"] and model.score(ROWS[400:], labels[400:]) > 0.8


def test_bad_features_are_named():
    with pytest.raises(TypeError, match="features must be 'auto' or a list"):
        SurrogateRegressor(features=3).fit(ROWS[:50], np.zeros(50))
    with pytest.raises(ValueError, match="inner_folds must be an integer >= 2"):
        SurrogateRegressor(_sets(), inner_folds=1).fit(ROWS[:50], np.zeros(50))
    with pytest.raises(ValueError, match="needs at least 5 rows; got 3"):
        SurrogateRegressor(_sets()).fit(ROWS[:3], np.zeros(3))


def test_the_default_estimators_are_the_surrogates():
    assert isinstance(RectifiedRegressor()._resolve_estimator(), SurrogateRegressor)
    assert isinstance(RectifiedClassifier()._resolve_estimator(), SurrogateClassifier)


def test_cross_fitting_wins_when_the_law_falls_and_the_split_when_it_is_flat():
    falling = ScalingLaw.from_params(a=5.0, alpha=0.5, b=0.5, var_y=2.0)
    design = choose_design(falling, 500, 2500, var_y=2.0, tolerance=0.01)
    assert design.design == "cross"
    cross = {k: v for k, v in design.predicted_stderr.items() if k.startswith("cross")}
    assert design.predicted_stderr[design.chosen] == min(cross.values()) or design.n_folds < 10
    # no learning at all: every design is the same interval, so the one with fewest fits
    flat = ScalingLaw.from_params(a=1e-9, alpha=0.5, b=1.0, var_y=1.0)
    design = choose_design(flat, 500, 2500, var_y=1.0, tolerance=0.05, min_finetune=2)
    assert design.design == "split" and design.n_finetune == 2
    assert "<- chosen" in design.describe()


def test_auto_reports_the_prediction_beside_the_realised_width():
    X = RNG.normal(size=(1500, 3))
    y = X @ [1.0, 0.5, 0.0] + RNG.normal(size=1500)
    y[400:] = np.nan
    model = RectifiedRegressor(Ridge(), random_state=0).fit(X, y)
    design = model.design_
    assert design.design == "cross" and model.n_rectify_ == 400 and model.n_finetune_ == 0
    assert design.realised_stderr == pytest.approx(model.stderr_)
    assert design.predicted_stderr[design.chosen] == pytest.approx(model.stderr_, rel=0.25)
    assert model.result_.method == "cross-ppi++"
    assert len(model.estimators_) == design.n_folds


def test_allocation_cross_forces_cross_fitting_and_a_fraction_the_split():
    X = RNG.normal(size=(800, 3))
    y = X[:, 0] + RNG.normal(size=800)
    y[300:] = np.nan
    cross = RectifiedRegressor(Ridge(), allocation="cross", n_folds=3, random_state=0).fit(X, y)
    assert len(cross.estimators_) == 3 and cross.design_ is None
    assert cross.result_.method == "cross-ppi++"
    split = RectifiedRegressor(Ridge(), allocation=0.3, random_state=0).fit(X, y)
    assert split.n_finetune_ == 90 and split.design_ is None


def test_a_grid_search_over_budgets_embeds_each_text_once(tiny_paths, tmp_path, monkeypatch):
    from sklearn_llmrect.features import FrozenFeatures, _frozen, _store
    from sklearn_llmrect.rectify import LabeledUnlabeledKFold, rectified_grid_search

    seen = []
    original = _frozen.FrozenFeatures._forward

    def counting(self, texts):
        seen.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(_frozen.FrozenFeatures, "_forward", counting)
    _store.reset()
    rng = np.random.default_rng(0)
    words = np.array(["good", "bad", "fine", "dull", "great", "awful"])
    texts = [" ".join(rng.choice(words, 4)) + f" {i}" for i in range(240)]
    y = np.array([t.count("good") + t.count("great") - t.count("bad") for t in texts], float)
    y[120:] = np.nan
    features = [("tiny", FrozenFeatures(tiny_paths["bert"], dtype="float32", memory=tmp_path))]
    estimator = RectifiedRegressor(SurrogateRegressor(features), random_state=0)
    search = rectified_grid_search(
        estimator, {"allocation": ["cross", 0.5, 0.3]}, cv=LabeledUnlabeledKFold(2)
    )
    search.fit(np.array(texts, dtype=object).reshape(-1, 1), y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert sorted(seen) == sorted(texts)  # 3 budgets x 2 folds + the refit: one pass per text
    _store.reset()
