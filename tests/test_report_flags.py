"""The report flags what a reader must know: an interval wider than the classical one (marked,
with why that method was or was not the estimate), a fallback to the classical estimate, and too
few labels for the nominal coverage; in the text table and the HTML page."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from sklearn_llmrect.inference import classical_mean, ppi_mean
from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor
from sklearn_llmrect.reporting import estimate_report, format_table, render_html
from tests._expensive import ExpensiveRidge


def _noise(n_labeled=200, n_unlabeled=1000, n_features=20, seed=0):
    """Features unrelated to the label: no model helps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_labeled + n_unlabeled, n_features))
    y = rng.normal(size=len(X))
    y[n_labeled:] = np.nan
    return X, y


def _kinds(report):
    return [flag["kind"] for flag in report["flags"]]


def test_a_fixed_split_wider_than_classical_is_marked_with_the_reason():
    X, y = _noise()
    model = RectifiedRegressor(Ridge(alpha=1e-3), allocation=0.5, random_state=0).fit(X, y)
    classical = classical_mean(y[:200])
    report = estimate_report(model, y, baselines={"classical": classical})
    final = report["estimates"][-1]
    assert final["width"] > classical.confidence_interval[1] - classical.confidence_interval[0]
    assert final["wider_than_classical"] and not report["estimates"][0]["wider_than_classical"]
    (flag,) = [f for f in report["flags"] if f["kind"] == "wider"]
    assert flag["label"] == "fine-tuned + PPI++"
    assert "wider than that of classical" in flag["message"]
    assert "allocation=0.5 was given" in flag["message"] and "allocation='auto'" in flag["message"]
    table = format_table(report)
    assert "! wider than classical" in table.splitlines()[3]
    assert "! fine-tuned + PPI++: its interval is wider" in table
    pytest.importorskip("matplotlib")
    page = render_html(report)
    assert "Read this first" in page and "(! wider than classical)" in page


def test_a_baseline_wider_than_classical_says_it_was_not_chosen():
    X, y = _noise()
    rng = np.random.default_rng(1)
    noise = ppi_mean(y[:200], rng.normal(size=200), rng.normal(size=1000), method="ppi")
    model = RectifiedRegressor(Ridge(), allocation=0.1, random_state=0).fit(X, y)
    report = estimate_report(
        model, y, baselines={"classical": classical_mean(y[:200]), "PPI with noise": noise}
    )
    flags = {f["label"]: f["message"] for f in report["flags"] if f["kind"] == "wider"}
    assert "it was not chosen as the estimate" in flags["PPI with noise"]


def test_the_fallback_to_classical_is_flagged():
    X, y = _noise(n_labeled=300)
    model = RectifiedRegressor(ExpensiveRidge(), random_state=0).fit(X, y)
    assert not model.ramp_up_.fine_tuning_pays
    report = estimate_report(model, y, baselines={"classical": classical_mean(y[:300])})
    assert "fallback" in _kinds(report)
    message = next(f["message"] for f in report["flags"] if f["kind"] == "fallback")
    assert "fallback to the classical estimate" in message and "model was not used" in message
    # it is wider than classical from all labels, because validation took some of them
    wider = next(f["message"] for f in report["flags"] if f["kind"] == "wider")
    assert "classical fallback" in wider and "validation" in wider
    assert "! fallback to the classical estimate" in format_table(report)


def test_few_rectification_labels_give_a_coverage_warning():
    X, y = _noise(n_labeled=40, n_unlabeled=400)
    model = RectifiedRegressor(Ridge(), allocation=20, random_state=0).fit(X, y)
    report = estimate_report(model, y)  # no baseline: the classical width is computed
    coverage = [f["message"] for f in report["flags"] if f["kind"] == "coverage"]
    assert coverage and "only 20 labels enter the final estimate" in coverage[0]
    assert "fewer than 30" in coverage[0] and "95%" in coverage[0]
    assert "! only 20 labels" in format_table(report)
    many = RectifiedRegressor(Ridge(), allocation=0.1, random_state=0).fit(*_noise())
    assert "coverage" not in _kinds(estimate_report(many, _noise()[1]))


def test_a_classifier_report_flags_per_class_and_a_rare_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 10))
    y = rng.choice(np.array(["a", "b"]), size=1200).astype(object)
    y[200:] = None
    y[:4] = "c"  # four labels of a rare class: fewer than 5 of them can rectify
    model = RectifiedClassifier(LogisticRegression(), allocation=0.5, random_state=0).fit(X, y)
    report = estimate_report(model, y)
    assert {r["class"] for r in report["estimates"]} == {"a", "b", "c"}
    assert all("wider_than_classical" in row for row in report["estimates"])
    assert any("few labels of class 'c'" in f["message"] for f in report["flags"])
