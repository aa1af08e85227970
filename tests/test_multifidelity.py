"""The IMFL loop: budgets, bookkeeping, weights, warm start, text end to end, validity guard."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_llmrect.annotators import (
    BaseAnnotator,
    LLMAnnotator,
    OracleAnnotator,
    SimulatedAnnotator,
)
from sklearn_llmrect.models.embeddings import TextEmbedder
from sklearn_llmrect.multifidelity import MultiFidelityClassifier
from sklearn_llmrect.selection import EEQSelector, HumanBatchSchedule, RandomSelector


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    truth = np.where(X[:, 0] + 0.4 * rng.normal(size=500) > 0.3, "pos", "neg")
    return X, truth


class RecordingLLM(BaseAnnotator):
    """A simulated LLM that remembers which human labels it was given in each fit."""

    def __init__(self, truth):
        self.truth = truth

    def fit(self, X=None, y=None):
        self.fits_ = [*getattr(self, "fits_", []), (np.asarray(X).copy(), list(y))]
        return self

    def annotate(self, X, indices=None):
        return SimulatedAnnotator(self.truth, accuracy=0.7, random_state=0).annotate(X, indices)


def _loop(truth, **options):
    params = dict(
        human_annotator=OracleAnnotator(truth),
        llm_annotator=SimulatedAnnotator(truth, accuracy=0.75, random_state=0),
        selector=EEQSelector(embedder=None),
        n_human=30,
        n_llm=60,
        n_rounds=3,
        random_state=0,
    )
    params.update(options)
    return MultiFidelityClassifier(LogisticRegression(), **params)


def test_loop_spends_the_budgets_and_keeps_the_sources_apart(pool):
    X, truth = pool
    y = np.full(len(X), -1, dtype=object)
    y[:10] = truth[:10]
    model = _loop(truth, rectification="reserve", n_rectify=40).fit(
        X, y, validation_data=(X[400:], truth[400:])
    )
    human, llm, rect = model.human_indices_, model.llm_indices_, model.rectify_indices_
    assert (len(human), len(llm), len(rect)) == (30, 60, 40)
    assert len(np.unique(np.r_[human, llm, rect, np.arange(10)])) == 10 + 30 + 60 + 40
    np.testing.assert_array_equal(model.human_labels_, truth[human])
    np.testing.assert_array_equal(model.rectify_labels_, truth[rect])
    assert model.initial_indices_.tolist() == list(range(10))
    sizes = HumanBatchSchedule().batch_sizes(30, 60, 3)
    assert [[r["n_human"], r["n_llm"]] for r in model.history_] == sizes.tolist()
    last = model.history_[-1]
    assert last["n_human_total"] == 30 and last["n_llm_total"] == 60
    assert last["cost"] == pytest.approx(30 + 0.01 * 60)
    assert model.cost_ == pytest.approx(30 + 40 + 0.01 * 60)
    assert 0.5 < last["accuracy"] <= 1 and "macro_f1" in last
    assert model.score(X[400:], truth[400:]) == pytest.approx(last["accuracy"])
    assert model.predict_proba(X[:3]).shape == (3, 2)
    assert model.classes_.tolist() == ["neg", "pos"]


def test_loop_is_deterministic_and_clonable(pool):
    X, truth = pool
    first = _loop(truth).fit(X)
    second = clone(_loop(truth)).fit(X)
    np.testing.assert_array_equal(first.human_indices_, second.human_indices_)
    np.testing.assert_array_equal(first.llm_indices_, second.llm_indices_)
    other = _loop(truth, random_state=1).fit(X)
    assert not np.array_equal(first.llm_indices_, other.llm_indices_)
    assert _loop(truth).get_params()["selector__prefilter"] == 10.0


def test_the_llm_learns_from_every_human_label_so_far(pool):
    X, truth = pool
    llm = RecordingLLM(truth)
    model = _loop(truth, llm_annotator=llm).fit(X)
    sizes = [len(y) for _, y in llm.fits_]
    assert sizes == np.cumsum([r["n_human"] for r in model.history_]).tolist()
    final_X, final_y = llm.fits_[-1]
    np.testing.assert_array_equal(final_X, X[np.sort(model.human_indices_)])
    assert final_y == truth[np.sort(model.human_indices_)].tolist()


def test_source_weights_reach_the_student(pool):
    X, truth = pool
    pipeline = make_pipeline(LogisticRegression())
    model = _loop(truth, llm_weight=0.2).set_params(estimator=pipeline).fit(X)
    assert model.estimator_.steps[-1][1].coef_.shape == (1, 2)
    with pytest.raises(ValueError, match="needs an estimator whose fit takes sample_weight"):
        _loop(truth, llm_weight=0.5).set_params(estimator=KNeighborsClassifier(3)).fit(X)


def test_invalid_llm_answers_are_left_out(pool):
    X, truth = pool

    class HalfSilent(BaseAnnotator):
        def annotate(self, X, indices=None):
            answers = [t if i % 2 else None for i, t in zip(indices, truth[indices], strict=True)]
            return np.array(answers, dtype=object)

    model = _loop(truth, llm_annotator=HalfSilent()).fit(X)
    assert len(model.llm_indices_) < 60
    assert sum(r["n_invalid"] for r in model.history_) == 60 - len(model.llm_indices_)
    assert all(i % 2 for i in model.llm_indices_)


def test_parameter_errors(pool):
    X, truth = pool
    with pytest.raises(ValueError, match="human_annotator is required"):
        MultiFidelityClassifier(LogisticRegression()).fit(X)
    with pytest.raises(ValueError, match="the budgets need 600 unlabelled rows"):
        _loop(truth, n_human=100, n_llm=500).fit(X)
    with pytest.raises(ValueError, match="needs n_rectify >= 2"):
        _loop(truth, rectification="reserve").fit(X)
    with pytest.raises(ValueError, match="rectification must be None, 'reserve' or 'ipw'"):
        _loop(truth, rectification="uniform", n_rectify=5).fit(X)
    with pytest.raises(ValueError, match="llm_weight must be a number >= 0"):
        _loop(truth, llm_weight=-1).fit(X)


def test_rectifying_with_selected_labels_is_refused(pool):
    X, truth = pool
    model = _loop(truth).fit(X)
    with pytest.raises(ValueError, match="chosen by the EEQSelector .* cannot rectify"):
        model.rectified_shares(X)
    reserved = _loop(truth, rectification="reserve", n_rectify=40).fit(X)
    with pytest.raises(ValueError, match=r"rows \[.*\] were chosen by the EEQSelector"):
        reserved.rectified_shares(X, indices=reserved.human_indices_[:3])
    with pytest.raises(ValueError, match="not in the rectification sample"):
        free = np.setdiff1d(
            np.arange(len(X)),
            np.r_[reserved.human_indices_, reserved.llm_indices_, reserved.rectify_indices_],
        )
        reserved.rectified_shares(X, indices=free[:2])
    with pytest.raises(ValueError, match="X must be the pool given to fit"):
        reserved.rectified_shares(X[:10])
    shares = reserved.rectified_shares(X, indices=reserved.rectify_indices_[:20])
    assert shares.n_labeled == 20 and shares.method == "ppi++"


def test_rectified_shares_from_the_reserve_and_from_ipw(pool):
    X, truth = pool
    reserve = _loop(truth, rectification="reserve", n_rectify=60).fit(X)
    shares = reserve.rectified_shares(X, method="ppi")
    assert shares.method == "ppi" and shares.n_labeled == 60
    assert shares.estimates.sum() == pytest.approx(1.0)
    ipw = _loop(truth, rectification="ipw", n_rectify=50).fit(X)
    pi = ipw.inclusion_probabilities_
    assert (pi[ipw.human_indices_] == 1).all()
    rest = np.setdiff1d(np.arange(len(X)), ipw.human_indices_)
    assert pi[rest].sum() == pytest.approx(50) and (pi[rest] > 0).all()
    assert not np.isin(ipw.rectify_indices_, ipw.human_indices_).any()
    result = ipw.rectified_shares(X)
    assert result.method == "active-ipw"
    low, high = result["pos"].confidence_interval
    assert low < np.mean(truth == "pos") < high


def test_text_loop_with_a_local_llm_annotator(tiny_paths):
    words = ["gain", "loss", "rise", "fall", "profit", "drop", "growth", "decline"]
    texts = [f"{words[i % 8]} in quarter {i}" for i in range(60)]
    truth = np.array(["up" if i % 8 in (0, 2, 4, 6) else "down" for i in range(60)])
    student = make_pipeline(
        TextEmbedder(model=tiny_paths["bert"], dtype="float32", device="cpu"),
        LogisticRegression(),
    )
    llm = LLMAnnotator(model=tiny_paths["llama"], n_examples=2, dtype="float32", device="cpu")
    model = MultiFidelityClassifier(
        student,
        human_annotator=OracleAnnotator(truth),
        llm_annotator=llm,
        selector=EEQSelector(embedder=TextEmbedder(model=tiny_paths["bert"], dtype="float32")),
        n_human=8,
        n_llm=12,
        n_rounds=2,
        random_state=0,
    ).fit(texts)
    assert len(model.human_indices_) == 8 and len(model.llm_indices_) == 12
    assert set(model.llm_labels_) <= {"up", "down"}
    assert len(llm.example_texts_) == 8  # the LLM's retrieval pool: every human label
    assert model.predict(texts[:4]).shape == (4,)


def test_warm_started_llm_student(tiny_paths, pool):
    from sklearn_llmrect import LLMClassifier

    texts = [f"item {i} is {'good' if i % 2 else 'bad'}" for i in range(40)]
    truth = np.array(["pos" if i % 2 else "neg" for i in range(40)])
    student = LLMClassifier(
        model=tiny_paths["bert"],
        max_epochs=1,
        batch_size=8,
        max_length=32,
        validation_fraction=0,
        warm_start=True,
        dtype="float32",
        device="cpu",
        random_state=0,
    )
    model = MultiFidelityClassifier(
        student,
        human_annotator=OracleAnnotator(truth),
        llm_annotator=SimulatedAnnotator(truth, accuracy=0.9, random_state=0),
        selector=RandomSelector(),
        n_human=6,
        n_llm=10,
        n_rounds=2,
        warm_start=True,
        random_state=0,
    ).fit(texts)
    assert len(model.estimator_.history_) == 2  # one epoch per round on the same adapters
    assert model.predict_proba(texts[:2]).shape == (2, 2)


# -- MultiFidelityRegressor -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def rating_pool():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    truth = 2 * X[:, 0] + X[:, 1] ** 2 + 0.3 * rng.normal(size=400)
    noisy = truth + rng.normal(size=400)
    return X, truth, noisy


def _regression_loop(truth, noisy, estimator=None, **options):
    from sklearn.ensemble import RandomForestRegressor

    from sklearn_llmrect.annotators import CallableAnnotator
    from sklearn_llmrect.multifidelity import MultiFidelityRegressor

    params = dict(
        human_annotator=OracleAnnotator(truth),
        llm_annotator=CallableAnnotator(lambda _, i: noisy[i], pass_indices=True),
        selector=EEQSelector(embedder=None),
        n_human=20,
        n_llm=60,
        n_rounds=3,
        random_state=0,
    )
    params.update(options)
    student = estimator if estimator is not None else RandomForestRegressor(10, random_state=0)
    return MultiFidelityRegressor(student, **params)


def test_regressor_loop_sends_the_widest_spread_to_humans(rating_pool):
    X, truth, noisy = rating_pool
    model = _regression_loop(truth, noisy).fit(X, validation_data=(X[:100], truth[:100]))
    assert len(model.human_indices_) == 20 and len(model.llm_indices_) == 60
    assert not np.intersect1d(model.human_indices_, model.llm_indices_).size
    np.testing.assert_array_equal(model.llm_labels_.astype(float), noisy[model.llm_indices_])
    assert all({"r2", "mae"} <= set(r) for r in model.history_)
    assert model.history_[-1]["r2"] > 0.5
    assert model.predict(X[:3]).shape == (3,)


def test_regressor_leaves_out_rows_the_llm_could_not_label(rating_pool):
    X, truth, noisy = rating_pool
    gappy = noisy.copy()
    gappy[::3] = np.nan
    model = _regression_loop(truth, gappy).fit(X)
    asked = np.concatenate([model.human_indices_, model.llm_indices_])
    assert np.isfinite(model.llm_labels_.astype(float)).all()
    assert len(model.llm_indices_) < 60 and len(asked) == len(np.unique(asked))


def test_regressor_errors_name_the_fix(rating_pool):
    from sklearn.linear_model import Ridge

    from sklearn_llmrect.multifidelity import MultiFidelityRegressor
    from sklearn_llmrect.selection import HumanLLMSplit

    X, truth, noisy = rating_pool
    with pytest.raises(ValueError, match="llm_annotator that answers with numbers"):
        MultiFidelityRegressor(Ridge(), human_annotator=OracleAnnotator(truth)).fit(X)
    with pytest.raises(ValueError, match=r"split=HumanLLMSplit\('random'\)"):
        _regression_loop(truth, noisy, Ridge(), selector=RandomSelector()).fit(X)
    random_split = _regression_loop(
        truth, noisy, Ridge(), selector=RandomSelector(), split=HumanLLMSplit("random")
    ).fit(X)
    assert len(random_split.human_indices_) == 20
    with pytest.raises(ValueError, match="cannot rectify"):
        random_split.rectified_mean(X)


def test_rectified_mean_from_the_reserve_and_from_ipw(rating_pool):
    X, truth, noisy = rating_pool
    for rectification in ("reserve", "ipw"):
        model = _regression_loop(truth, noisy, rectification=rectification, n_rectify=80).fit(X)
        result = model.rectified_mean(X)
        low, high = result.confidence_interval
        assert low < truth.mean() < high
        assert result.method == ("active-ipw" if rectification == "ipw" else "ppi++")
    with pytest.raises(ValueError, match="not at random"):
        model.rectified_mean(X, indices=model.human_indices_[:3])


def test_ipw_mean_is_the_class_share_formula_for_binary_labels():
    from sklearn_llmrect.selection import inclusion_probabilities, ipw_class_shares, ipw_mean

    rng = np.random.default_rng(3)
    p = rng.uniform(size=300)
    truth = rng.uniform(size=300) < p
    pi = inclusion_probabilities(np.abs(p - 0.5), 60.0)
    known = rng.uniform(size=300) < pi
    labels = np.where(truth, "pos", "neg").astype(object)
    shares = ipw_class_shares(
        np.column_stack([1 - p, p]), known, labels, pi, classes=["neg", "pos"]
    )
    mean = ipw_mean(p, known, truth.astype(float), pi)
    assert mean.estimate == pytest.approx(shares["pos"].estimate, rel=1e-12)
    assert mean.stderr == pytest.approx(shares["pos"].stderr, rel=1e-12)
    # by hand: the mean of f + (y - f) * xi / pi
    terms = p + np.where(known, (truth - p) / pi, 0.0)
    assert mean.estimate == pytest.approx(terms.mean(), rel=1e-12)
    with pytest.raises(ValueError, match="pi must lie"):
        ipw_mean(p, known, truth, np.zeros(300))


def test_regressor_with_an_llm_student_uses_dropout_spread(tiny_paths):
    from sklearn_llmrect import LLMRegressor
    from sklearn_llmrect.annotators import CallableAnnotator
    from sklearn_llmrect.multifidelity import MultiFidelityRegressor

    texts = [f"item {i} scores {i % 5}" for i in range(40)]
    truth = np.array([float(i % 5) for i in range(40)])
    student = LLMRegressor(
        model=tiny_paths["bert"],
        max_epochs=1,
        batch_size=8,
        max_length=32,
        validation_fraction=0,
        lora_dropout=0.3,
        dtype="float32",
        device="cpu",
        random_state=0,
    )
    model = MultiFidelityRegressor(
        student,
        human_annotator=OracleAnnotator(truth),
        llm_annotator=CallableAnnotator(lambda _, i: truth[i] + 0.5, pass_indices=True),
        selector=EEQSelector(embedder=None, n_dropout_passes=3),
        n_human=6,
        n_llm=10,
        n_rounds=2,
        random_state=0,
    )
    with pytest.raises(ValueError, match="embedder"):  # texts need an embedder for EEQ
        model.fit(texts)
    model.set_params(
        selector=EEQSelector(
            embedder=TextEmbedder(model=tiny_paths["bert"], dtype="float32", device="cpu"),
            n_dropout_passes=3,
        )
    ).fit(texts)
    assert len(model.human_indices_) == 6 and len(model.llm_indices_) == 10
    assert model.predict(texts[:2]).shape == (2,)
