"""Targeted revision (ARF): audit categories, flagged-only editing, recheck, meta-estimators."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sklearn_llmrect.annotators import BaseAnnotator, OracleAnnotator
from sklearn_llmrect.revision import (
    ErrorAudit,
    RevisedLabelClassifier,
    RevisedLabelRegressor,
    TargetedReviser,
    binomial_interval,
)

CLASSES = np.array(["neg", "neu", "pos"])


@pytest.fixture(scope="module")
def confused():
    """3 classes; the teacher says 'pos' for 40% of neutral rows, 'neu' for 20% of negative."""
    rng = np.random.default_rng(0)
    truth = rng.choice(CLASSES, size=3000, p=[0.2, 0.5, 0.3])
    teacher = truth.copy()
    draw = rng.random(3000)
    teacher[(truth == "neu") & (draw < 0.4)] = "pos"
    teacher[(truth == "neg") & (draw < 0.2)] = "neu"
    audit_rows = rng.choice(3000, 400, replace=False)
    human = np.full(3000, "-1", dtype=object)
    human[audit_rows] = truth[audit_rows]
    return truth, teacher.astype(object), human, np.sort(audit_rows)


class RecordingEditor(BaseAnnotator):
    """Returns the truth (or a fixed answer) and records which rows and instructions it saw."""

    def __init__(self, truth, answer=None):
        self.truth = truth
        self.answer = answer

    def annotate(self, X, indices=None, instruction=None):
        self.calls_ = [*getattr(self, "calls_", []), (np.asarray(indices).copy(), instruction)]
        if self.answer is not None:
            return np.array([self.answer] * len(indices), dtype=object)
        return np.asarray(self.truth, dtype=object)[indices]


# ------------------------------------------------------------------------------- intervals
def test_binomial_interval_matches_statsmodels():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    for k, n in [(0, 10), (3, 10), (10, 10), (37, 150), (1, 400)]:
        for method, theirs in (("wilson", "wilson"), ("clopper-pearson", "beta")):
            low, high = binomial_interval(k, n, 0.9, method)
            ref = proportion.proportion_confint(k, n, alpha=0.1, method=theirs)
            np.testing.assert_allclose([low, high], ref, atol=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(k=5, n=3), "0 <= k <= n"),
        (dict(k=1, n=3, confidence_level=1.5), "confidence_level"),
        (dict(k=1, n=3, method="exact"), "method"),
    ],
)
def test_binomial_interval_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        binomial_interval(**kwargs)


# ----------------------------------------------------------------------------------- audit
def test_audit_finds_the_known_confusions(confused):
    truth, teacher, human, _ = confused
    audit = ErrorAudit().fit(None, teacher, human)
    names = [row.name for row in audit.categories_]
    assert audit.targetable_ == ["teacher=neg", "teacher=neu", "teacher=pos"]
    assert "teacher=pos, human=neu" in names and "teacher=neu, human=neg" in names
    assert "teacher=neg, human=pos" not in names  # never confused that way
    assert audit.category("teacher=neg").n_errors == 0
    for name in ("teacher=pos", "teacher=pos, human=neu", "teacher=neu, human=neg"):
        row = audit.category(name)
        value = name.split(",")[0].split("=")[1]
        in_cat = teacher == value
        wrong = truth[in_cat] != value
        if "human=" in name:
            wrong = truth[in_cat] == name.split("human=")[1]
        assert row.ci_low <= wrong.mean() <= row.ci_high
        assert row.estimated_errors_low <= wrong.sum() <= row.estimated_errors_high
        assert row.n_teacher == in_cat.sum()
    # the most error-prone targetable category is the one the teacher over-uses
    rates = {n: audit.category(n).error_rate for n in audit.targetable_}
    assert max(rates, key=rates.get) == "teacher=pos"
    assert "'neu'" in audit.category("teacher=pos").instruction
    assert audit.to_frame().shape[0] == len(audit.categories_)
    assert "teacher=pos" in audit.summary()


def test_audit_regression_bins_clusters_and_bias():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-3, 0.3, (300, 2)), rng.normal(3, 0.3, (300, 2))])
    truth = rng.normal(size=600)
    teacher = truth + np.where(X[:, 0] > 0, 1.5, 0.0)  # biased on the second blob only
    human = np.full(600, np.nan)
    rows = rng.choice(600, 200, replace=False)
    human[rows] = truth[rows]
    audit = ErrorAudit(n_bins=3, n_clusters=2, tolerance=0.5, random_state=0).fit(X, teacher, human)
    clusters = [audit.category(f"cluster {k}") for k in range(2)]
    biased = max(clusters, key=lambda c: c.error_rate)
    fine = min(clusters, key=lambda c: c.error_rate)
    assert biased.error_rate == 1.0 and fine.error_rate == 0.0
    assert biased.bias == pytest.approx(1.5) and fine.bias == pytest.approx(0.0)
    assert [r.kind for r in audit.categories_].count("teacher_bin") == 3
    assert audit.category("all").bias == pytest.approx(1.5 * np.mean(X[rows, 0] > 0))
    assert audit.membership(X, teacher).shape == (600, 5)
    np.testing.assert_array_equal(audit.membership(X, teacher), audit.membership_)


def test_audit_text_with_taxonomy_and_judge():
    taxonomy = {"hallucination": "a fact not in the text", "omission": "the key issue is missing"}

    def judge(rows, outputs, references):
        return [
            (["hallucination"] if "42" in str(o) else []) + (["omission"] if not o else [])
            for o in outputs
        ]

    outputs = np.array(["order 42 late", "refund", "", "order late"] * 25, dtype=object)
    references = np.array(["order late"] * 100, dtype=object)
    human = np.where(np.arange(100) < 40, references, None)
    audit = ErrorAudit(taxonomy=taxonomy, judge=judge).fit(list(outputs), outputs, human)
    assert audit.task_ == "text"
    assert audit.category("hallucination").error_rate == pytest.approx(0.25)
    assert audit.category("omission").estimated_errors == pytest.approx(25)

    def fixer(rows, indices=None, instruction=None):
        assert "a fact not in the text" in instruction or "missing" in instruction
        return np.array(["order late" if i % 4 == 0 else "order 42" for i in indices], object)

    class Fixer(BaseAnnotator):
        def annotate(self, X, indices=None, instruction=None):
            return fixer(X, indices, instruction)

    reviser = TargetedReviser(Fixer(), threshold=0.1)
    revised = reviser.revise(list(outputs), outputs, audit)
    assert reviser.flagged_ == ["hallucination", "omission"]
    decisions = {d["index"]: d for d in reviser.decisions_}
    assert set(decisions) == set(np.flatnonzero(np.arange(100) % 2 == 0))  # only flagged rows
    assert decisions[0]["decision"] == "revised" and revised[0] == "order late"
    assert decisions[2]["decision"] == "rejected"  # omission fixed, but a hallucination added
    assert "adds ['hallucination']" in decisions[2]["reason"]
    assert revised[2] == ""


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(task="images"), "task"),
        (dict(n_bins=0), "n_bins"),
        (dict(n_clusters=-1), "n_clusters"),
        (dict(tolerance=-1.0), "tolerance"),
        (dict(method="exact"), "method"),
        (dict(confidence_level=0), "confidence_level"),
        (dict(task="text"), "judge"),
        (dict(judge=lambda r, o, h: [], task="classification"), "judge"),
    ],
)
def test_audit_bad_parameters(params, match, confused):
    _, teacher, human, _ = confused
    with pytest.raises(ValueError, match=match):
        ErrorAudit(**params).fit(None, teacher, human)


def test_audit_bad_labels(confused):
    _, teacher, human, _ = confused
    with pytest.raises(ValueError, match="no audited row"):
        ErrorAudit().fit(None, teacher, np.full(len(teacher), -1))
    with pytest.raises(ValueError, match="human_labels has 5 entries"):
        ErrorAudit().fit(None, teacher, human[:5])
    with pytest.raises(ValueError, match="must hold numbers"):
        ErrorAudit(task="regression").fit(None, ["a", 1.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="needs X"):
        ErrorAudit(n_clusters=2).fit(None, teacher, human)
    with pytest.raises(KeyError, match="no category"):
        ErrorAudit().fit(None, teacher, human).category("nope")


# ---------------------------------------------------------------------------------- reviser
def test_only_flagged_rows_reach_the_editor(confused):
    truth, teacher, human, audit_rows = confused
    X = np.arange(len(truth)).reshape(-1, 1)
    audit = ErrorAudit().fit(X, teacher, human)
    editor = RecordingEditor(truth)
    reviser = TargetedReviser(editor, threshold=0.15)
    revised = reviser.revise(X, teacher, audit, exclude=audit_rows)
    assert reviser.flagged_ == ["teacher=pos"]
    sent = np.concatenate([indices for indices, _ in editor.calls_])
    expected = np.setdiff1d(np.flatnonzero(teacher == "pos"), audit_rows)
    np.testing.assert_array_equal(np.sort(sent), expected)
    assert all("wrong" in instruction for _, instruction in editor.calls_)
    assert reviser.n_editor_calls_ == len(expected)
    assert reviser.n_excluded_ == int(np.isin(audit_rows, np.flatnonzero(teacher == "pos")).sum())
    # every neutral row mislabelled 'pos' outside the audit is fixed; nothing else changed
    changed = np.flatnonzero(revised != teacher)
    assert set(changed) == set(expected[truth[expected] != "pos"])
    assert reviser.counts_["revised"] == len(changed)
    assert len(reviser.decisions_) == len(expected)


def test_max_revisions_sends_the_most_error_prone_first_and_records_the_rest(confused):
    truth, teacher, human, audit_rows = confused
    X = np.arange(len(truth)).reshape(-1, 1)
    audit = ErrorAudit().fit(X, teacher, human)
    editor = RecordingEditor(truth)
    reviser = TargetedReviser(editor, threshold=0.05, max_revisions=100, random_state=0)
    reviser.revise(X, teacher, audit, exclude=audit_rows)
    assert reviser.flagged_ == ["teacher=pos", "teacher=neu"]
    sent = np.concatenate([indices for indices, _ in editor.calls_])
    assert len(sent) == 100 and set(teacher[sent]) == {"pos"}
    not_sent = [d for d in reviser.decisions_ if d["decision"] == "not_sent"]
    assert len(not_sent) == reviser.n_flagged_ - 100
    assert all("max_revisions" in d["reason"] for d in not_sent)


def test_named_categories_and_bad_reviser_parameters(confused):
    truth, teacher, human, _ = confused
    X = np.arange(len(truth)).reshape(-1, 1)
    audit = ErrorAudit().fit(X, teacher, human)
    reviser = TargetedReviser(RecordingEditor(truth), categories=["teacher=neg"])
    reviser.revise(X, teacher, audit)
    assert reviser.flagged_ == ["teacher=neg"] and reviser.counts_["revised"] == 0
    bad = [
        (dict(editor=None), ValueError, "editor"),
        (dict(threshold=2.0), ValueError, "threshold"),
        (dict(criterion="upper"), ValueError, "criterion"),
        (dict(max_revisions=-1), ValueError, "max_revisions"),
        (dict(recheck="yes"), TypeError, "recheck"),
        (dict(categories="teacher=pos"), TypeError, "categories"),
        (dict(categories=["teacher=xyz"]), ValueError, "not targetable"),
    ]
    for params, error, match in bad:
        options = {"editor": RecordingEditor(truth), **params}
        with pytest.raises(error, match=match):
            TargetedReviser(**options).revise(X, teacher, audit)
    with pytest.raises(ValueError, match="fitted ErrorAudit"):
        TargetedReviser(RecordingEditor(truth)).revise(X, teacher, ErrorAudit())
    with pytest.raises(ValueError, match="teacher-labelled rows"):
        TargetedReviser(RecordingEditor(truth)).revise(X[:5], teacher, audit)


def test_recheck_rejects_a_revision_that_does_not_fix_the_error():
    rng = np.random.default_rng(2)
    truth = rng.normal(size=500)
    teacher = truth + np.where(truth > 0, 2.0, 0.0)  # too high where the value is high
    human = np.full(500, np.nan)
    human[:150] = truth[:150]
    X = np.arange(500).reshape(-1, 1)
    audit = ErrorAudit(n_bins=2, n_clusters=0).fit(X, teacher, human)
    worse = CallableEditor(lambda idx: teacher[idx] + 1.0)  # moves with the bias: no fix
    reviser = TargetedReviser(worse, threshold=0.3)
    revised = reviser.revise(X, teacher, audit, exclude=np.arange(150))
    assert reviser.counts_["rejected"] == reviser.n_editor_calls_ > 0
    assert "direction of the teacher's bias" in reviser.decisions_[0]["reason"]
    np.testing.assert_array_equal(revised.astype(float), teacher)
    # a real fix passes; without recheck the bad revision is kept
    good = TargetedReviser(CallableEditor(lambda idx: truth[idx]), threshold=0.3)
    fixed = good.revise(X, teacher, audit, exclude=np.arange(150)).astype(float)
    assert good.counts_["rejected"] == 0 and good.counts_["revised"] > 0
    assert np.abs(fixed - truth)[150:].max() < 1e-12
    kept = TargetedReviser(worse, threshold=0.3, recheck=False)
    kept.revise(X, teacher, audit, exclude=np.arange(150))
    assert kept.counts_["revised"] == kept.n_editor_calls_


def test_recheck_for_classes_and_with_a_callable(confused):
    truth, teacher, human, audit_rows = confused
    X = np.arange(len(truth)).reshape(-1, 1)
    audit = ErrorAudit().fit(X, teacher, human)
    unknown = TargetedReviser(RecordingEditor(truth, answer="banana"), threshold=0.15)
    unknown.revise(X, teacher, audit, exclude=audit_rows)
    assert unknown.counts_["rejected"] == unknown.n_editor_calls_
    assert "not a known class" in unknown.decisions_[0]["reason"]
    calls = []

    def only_neutral(rows, old, new, categories):
        calls.append(len(new))
        return np.array([label == "neu" for label in new])

    reviser = TargetedReviser(RecordingEditor(truth), threshold=0.05, recheck=only_neutral)
    revised = reviser.revise(X, teacher, audit, exclude=audit_rows)
    assert calls == [reviser.counts_["revised"] + reviser.counts_["rejected"]]
    assert set(revised[revised != teacher]) == {"neu"}
    assert reviser.counts_["rejected"] > 0  # the editor's 'neg' answers were refused
    with pytest.raises(ValueError, match="one bool per revision"):
        TargetedReviser(RecordingEditor(truth), threshold=0.15, recheck=lambda *a: [True]).revise(
            X, teacher, audit, exclude=audit_rows
        )


def test_instruction_reaches_an_editor_that_takes_one(confused):
    truth, teacher, human, audit_rows = confused

    class InstructedEditor(BaseAnnotator):
        def __init__(self):
            self.seen = []

        def annotate(self, X, indices=None, instruction=None):
            self.seen.append(instruction)
            return truth[indices]

    X = np.arange(len(truth)).reshape(-1, 1)
    editor = InstructedEditor()
    TargetedReviser(editor, threshold=0.15).revise(
        X, teacher, ErrorAudit().fit(X, teacher, human), exclude=audit_rows
    )
    assert editor.seen and all(note.startswith("In a human audit") for note in editor.seen)


class CallableEditor(BaseAnnotator):
    def __init__(self, func):
        self.func = func

    def annotate(self, X, indices=None):
        return self.func(np.asarray(indices))


# ---------------------------------------------------------------------------- meta-estimators
def _numeric_problem(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    truth = np.where(X[:, 0] > 0, "pos", "neg")
    teacher = np.where(X[:, 1] > 0.8, "pos", truth)
    y = np.full(n, -1, dtype=object)
    y[:100] = truth[:100]
    return X, truth, teacher, y


def test_classifier_pipeline_human_labels_win_and_student_improves():
    X, truth, teacher, y = _numeric_problem()
    model = RevisedLabelClassifier(
        LogisticRegression(),
        teacher=OracleAnnotator(teacher),
        editor=OracleAnnotator(truth),
        threshold=0.05,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(model.training_labels_[:100], truth[:100])
    np.testing.assert_array_equal(model.teacher_labels_, teacher)
    assert (model.training_labels_ == truth).all()
    assert model.n_editor_calls_ == int((teacher[100:] == "pos").sum())
    assert model.n_audit_ == 100 and model.n_teacher_calls_ == 400
    assert set(model.revisions_["decision"]) == {"revised", "unchanged"}
    assert list(model.classes_) == ["neg", "pos"]
    raw = RevisedLabelClassifier(
        LogisticRegression(),
        teacher=OracleAnnotator(teacher),
        editor=OracleAnnotator(truth),
        max_revisions=0,
    ).fit(X, y)
    assert raw.n_editor_calls_ == 0 and model.score(X, truth) > raw.score(X, truth)
    assert model.predict_proba(X[:3]).shape == (3, 2)


def test_rows_without_any_label_are_reported_not_dropped_silently():
    X, truth, teacher, y = _numeric_problem()
    teacher = teacher.astype(object)
    teacher[[150, 151]] = None  # no answer from the teacher, nor from the editor
    editor = CallableEditor(lambda idx: np.array([None] * len(idx), dtype=object))
    with pytest.warns(UserWarning, match="2 row"):
        model = RevisedLabelClassifier(
            LogisticRegression(), teacher=OracleAnnotator(teacher), editor=editor
        ).fit(X, y)
    np.testing.assert_array_equal(model.untrained_indices_, [150, 151])
    assert model.audit_.category("no answer").n_teacher == 2
    assert "no answer" in model.reviser_.flagged_


def test_regressor_pipeline():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 1))
    truth = 2 * X[:, 0]
    teacher = np.where(truth > 1, truth + 2.0, truth)
    y = np.full(300, np.nan)
    y[:90] = truth[:90]
    model = RevisedLabelRegressor(
        Ridge(),
        teacher=OracleAnnotator(teacher),
        editor=OracleAnnotator(truth),
        audit=ErrorAudit(n_clusters=2, random_state=0),
        threshold=0.3,
    ).fit(X, y)
    assert model.audit_.task_ == "regression"
    assert np.abs(model.training_labels_ - truth).max() < 1e-12
    assert model.score(X, truth) > 0.99


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(teacher=None), ValueError, "teacher must be an annotator"),
        (dict(editor="person"), ValueError, "editor must be an annotator"),
        (dict(audit="auto"), TypeError, "audit must be None or an ErrorAudit"),
        (dict(audit=ErrorAudit(task="regression")), ValueError, "task='regression'"),
        (dict(threshold=-0.1), ValueError, "threshold"),
        (dict(max_revisions=2.5), ValueError, "max_revisions"),
        (dict(verbose="loud"), ValueError, "verbose"),
    ],
)
def test_classifier_bad_parameters(params, error, match):
    X, truth, teacher, y = _numeric_problem()
    options = dict(teacher=OracleAnnotator(teacher), editor=OracleAnnotator(truth))
    options.update(params)
    with pytest.raises(error, match=match):
        RevisedLabelClassifier(LogisticRegression(), **options).fit(X, y)


def test_classifier_bad_data():
    X, truth, teacher, y = _numeric_problem()
    model = RevisedLabelClassifier(
        LogisticRegression(), teacher=OracleAnnotator(teacher), editor=OracleAnnotator(truth)
    )
    with pytest.raises(ValueError, match="no human label"):
        model.fit(X, np.full(len(X), -1))
    with pytest.raises(ValueError, match="y has 10 entries"):
        model.fit(X, y[:10])
    short = model.set_params(teacher=CallableEditor(lambda idx: np.array(["pos"])))
    with pytest.raises(ValueError, match="the teacher returned"):
        short.fit(X, y)


def test_clone_and_nested_params():
    X, truth, teacher, y = _numeric_problem()
    model = RevisedLabelClassifier(
        LogisticRegression(C=2.0),
        teacher=OracleAnnotator(teacher),
        editor=OracleAnnotator(truth),
        audit=ErrorAudit(n_bins=3),
        threshold=0.3,
    )
    params = model.get_params()
    assert params["estimator__C"] == 2.0 and params["audit__n_bins"] == 3
    assert params["threshold"] == 0.3
    copy = clone(model).set_params(estimator__C=0.5, audit__confidence_level=0.9)
    assert copy.estimator.C == 0.5 and model.estimator.C == 2.0
    copy.fit(X, y)
    assert copy.audit_.confidence_level == 0.9
    assert not hasattr(model, "estimator_")
    assert clone(TargetedReviser(OracleAnnotator(truth), threshold=0.4)).threshold == 0.4


def test_end_to_end_text_with_an_llm_student(tiny_paths, fast, one_thread):
    from sklearn_llmrect import LLMClassifier

    words = ["good", "great", "fine", "bad", "awful", "poor"]
    X = [f"the {w} day number {i}" for i in range(10) for w in words]
    truth = np.array(["pos", "pos", "pos", "neg", "neg", "neg"] * 10)
    teacher = np.where(np.isin(np.arange(60) % 6, [2]), "neg", truth)  # 'fine' -> neg
    y = np.full(60, -1, dtype=object)
    y[:24] = truth[:24]
    model = RevisedLabelClassifier(
        LLMClassifier(model=tiny_paths["bert"], head="linear", **fast),
        teacher=OracleAnnotator(teacher),
        editor=OracleAnnotator(truth),
        threshold=0.1,
    ).fit(X, y)
    assert model.reviser_.flagged_ == ["teacher=neg"]
    assert (model.training_labels_ == truth).all()
    assert model.predict(X[:4]).shape == (4,)
    assert set(model.classes_) == {"neg", "pos"}


def test_category_note_reaches_a_real_llm_editor_prompt(tiny_paths, one_thread):
    from sklearn_llmrect.annotators import LLMAnnotator

    class RecordingLLM(LLMAnnotator):
        def prompts(self, X, example_indices=None, instruction=None):
            out = super().prompts(X, example_indices, instruction)
            self.seen_ = [*getattr(self, "seen_", []), *out]
            return out

    X = [f"the {w} day number {i}" for i in range(8) for w in ("good", "bad", "fine")]
    truth = np.array(["pos", "neg", "pos"] * 8)
    teacher = np.where(np.arange(24) % 3 == 2, "neg", truth)  # 'fine' -> neg
    y = np.full(24, -1, dtype=object)
    y[:9] = truth[:9]
    editor = RecordingLLM(
        model=tiny_paths["llama"], n_examples=1, retrieval="random", dtype="float32", device="cpu"
    )
    model = RevisedLabelClassifier(
        make_pipeline(CountVectorizer(), LogisticRegression()),  # a student that reads text
        teacher=OracleAnnotator(teacher),
        editor=editor,
        threshold=0.1,
    ).fit(X, y)
    fitted = model.reviser_.editor
    assert model.n_editor_calls_ == len(fitted.seen_) == int((teacher[9:] == "neg").sum())
    assert all("In a human audit, the first labeller answered 'neg'" in p for p in fitted.seen_)
    assert "In a human audit" not in fitted.instruction_  # for those calls only
    assert not hasattr(editor, "seen_")  # the user's editor is left untouched (a clone is fitted)
    assert set(model.revisions_["decision"]) <= {"revised", "unchanged"}
    assert model.predict(["the good day"]).shape == (1,)
