"""The CLI's default estimator end to end: the stacked surrogate over the embedded frozen
MiniLM and SmolLM2 features, beside the classical estimate and the MiniLM ridge baseline.

It loads the real embedded feature models (no download), so it checks that the default the
README promises runs from the command line; how well it does is measured in
benchmarks/bench_rectify.py, not here.
"""

import json

import numpy as np
import pandas as pd

from sklearn_llmrect.cli import main
from sklearn_llmrect.cli._baseline import LOGISTIC_BASELINE, RIDGE_BASELINE


def test_demo_default_prints_the_baseline_and_the_cross_fitted_estimate(tmp_path, capsys):
    out_json, out_csv = tmp_path / "demo.json", tmp_path / "rows.csv"
    code = main(
        ["demo", "--labels", "60", "--pool", "40", "--no-zero-shot", "--cache-dir",
         str(tmp_path / "cache"), "--json", str(out_json), "--save-predictions", str(out_csv)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "loading model" not in err  # --no-zero-shot: the default needs no generative model
    report = json.loads(out_json.read_text())
    labels = [row["label"] for row in report["estimates"]]
    assert labels[:2] == ["classical (human labels only)", RIDGE_BASELINE]
    assert labels[-1] in ("cross-fitted PPI++", "fine-tuned + PPI++")
    assert "stacked heads over minilm" in out
    for row in report["estimates"]:
        assert row["lower"] < row["estimate"] < row["upper"]
    table = pd.read_csv(out_csv)
    assert set(table["role"]) <= {"cross-fit", "finetune", "rectify", "unlabelled"}
    held_out = table["role"].isin(["cross-fit", "rectify", "unlabelled"])
    assert table.loc[held_out, "default"].notna().all()
    assert report["context"]["estimator"] == "default"
    assert "fine-tuning epochs" not in report["context"]


def test_estimate_default_for_class_shares(tmp_path, capsys):
    rng = np.random.default_rng(0)
    good = ["a lovely kind reply", "thanks so much, great help", "wonderful and clear"]
    bad = ["a rude useless answer", "this is awful", "terrible, do not reply again"]
    texts, labels = [], []
    for i in range(90):
        positive = rng.random() < 0.5
        texts.append(f"{rng.choice(good if positive else bad)} {i}")
        labels.append(("pos" if positive else "neg") if i < 60 else "")
    data = tmp_path / "replies.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(data, index=False)
    code = main(
        ["estimate", str(data), "--text", "text", "--label", "label", "--no-zero-shot",
         "--allocation", "cross", "--folds", "3", "--cache-dir", str(tmp_path / "cache"),
         "--json", str(tmp_path / "out.json")]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads((tmp_path / "out.json").read_text())
    rows = {(row["label"], row["class"]): row for row in report["estimates"]}
    for cls in ("neg", "pos"):
        assert (LOGISTIC_BASELINE, cls) in rows
        assert ("cross-fitted PPI++", cls) in rows
    assert report["split"]["n_rectify"] == 60


def test_too_few_labels_for_the_learning_curve_is_one_line(tmp_path, capsys):
    code = main(["demo", "--labels", "10", "--pool", "20", "--no-zero-shot"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "--allocation auto fits a learning curve" in err and "Traceback" not in err


def test_workers_give_the_serial_numbers(tmp_path, capsys):
    """``--workers 2`` runs the folds on a local Dask cluster; the report's numbers are the same."""
    reports = []
    for extra in ([], ["--workers", "2"]):
        out_json = tmp_path / f"demo{len(extra)}.json"
        code = main(
            ["demo", "--labels", "60", "--pool", "40", "--no-zero-shot", "--allocation", "cross",
             "--cache-dir", str(tmp_path / f"cache{len(extra)}"), "--json", str(out_json), *extra]
        )  # fmt: skip
        _, err = capsys.readouterr()
        assert code == 0, err
        reports.append(json.loads(out_json.read_text())["estimates"])
    assert reports[0] == reports[1]


def _ratings_csv(tmp_path, n_rows=90, n_labelled=60):
    rng = np.random.default_rng(1)
    words = ["great", "awful", "fine", "dull", "lovely", "bad"]
    score = {"great": 2.0, "awful": -2.0, "fine": 1.0, "dull": -1.0, "lovely": 2.0, "bad": -2.0}
    texts, labels = [], []
    for i in range(n_rows):
        word = rng.choice(words)
        texts.append(f"a {word} film {i}")
        labels.append(score[word] + rng.normal(0, 0.3) if i < n_labelled else None)
    data = tmp_path / "ratings.csv"
    pd.DataFrame({"text": texts, "rating": labels}).to_csv(data, index=False)
    return data


def test_population_pool_gives_every_row_the_finite_pool_interval(tmp_path, capsys):
    data = _ratings_csv(tmp_path)
    reports = {}
    for population in ("superpopulation", "pool"):
        out_json = tmp_path / f"{population}.json"
        code = main(
            ["estimate", str(data), "--text", "text", "--label", "rating", "--no-zero-shot",
             "--allocation", "cross", "--folds", "3", "--population", population,
             "--cache-dir", str(tmp_path / "cache"), "--json", str(out_json)]
        )  # fmt: skip
        _, err = capsys.readouterr()
        assert code == 0, err
        reports[population] = json.loads(out_json.read_text())
    wide, narrow = (
        {row["label"]: row for row in reports[p]["estimates"]} for p in ("superpopulation", "pool")
    )
    assert set(wide) == set(narrow)
    labels = pd.read_csv(data)["rating"].dropna().to_numpy()
    classical = narrow["classical (human labels only)"]
    half = 1.959964 * np.sqrt((1 - 60 / 90) * labels.var(ddof=1) / 60)
    np.testing.assert_allclose(
        [classical["lower"], classical["upper"]], [labels.mean() - half, labels.mean() + half]
    )
    for label in wide:  # the labels already read count exactly: every interval is narrower
        assert narrow[label]["upper"] - narrow[label]["lower"] < (
            wide[label]["upper"] - wide[label]["lower"]
        ), label
    assert "finite-pool" in reports["pool"]["context"]["population"]
    assert any("--population pool: every interval is for the mean label of the 90 rows" in note
               for note in reports["pool"]["notes"])  # fmt: skip


def test_population_pool_budget_keeps_the_unread_rows_in_the_pool(tmp_path, capsys):
    data = _ratings_csv(tmp_path)
    code = main(
        ["estimate", str(data), "--text", "text", "--label", "rating", "--no-zero-shot",
         "--budget", "45", "--allocation", "cross", "--folds", "3", "--population", "pool",
         "--cache-dir", str(tmp_path / "cache"), "--json", str(tmp_path / "out.json")]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "90 rows, 45 labelled, 45 unlabelled" in err
    report = json.loads((tmp_path / "out.json").read_text())
    assert any("stay in the pool with their labels unread" in note for note in report["notes"])


def test_population_pool_with_regress_on_is_one_line(tmp_path, capsys):
    data = _ratings_csv(tmp_path)
    code = main(
        ["estimate", str(data), "--text", "text", "--label", "rating", "--regress-on", "rating",
         "--population", "pool"]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 1
    assert "--population pool" in err and "--regress-on" in err and "Traceback" not in err
