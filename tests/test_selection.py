"""Selectors, uncertainty, the human/LLM split, the batch schedule and IPW draws."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import BaggingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklearn_llmrect.models.embeddings import TextEmbedder
from sklearn_llmrect.selection import (
    DiversitySelector,
    EEQSelector,
    HumanBatchSchedule,
    HumanLLMSplit,
    RandomSelector,
    UncertaintySelector,
    inclusion_probabilities,
    ipw_class_shares,
    labeled_mask,
    uncertainty,
)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [6, 0], [0, 6], [6, 6]], dtype=float)
    X = np.concatenate([c + rng.normal(size=(50, 2)) for c in centers])
    truth = np.repeat([0, 1, 0, 1], 50)
    y = np.full(200, -1)
    labelled = rng.choice(200, 30, replace=False)
    y[labelled] = truth[labelled]
    model = LogisticRegression().fit(X[labelled], truth[labelled])
    return X, y, model


def _selectors():
    return [
        RandomSelector(random_state=0),
        UncertaintySelector(random_state=0),
        DiversitySelector(embedder=None, random_state=0),
        EEQSelector(embedder=None, random_state=0),
    ]


def test_labeled_mask_reads_nan_minus_one_and_none():
    assert labeled_mask(np.array([1.0, np.nan, -1.0])).tolist() == [True, False, False]
    assert labeled_mask(np.array([3, -1, 0])).tolist() == [True, False, True]
    assert labeled_mask(np.array(["a", "-1"])).tolist() == [True, False]
    assert labeled_mask(np.array(["a", None, -1, "b"], dtype=object)).tolist() == [
        True,
        False,
        False,
        True,
    ]
    assert labeled_mask(None, 3).tolist() == [False] * 3
    with pytest.raises(ValueError, match="n_samples"):
        labeled_mask(None)


@pytest.mark.parametrize("selector", _selectors(), ids=lambda s: type(s).__name__)
def test_selectors_are_deterministic_and_never_return_labelled_rows(selector, blobs):
    X, y, model = blobs
    first = selector.query(X, y, estimator=model, batch_size=12)
    second = clone(selector).query(X, y, estimator=model, batch_size=12)
    np.testing.assert_array_equal(first, second)
    assert len(first) == len(np.unique(first)) == 12
    assert not labeled_mask(y)[first].any()
    everything = selector.query(X, y, estimator=model, batch_size=int((y == -1).sum()))
    assert set(everything) == set(np.flatnonzero(y == -1))


@pytest.mark.parametrize("selector", _selectors(), ids=lambda s: type(s).__name__)
def test_batch_larger_than_the_pool_is_a_clear_error(selector, blobs):
    X, y, model = blobs
    with pytest.raises(ValueError, match=r"batch_size=171 is larger than the 170 unlabelled"):
        selector.query(X, y, estimator=model, batch_size=171)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        selector.query(X, y, estimator=model, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        selector.query(X, y, estimator=model, batch_size=2.5)


def test_candidates_restrict_the_choice_and_may_not_be_labelled(blobs):
    X, y, model = blobs
    free = np.flatnonzero(y == -1)[:20]
    rows = EEQSelector(embedder=None, random_state=0).query(
        X, y, estimator=model, batch_size=5, candidates=free
    )
    assert set(rows) <= set(free)
    mask = np.zeros(len(X), dtype=bool)
    mask[free] = True
    rows_from_mask = EEQSelector(embedder=None, random_state=0).query(
        X, y, estimator=model, batch_size=5, candidates=mask
    )
    np.testing.assert_array_equal(rows, rows_from_mask)
    labelled = np.flatnonzero(y != -1)[:2]
    with pytest.raises(ValueError, match="candidates contains 2 labelled row"):
        RandomSelector().query(X, y, batch_size=1, candidates=np.r_[free, labelled])
    with pytest.raises(ValueError, match=r"candidates must be row indices in \[0, 200\)"):
        RandomSelector().query(X, y, batch_size=1, candidates=[500])


def test_eeq_takes_the_most_uncertain_rows_one_per_cluster(blobs):
    X, y, model = blobs
    rows, utilities = EEQSelector(embedder=None, prefilter=3, random_state=0).query(
        X, y, estimator=model, batch_size=6, return_utilities=True
    )
    assert utilities.shape == (len(X),)
    assert np.isnan(utilities[y != -1]).all() and not np.isnan(utilities[y == -1]).any()
    threshold = np.sort(utilities[y == -1])[::-1][3 * 6 - 1]
    assert (utilities[rows] >= threshold).all()  # all from the pre-filtered 18
    assert np.all(np.diff(utilities[rows]) <= 0)  # most uncertain first
    expected = uncertainty(model, X[rows])
    np.testing.assert_allclose(utilities[rows], expected)


def test_eeq_without_a_model_covers_every_cluster(blobs):
    X, _, _ = blobs
    rows = EEQSelector(embedder=None, random_state=0).query(X, None, batch_size=4)
    quadrant = (X[rows, 0] > 3).astype(int) * 2 + (X[rows, 1] > 3)
    assert sorted(quadrant.tolist()) == [0, 1, 2, 3]
    rows = DiversitySelector(embedder=None, random_state=1).query(X, None, batch_size=4)
    quadrant = (X[rows, 0] > 3).astype(int) * 2 + (X[rows, 1] > 3)
    assert sorted(quadrant.tolist()) == [0, 1, 2, 3]


def test_eeq_subsamples_large_pools(blobs):
    X, y, model = blobs
    _, utilities = EEQSelector(embedder=None, max_candidates=40, random_state=0).query(
        X, y, estimator=model, batch_size=4, return_utilities=True
    )
    assert np.count_nonzero(~np.isnan(utilities)) == 40


def test_eeq_embeds_text_with_a_transformer(tiny_paths):
    texts = [f"headline number {i} about {'gold' if i % 2 else 'oil'}" for i in range(30)]
    y = np.array(["up", "down"] * 3 + [-1] * 24, dtype=object)
    embedder = TextEmbedder(model=tiny_paths["bert"], dtype="float32", device="cpu")
    rows = EEQSelector(embedder=embedder, random_state=0).query(texts, y, batch_size=4)
    assert len(set(rows)) == 4 and min(rows) >= 6
    with pytest.raises(ValueError, match="embedder=None needs numeric X"):
        EEQSelector(embedder=None).query(texts, y, batch_size=2)


def test_text_embedder_passes_the_scikit_learn_checks(tiny_paths):
    from sklearn.utils.estimator_checks import check_estimator

    embedder = TextEmbedder(model=tiny_paths["bert"], dtype="float32", device="cpu")
    failed = [
        r["check_name"] for r in check_estimator(embedder, on_fail=None) if r["status"] == "failed"
    ]
    assert failed == []


def test_uncertainty_selector_needs_a_model(blobs):
    X, y, model = blobs
    with pytest.raises(ValueError, match="needs a fitted estimator"):
        UncertaintySelector().query(X, y, batch_size=2)
    rows = UncertaintySelector().query(X, y, estimator=model, batch_size=5)
    scores = uncertainty(model, X)
    scores[y != -1] = -np.inf
    assert set(rows) == set(np.argsort(-scores)[:5])


def test_uncertainty_formulas(blobs):
    X, _, model = blobs
    proba = model.predict_proba(X[:10])
    np.testing.assert_allclose(uncertainty(model, X[:10]), 1 - proba.max(1))
    top = np.sort(proba, axis=1)
    np.testing.assert_allclose(uncertainty(model, X[:10], "margin"), 1 - (top[:, -1] - top[:, -2]))
    np.testing.assert_allclose(
        uncertainty(model, X[:10], "entropy"), -(proba * np.log(proba)).sum(1)
    )
    with pytest.raises(ValueError, match="method must be one of"):
        uncertainty(model, X, "variance")


def test_regression_uncertainty_from_ensembles_and_dropout(tiny_paths, fast):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + 0.1 * rng.normal(size=80)
    forest = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    spread = uncertainty(forest, X[:5])
    members = np.stack([tree.predict(X[:5]) for tree in forest.estimators_])
    np.testing.assert_allclose(spread, members.std(0))
    bagging = BaggingRegressor(LinearRegression(), n_estimators=5, random_state=0).fit(X, y)
    assert uncertainty(bagging, X[:5]).shape == (5,)
    assert (
        uncertainty([LinearRegression().fit(X, y), LinearRegression().fit(X, -y)], X[:3]).min() > 0
    )
    with pytest.raises(ValueError, match="needs an ensemble"):
        uncertainty(LinearRegression().fit(X, y), X)

    from sklearn_llmrect import LLMRegressor

    texts = ["good", "bad", "fine", "great", "awful", "nice", "poor", "okay"]
    model = LLMRegressor(
        model=tiny_paths["bert"], lora_dropout=0.3, validation_fraction=0, **fast
    ).fit(texts, np.arange(8.0))
    first = uncertainty(model, texts[:4], n_dropout_passes=4, random_state=0)
    again = uncertainty(model, texts[:4], n_dropout_passes=4, random_state=0)
    np.testing.assert_allclose(first, again)
    assert (first > 0).all()
    np.testing.assert_allclose(model.predict(texts[:4]), model.predict(texts[:4]))  # eval again


def test_schedule_decays_and_sums_to_the_budgets():
    sizes = HumanBatchSchedule(decay=0.5).batch_sizes(200, 800, 5)
    assert sizes[:, 0].sum() == 200 and sizes[:, 1].sum() == 800
    formula = 200 * 0.5 ** np.arange(5) * 0.5 / (1 - 0.5**5)
    assert np.all(np.abs(sizes[:, 0] - formula) < 1)
    assert np.all(np.diff(sizes[:, 0]) < 0) and np.all(np.diff(sizes[:, 1]) > 0)
    constant = HumanBatchSchedule(decay=1.0, llm="constant").batch_sizes(200, 800, 5)
    assert constant.tolist() == [[40, 160]] * 5
    complement = HumanBatchSchedule(decay=0.7, llm="complement").batch_sizes(100, 400, 4)
    assert set(complement.sum(axis=1)) == {125} and complement[:, 1].sum() == 400
    assert HumanBatchSchedule().batch_sizes(0, 10, 3)[:, 0].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="decay must be a number in"):
        HumanBatchSchedule(decay=0).batch_sizes(10, 10, 2)
    with pytest.raises(ValueError, match="llm must be"):
        HumanBatchSchedule(llm="fast").batch_sizes(10, 10, 2)
    with pytest.raises(ValueError, match="exceeds the round total"):
        HumanBatchSchedule(decay=0.1, llm="complement").batch_sizes(100, 10, 4)
    with pytest.raises(ValueError, match="n_rounds must be an integer >= 1"):
        HumanBatchSchedule().batch_sizes(10, 10, 0)


def test_split_sends_the_hardest_to_humans():
    human, llm = HumanLLMSplit().split([5, 6, 7, 8, 9], [0.2, 0.9, 0.1, 0.5, 0.3], n_human=2)
    assert human.tolist() == [6, 8] and llm.tolist() == [5, 7, 9]
    a = HumanLLMSplit("random", random_state=3).split(np.arange(10), np.zeros(10), 4)
    b = HumanLLMSplit("random", random_state=3).split(np.arange(10), np.zeros(10), 4)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="n_human=6 is more than the 5 queried rows"):
        HumanLLMSplit().split(np.arange(5), np.zeros(5), 6)
    with pytest.raises(ValueError, match="strategy must be"):
        HumanLLMSplit("easiest").split(np.arange(5), np.zeros(5), 2)


def test_inclusion_probabilities_sum_and_bounds():
    scores = np.random.default_rng(0).random(500) ** 3
    pi = inclusion_probabilities(scores, 50)
    assert pi.sum() == pytest.approx(50) and pi.max() <= 1
    assert pi.min() >= 0.2 * 50 / 500 * 0.99
    assert np.all(np.diff(pi[np.argsort(scores)]) >= -1e-12)
    capped = inclusion_probabilities(np.r_[np.full(5, 100.0), np.ones(95)], 20)
    assert capped.sum() == pytest.approx(20) and (capped[:5] == 1).all()
    with pytest.raises(ValueError, match="n_expected must be in"):
        inclusion_probabilities(scores, 600)


def test_ipw_shares_are_unbiased_for_any_model():
    rng = np.random.default_rng(1)
    n, reps = 400, 400
    y = np.where(rng.random(n) < 0.3, "b", "a").astype(object)
    proba = np.tile([0.9, 0.1], (n, 1))  # a poor model
    pi = inclusion_probabilities(rng.random(n), 60)
    estimates = []
    for _ in range(reps):
        known = rng.random(n) < pi
        estimates.append(ipw_class_shares(proba, known, y, pi, classes=["a", "b"]).estimates[1])
    assert np.mean(estimates) == pytest.approx(np.mean(y == "b"), abs=0.01)
    all_known = ipw_class_shares(proba, np.ones(n, bool), y, np.ones(n), classes=["a", "b"])
    assert all_known.estimates[1] == pytest.approx(np.mean(y == "b"))
    assert all_known.method == "active-ipw"
