"""The torch internals: shared-prefix reuse, length-sorted batching, padding."""

import numpy as np
import torch

from sklearn_llmrect import _network
from sklearn_llmrect.models.backbones import load_backbone

PREFIX = "Rate the sentiment of the following short review on a scale from one to nine: "


def _model_and_ids(path, texts):
    backbone = load_backbone(path, dtype="float32", device="cpu")
    model = _network.TextModel(backbone.model, is_causal=True, n_outputs=1, verbalizer_ids=[5, 6])
    _network.add_lora(model, r=4, alpha=8, dropout=0.0, target_modules="auto")
    with torch.no_grad():  # make the adapters non-trivial
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    ids, _ = _network.encode_prompts(
        backbone.tokenizer,
        [PREFIX + t for t in texts],
        max_length=128,
        is_causal=True,
        chat=False,
    )
    return model, ids, backbone.tokenizer.pad_token_id


def test_split_common_prefix():
    prefix, rest = _network.split_common_prefix([[1] * 9 + [2, 3], [1] * 9 + [4]], min_length=8)
    assert prefix == [1] * 9 and rest == [[2, 3], [4]]
    prefix, rest = _network.split_common_prefix([[1] * 9, [1] * 9], min_length=8)
    assert prefix == [1] * 8 and rest == [[1], [1]], "every row keeps a token of its own"
    assert _network.split_common_prefix([[1, 2, 3], [1, 2, 4]], min_length=8) == (
        [],
        [[1, 2, 3], [1, 2, 4]],
    )


def test_prefix_reuse_and_sorting_give_the_same_outputs_as_one_padded_pass(tiny_paths):
    texts = ["good", "a very long and winding review of a film", "bad movie", "fine", "meh ok"]
    model, ids, pad_id = _model_and_ids(tiny_paths["llama"], texts)
    prefix, _ = _network.split_common_prefix(ids)
    assert len(prefix) >= 8
    batched = _network.predict_outputs(
        model,
        ids,
        pad_id=pad_id,
        batch_size=2,
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    with torch.no_grad():
        for i, row in enumerate(ids):  # each row alone, no padding, no prefix reuse
            input_ids, mask = _network.collate([row], pad_id, left=True, device="cpu")
            np.testing.assert_allclose(
                batched[i], model(input_ids, mask).numpy()[0], rtol=1e-4, atol=1e-5
            )


def test_prefix_reuse_keeps_gradients(tiny_paths):
    model, ids, pad_id = _model_and_ids(tiny_paths["llama"], ["good", "bad movie"])
    prefix, rest = _network.split_common_prefix(ids)
    input_ids, mask = _network.collate(rest, pad_id, left=True, device="cpu")
    with_prefix = model(input_ids, mask, torch.as_tensor(prefix)).sum()
    with_prefix.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    full_ids, full_mask = _network.collate(ids, pad_id, left=True, device="cpu")
    model(full_ids, full_mask).sum().backward()
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            np.testing.assert_allclose(
                grads[name].numpy(), parameter.grad.numpy(), rtol=1e-3, atol=1e-6
            )
