"""``llmrect estimate --regress-on``: the classical and rectified coefficient table, ``--json``,
``--report`` (the HTML page) and ``--save-predictions``.

The rectified coefficients must equal ``RectifiedRegressor(estimand="ols", covariates=...)`` on
the same rows and seed, and the classical ones ``classical_ols`` on the labelled rows' design;
the default surrogate reads the embedded real feature models (no download). Every run shares one
cache folder, so only the first fits the surrogate (the others reuse it: about a second each).
"""

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from sklearn_llmrect.cli import main
from sklearn_llmrect.inference import classical_ols
from sklearn_llmrect.rectify import RectifiedRegressor
from sklearn_llmrect.reporting._summary import surrogate_candidates


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("regress-cache"))


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    rng = np.random.default_rng(0)
    good = ["a lovely kind reply", "thanks so much, great help", "wonderful and clear"]
    bad = ["a rude useless answer", "this is awful", "terrible, do not reply again"]
    rows = []
    for i in range(150):
        positive, group, price = rng.random() < 0.5, rng.choice(["a", "b", "c"]), rng.normal()
        label = 2.0 * positive + 0.5 * (group == "b") + 0.3 * price + rng.normal(0, 0.5)
        text = f"{rng.choice(good if positive else bad)} {i}"
        rows.append(dict(text=text, group=group, price=price, rating=label if i < 90 else None))
    path = tmp_path_factory.mktemp("regress-data") / "survey.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def direct(survey, cache):
    """The library's fit the command must reproduce."""
    frame = pd.read_csv(survey)
    y = frame["rating"].to_numpy(dtype=float)
    X = frame[["text", "group", "price"]]
    model = RectifiedRegressor(
        estimand="ols", covariates=["group", "price"], memory=cache, random_state=0
    )
    return model.fit(X, y), frame, y


def test_regress_on_prints_and_writes_both_coefficient_sets(
    survey, cache, direct, tmp_path, capsys
):
    out_json = tmp_path / "out.json"
    code = main(
        ["estimate", str(survey), "--text", "text", "--label", "rating", "--regress-on",
         "group,price", "--cache-dir", cache, "--json", str(out_json)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "classical (95% interval)" in out and "group_b" in out
    report = json.loads(out_json.read_text())
    names = [row["coefficient"] for row in report["coefficients"]]
    assert names == ["intercept", "group_b", "group_c", "price"]

    model, frame, y = direct
    rectified = [row["rectified_estimate"] for row in report["coefficients"]]
    np.testing.assert_allclose(rectified, model.result_.coefficients, rtol=1e-10)
    labeled = ~np.isnan(y)
    design = model.covariate_encoder_.transform(frame[["text", "group", "price"]])
    classical = classical_ols(design[labeled], y[labeled])
    np.testing.assert_allclose(
        [row["classical_estimate"] for row in report["coefficients"]],
        classical.coefficients,
        rtol=1e-10,
    )
    assert all(row["classical_ess"] == pytest.approx(90) for row in report["coefficients"])
    assert report["design"]["chosen"] == model.design_.chosen


def test_regress_on_report_has_the_table_the_forest_plot_and_the_surrogate(
    survey, cache, direct, tmp_path, capsys
):
    out_html, out_json = tmp_path / "r.html", tmp_path / "r.json"
    code = main(
        ["estimate", str(survey), "--text", "text", "--label", "rating", "--regress-on",
         "group,price", "--cache-dir", cache, "--report", str(out_html), "--json", str(out_json)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"wrote {out_html}" in out and "surrogate: stacked heads over" in out
    page, report = out_html.read_text(), json.loads(out_json.read_text())
    assert page.startswith("<!DOCTYPE html>") and "Regression of &#x27;rating&#x27;" in page
    # the coefficient table: each row's name and both estimates as printed, ESS and ESS/n
    table = page[page.index("<h2>Coefficients</h2>") :]
    table = table[: table.index("</table>")]
    model, _, _ = direct
    for row, ess in zip(report["coefficients"], model.effective_sample_size_, strict=True):
        assert f"<td class='l'>{row['coefficient']}</td>" in table
        assert f"<td>{row['classical_estimate']:.4g}</td>" in table
        assert f"<td>{row['rectified_estimate']:.4g}</td>" in table
        assert f"<td>{ess:,.0f}</td><td>{ess / 90:.2f}</td>" in table
    assert "ESS / n" in table and "width / classical" in table
    # the forest plot and the surrogate's residuals, as inline PNGs
    assert "alt='coefficient forest plot'" in page
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert len(images) == 2
    assert all(base64.b64decode(png).startswith(b"\x89PNG") for png in images)
    # the stacked surrogate's candidates, with their weights
    candidates = report["surrogate"]["candidates"]
    assert set(candidates) >= {"minilm", "smollm2-l16"}
    expected = surrogate_candidates(model)["candidates"]  # the fold models' mean weights
    for name, entry in candidates.items():
        assert entry["weight"] == pytest.approx(expected[name]["weight"])
        assert entry["oof_residual_variance"] == pytest.approx(
            expected[name]["oof_residual_variance"]
        )
    section = page[page.index("<h2>The surrogate's candidates</h2>") :]
    for name, entry in candidates.items():
        assert name in section and f"<td>{entry['weight']:.3f}</td>" in section
    assert "<td class='l'>group, price</td>" in page  # what was run


def test_regress_on_saves_one_prediction_per_row(survey, cache, direct, tmp_path, capsys):
    out_csv = tmp_path / "p.csv"
    code = main(
        ["estimate", str(survey), "--text", "text", "--label", "rating", "--regress-on",
         "group,price", "--cache-dir", cache, "--save-predictions", str(out_csv)]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    table = pd.read_csv(out_csv)
    model, frame, y = direct
    assert len(table) == len(frame) and table["row"].tolist() == list(range(len(frame)))
    pd.testing.assert_frame_equal(table[frame.columns], frame)  # every input column, unchanged
    labelled = ~np.isnan(y)
    assert (table.loc[~labelled, "role"] == "unlabelled").all()
    assert not (table.loc[labelled, "role"] == "unlabelled").any()
    if model.design_.design == "cross":  # each label predicted by the fold model that missed it
        assert (table.loc[labelled, "role"] == "cross-fit").all()
    # the surrogate's held-out prediction of each row: the numbers the rectification used
    np.testing.assert_allclose(
        table["default"].to_numpy()[model.rectify_indices_], model.rectify_predictions_
    )
    np.testing.assert_allclose(table["default"].to_numpy()[~labelled], model.unlabeled_predictions_)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--regress-on", "nope"], "--regress-on"),
        (["--regress-on", "text"], "also a --text column"),
        (["--estimand", "logistic"], "--estimand logistic is the regression of --regress-on"),
        (["--regress-on", "group", "--estimator", "fine-tune"], "--estimator default only"),
        (["--regress-on", "group", "--task", "classification"], "needs numeric labels"),
        (["--regress-on", "group", "--report", "missing/r.html"], "--report: the folder of"),
        (["--regress-on", "group", "--save-predictions", "missing/p.csv"], "--save-predictions:"),
    ],
)
def test_regress_on_mistakes_are_one_line(survey, tmp_path, capsys, extra, message):
    extra = [str(tmp_path / e) if e.startswith("missing/") else e for e in extra]
    code = main(["estimate", str(survey), "--text", "text", "--label", "rating", *extra])
    _, err = capsys.readouterr()
    assert code == 1 and message in err and "Traceback" not in err
