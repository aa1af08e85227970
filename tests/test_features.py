"""FrozenFeatures: pooled layer states, the early stop, and the per-text cache."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklearn_llmrect.features import FrozenFeatures, _store
from sklearn_llmrect.models.backbones import load_backbone

TEXTS = ["the film was wonderful", "dull and far too long", "fine", "the film was wonderful"]


@pytest.fixture(autouse=True)
def empty_memory():
    _store.reset()
    yield
    _store.reset()


def _reference(path, texts, layer):
    """Mean-pooled ``hidden_states[layer]`` of a full forward pass, text by text."""
    backbone = load_backbone(path, dtype=torch.float32, device=torch.device("cpu"))
    body = backbone.model.get_decoder() if backbone.is_causal else backbone.model
    out = []
    for text in texts:
        ids = backbone.tokenizer(text, return_tensors="pt", truncation=True, max_length=128)
        with torch.inference_mode():
            states = body(**ids, output_hidden_states=True).hidden_states
        out.append(states[layer][0].float().mean(0).numpy())
    return np.stack(out)


@pytest.mark.parametrize("kind", ["llama", "bert"])
def test_pooled_states_equal_a_full_forward_pass(tiny_paths, kind):
    features = FrozenFeatures(tiny_paths[kind], layers=(1, -1), dtype="float32", batch_size=2)
    Z = features.fit_transform(TEXTS)
    # layer 1 is hidden_states[1]; for the Llama, -1 is the last layer's output before the
    # final norm (a hook on the layer itself), which hidden_states[-2] is not, so compare BERT
    expected_first = _reference(tiny_paths[kind], TEXTS, 1)
    width = expected_first.shape[1]
    assert Z.shape == (4, 2 * width)
    np.testing.assert_allclose(Z[:, :width], expected_first, rtol=1e-4, atol=1e-5)
    if kind == "bert":
        np.testing.assert_allclose(
            Z[:, width:], _reference(tiny_paths[kind], TEXTS, -1), rtol=1e-4, atol=1e-5
        )
    np.testing.assert_array_equal(Z[0], Z[3])  # the same text, the same vector


def test_the_forward_pass_stops_at_the_deepest_layer_asked_for(tiny_paths, monkeypatch):
    calls = []
    backbone = load_backbone(tiny_paths["llama"], dtype=torch.float32, device=torch.device("cpu"))
    last = backbone.model.get_decoder().layers[-1]
    handle = last.register_forward_hook(lambda *args: calls.append(1))
    try:
        FrozenFeatures(tiny_paths["llama"], layers=1, dtype="float32").transform(TEXTS)
    finally:
        handle.remove()
    assert calls == []


def test_each_text_is_computed_once_and_reloaded_from_disk(tiny_paths, tmp_path, monkeypatch):
    from sklearn_llmrect.features import _frozen

    seen = []
    original = _frozen.FrozenFeatures._forward

    def counting(self, texts):
        seen.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(_frozen.FrozenFeatures, "_forward", counting)
    features = FrozenFeatures(tiny_paths["bert"], dtype="float32", memory=tmp_path)
    first = features.transform(TEXTS)
    assert sorted(seen) == sorted(set(TEXTS))
    clone(features).transform(TEXTS[:2] + ["a new text"])
    assert seen[-1] == "a new text" and len(seen) == 4  # only the new one was computed
    assert len(list((tmp_path / "features").rglob("shard-*.npz"))) == 2
    _store.reset()  # a new process: everything comes back from the shards
    again = FrozenFeatures(tiny_paths["bert"], dtype="float32", memory=tmp_path).transform(TEXTS)
    np.testing.assert_array_equal(first, again)
    assert len(seen) == 4


def test_memory_stays_within_its_bound_and_dropped_vectors_come_from_disk(
    tiny_paths, tmp_path, monkeypatch
):
    from sklearn_llmrect.caching import set_vector_memory_limit
    from sklearn_llmrect.caching._memory import VECTOR_MEMORY, entry_bytes
    from sklearn_llmrect.features import _frozen

    seen = []
    original = _frozen.FrozenFeatures._forward
    monkeypatch.setattr(
        _frozen.FrozenFeatures, "_forward", lambda self, t: seen.extend(t) or original(self, t)
    )
    texts = [f"review number {i} was {'good' if i % 2 else 'bad'}" for i in range(300)]
    unbounded = FrozenFeatures(tiny_paths["bert"], dtype="float32").transform(texts)
    _store.reset()
    seen.clear()
    bound = 40 * entry_bytes(unbounded[0])  # room for 40 of the 300 vectors
    previous = set_vector_memory_limit(bound)
    try:
        on_disk = FrozenFeatures(tiny_paths["bert"], dtype="float32", memory=tmp_path)
        for start in range(0, 300, 50):  # a stream of chunks
            chunk = on_disk.transform(texts[start : start + 50])
            np.testing.assert_array_equal(chunk, unbounded[start : start + 50])
            assert VECTOR_MEMORY.nbytes <= bound
        assert sorted(seen) == sorted(texts)
        again = on_disk.transform(texts)  # the dropped ones are read back from the shards
        np.testing.assert_array_equal(again, unbounded)
        assert len(seen) == 300 and VECTOR_MEMORY.nbytes <= bound
        without_disk = FrozenFeatures(tiny_paths["bert"], dtype="float32")
        np.testing.assert_array_equal(without_disk.transform(texts), unbounded)
        assert len(seen) == 300 + 260  # no disk cache: the 260 dropped are computed again
    finally:
        set_vector_memory_limit(previous)


def test_a_broken_shard_is_recomputed(tiny_paths, tmp_path):
    features = FrozenFeatures(tiny_paths["bert"], dtype="float32", memory=tmp_path)
    first = features.transform(TEXTS)
    for shard in (tmp_path / "features").rglob("shard-*.npz"):
        shard.write_bytes(b"not an npz file")
    _store.reset()
    np.testing.assert_allclose(features.transform(TEXTS), first, rtol=1e-6)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"layers": 0}, "0 is the token embeddings"),
        ({"layers": "last"}, "layers must be an int or a tuple of ints"),
        ({"max_length": 0}, "max_length must be an integer >= 1"),
        ({"layers": 7}, "outside 1..2"),
        ({"prompt": "no slot"}, "exactly one '{text}'"),
        ({"prompt": "{text} {text}"}, "exactly one '{text}'"),
        ({"pooling": "max"}, "pooling must be 'mean' or 'last'"),
    ],
)
def test_bad_parameters_name_the_argument(tiny_paths, params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        FrozenFeatures(tiny_paths["llama"], dtype="float32", **params).fit_transform(TEXTS)


PROMPT = 'This sentence : "{text}" means in one word:"'


def test_last_token_of_a_prompted_text_equals_a_full_forward_pass(tiny_paths):
    path = tiny_paths["llama"]
    features = FrozenFeatures(path, layers=1, prompt=PROMPT, pooling="last", dtype="float32")
    Z = features.fit_transform(TEXTS)
    backbone = load_backbone(path, dtype=torch.float32, device=torch.device("cpu"))
    body = backbone.model.get_decoder()
    expected = []
    for text in TEXTS:
        ids = backbone.tokenizer(PROMPT.replace("{text}", text), return_tensors="pt")
        with torch.inference_mode():
            expected.append(body(**ids, output_hidden_states=True).hidden_states[1][0, -1].numpy())
    np.testing.assert_allclose(Z, np.stack(expected), rtol=1e-4, atol=1e-5)
    mean_pooled = FrozenFeatures(path, layers=1, prompt=PROMPT, dtype="float32")
    assert not np.allclose(mean_pooled.fit_transform(TEXTS), Z)  # a different cache entry


def test_a_long_text_is_cut_inside_the_prompt(tiny_paths):
    from sklearn_llmrect.features._forward import prompt_token_ids

    tokenizer = load_backbone(tiny_paths["llama"], dtype=torch.float32).tokenizer
    long_text = " ".join(["word"] * 50)
    ids = prompt_token_ids(tokenizer, [long_text, "fine"], PROMPT, max_length=5)
    cut = " ".join(["word"] * 5)  # five tokens of text, then the whole end of the prompt
    assert ids[0] == tokenizer(PROMPT.replace("{text}", cut))["input_ids"]
    assert ids[1] == tokenizer(PROMPT.replace("{text}", "fine"))["input_ids"]
