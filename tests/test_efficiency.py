"""Data efficiency (CoS-Low): the AUC metric, gradients, selection, calibration, read-out."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_llmrect import DataEfficiencyEstimator, LLMClassifier, LLMRegressor
from sklearn_llmrect.efficiency import (
    Calibration,
    average_confidence,
    gradient_norm,
    labels_needed_from_auc,
    learning_curve_auc,
    measure_learning_curve,
    model_family,
    ramp_sizes_from_labels_needed,
    random_cosine,
)
from sklearn_llmrect.efficiency._curve import _two_classes_first
from sklearn_llmrect.efficiency._estimator import zero_shot_estimator
from sklearn_llmrect.efficiency._gradients import lora_b_gradients
from sklearn_llmrect.rectify.rampup import ramp_up
from sklearn_llmrect.selection import LowConfidenceSelector, confidence

TEXTS = [
    "good movie",
    "bad film",
    "great plot",
    "awful acting",
    "fine work",
    "poor show",
    "lovely music",
    "dull story",
    "nice ending",
    "weak cast",
]


@pytest.fixture
def tiny(tiny_paths, one_thread):
    return dict(model=tiny_paths["llama"], dtype="float32", device="cpu", max_length=32)


# -- the AUC metric -----------------------------------------------------------------------------
def test_auc_banking77_example_from_the_paper():
    budgets = [0, 50, 100, 200, 500, 1000, 2500, 5000]
    accuracy = [0.3295, 0.5386, 0.5101, 0.4474, 0.8075, 0.8179, 0.8860, 0.9328]
    assert round(learning_curve_auc(budgets, accuracy, ceiling=0.9328), 4) == 0.4338
    # a ceiling below the best score is raised to it (the paper's max(human, max_acc))
    assert learning_curve_auc(budgets, accuracy, ceiling=0.607) == pytest.approx(
        learning_curve_auc(budgets, accuracy)
    )


def test_auc_hand_computed_curves():
    # x = log2(max(n, 1)) / log2(16): 0, 0.5, 0.75, 1 for n = 0, 4, 8, 16
    budgets = [0, 4, 8, 16]
    # scores 0, 1, 1, 1 normalise to 0, 1, 1, 1: area = 0.5 * 0.5 + 0.25 + 0.25 = 0.75
    assert learning_curve_auc(budgets, [0.2, 0.6, 0.6, 0.6]) == pytest.approx(0.75)
    # a dip is replaced by the running maximum: 0.2, 0.6, 0.4 -> 0.6, 0.6
    assert learning_curve_auc(budgets, [0.2, 0.6, 0.4, 0.5]) == pytest.approx(0.75)
    # linear in the normalised score: 0, .5, .75, 1 -> area 0.125 + 0.15625 + 0.21875 = 0.5
    assert learning_curve_auc(budgets, [0.0, 0.5, 0.75, 1.0]) == pytest.approx(0.5)
    # ceiling 2 halves the normalised scores; zero_shot given clips lower scores at 0
    assert learning_curve_auc(budgets, [0.0, 0.5, 0.75, 1.0], ceiling=2.0) == pytest.approx(0.25)
    assert learning_curve_auc(budgets, [0.0, 0.5, 0.75, 1.0], zero_shot=0.5) == pytest.approx(
        0.5 * 0.25 * 0.5 + 0.25 * (0.5 + 1.0) / 2
    )
    assert np.isnan(learning_curve_auc(budgets, [0.5, 0.5, 0.5, 0.5]))


@pytest.mark.parametrize(
    "budgets, scores, match",
    [
        ([0, 10, 5], [0.1, 0.2, 0.3], "strictly increasing"),
        ([0, 10], [0.1, 0.2, 0.3], "one entry per budget"),
        ([0], [0.1], "at least 2"),
        ([0, 10], [0.1, np.nan], "finite"),
        ([-1, 10], [0.1, 0.2], "non-negative"),
    ],
)
def test_auc_bad_input(budgets, scores, match):
    with pytest.raises(ValueError, match=match):
        learning_curve_auc(budgets, scores)
    with pytest.raises(ValueError, match="ceiling"):
        learning_curve_auc([0, 10], [0.1, 0.2], ceiling="high")


# -- labels needed, calibration, ramp-up sizes -----------------------------------------------
def test_labels_needed_reproduces_the_readme_example():
    calibration = Calibration(0.54, 0.31, "readme", max_budget=5000)
    auc = calibration.predict(0.65)
    assert auc == pytest.approx(0.661)
    p = (1 - auc) / auc
    assert p == pytest.approx(0.513, abs=1e-3)
    assert 0.9 ** (1 / p) == pytest.approx(0.814, abs=1e-3)
    assert labels_needed_from_auc(auc, 0.9, max_budget=5000) == pytest.approx(1028, abs=1)
    # more data-efficient tasks need fewer labels; the extremes
    assert labels_needed_from_auc(0.8, 0.9) < labels_needed_from_auc(0.5, 0.9)
    assert labels_needed_from_auc(1.0, 0.9) == 1.0
    assert labels_needed_from_auc(0.0, 0.9) == np.inf
    with pytest.raises(ValueError, match="target"):
        labels_needed_from_auc(0.5, 1.5)


def test_calibration_fit_loo_and_round_trip(tmp_path, monkeypatch):
    cos = np.array([0.1, 0.2, 0.4, 0.5, 0.7])
    auc = 0.5 * cos + 0.3 + np.array([0.01, -0.01, 0.0, 0.01, -0.01])
    cal = Calibration.fit(cos, auc, family="demo/verbalizer", max_budget=256)
    slope, intercept = np.polyfit(cos, auc, 1)
    assert (cal.slope, cal.intercept) == pytest.approx((slope, intercept))
    assert 0 < cal.loo_mae < 0.05 and cal.n_tasks == 5
    monkeypatch.setenv("LLMRECT_CALIBRATIONS", str(tmp_path))
    path = cal.save()
    assert path.parent == tmp_path and Calibration.load(path) == cal
    from sklearn_llmrect.efficiency import get_calibration

    assert get_calibration("demo/verbalizer") == cal
    with pytest.raises(ValueError, match="at least 3"):
        Calibration.fit([0.1, 0.2], [0.3, 0.4])
    with pytest.raises(ValueError, match="same length"):
        Calibration.fit([0.1, 0.2, 0.3], [0.3, 0.4])


def test_ramp_sizes_from_labels_needed_feed_ramp_up():
    assert ramp_sizes_from_labels_needed(100, 1000) == [25, 50, 100, 200]
    assert ramp_sizes_from_labels_needed(100, 150) == [25, 50, 100]
    assert ramp_sizes_from_labels_needed(np.inf, 300) == [16, 32, 64, 128, 256]
    with pytest.raises(ValueError, match="n_needed"):
        ramp_sizes_from_labels_needed(0, 100)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = X @ [1.0, -1.0] + rng.normal(0, 0.5, 400)
    sizes = ramp_sizes_from_labels_needed(40, 400 - 40)
    result = ramp_up(LinearRegression(), X, y, sizes=sizes, random_state=0)
    assert result.sizes == sizes[: len(result.sizes)]


# -- the selector -------------------------------------------------------------------------------
def test_low_confidence_selector_takes_the_bottom_quantile():
    X = np.linspace(-3, 3, 101)[:, None]
    model = LogisticRegression().fit([[-2.0], [2.0]], [0, 1])
    selector = LowConfidenceSelector(quantile=0.1, random_state=0)
    rows, utilities = selector.query(X, None, model, batch_size=5, return_utilities=True)
    scores = confidence(model, X)
    threshold = np.sort(scores)[int(np.ceil(0.1 * 101)) - 1]
    assert len(set(rows)) == 5 and np.all(scores[rows] <= threshold)
    assert np.allclose(utilities, -scores)
    again = LowConfidenceSelector(quantile=0.1, random_state=0).query(X, None, model, batch_size=5)
    assert rows.tolist() == again.tolist()
    # quantile=1 samples from every row; labelled rows are never returned
    y = np.full(101, -1)
    y[:50] = 0
    rows = LowConfidenceSelector(quantile=1.0, random_state=1).query(X, y, model, batch_size=20)
    assert np.all(rows >= 50)
    with pytest.raises(ValueError, match="quantile"):
        LowConfidenceSelector(quantile=0).query(X, None, model, batch_size=2)
    with pytest.raises(ValueError, match="estimator"):
        LowConfidenceSelector().query(X, None, None, batch_size=2)


def test_confidence_of_llm_estimators(tiny):
    classifier = LLMClassifier(**tiny, max_epochs=0).fit(TEXTS, ["good", "bad"] * 5)
    scores = confidence(classifier, TEXTS)
    assert np.allclose(scores, classifier.predict_proba(TEXTS).max(axis=1))
    regressor = LLMRegressor(**tiny, max_epochs=0).fit(TEXTS, np.arange(10.0))
    spread = confidence(regressor, TEXTS)
    top = confidence(regressor, TEXTS, "max_proba")
    assert np.all(spread <= 0) and np.all((top > 1 / 9) & (top <= 1))
    with pytest.raises(ValueError, match="method"):
        confidence(regressor, TEXTS, "entropy")


# -- gradients --------------------------------------------------------------------------
def _inject_peft(network, sketch, r, alpha):
    """A real peft adapter with the sketch's A (projection 0) and B = 0."""
    from peft import LoraConfig, inject_adapter_in_model

    names = [name.split(".")[-1] for name, _, _ in sketch.modules]
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=sorted(set(names)))
    inject_adapter_in_model(config, network.body)
    layers = dict(network.body.named_modules())
    b_params = []
    for (name, _, _), a in zip(sketch.modules, sketch.projections, strict=True):
        layer = layers[name]
        with torch.no_grad():
            layer.lora_A["default"].weight.copy_(a[:r])
            layer.lora_B["default"].weight.zero_()
        b_params.append(layer.lora_B["default"].weight)
    return b_params


def _loss(estimator, X, y):
    """The estimator's training loss on (X, y), through its prediction path."""
    targets = torch.as_tensor(estimator._encode_target(np.asarray(y), len(X)))
    outputs = torch.as_tensor(estimator._outputs_for(X), dtype=torch.float32)
    return float(estimator._training_loss()(outputs, targets, None))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_gradients_equal_finite_differences(tiny, kind):
    r, alpha = 3, 6.0
    if kind == "classifier":
        y = np.array(["good", "bad"] * 5)
        zero = LLMClassifier(**tiny, max_epochs=0).fit(TEXTS, y)
    else:
        y = np.linspace(1.0, 5.0, 10) ** 1.5
        zero = LLMRegressor(**tiny, max_epochs=0, loss="variance").fit(TEXTS, y)
    sketch = lora_b_gradients(
        zero,
        TEXTS,
        y,
        lora_r=r,
        lora_alpha=alpha,
        n_projections=2,
        target_modules="all-linear",
        random_state=0,
    )
    assert sketch.source == "lora_B" and sketch.gradients.shape[:2] == (2, 10)
    probe = zero  # gets a real peft adapter from here on
    b_params = _inject_peft(probe._network, sketch, r, alpha)
    sizes = [b.numel() for b in b_params]
    flat_total = sketch.gradients[0].sum(axis=0)  # the per-example terms sum to the set's gradient
    rng = np.random.default_rng(0)
    biggest = np.argsort(-np.abs(flat_total))[:4]
    checked = np.concatenate([biggest, rng.choice(len(flat_total), 4, replace=False)])
    eps = 1e-2
    for index in checked:
        layer = int(np.searchsorted(np.cumsum(sizes), index, side="right"))
        local = index - (np.cumsum(sizes)[layer - 1] if layer else 0)
        values = []
        for sign in (1, -1):
            with torch.no_grad():
                b_params[layer].view(-1)[local] = sign * eps
            values.append(_loss(probe, TEXTS, y))
        with torch.no_grad():
            b_params[layer].view(-1)[local] = 0.0
        numeric = (values[0] - values[1]) / (2 * eps)
        assert flat_total[index] == pytest.approx(numeric, rel=2e-2, abs=2e-5)
    if kind == "classifier":  # cross-entropy: example i's term is its own gradient / n
        i = 3
        per_example = sketch.gradients[0, i] * len(TEXTS)
        index = int(np.argmax(np.abs(per_example)))
        layer = int(np.searchsorted(np.cumsum(sizes), index, side="right"))
        local = index - (np.cumsum(sizes)[layer - 1] if layer else 0)
        values = []
        for sign in (1, -1):
            with torch.no_grad():
                b_params[layer].view(-1)[local] = sign * eps
            values.append(_loss(probe, TEXTS[i : i + 1], y[i : i + 1]))
        numeric = (values[0] - values[1]) / (2 * eps)
        assert per_example[index] == pytest.approx(numeric, rel=2e-2)


def test_projection_k_is_independent_of_n_projections(tiny):
    y = ["good", "bad"] * 5
    zero = LLMClassifier(**tiny, max_epochs=0).fit(TEXTS, y)
    one = lora_b_gradients(zero, TEXTS, y, lora_r=2, n_projections=1, random_state=5)
    three = lora_b_gradients(zero, TEXTS, y, lora_r=2, n_projections=3, random_state=5)
    np.testing.assert_allclose(three.gradients[0], one.gradients[0], rtol=1e-5, atol=1e-8)
    assert not np.allclose(three.gradients[1], three.gradients[0])


def test_string_target_modules_match_as_in_peft(tiny):
    """A string is a full-match regex, as peft (and so the estimators' add_lora) reads it."""
    y = ["good", "bad"] * 5
    zero = LLMClassifier(**tiny, max_epochs=0).fit(TEXTS, y)
    listed = lora_b_gradients(
        zero, TEXTS, y, lora_r=2, n_projections=1, target_modules=["q_proj"], random_state=5
    )
    regex = lora_b_gradients(
        zero, TEXTS, y, lora_r=2, n_projections=1, target_modules=r".*\.q_proj", random_state=5
    )
    assert [m[0] for m in regex.modules] == [m[0] for m in listed.modules]
    assert all(name.endswith("q_proj") for name, _, _ in listed.modules)
    np.testing.assert_allclose(regex.gradients, listed.gradients)


# -- the estimator ----------------------------------------------------------------------
def test_estimator_fit_is_deterministic_and_reports(tiny):
    y = ["good", "bad"] * 5
    params = dict(n_examples=6, lora_r=4, n_projections=2)
    first = DataEfficiencyEstimator(LLMClassifier(**tiny), random_state=0, **params).fit(TEXTS, y)
    second = DataEfficiencyEstimator(LLMClassifier(**tiny), random_state=0, **params).fit(TEXTS, y)
    assert first.cos_low_ == second.cos_low_
    assert first.selected_indices_.tolist() == second.selected_indices_.tolist()
    np.testing.assert_array_equal(first.pairwise_cosines_, second.pairwise_cosines_)
    other = DataEfficiencyEstimator(LLMClassifier(**tiny), random_state=1, **params).fit(TEXTS, y)
    assert other.cos_low_ != first.cos_low_
    # the selected rows are the lowest-confidence ones (bottom max(10%, 6) = 6 of 10)
    assert set(first.selected_indices_) == set(np.argsort(first.confidence_, kind="stable")[:6])
    assert -1 <= first.cos_low_ <= 1 and first.gradient_source_ == "lora_B"
    assert np.median(first.pairwise_cosines_[np.triu_indices(6, 1)]) == first.cos_low_
    assert first.family_ == f"{model_family(zero_shot_estimator(LLMClassifier(**tiny), TEXTS, y))}"
    text = first.report()
    assert "CoS-Low" in text and "fell back to the paper's llama-3.1-8b-instruct" in text
    # baselines reuse the fitted gradients or compute the same thing
    assert gradient_norm(first, None, None) == pytest.approx(np.mean(first.gradient_norms_))
    assert average_confidence(first) == pytest.approx(np.mean(first.confidence_))
    assert average_confidence(LLMClassifier(**tiny), TEXTS, y) == pytest.approx(
        np.mean(first.confidence_)
    )
    rc = random_cosine(LLMClassifier(**tiny), TEXTS, y, random_state=0, **params)
    assert -1 <= rc <= 1


def test_estimator_calibrate_and_labels_needed(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMRECT_CALIBRATIONS", str(tmp_path))
    y = np.linspace(0, 1, 10)
    scorer = DataEfficiencyEstimator(
        LLMRegressor(**tiny), n_examples=8, lora_r=2, n_projections=1, random_state=0
    ).fit(TEXTS, y)
    scorer.calibrate([0.0, 0.2, 0.4, 0.6], [0.3, 0.4, 0.5, 0.6], max_budget=256, save=True)
    assert scorer.predicted_auc_ == pytest.approx(np.clip(0.5 * scorer.cos_low_ + 0.3, 0, 1))
    expected = labels_needed_from_auc(scorer.predicted_auc_, 0.8, max_budget=256)
    assert scorer.labels_needed(0.8) == pytest.approx(expected)
    # stored under the family name: found by calibration="auto" on the next fit
    again = clone(scorer).fit(TEXTS, y)
    assert again.calibration_ == scorer.calibration_
    assert "stored for this model family" in again.report()


def test_select_then_fit_on_the_labelled_rows(tiny):
    scorer = DataEfficiencyEstimator(
        LLMClassifier(**tiny), n_examples=4, lora_r=2, n_projections=1, random_state=0
    )
    rows = scorer.select(TEXTS, classes=["bad", "good"])
    assert len(set(rows.tolist())) == 4
    labels = np.array(["good", "bad"] * 5)[rows]
    scorer.fit([TEXTS[i] for i in rows], labels)
    assert sorted(scorer.selected_indices_.tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="classes"):
        scorer.select(TEXTS)


def test_linear_head_uses_the_head_gradient(tiny_paths, one_thread):
    estimator = LLMClassifier(model=tiny_paths["bert"], dtype="float32", device="cpu")
    scorer = DataEfficiencyEstimator(estimator, n_examples=5, lora_r=2, random_state=0)
    scorer.fit(TEXTS, ["good", "bad"] * 5)
    assert scorer.gradient_source_ == "linear head" and np.isfinite(scorer.cos_low_)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_examples=1), "n_examples"),
        (dict(quantile=1.5), "quantile"),
        (dict(lora_r=0), "lora_r"),
        (dict(n_projections=0), "n_projections"),
        (dict(lora_alpha=-1), "lora_alpha"),
        (dict(calibration="no-such-family"), "calibration"),
    ],
)
def test_estimator_bad_parameters(tiny, params, match):
    scorer = DataEfficiencyEstimator(
        LLMClassifier(**tiny), **{"n_examples": 4, "lora_r": 2, **params}
    )
    with pytest.raises(ValueError, match=match):
        scorer.fit(TEXTS, ["good", "bad"] * 5)


def test_estimator_bad_data_and_estimator():
    with pytest.raises(ValueError, match="y must be 1-D"):
        DataEfficiencyEstimator(LLMClassifier()).fit(TEXTS, ["good"] * 3)
    with pytest.raises(TypeError, match="max_epochs"):
        DataEfficiencyEstimator(LogisticRegression()).fit(TEXTS, ["good", "bad"] * 5)
    with pytest.raises(ValueError, match="estimator is None"):
        DataEfficiencyEstimator(None).fit(TEXTS, ["good", "bad"] * 5)


def test_clone_and_nested_params():
    scorer = DataEfficiencyEstimator(LLMClassifier(lora_r=4), n_examples=16, random_state=3)
    params = scorer.get_params()
    assert params["n_examples"] == 16 and params["estimator__lora_r"] == 4
    copy_ = clone(scorer.set_params(estimator__lora_r=8, quantile=0.2))
    assert copy_.get_params()["estimator__lora_r"] == 8 and copy_.quantile == 0.2


# -- learning curves --------------------------------------------------------------------
class _InterruptedAtSixteen(KNeighborsClassifier):
    """Marks its fit interrupted, as the LLM estimators do when they catch Ctrl-C."""

    def fit(self, X, y):
        super().fit(X, y)
        self.history_ = [{"epoch": 1, "interrupted": len(y) >= 16}]
        return self


def test_measure_learning_curve_stops_at_an_interrupted_fit_and_caches_only_before(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    cache = tmp_path / "curve.jsonl"
    with pytest.raises(KeyboardInterrupt, match="budget 16"):
        measure_learning_curve(
            _InterruptedAtSixteen(1), X[:100], y[:100], [4, 16, 64], X[100:], y[100:],
            cache=cache, verbose=0,
        )  # fmt: skip
    assert [line.count('"budget": 4') for line in cache.read_text().splitlines()] == [1]


def test_measure_learning_curve_nested_cached_and_resumed(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(260, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=260) > 0).astype(int)
    cache = tmp_path / "curve.jsonl"

    def measure():
        return measure_learning_curve(
            KNeighborsClassifier(1), X[:200], y[:200], [4, 16, 64, 200], X[200:], y[200:],
            cache=cache, verbose=0,
        )  # fmt: skip

    curve = measure()
    assert set(curve.scores) == {"accuracy", "macro_f1"} and len(curve.scores["accuracy"]) == 4
    assert curve.auc() == pytest.approx(
        learning_curve_auc([4, 16, 64, 200], curve.scores["accuracy"])
    )
    # the last budget uses every row, so its score equals a fit on all of them
    full = KNeighborsClassifier(1).fit(X[:200], y[:200]).score(X[200:], y[200:])
    # the first budget is the first 4 rows of the seeded permutation
    order = np.random.RandomState(0).permutation(200)
    first = _two_classes_first(order, y[:200], 4)[:4]
    assert len(set(y[first])) == 2 and len(set(first) & set(order[:4])) >= 3
    small = KNeighborsClassifier(1).fit(X[first], y[first]).score(X[200:], y[200:])
    assert curve.scores["accuracy"][0] == pytest.approx(small)
    assert curve.scores["accuracy"][-1] == pytest.approx(full)
    lines = cache.read_text().splitlines()
    resumed = measure()
    assert resumed.scores == curve.scores and cache.read_text().splitlines() == lines
    with pytest.raises(ValueError, match="max_epochs"):
        measure_learning_curve(KNeighborsClassifier(1), X, y, [0, 4], X, y, verbose=0)
    with pytest.raises(ValueError, match="exceeds"):
        measure_learning_curve(KNeighborsClassifier(1), X[:10], y[:10], [4, 20], X, y, verbose=0)


def test_measure_learning_curve_zero_shot_regressor(tiny):
    y = np.linspace(0.0, 1.0, 10)
    curve = measure_learning_curve(
        LLMRegressor(**tiny, max_epochs=1, batch_size=4, validation_fraction=0, random_state=0),
        TEXTS,
        y,
        [0, 4, 8],
        TEXTS,
        y,
        verbose=0,
    )
    assert list(curve.scores) == ["r2", "pearson"] and curve.metric == "r2"
    assert len(curve.seconds) == 3 and all(-1 <= r <= 1 for r in curve.scores["pearson"])
    assert curve.auc("pearson") == learning_curve_auc(
        [0, 4, 8], curve.scores["pearson"]
    ) or np.isnan(curve.auc("pearson"))


def _scorer_for_checks():
    from tests._tiny_models import tiny_model_paths

    model = tiny_model_paths()["llama"]
    regressor = LLMRegressor(model=model, dtype="float32", device="cpu", max_length=64)
    return DataEfficiencyEstimator(
        regressor, n_examples=4, lora_r=2, n_projections=1, random_state=0
    )


@parametrize_with_checks([_scorer_for_checks()])
def test_sklearn_compatible(estimator, check, one_thread):
    check(estimator)


def test_padded_batches_give_the_per_example_gradients(tiny):
    texts = ["good", "a rather bad and very long film indeed", "great plot", "awful"]
    y = ["good", "bad", "good", "bad"]
    zero = LLMClassifier(**tiny, max_epochs=0).fit(texts, y)
    batched = lora_b_gradients(zero, texts, y, lora_r=2, n_projections=1, batch_size=4)
    single = lora_b_gradients(zero, texts, y, lora_r=2, n_projections=1, batch_size=1)
    assert (
        len(
            {
                len(row)
                for row in zero._encode(np.array(texts)[:, None], zero._tokenizer, True, False)
            }
        )
        > 1
    )  # really padded
    np.testing.assert_allclose(batched.gradients, single.gradients, rtol=1e-4, atol=1e-7)


def test_regression_curve_scores_r2_and_pearson():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    y = X @ [2.0, -1.0] + rng.normal(size=120)
    curve = measure_learning_curve(
        LinearRegression(), X[:80], y[:80], [5, 80], X[80:], y[80:], verbose=0
    )
    predicted = LinearRegression().fit(X[:80], y[:80]).predict(X[80:])
    assert curve.scores["pearson"][-1] == pytest.approx(np.corrcoef(predicted, y[80:])[0, 1])
    assert curve.scores["r2"][-1] == pytest.approx(
        1 - np.sum((y[80:] - predicted) ** 2) / np.sum((y[80:] - y[80:].mean()) ** 2)
    )
