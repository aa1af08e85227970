"""Annotators: oracle, simulated, callable, the local LLM with retrieval, and the HTTP one
against a real chat-completions server on loopback that generates with SmolLM2."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import torch

from sklearn_llmrect.annotators import (
    CallableAnnotator,
    LLMAnnotator,
    OpenAICompatibleAnnotator,
    OracleAnnotator,
    SimulatedAnnotator,
    parse_label,
)
from sklearn_llmrect.models.embeddings import TextEmbedder

HUMAN_X = [
    "shares jumped after strong results",
    "profit rose sharply in the quarter",
    "sales fell for the third year",
    "the stock dropped on weak demand",
    "the company opened a new office",
    "operating loss widened to 3 million",
]
HUMAN_Y = ["pos", "pos", "neg", "neg", "pos", "neg"]


def test_oracle_reveals_labels_by_index_or_text():
    oracle = OracleAnnotator(np.array(["a", "b", "c"]), texts=["x", "y", "z"])
    assert oracle.annotate(["q", "r"], indices=[2, 0]).tolist() == ["c", "a"]
    assert oracle.annotate(["z", "x"]).tolist() == ["c", "a"]
    with pytest.raises(ValueError, match="not in texts"):
        oracle.annotate(["w"])
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 3\)"):
        oracle.annotate(["q"], indices=[3])
    with pytest.raises(ValueError, match="indices has 1 entries but X has 2 rows"):
        oracle.annotate(["q", "r"], indices=[0])
    with pytest.raises(ValueError, match="needs indices="):
        OracleAnnotator(["a"]).annotate(["q"])


def test_simulated_annotator_has_the_requested_accuracy():
    truth = np.array(["a", "b", "c", "d"] * 2500)
    rows = np.arange(len(truth))
    noisy = SimulatedAnnotator(truth, accuracy=0.65, random_state=1)
    answers = noisy.annotate(truth, indices=rows)
    assert np.mean(answers == truth) == pytest.approx(0.65, abs=0.015)
    np.testing.assert_array_equal(answers, noisy.annotate(truth, indices=rows))  # fixed per row
    wrong = answers != truth
    shares = [np.mean(answers[wrong & (truth == "a")] == c) for c in "bcd"]
    assert np.allclose(shares, 1 / 3, atol=0.05)  # errors spread over the other classes
    assert (SimulatedAnnotator(truth, accuracy=1.0).annotate(truth, indices=rows) == truth).all()
    with pytest.raises(ValueError, match=r"accuracy must be a number in \[0, 1\]"):
        SimulatedAnnotator(truth, accuracy=1.2).annotate(truth[:1], indices=[0])
    with pytest.raises(ValueError, match="not in classes"):
        SimulatedAnnotator(truth, classes=["a", "b"]).annotate(truth[:1], indices=[0])


def test_callable_annotator():
    seen = {}

    def label(rows, indices):
        seen["indices"] = indices.tolist()
        return ["pos" if "up" in r else "neg" for r in rows]

    annotator = CallableAnnotator(label, pass_indices=True)
    assert annotator.annotate(["up", "down"], indices=[4, 9]).tolist() == ["pos", "neg"]
    assert seen["indices"] == [4, 9]
    with pytest.raises(ValueError, match="one label per row"):
        CallableAnnotator(lambda rows: ["x"]).annotate(["a", "b"])
    with pytest.raises(TypeError, match="func must be callable"):
        CallableAnnotator("not a function").annotate(["a"])


def test_parse_label_takes_the_first_whole_word():
    words = {"pos": "positive", "neg": "negative", "neu": "neutral"}
    assert parse_label("Neutral, maybe positive", words) == "neu"
    assert parse_label("nonpositive", words) is None
    assert parse_label("**Negative**", words) == "neg"


@pytest.fixture(scope="module")
def tiny_llm(tiny_paths):
    embedder = TextEmbedder(dtype="float32", device="cpu")  # the embedded MiniLM
    return LLMAnnotator(
        model=tiny_paths["llama"], n_examples=3, embedder=embedder, dtype="float32", device="cpu"
    ).fit(HUMAN_X, HUMAN_Y)


def test_retrieved_examples_are_the_nearest_neighbours(tiny_llm):
    queries = ["revenue climbed strongly", "net loss grew again"]
    retrieved = tiny_llm.retrieve(queries)
    embedder = TextEmbedder(dtype="float32", device="cpu")
    similarity = embedder.transform(queries) @ embedder.transform(HUMAN_X).T
    expected = np.argsort(-similarity, axis=1)[:, :3]
    np.testing.assert_array_equal(retrieved, expected)
    prompt = tiny_llm.prompts(queries[:1])[0]
    nearest_first = [HUMAN_X[i] for i in expected[0]]
    positions = [prompt.index(f"Text: {text}\n") for text in nearest_first]
    assert positions == sorted(positions, reverse=True)  # the nearest example sits last
    assert prompt.endswith("Text: revenue climbed strongly\nAnswer:")
    assert prompt.startswith("Label the text. Answer with one of: neg, pos.")


def test_llm_annotator_labels_in_batches(tiny_llm):
    queries = [f"quarterly report {i}" for i in range(7)]
    proba = tiny_llm.annotate_proba(queries)
    assert proba.shape == (7, 2) and np.allclose(proba.sum(1), 1)
    assert np.allclose(proba.mean(0), [0.5, 0.5], atol=1e-3)  # calibrated to the human shares
    labels = tiny_llm.annotate(queries)
    assert set(labels) <= {"neg", "pos"}
    fixed = tiny_llm.annotate(queries[:2], example_indices=[[0, 1, 2], [3, 4, 5]])
    assert fixed.shape == (2,)


def test_retrieval_ablations_and_zero_shot(tiny_paths):
    common = dict(model=tiny_paths["llama"], dtype="float32", device="cpu", n_examples=2)
    random_a = LLMAnnotator(retrieval="random", random_state=0, **common).fit(HUMAN_X, HUMAN_Y)
    random_b = LLMAnnotator(retrieval="random", random_state=0, **common).fit(HUMAN_X, HUMAN_Y)
    queries = ["a", "b", "c"]
    np.testing.assert_array_equal(random_a.retrieve(queries), random_b.retrieve(queries))
    none = LLMAnnotator(retrieval="none", **common).fit(HUMAN_X, HUMAN_Y)
    assert none.retrieve(queries).shape == (3, 0)
    zero = LLMAnnotator(classes=["neg", "pos"], **common).fit()
    assert zero.annotate(["x"]).tolist()[0] in ("neg", "pos")
    with pytest.raises(ValueError, match="pass classes="):
        LLMAnnotator(**common).fit()


def test_llm_annotator_errors(tiny_paths):
    with pytest.raises(ValueError, match="is an encoder"):
        LLMAnnotator(model=tiny_paths["bert"], dtype="float32").fit(HUMAN_X, HUMAN_Y)
    with pytest.raises(ValueError, match="start with the same token"):
        LLMAnnotator(
            model=tiny_paths["llama"], label_words={"pos": "good", "neg": "good"}, dtype="float32"
        ).fit(HUMAN_X, HUMAN_Y)
    with pytest.raises(ValueError, match="n_examples must be an integer >= 0"):
        LLMAnnotator(model=tiny_paths["llama"], n_examples=-1).fit(HUMAN_X, HUMAN_Y)
    with pytest.raises(ValueError, match="label_words has no word for class"):
        LLMAnnotator(model=tiny_paths["llama"], label_words={"pos": "up"}).fit(HUMAN_X, HUMAN_Y)
    with pytest.raises(ValueError, match="not fitted"):
        LLMAnnotator(model=tiny_paths["llama"]).annotate(["x"])


# --------------------------------------------------------------------- the loopback server
class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 that greedily generates with a real model.

    ``fail_first`` requests are answered with HTTP 503 (to exercise retries); ``key`` is the
    bearer token it requires.
    """

    def __init__(self, model, tokenizer, key, fail_first=0, status=503):
        self.model, self.tokenizer, self.key = model, tokenizer, key
        self.fail_first, self.status = fail_first, status
        self.requests, self.generated, self.headers = 0, [], []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests += 1
                    server.headers.append(dict(self.headers))
                    fail = server.requests <= server.fail_first
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "no such route"}})
                if self.headers.get("Authorization") != f"Bearer {server.key}":
                    return self._send(401, {"error": {"message": "bad key"}})
                if fail:
                    return self._send(server.status, {"error": {"message": "busy"}})
                reply = server.generate(body["messages"], int(body.get("max_tokens", 8)))
                return self._send(
                    200,
                    {
                        "id": "chatcmpl-local",
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
                if status == 503:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def generate(self, messages, max_tokens):
        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self.lock, torch.inference_mode():
            out = self.model.generate(
                **ids,
                max_new_tokens=min(max_tokens, 6),
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        reply = self.tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
        self.generated.append(reply)
        return reply

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def smollm2():
    from sklearn_llmrect.models.backbones import load_backbone

    backbone = load_backbone("smollm2-135m-instruct", dtype="float32", device="cpu")
    return backbone.model, backbone.tokenizer


def _http_annotator(url, **options):
    return OpenAICompatibleAnnotator(
        url,
        "smollm2-135m-instruct",
        api_key_env="LLMRECT_TEST_KEY",
        classes=["negative", "positive"],
        instruction="Is the sentiment of the text positive or negative? Answer with one word: "
        "positive or negative.",
        n_examples=2,
        backoff=0.01,
        max_workers=2,
        **options,
    )


@pytest.mark.real_model
def test_http_annotator_against_a_loopback_server_that_generates(smollm2, monkeypatch, caplog):
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("LLMRECT_TEST_KEY", secret)
    human_y = ["positive" if y == "pos" else "negative" for y in HUMAN_Y]
    queries = ["Revenue climbed to a record high.", "The firm reported a heavy loss."]
    caplog.set_level(logging.DEBUG)
    with ChatServer(*smollm2, key=secret, fail_first=2) as server:
        annotator = _http_annotator(server.base_url, on_invalid="skip").fit(HUMAN_X, human_y)
        labels = annotator.annotate(queries)
    assert annotator.n_requests_ == len(queries) + 2  # two 503s, retried
    assert len(server.generated) == len(queries)
    by_reply = {reply: parse_label(reply, annotator.label_words_) for reply in server.generated}
    assert sorted(map(str, labels)) == sorted(map(str, (by_reply[r] for r in annotator.replies_)))
    assert all(h.get("Authorization") == f"Bearer {secret}" for h in server.headers)
    assert secret not in caplog.text and secret not in repr(annotator)
    assert "retry 1/4" in caplog.text
    body = annotator.request_body(queries[0])
    assert body["messages"][1]["content"].count("Text: ") == 3  # 2 retrieved examples + query
    noted = annotator.request_body(queries[0], instruction="Mind the negations.")
    assert noted["messages"][0]["content"] == annotator.instruction_ + "\nMind the negations."
    assert noted["messages"][1] == body["messages"][1]  # the note goes to the system message


@pytest.mark.real_model
def test_http_annotator_errors_never_show_the_key(smollm2, monkeypatch):
    secret = "sk-never-print-me"
    monkeypatch.setenv("LLMRECT_TEST_KEY", secret)
    with ChatServer(*smollm2, key=secret, fail_first=100, status=400) as server:
        annotator = _http_annotator(server.base_url).fit(HUMAN_X[:2], ["positive", "negative"])
        with pytest.raises(RuntimeError, match="HTTP 400 after 1 attempt") as info:
            annotator.annotate(["Sales rose."])
    assert secret not in str(info.value)
    with ChatServer(*smollm2, key=secret, fail_first=100, status=503) as server:
        annotator = _http_annotator(server.base_url, max_retries=1).fit(
            HUMAN_X[:2], ["positive", "negative"]
        )
        with pytest.raises(RuntimeError, match="HTTP 503 after 2 attempt"):
            annotator.annotate(["Sales rose."])
    monkeypatch.delenv("LLMRECT_TEST_KEY")
    with pytest.raises(ValueError, match="LLMRECT_TEST_KEY \\(api_key_env\\) is not set"):
        annotator.annotate(["Sales rose."])


def test_http_annotator_parameter_errors():
    with pytest.raises(ValueError, match="base_url must be an http"):
        OpenAICompatibleAnnotator("ftp://x", "m", classes=["a", "b"]).fit()
    with pytest.raises(ValueError, match="on_invalid must be"):
        OpenAICompatibleAnnotator("http://x", "m", classes=["a", "b"], on_invalid="drop").fit()
    with pytest.raises(TypeError, match="api_key_env must be the"):
        OpenAICompatibleAnnotator("http://x", "m", api_key_env=123, classes=["a", "b"]).fit()
