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
    assert report["scaling_law"]["sizes"] == model.ramp_up_.sizes  # the law's fitted points
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
    assert page.count("data:image/png;base64,") == 2 and "none was fitted" in page
    assert "No design was compared" in page
    cross = RectifiedRegressor(Ridge(), method="cross", n_folds=4, random_state=0).fit(X, y)
    assert split_reason(cross).startswith("4-fold cross-fitting (method='cross'")
    report = estimate_report(cross, y)
    assert report["estimates"][0]["label"] == "cross-fitted PPI"
    assert report["residuals"]["n"] == 200  # out-of-fold residuals of every label


def test_learning_curve_design_plots_its_law_and_every_designs_predicted_stderr():
    X, y = _regression(n_labeled=200, n_unlabeled=500)
    model = RectifiedRegressor(Ridge(), random_state=0).fit(X, y)  # allocation="auto", cheap
    report = estimate_report(model, y)
    json.dumps(report, allow_nan=False)
    law = report["scaling_law"]
    assert law["sizes"] == [50, 100, 150] and len(law["residual_variances"]) == 3
    assert report["ramp_up"] is None
    assert law["alpha"] == pytest.approx(model.scaling_law_.alpha_)
    page = render_html(report)
    # forest, the law over the learning curve, the designs' predicted stderr, residuals
    assert page.count("data:image/png;base64,") == 4
    assert "No scaling law" not in page and "No design was compared" not in page
    assert "Needs the scaling law of a ramp-up pilot" in page  # no split-share curve here


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


def _cheap_surrogate():
    """A stacked surrogate over two cheap feature sets (columns of X) instead of LLM features."""
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_llmrect.rectify import SurrogateRegressor

    return SurrogateRegressor(
        [
            ("strong", FunctionTransformer(lambda rows: np.asarray(rows)[:, :3])),
            ("weak", FunctionTransformer(lambda rows: np.asarray(rows)[:, 6:])),
        ],
        inner_folds=3,
    )


def test_html_page_lists_the_surrogates_candidates_with_variance_and_weight(auto_fit):
    X, y = _regression(n_labeled=200, n_unlabeled=400)
    model = RectifiedRegressor(_cheap_surrogate(), method="cross", n_folds=3, random_state=0).fit(
        X, y
    )
    report = estimate_report(model, y)
    candidates = report["surrogate"]["candidates"]
    assert set(candidates) == {"strong", "weak", "all"}
    page = render_html(report)
    section = page[page.index("<h2>The surrogate's candidates</h2>") :]
    section = section[: section.index("</table>")]
    for name, entry in candidates.items():
        shown = name + (" (largest weight)" if name == report["surrogate"]["chosen"] else "")
        cells = (
            f"<td class='l'>{shown}</td><td>{entry['oof_residual_variance']:.4g}</td>"
            f"<td>{entry['weight']:.3f}</td>"
        )
        assert cells in section
    # the strong feature set explains more, so it has the smaller out-of-fold variance
    assert (
        candidates["strong"]["oof_residual_variance"] < candidates["weak"]["oof_residual_variance"]
    )
    # an estimator that is not a stacked surrogate shows no such section
    ridge_model, ridge_y = auto_fit
    assert "surrogate's candidates" not in render_html(estimate_report(ridge_model, ridge_y))


def _covariate_frame(n=1200, n_labeled=300, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "noise": rng.normal(size=n),
            "price": rng.normal(size=n),
            "category": rng.choice(["a", "b", "c"], n),
        }
    )
    y = (1.0 + 0.5 * frame["price"] + 0.4 * (frame["category"] == "b")).to_numpy()
    y = y + rng.normal(size=n)
    y[n_labeled:] = np.nan
    return frame, y


def test_regression_report_numbers_flags_table_and_page(tmp_path):
    from sklearn_llmrect.inference import classical_ols
    from sklearn_llmrect.reporting import classical_regression, format_regression, regression_report

    frame, y = _covariate_frame()
    # a model of pure noise, and half the labels spent fitting it: the rectified intervals are
    # wider than the classical regression's on all 300 labels
    model = RectifiedRegressor(
        Ridge(), estimand="ols", covariates=["price", "category"], allocation=0.5, random_state=0
    ).fit(frame, y)
    report = regression_report(model, frame, y, title="t", context={"data": "synthetic"})
    json.dumps(report, allow_nan=False)
    names = ["intercept", "price", "category_b", "category_c"]
    assert [row["coefficient"] for row in report["coefficients"]] == names
    labelled = ~np.isnan(y)
    design = model.covariate_encoder_.transform(frame)
    classical = classical_ols(design[labelled], y[labelled])
    for j, row in enumerate(report["coefficients"]):
        assert row["classical_estimate"] == pytest.approx(classical.coefficients[j])
        assert row["classical_ess"] == pytest.approx(300)
        assert row["rectified_estimate"] == pytest.approx(model.estimate_[j])
        assert (row["rectified_lower"], row["rectified_upper"]) == pytest.approx(
            tuple(model.confidence_interval_[j])
        )
        assert row["rectified_ess_ratio"] == pytest.approx(model.effective_sample_size_[j] / 300)
        wider = row["rectified_width"] > 1.01 * row["classical_width"]
        assert row["wider_than_classical"] == wider
    wider = [row["coefficient"] for row in report["coefficients"] if row["wider_than_classical"]]
    assert wider  # 150 rectification labels against 300
    (flag,) = [f for f in report["flags"] if f["kind"] == "wider"]
    assert all(name in flag["message"] for name in wider)
    assert "allocation=0.5 was given" in flag["message"] and "one lambda" in flag["message"]
    assert report["split"]["n_finetune"] == 150 and report["surrogate"] is None
    assert report["lambda"] == pytest.approx(model.lambda_)
    np.testing.assert_allclose(
        classical_regression(model, frame, y).coefficients, classical.coefficients
    )

    table = format_regression(report)
    assert table.splitlines()[0].startswith("coefficient") and "! wider than classical" in table
    assert "why: allocation=0.5 was given" in table and f"! {flag['message']}" in table
    write_html(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 2  # the coefficient forest plot, residuals
    assert "alt='coefficient forest plot'" in page and "Read this first" in page
    for row in report["coefficients"]:
        mark = " (! wider than classical)" if row["wider_than_classical"] else ""
        assert f"<td class='l'>{row['coefficient']}{mark}</td>" in page
    assert "ESS / n" in page and "<td class='l'>synthetic</td>" in page
    write_json(report, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["coefficients"] == report["coefficients"]


def test_regression_report_refuses_a_mean_fit(auto_fit):
    from sklearn_llmrect.reporting import regression_report

    model, y = auto_fit
    with pytest.raises(ValueError, match="estimand 'ols', 'logistic' or 'poisson'.*'mean'"):
        regression_report(model, None, y)
