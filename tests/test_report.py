"""Reports of a rectified fit: the JSON-ready numbers, the text table and the HTML page."""

import json
import sys

import numpy as np
import pytest
from scipy.special import ndtri
from sklearn.linear_model import LogisticRegression, Ridge

from sklearn_llmrect.inference import classical_class_shares, classical_mean
from sklearn_llmrect.rectify import RectifiedClassifier, RectifiedRegressor
from sklearn_llmrect.reporting import (
    estimate_report,
    format_table,
    render_html,
    split_reason,
    write_html,
    write_json,
)


def _regression(n_labeled=300, n_unlabeled=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_labeled + n_unlabeled, 8))
    y = X @ np.linspace(1, 0.1, 8) + 2.0 + rng.normal(size=len(X))
    y[n_labeled:] = np.nan
    return X, y


@pytest.fixture(scope="module")
def auto_fit():
    X, y = _regression()
    return RectifiedRegressor(Ridge(), allocation="ramp-up", random_state=0).fit(X, y), y


def test_report_numbers_match_the_fit(auto_fit):
    model, y = auto_fit
    baseline = classical_mean(y[~np.isnan(y)])
    report = estimate_report(model, y, baselines={"classical": baseline}, truth=2.0)
    json.dumps(report, allow_nan=False)  # plain JSON, no NaN
    assert [r["label"] for r in report["estimates"]] == ["classical", "fine-tuned + PPI++"]
    row = report["estimates"][1]
    assert row["estimate"] == pytest.approx(model.estimate_)
    assert (row["lower"], row["upper"]) == pytest.approx(model.confidence_interval_)
    assert row["effective_sample_size"] == pytest.approx(model.effective_sample_size_)
    split = report["split"]
    assert (split["n_finetune"], split["n_validation"], split["n_rectify"]) == (
        model.n_finetune_,
        model.n_validation_,
        model.n_rectify_,
    )
    assert split["reason"].startswith("ramp-up pilot") and "s* =" in split["reason"]
    assert report["ramp_up"]["sizes"] == model.ramp_up_.sizes
    assert report["scaling_law"]["alpha"] == pytest.approx(model.scaling_law_.alpha_)
    # the width curve is the law's predicted PPI width, with the split chosen marked
    curve = report["width_curve"]
    n = model.n_finetune_ + model.n_rectify_
    assert curve["chosen"] == model.n_finetune_ and curve["n_available"] == n
    s = curve["n_finetune"][10]
    expected = (
        2
        * ndtri(0.975)
        * np.sqrt(model.scaling_law_.predicted_variance([s], n, n_unlabeled=model.n_unlabeled_)[0])
    )
    assert curve["width"][10] == pytest.approx(expected)
    # residuals are those of the rectification rows
    residuals = report["residuals"]
    held_out = y[model.rectify_indices_] - model.rectify_predictions_
    assert residuals["n"] == model.n_rectify_
    assert residuals["residual_variance"] == pytest.approx(np.var(held_out, ddof=1))


def test_text_table_and_html_page(auto_fit, tmp_path):
    model, y = auto_fit
    report = estimate_report(model, y, truth=2.0, context={"data": "synthetic"}, notes=["hi"])
    table = format_table(report)
    assert "fine-tuned + PPI++" in table and "95% interval" in table
    assert "why: ramp-up pilot" in table and "truth (known here): 2" in table
    write_html(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 4  # forest, law, width, residuals
    assert "How the labels were split" in page and "synthetic" in page and "<li>hi</li>" in page
    write_json(report, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["estimates"] == report["estimates"]
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, no temporary left


def test_fixed_and_cross_fits_say_why_and_skip_the_law_plots():
    X, y = _regression(n_labeled=200, n_unlabeled=500)
    fixed = RectifiedRegressor(Ridge(), allocation=0.3, random_state=0).fit(X, y)
    assert split_reason(fixed).startswith("allocation=0.3 was given: 60 labels fine-tune")
    report = estimate_report(fixed, y)
    assert report["scaling_law"] is None and report["width_curve"] is None
    page = render_html(report)
    assert page.count("data:image/png;base64,") == 2 and "no ramp-up pilot" in page
    cross = RectifiedRegressor(Ridge(), method="cross", n_folds=4, random_state=0).fit(X, y)
    assert split_reason(cross).startswith("4-fold cross-fitting (method='cross'")
    report = estimate_report(cross, y)
    assert report["estimates"][0]["label"] == "cross-fitted PPI"
    assert report["residuals"]["n"] == 200  # out-of-fold residuals of every label


def test_classifier_report_has_one_row_per_class_and_a_confusion_matrix():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2))
    labels = np.where(X[:, 0] + rng.normal(0, 0.7, 2000) > 0, "pos", "neg").astype(object)
    y = labels.copy()
    y[300:] = None
    model = RectifiedClassifier(LogisticRegression(), allocation="ramp-up", random_state=0).fit(
        X, y
    )
    report = estimate_report(
        model,
        y,
        baselines={"classical": classical_class_shares(labels[:300])},
        truth=[float(np.mean(labels == "neg")), float(np.mean(labels == "pos"))],
    )
    assert [(r["label"], r["class"]) for r in report["estimates"]] == [
        ("classical", "neg"),
        ("classical", "pos"),
        ("fine-tuned + PPI++", "neg"),
        ("fine-tuned + PPI++", "pos"),
    ]
    residuals = report["residuals"]
    assert residuals["kind"] == "classification" and residuals["classes"] == ["neg", "pos"]
    assert np.sum(residuals["confusion"]) == model.n_rectify_
    assert "neg" in format_table(report).splitlines()[2]
    assert render_html(report).count("data:image/png;base64,") == 4


def test_html_without_matplotlib_names_the_fix(auto_fit, monkeypatch):
    model, y = auto_fit
    report = estimate_report(model, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"matplotlib.*pip install 'sklearn-llmrect\[plot\]'"):
        render_html(report)
