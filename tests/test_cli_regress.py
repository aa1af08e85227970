"""``llmrect estimate --regress-on``: the classical and rectified coefficient table.

The rectified coefficients must equal ``RectifiedRegressor(estimand="ols", covariates=...)`` on
the same rows and seed, and the classical ones ``classical_ols`` on the labelled rows' design;
the default surrogate reads the embedded real feature models (no download).
"""

import json

import numpy as np
import pandas as pd
import pytest

from sklearn_llmrect.cli import main
from sklearn_llmrect.inference import classical_ols
from sklearn_llmrect.rectify import RectifiedRegressor


@pytest.fixture
def survey(tmp_path):
    rng = np.random.default_rng(0)
    good = ["a lovely kind reply", "thanks so much, great help", "wonderful and clear"]
    bad = ["a rude useless answer", "this is awful", "terrible, do not reply again"]
    rows = []
    for i in range(150):
        positive, group, price = rng.random() < 0.5, rng.choice(["a", "b", "c"]), rng.normal()
        label = 2.0 * positive + 0.5 * (group == "b") + 0.3 * price + rng.normal(0, 0.5)
        text = f"{rng.choice(good if positive else bad)} {i}"
        rows.append(dict(text=text, group=group, price=price, rating=label if i < 90 else None))
    path = tmp_path / "survey.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_regress_on_prints_and_writes_both_coefficient_sets(survey, tmp_path, capsys):
    out_json = tmp_path / "out.json"
    cache = str(tmp_path / "cache")
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

    frame = pd.read_csv(survey)
    y = frame["rating"].to_numpy(dtype=float)
    direct = RectifiedRegressor(
        estimand="ols", covariates=["group", "price"], memory=cache, random_state=0
    ).fit(frame[["text", "group", "price"]], y)
    rectified = [row["rectified_estimate"] for row in report["coefficients"]]
    np.testing.assert_allclose(rectified, direct.result_.coefficients, rtol=1e-10)
    labeled = ~np.isnan(y)
    design = direct.covariate_encoder_.transform(frame[["text", "group", "price"]])
    classical = classical_ols(design[labeled], y[labeled])
    np.testing.assert_allclose(
        [row["classical_estimate"] for row in report["coefficients"]],
        classical.coefficients,
        rtol=1e-10,
    )
    assert all(row["classical_ess"] == pytest.approx(90) for row in report["coefficients"])


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--regress-on", "nope"], "--regress-on"),
        (["--regress-on", "text"], "also a --text column"),
        (["--regress-on", "group", "--report", "r.html"], "--report is not available"),
    ],
)
def test_regress_on_mistakes_are_one_line(survey, tmp_path, capsys, extra, message):
    extra = [str(tmp_path / e) if e.endswith(".html") else e for e in extra]
    code = main(["estimate", str(survey), "--text", "text", "--label", "rating", *extra])
    _, err = capsys.readouterr()
    assert code == 1 and message in err and "Traceback" not in err
