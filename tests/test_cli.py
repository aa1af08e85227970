"""The `llmrect` command through its real entry point: `main([...])` in-process for speed, and the
installed console script in a subprocess for the entry point itself and the killed-run test.

Every run uses the tiny random Llama of tests/_tiny_models.py, so it tests plumbing, messages
and caching, not statistics (those are tested in test_rectify.py and tests/validity/).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_llmrect.cli import main

WORDS = ["good", "bad", "happy", "sad", "nice", "awful", "great", "poor"]
VALUES = dict(zip(WORDS, [2.0, -2.0, 2.5, -2.5, 1.5, -3.0, 3.0, -1.5], strict=True))


pytestmark = pytest.mark.usefixtures("one_thread")


def _frame(n_labeled=96, n_unlabeled=64, seed=0, classification=False):
    rng = np.random.default_rng(seed)
    n = n_labeled + n_unlabeled
    texts = [" ".join(rng.choice(WORDS, 3)) for _ in range(n)]
    score = np.array([np.mean([VALUES[w] for w in t.split()]) for t in texts])
    score = score + rng.normal(0, 0.5, n)
    if classification:
        label = np.where(score > 0.5, "positive", np.where(score < -0.5, "negative", "neutral"))
        label = label.astype(object)
        label[n_labeled:] = None
    else:
        label = score.copy()
        label[n_labeled:] = np.nan
    return pd.DataFrame({"text": texts, "other": np.arange(n), "label": label})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-data")
    _frame().to_csv(folder / "scores.csv", index=False)
    _frame(classification=True).to_csv(folder / "classes.tsv", sep="\t", index=False)
    _frame(seed=1).to_json(folder / "scores.jsonl", orient="records", lines=True)
    (folder / "scores.txt").write_text("text,label\nfine,1\n")
    return folder


@pytest.fixture
def fast_args(tiny_paths, tmp_path):
    return [
        "--estimator", "fine-tune",
        "--model", tiny_paths["llama"], "--epochs", "1", "--dtype", "float32",
        "--device", "cpu", "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------- happy paths
def test_estimate_prints_the_table_and_writes_json_report_and_predictions(
    data_dir, fast_args, tmp_path, capsys
):
    out_json, out_html, out_csv = tmp_path / "r.json", tmp_path / "r.html", tmp_path / "p.csv"
    code, out, err = _run(
        ["estimate", str(data_dir / "scores.csv"), "--text", "text", "--label", "label",
         "--prompt", "Words: {text}\nScore:", *fast_args, "--json", str(out_json),
         "--report", str(out_html), "--save-predictions", str(out_csv)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    # a randomly initialised model gains nothing from fine-tuning: the law says s* = 0 and the
    # third row falls back to the classical mean of the labels outside the validation set
    for row in (
        "classical (human labels only)",
        "PPI++ with the zero-shot model",
        "classical (no fine-tuning gain)",
    ):
        assert row in out
    assert "95% interval" in out and "eff. n" in out
    assert "why: ramp-up pilot" in out and "unlabelled pool: 64 rows" in out
    assert "160 rows, 96 labelled, 64 unlabelled; task: regression" in err
    report = json.loads(out_json.read_text())
    assert [r["label"] for r in report["estimates"]][:2] == [
        "classical (human labels only)",
        "PPI++ with the zero-shot model",
    ]
    split = report["split"]
    assert split["n_finetune"] == 0 and not report["ramp_up"]["fine_tuning_pays"]
    assert split["n_validation"] + split["n_rectify"] == 96
    assert report["ramp_up"]["sizes"] and report["width_curve"]["chosen"] == 0
    assert report["residuals"] is None  # no model was rectified
    assert report["context"]["prompt"] == "Words: {text}\nScore:"
    page = out_html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 3
    table = pd.read_csv(out_csv)
    assert set(table["role"]) == {"validation", "rectify", "unlabelled"}
    assert "fine_tuned" not in table  # the fallback rectified no fine-tuned model
    assert table["zero_shot"].notna().all() and "other" in table


def test_saved_predictions_of_a_fine_tuned_model_are_given_only_where_it_is_held_out(
    data_dir, fast_args, tmp_path, capsys
):
    out_csv = tmp_path / "p.csv"
    code, _, err = _run(
        ["estimate", str(data_dir / "scores.csv"), "--text", "text", "--label", "label",
         "--allocation", "40", "--no-zero-shot", *fast_args, "--save-predictions", str(out_csv)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out_csv)
    assert set(table["role"]) == {"finetune", "rectify", "unlabelled"}
    held_out = table["role"].isin(["rectify", "unlabelled"])
    assert table.loc[held_out, "fine_tuned"].notna().all()
    assert table.loc[~held_out, "fine_tuned"].isna().all()


@pytest.mark.parametrize(
    "file, extra, expect",
    [
        ("classes.tsv", ["--allocation", "0.5"], ["negative", "class", "fine-tuned + PPI++"]),
        ("scores.jsonl", ["--method", "cross", "--folds", "2", "--no-zero-shot"], ["cross-fit"]),
        ("scores.csv", ["--allocation", "40", "--budget", "60", "--method", "ppi"], ["--budget"]),
    ],
)
def test_estimate_classification_formats_methods_and_budget(
    data_dir, fast_args, capsys, file, extra, expect
):
    code, out, err = _run(
        ["estimate", str(data_dir / file), "--text", "text", "--label", "label", *fast_args,
         *extra],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    for text in expect:
        assert text in out
    if file == "classes.tsv":
        assert "task: classification" in err and "positive" in out
    if "--budget" in extra:
        assert "labels: 60 used of 60  ->  40 fine-tune, 0 validation, 20 rectify" in out


def test_demo_runs_on_the_embedded_lexicon(fast_args, tmp_path, capsys):
    out_json = tmp_path / "demo.json"
    code, out, err = _run(
        ["demo", "--labels", "40", "--pool", "40", "--allocation", "0.5", *fast_args,
         "--json", str(out_json)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out_json.read_text())
    assert report["truth"] == pytest.approx(-0.19486, abs=1e-4)  # mean of the whole lexicon
    assert re.search(r"interval of fine-tuned \+ PPI\+\+ \[.*\] (covers|misses) the lexicon", out)
    assert "VADER lexicon: 40 words" in err


def test_plan_gives_the_labels_needed_and_the_tradeoff(tmp_path, capsys):
    from sklearn_llmrect.inference import required_labels

    rng = np.random.default_rng(0)
    y = rng.normal(3.0, 0.5, 400)
    f = y + rng.normal(0, 0.3, 400)
    frame = pd.DataFrame({"y": y, "f": f})
    frame.loc[200:, "y"] = np.nan  # 200 pilot labels, 200 rows with a prediction only
    frame.to_csv(tmp_path / "pilot.csv", index=False)
    out_json = tmp_path / "plan.json"
    code, out, err = _run(
        ["plan", str(tmp_path / "pilot.csv"), "--label", "y", "--prediction", "f",
         "--width", "0.05", "--prediction-cost", "0.01", "--json", str(out_json)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out_json.read_text())
    sd = float(np.std(y[:200], ddof=1))
    rho = float(np.corrcoef(y[:200], f[:200])[0, 1])
    options = {o["option"]: o for o in result["options"]}
    assert options["classical (human labels only)"]["labels"] == required_labels(0.025, std_y=sd)
    assert result["pool"] == 200
    with_pool = options["PPI++ with the pool you have (N = 200)"]["labels"]
    assert with_pool == required_labels(0.025, std_y=sd, correlation=rho, n_unlabeled=200)
    unlimited = options["PPI++ with an unlimited pool"]["labels"]
    assert unlimited < with_pool < options["classical (human labels only)"]["labels"]
    assert result["pilot"]["correlation"] == pytest.approx(rho)
    assert "cheapest mix at these costs" in out and "labels needed against the size" in out


# ------------------------------------------------------------------------------ bad input
def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("llmrect: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["estimate", "{d}/missing.csv", "--text", "text", "--label", "label"], "no such file"),
        (["estimate", "{d}/scores.txt", "--text", "text", "--label", "label"],
         "cannot tell the format"),
        (["estimate", "{d}/scores.csv", "--text", "nope", "--label", "label"],
         "--text: column 'nope' not found in .*scores.csv; its columns are 'text', 'other'"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "nope"],
         "--label: column 'nope' not found"),
        (["estimate", "{d}/empty_labels.csv", "--text", "text", "--label", "label"],
         "no labelled rows: column 'label' .* is empty in all 160 rows"),
        (["estimate", "{d}/all_labels.csv", "--text", "text", "--label", "label"],
         "every row .* has a label"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "text", "--task",
          "regression"], "--task regression needs numeric labels, but column 'text' holds"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "label", "--budget", "500"],
         "--budget 500 is more than the 96 labelled rows"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "label", "--prompt",
          "Review: {review}"], r"--prompt names \{review\}, which is not a --text column"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "label", "--model",
          "no-such-model-xyz"], "--model: model='no-such-model-xyz' is not an embedded model"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "label", "--model",
          "./no/such/folder"], "--model: model='./no/such/folder': no such model folder"),
        (["estimate", "{d}/scores.csv", "--text", "text", "--label", "label", "--json",
          "/no/such/dir/out.json"], "--json: the folder of /no/such/dir/out.json does not"),
        (["estimate", "{d}/scores.parquet", "--text", "text", "--label", "label"],
         "Parquet .* needs pyarrow|no such file"),
        (["plan", "{d}/scores.csv", "--label", "text", "--prediction", "other", "--width", "1"],
         "plan needs numeric labels"),
        (["plan", "{d}/scores.csv", "--label", "label", "--prediction", "nope", "--width", "1"],
         "--prediction: column 'nope' not found"),
    ],
)  # fmt: skip
def test_bad_input_gives_one_line_and_exit_status_1(data_dir, argv, message, capsys):
    frame = _frame()
    frame.assign(label=np.nan).to_csv(data_dir / "empty_labels.csv", index=False)
    frame.assign(label=1.0).to_csv(data_dir / "all_labels.csv", index=False)
    (data_dir / "scores.parquet").write_bytes(b"PAR1 not really")
    argv = [a.replace("{d}", str(data_dir)) for a in argv]
    if "pyarrow" in message and importlib_has("pyarrow"):
        pytest.skip("pyarrow is installed: Parquet is read")
    code, out, err = _run(argv, capsys)
    assert code == 1
    assert re.search(message, _one_error_line(err)), err


def importlib_has(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["estimate", "x.csv", "--text", "t", "--label", "l", "--allocation", "best"],
         "argument --allocation: expected 'auto', 'ramp-up', 'cross', a fraction in \\[0, 1\\) "
         "or a count"),
        (["estimate", "x.csv", "--text", "t", "--label", "l", "--confidence", "95"],
         "argument --confidence: expected a level in \\(0, 1\\)"),
        (["estimate", "x.csv", "--label", "l"], "the following arguments are required: --text"),
        (["plan", "x.csv", "--label", "l", "--prediction", "p"], "one of the arguments --width"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_with_status_2(argv, message, capsys):
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert re.search(message, err) and "Traceback" not in err


def test_report_without_matplotlib_fails_before_the_run(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, out, err = _run(
        ["estimate", str(data_dir / "scores.csv"), "--text", "text", "--label", "label",
         "--report", str(tmp_path / "r.html")],
        capsys,
    )  # fmt: skip
    assert code == 1
    line = _one_error_line(err)
    assert "--report" in line and "matplotlib" in line and "pip install" in line
    assert "loading model" not in err  # checked before any long step


def test_debug_shows_the_traceback(data_dir):
    from sklearn_llmrect.cli._data import CLIError

    with pytest.raises(CLIError, match="column 'nope' not found"):
        main(["estimate", str(data_dir / "scores.csv"), "--text", "nope", "--label", "label",
              "--debug"])  # fmt: skip


# ------------------------------------------------------------- the installed entry point
def _console_script() -> str:
    script = Path(sys.executable).with_name("llmrect")
    if not script.exists():
        found = shutil.which("llmrect")
        if found is None:
            pytest.skip("the llmrect console script is not installed (pip install -e .)")
        script = Path(found)
    return str(script)


def _env():
    return dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")


def test_console_script_reports_a_missing_file_in_one_line(tmp_path):
    done = subprocess.run(
        [_console_script(), "estimate", str(tmp_path / "nope.csv"), "--text", "a", "--label",
         "b"],
        capture_output=True, text=True, env=_env(), timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == f"llmrect: error: no such file: {tmp_path / 'nope.csv'}"


def _start_and_stop(args, cache, json_path, signal_number):
    """Start the console script, send ``signal_number`` once its first fit is cached."""
    process = subprocess.Popen(
        [_console_script(), *args, "--cache-dir", str(cache), "--json", str(json_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(cache.glob("fits/*/meta.json")) and process.poll() is None:
        assert time.monotonic() < deadline, "no cache entry appeared"
        time.sleep(0.01)
    process.send_signal(signal_number)
    _, err = process.communicate(timeout=120)
    assert not json_path.exists(), "the run ended before it was stopped"
    assert len(list(cache.glob("fits/*/meta.json"))) >= 1
    return process.returncode, err


def _killable_args(tiny_paths, tmp_path):
    data = tmp_path / "data.csv"
    _frame(n_labeled=96, n_unlabeled=300, seed=3).to_csv(data, index=False)
    return ["estimate", str(data), "--text", "text", "--label", "label", "--estimator",
            "fine-tune", "--model",
            tiny_paths["llama"], "--epochs", "1", "--dtype", "float32",
            "--device", "cpu"]  # fmt: skip


def test_killed_run_resumes_from_the_cache_with_the_same_answer(tiny_paths, tmp_path, capsys):
    args = _killable_args(tiny_paths, tmp_path)
    cache = tmp_path / "cache"
    code, err = _start_and_stop(args, cache, tmp_path / "first.json", signal.SIGKILL)
    assert code == -signal.SIGKILL, err

    resumed_json, fresh_json = tmp_path / "resumed.json", tmp_path / "fresh.json"
    code, out, err = _run([*args, "--cache-dir", str(cache), "--json", str(resumed_json)], capsys)
    assert code == 0, err
    reused = int(re.search(r"reused (\d+) fitted models", out).group(1))
    assert reused >= 1
    code, _, err = _run([*args, "--no-cache", "--json", str(fresh_json)], capsys)
    assert code == 0, err
    resumed = json.loads(resumed_json.read_text())["estimates"]
    fresh = json.loads(fresh_json.read_text())["estimates"]
    assert len(resumed) == 3
    for a, b in zip(resumed, fresh, strict=True):
        assert a["label"] == b["label"]
        assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-9, abs=1e-12)
        assert a["lower"] == pytest.approx(b["lower"], rel=1e-9, abs=1e-12)


def test_ctrl_c_stops_with_status_130_and_says_how_to_resume(
    data_dir, fast_args, tmp_path, monkeypatch, capsys
):
    """Ctrl-C in the second fit (simulated in-process; the LLM estimators turn a real one into
    an interrupted history, which CachedEstimator turns back into KeyboardInterrupt)."""
    from sklearn_llmrect.caching import CachedEstimator

    real_fit, calls = CachedEstimator.fit, []

    def fit_then_interrupt(self, X, y=None, **params):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_fit(self, X, y, **params)

    monkeypatch.setattr(CachedEstimator, "fit", fit_then_interrupt)
    argv = ["estimate", str(data_dir / "scores.csv"), "--text", "text", "--label", "label",
            *fast_args, "--json", str(tmp_path / "out.json")]  # fmt: skip
    code, out, err = _run(argv, capsys)
    cache = tmp_path / "cache"
    assert code == 130
    assert f"llmrect: interrupted; finished steps are cached in {cache} (1 fitted models" in err
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()
    monkeypatch.setattr(CachedEstimator, "fit", real_fit)
    code, out, err = _run(argv, capsys)
    assert code == 0 and "reused 1 fitted models" in out


def test_threads_auto_uses_fewer_threads_on_a_busy_machine(monkeypatch):
    from sklearn_llmrect.cli._estimate import choose_threads

    monkeypatch.setattr("os.cpu_count", lambda: 4)
    monkeypatch.setattr("os.getloadavg", lambda: (0.2, 0.2, 0.2))
    assert choose_threads("auto", 4) == (4, "")
    monkeypatch.setattr("os.getloadavg", lambda: (2.6, 2.0, 2.0))
    threads, why = choose_threads("auto", 4)
    assert threads == 1 and "load average 2.6 on 4 cores" in why
    monkeypatch.setattr("os.getloadavg", lambda: (9.0, 9.0, 9.0))
    assert choose_threads("auto", 4)[0] == 1
    assert choose_threads(3, 4) == (3, "")
