"""`llmrect estimate` with the inputs people have and the mistakes they make: every check that
needs no model runs before one loads and speaks in flags; a mixed label column, an unknown model,
standard input, --sep / --encoding, .xlsx and .parquet, escapes in --prompt, and an
OpenAI-compatible endpoint as the model (a local stub server speaking /v1/chat/completions)."""

import io
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from sklearn_llmrect.cli import main
from sklearn_llmrect.cli._data import CLIError, read_table
from tests.test_cli import _frame, _one_error_line

pytestmark = pytest.mark.usefixtures("one_thread")


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


def _mixed(tmp_path):
    frame = _frame()
    labels = frame["label"].round(1).astype(object)
    labels[[3, 7, 20]] = ["three", "high", "five"]
    path = tmp_path / "mixed.csv"
    frame.assign(label=labels).to_csv(path, index=False)
    return path


# --------------------------------------------------------------- checks before the model
def test_a_mixed_label_column_is_an_error_that_lists_rows_and_asks_for_task(
    tmp_path, fast_args, capsys
):
    path = _mixed(tmp_path)
    code, out, err = _run(
        ["estimate", str(path), "--text", "text", "--label", "label", *fast_args], capsys
    )
    assert code == 1
    line = _one_error_line(err)
    assert "--label: column 'label' of " in line and "mixes text and numbers" in line
    assert "3 of its 96 labels are text (row 5 'three', row 9 'high', row 22 'five')" in line
    assert "--task regression" in line and "--task classification" in line
    assert "loading model" not in err and out == ""
    code, _, err = _run(
        ["estimate", str(path), "--text", "text", "--label", "label", "--task", "regression",
         *fast_args],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert "holds text in 3 of its 96 labels (row 5 'three', row 9 'high'" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], r"--allocation auto runs a ramp-up pilot that needs at least 24 labelled rows; "
             r"--label has 20 labelled rows\. Give --allocation a fraction"),
        (["--allocation", "19"], r"--allocation 19 fine-tunes on 19 of the 20 labelled rows of "
                                 r"--label and leaves 1 to rectify.*at most 18"),
        (["--allocation", "0"], r"--allocation 0 means no fine-tuning"),
        (["--method", "cross", "--folds", "30"],
         r"--method cross --folds 30 needs at least 30 labelled rows; --label has 20"),
        (["--method", "cross", "--folds", "1"], r"--method cross needs --folds 2 or more"),
        (["--budget", "10", "--allocation", "9"], r"--label \(after --budget\)"),
    ],
)  # fmt: skip
def test_too_few_labels_for_the_design_fail_before_the_model_loads(
    tmp_path, fast_args, capsys, extra, message
):
    path = tmp_path / "few.csv"
    _frame(n_labeled=20, n_unlabeled=40).to_csv(path, index=False)
    code, _, err = _run(
        ["estimate", str(path), "--text", "text", "--label", "label", *fast_args, *extra],
        capsys,
    )
    assert code == 1
    assert re.search(message, _one_error_line(err)), err
    assert "loading model" not in err


def test_a_class_with_one_label_fails_before_the_model_loads(tmp_path, fast_args, capsys):
    frame = _frame(classification=True)
    frame.loc[0, "label"] = "rare"
    frame.to_csv(tmp_path / "rare.csv", index=False)
    code, _, err = _run(
        ["estimate", str(tmp_path / "rare.csv"), "--text", "text", "--label", "label",
         *fast_args],
        capsys,
    )  # fmt: skip
    assert code == 1 and "class 'rare' has a single label" in _one_error_line(err)
    assert "loading model" not in err


def test_an_unknown_model_fails_in_under_a_second_without_torch(tmp_path):
    path = tmp_path / "scores.csv"
    _frame().to_csv(path, index=False)
    script = (
        "import sys, time\n"
        "from sklearn_llmrect.cli import main\n"
        "started = time.perf_counter()\n"
        f"code = main(['estimate', {str(path)!r}, '--text', 'text', '--label', 'label', "
        "'--model', 'some-org/no-such-model'])\n"
        "print(code, time.perf_counter() - started, 'torch' in sys.modules, "
        "'transformers' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "0", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    code, seconds, torch_loaded, transformers_loaded = done.stdout.split()
    assert code == "1" and float(seconds) < 1.0, done.stderr
    assert torch_loaded == "False" and transformers_loaded == "False"
    line = _one_error_line(done.stderr)
    assert "--model: model='some-org/no-such-model' is not an embedded model name" in line
    for part in ("'smollm2-135m-instruct'", "'minilm-l6'", "local Hugging Face folder",
                 ".gguf file", "--allow-download"):  # fmt: skip
        assert part in line


# ------------------------------------------------------------------------------ inputs
class _Stdin(io.TextIOWrapper):
    def isatty(self):
        return False


def test_standard_input_with_a_separator_and_escapes_in_the_prompt(
    tmp_path, fast_args, monkeypatch, capsys
):
    from sklearn_llmrect.cli import _estimate

    text = _frame().to_csv(sep=";", index=False)
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO(text.encode())))
    prompts = []
    real_llm = _estimate._llm

    def record(settings, max_epochs):
        prompts.append(settings.prompt)
        return real_llm(settings, max_epochs)

    monkeypatch.setattr(_estimate, "_llm", record)
    out_json = tmp_path / "r.json"
    code, out, err = _run(
        ["estimate", "-", "--sep", ";", "--text", "text", "--label", "label", "--prompt",
         r"Words: {text}\nScore:", "--allocation", "40", *fast_args, "--json", str(out_json)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "standard input: 160 rows, 96 labelled, 64 unlabelled" in err
    assert set(prompts) == {"Words: {text}\nScore:"}  # a new line, not backslash-n
    report = json.loads(out_json.read_text())
    assert report["context"]["data"] == "standard input"
    assert report["context"]["prompt"] == "Words: {text}\nScore:"
    assert "in standard input" in report["title"]


def test_standard_input_reads_json_lines_and_says_when_nothing_is_piped(monkeypatch):
    text = _frame().to_json(orient="records", lines=True)
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO(text.encode())))
    frame = read_table("-")
    assert len(frame) == 160 and frame.attrs["first_row"] == 1

    class Terminal(_Stdin):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(io.BytesIO(b"")))
    with pytest.raises(CLIError, match="nothing is piped in"):
        read_table("-")


def test_encoding_and_separator_options(tmp_path):
    frame = _frame().assign(text=lambda f: f["text"] + " café")
    frame.to_csv(tmp_path / "latin.csv", index=False, encoding="latin-1", sep="|")
    with pytest.raises(CLIError, match="could not read .* as UTF-8.*--encoding latin-1"):
        read_table(tmp_path / "latin.csv", sep="|")
    read = read_table(tmp_path / "latin.csv", sep="|", encoding="latin-1")
    assert read["text"].str.endswith("café").all()
    with pytest.raises(CLIError, match="--encoding 'nope' is not an encoding"):
        read_table(tmp_path / "latin.csv", encoding="nope")
    frame.to_csv(tmp_path / "tab.txt.csv", sep="\t", index=False)
    from sklearn_llmrect.cli._data import parse_sep

    assert len(read_table(tmp_path / "tab.txt.csv", sep=parse_sep(r"\t")).columns) == 3


def test_excel_and_parquet_files_and_the_message_when_their_reader_is_missing(
    tmp_path, monkeypatch
):
    pytest.importorskip("openpyxl")
    pytest.importorskip("pyarrow")
    frame = _frame()
    frame.to_excel(tmp_path / "survey.xlsx", index=False)
    frame.to_parquet(tmp_path / "survey.parquet")
    excel = read_table(tmp_path / "survey.xlsx")
    np.testing.assert_allclose(excel["label"], frame["label"])
    assert excel.attrs["first_row"] == 2
    assert read_table(tmp_path / "survey.parquet")["text"].tolist() == frame["text"].tolist()
    with pytest.raises(CLIError, match="--sep applies to CSV and TSV tables"):
        read_table(tmp_path / "survey.xlsx", sep=";")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(CLIError, match=r"Excel \(survey.xlsx\) needs openpyxl: pip install "
                                       r"'sklearn-llmrect\[io\]'"):  # fmt: skip
        read_table(tmp_path / "survey.xlsx")
    with pytest.raises(CLIError, match=r"Parquet \(survey.parquet\) needs pyarrow"):
        read_table(tmp_path / "survey.parquet")


def test_an_excel_file_runs_end_to_end(tmp_path, fast_args, capsys):
    pytest.importorskip("openpyxl")
    _frame().to_excel(tmp_path / "survey.xlsx", index=False)
    code, out, err = _run(
        ["estimate", str(tmp_path / "survey.xlsx"), "--text", "text", "--label", "label",
         "--allocation", "40", "--no-zero-shot", *fast_args],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "survey.xlsx: 160 rows, 96 labelled, 64 unlabelled; task: regression" in err
    assert "why: --allocation 40 was given" in out  # the flag, not allocation=40
    # 56 labels rectify a random model: wider than the classical interval of all 96, and said
    assert "fine-tuned + PPI++" in out and "  ! wider than classical" in out
    assert "! fine-tuned + PPI++: its interval is wider than that of classical" in out
    assert "because --allocation 40 was given" in out and "--allocation auto chooses" in out


# ----------------------------------------------------------------------------- endpoint
SECRET = "sk-test-0123456789-secret"


class RatingServer:
    """/v1/chat/completions on 127.0.0.1: rates a text 1-5 by its words (positive words up)."""

    def __init__(self, key=SECRET):
        self.key, self.requests, self.bodies, self.auth = key, 0, [], []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests += 1
                    server.bodies.append(body)
                    server.auth.append(self.headers.get("Authorization"))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "no such route"}})
                if self.headers.get("Authorization") != f"Bearer {server.key}":
                    return self._send(401, {"error": {"message": "invalid api key"}})
                user = body["messages"][-1]["content"]
                words = user.lower().split()
                score = 3 + sum(w in words for w in ("good", "happy", "great", "nice"))
                score -= sum(w in words for w in ("bad", "sad", "awful", "poor"))
                reply = str(min(max(score, 1), 5))
                return self._send(
                    200,
                    {
                        "id": "chatcmpl-stub",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply},
                            }
                        ],
                    },
                )

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_endpoint_labels_every_row_and_ppi_rectifies_them_without_leaking_the_key(
    tmp_path, monkeypatch, capsys
):
    pytest.importorskip("matplotlib")
    frame = _frame()
    frame["label"] = frame["label"].clip(-3, 3).round() + 3  # a 0..6 rating
    frame.loc[96:, "label"] = np.nan
    frame.to_csv(tmp_path / "survey.csv", index=False)
    monkeypatch.setenv("LLMRECT_TEST_KEY", SECRET)
    outputs = {name: tmp_path / name for name in ("r.json", "r.html", "p.csv")}
    argv = [
        "estimate", str(tmp_path / "survey.csv"), "--text", "text", "--label", "label",
        "--prompt", r"Rate these words\n{text}", "--api-key-env", "LLMRECT_TEST_KEY",
        "--cache-dir", str(tmp_path / "cache"), "--json", str(outputs["r.json"]),
        "--report", str(outputs["r.html"]), "--save-predictions", str(outputs["p.csv"]),
    ]  # fmt: skip
    with RatingServer() as server:
        code, out, err = _run([*argv, "--endpoint", server.url, "--api-model", "stub"], capsys)
        assert code == 0, err
        assert server.requests == 160  # every row once: 96 to rectify, 64 in the pool
        assert set(server.auth) == {f"Bearer {SECRET}"}
        body = server.bodies[0]
        assert body["model"] == "stub" and body["messages"][0]["role"] == "system"
        assert "from 0 to 6" in body["messages"][0]["content"]
        assert "Rate these words\n" in body["messages"][1]["content"]  # the escape, read
        again = _run([*argv, "--endpoint", server.url, "--api-model", "stub"], capsys)
        assert again[0] == 0 and server.requests == 160  # the cache answers the rerun
    assert "loading model" not in err
    assert "PPI++ with stub (endpoint)" in out and "classical (human labels only)" in out
    report = json.loads(outputs["r.json"].read_text())
    assert report["context"]["API key"] == "from $LLMRECT_TEST_KEY"
    assert report["estimates"][-1]["lambda"] > 0.3  # the stub's ratings track the labels
    for text in (out, err, *(path.read_text() for path in outputs.values())):
        assert SECRET not in text
    assert pd.read_csv(outputs["p.csv"])["endpoint"].notna().all()


def test_endpoint_mistakes_are_one_line_before_anything_is_sent(tmp_path, monkeypatch, capsys):
    _frame().to_csv(tmp_path / "scores.csv", index=False)
    base = ["estimate", str(tmp_path / "scores.csv"), "--text", "text", "--label", "label"]
    monkeypatch.delenv("LLMRECT_UNSET", raising=False)
    monkeypatch.setenv("LLMRECT_TEST_KEY", "wrong-key")
    with RatingServer() as server:
        cases = [
            (["--endpoint", server.url, "--api-model", "m", "--api-key-env", "LLMRECT_UNSET"],
             "--api-key-env: the environment variable LLMRECT_UNSET is not set"),
            (["--endpoint", "localhost:8000", "--api-model", "m"], "expected an http"),
            (["--endpoint", server.url], "--endpoint needs --api-model"),
            (["--api-model", "m"], "--api-model names the model of an --endpoint"),
            (["--endpoint", server.url, "--api-model", "m", "--api-key-env", "LLMRECT_TEST_KEY",
              "--method", "cross"], "--method does not apply with --endpoint"),
        ]  # fmt: skip
        for extra, message in cases:
            code, _, err = _run([*base, *extra, "--no-cache"], capsys)
            assert code == 1 and message in _one_error_line(err), err
        wide = _frame().assign(label=lambda f: f["label"] * 100)
        wide.to_csv(tmp_path / "wide.csv", index=False)
        code, _, err = _run(
            ["estimate", str(tmp_path / "wide.csv"), "--text", "text", "--label", "label",
             "--endpoint", server.url, "--api-model", "m", "--api-key-env", "", "--no-cache"],
            capsys,
        )  # fmt: skip
        assert code == 1 and "as one whole number, but the labels run from" in err
        assert server.requests == 0
        code, _, err = _run(
            [*base, "--endpoint", server.url, "--api-model", "m", "--api-key-env",
             "LLMRECT_TEST_KEY", "--no-cache"],
            capsys,
        )  # fmt: skip
    assert code == 1
    line = _one_error_line(err)
    assert "--endpoint: POST" in line and "HTTP 401" in line and "wrong-key" not in err


def test_allow_download_lets_a_hub_name_through_for_this_run_only(monkeypatch):
    import os

    from sklearn_llmrect.cli._checks import check_model_option
    from sklearn_llmrect.cli._commands import downloads_allowed

    monkeypatch.delenv("SKLEARN_LLMRECT_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(CLIError, match="--allow-download"):
        check_model_option("some-org/some-model", allow_download=False)
    check_model_option("some-org/some-model", allow_download=True)  # no error, no request
    with downloads_allowed(True):
        assert os.environ["SKLEARN_LLMRECT_ALLOW_DOWNLOAD"] == "1"
    assert "SKLEARN_LLMRECT_ALLOW_DOWNLOAD" not in os.environ
