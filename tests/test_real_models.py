"""The two embedded real models, offline: SmolLM2-135M-Instruct (GGUF) and all-MiniLM-L6-v2."""

import pickle
import time

import numpy as np
import pytest

from sklearn_llmrect import LLMClassifier, LLMRegressor
from sklearn_llmrect.datasets import load_vader_snippets
from sklearn_llmrect.models.backbones import EMBEDDED_MODELS, _embedded_path, _gguf_cache_folder

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def vader():
    texts, ratings = load_vader_snippets("movie", return_X_y=True)
    keep = np.array([len(t) < 120 for t in texts])  # short snippets keep the CPU test quick
    texts, ratings = texts[keep], ratings[keep]
    rows = np.random.default_rng(0).choice(len(texts), 64, replace=False)
    return texts[rows], ratings[rows]


def test_offline_environment_has_no_hub_access(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError, match="Known embedded models"):
        LLMRegressor(model="someone/not-here", max_epochs=0).fit(["a", "b"], [1.0, 2.0])


def test_smollm2_loads_offline_from_the_cached_conversion(vader, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    texts, ratings = vader
    model = LLMRegressor(max_epochs=0, dtype="float32", random_state=0).fit(texts[:8], ratings[:8])
    assert model.head_ == "verbalizer" and model.use_chat_
    folder = _gguf_cache_folder(_embedded_path("smollm2-135m-instruct"))
    assert (folder / "model.safetensors").exists()
    stamp = (folder / "model.safetensors").stat().st_mtime
    from sklearn_llmrect.models.backbones import clear_memory_cache, load_backbone

    clear_memory_cache()
    started = time.perf_counter()
    load_backbone("smollm2-135m-instruct", dtype="float32", device="cpu")
    assert time.perf_counter() - started < 10, "a cached load must not re-convert the GGUF"
    assert (folder / "model.safetensors").stat().st_mtime == stamp


def test_smollm2_zero_shot_then_one_epoch_moves_toward_the_labels(vader):
    texts, ratings = vader
    train_x, train_y = texts[:32], ratings[:32]
    common = dict(dtype="float32", random_state=0, max_length=96, batch_size=16)
    zero_shot = LLMRegressor(max_epochs=0, **common).fit(train_x, train_y)
    before = zero_shot.predict(train_x)
    assert np.isfinite(before).all() and np.ptp(before) > 0  # the verbalizer already predicts
    tuned = LLMRegressor(max_epochs=1, validation_fraction=0, loss="mse", **common)
    tuned.fit(train_x, train_y)
    after = tuned.predict(train_x)
    assert np.mean((after - train_y) ** 2) < np.mean((before - train_y) ** 2)
    assert len(tuned.history_) == 1 and tuned.history_[0]["train_loss"] > 0


def test_smollm2_verbalizer_must_be_single_tokens(vader):
    texts, ratings = vader
    with pytest.raises(ValueError, match="verbalizer token '10' is 2 tokens"):
        LLMRegressor(verbalizer=["0", "5", "10"], max_epochs=0).fit(texts[:4], ratings[:4])


def test_minilm_classifier_learns_and_round_trips(vader):
    texts, ratings = vader
    labels = np.where(ratings > 0, "positive", "negative")
    model = LLMClassifier(
        model="minilm-l6",
        max_epochs=3,
        learning_rate=5e-3,
        validation_fraction=0,
        random_state=0,
        dtype="float32",
    )
    before = LLMClassifier(model="minilm-l6", max_epochs=0, dtype="float32").fit(texts, labels)
    model.fit(texts[:48], labels[:48])
    truth = (labels == "positive").astype(float)
    loss_before = np.mean((before.predict_proba(texts[:48])[:, 1] - truth[:48]) ** 2)
    loss_after = np.mean((model.predict_proba(texts[:48])[:, 1] - truth[:48]) ** 2)
    assert loss_after < loss_before
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(texts), model.predict_proba(texts))


def test_embedded_names_are_the_documented_ones():
    assert set(EMBEDDED_MODELS) == {"smollm2-135m-instruct", "minilm-l6"}
