"""The forward pass behind FrozenFeatures: pooled states of chosen layers, stopping early."""

from __future__ import annotations

import numpy as np
import torch

from ..models._network import collate, length_sorted_batches
from ..models._quiet import quiet_libraries
from ..models.backbones import load_backbone, resolve_device, resolve_dtype


class _StopForward(Exception):
    """Raised by the hook on the deepest layer asked for: the layers above it never run."""


def _transformer_layers(body, n_layers: int) -> torch.nn.ModuleList:
    for module in body.modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == n_layers:
            return module
    raise ValueError(f"cannot find the {n_layers} transformer layers of {type(body).__name__}.")


def prompt_token_ids(tokenizer, texts: list[str], prompt: str | None, max_length: int):
    """Token ids of each text, cut to ``max_length`` text tokens, inside ``prompt``.

    The text is cut before it is wrapped, so a long text never loses the end of the prompt (the
    words whose last-token state is the feature); the tokenizer adds its special tokens.
    """
    if prompt is None:
        return tokenizer(texts, truncation=True, max_length=max_length, add_special_tokens=True)[
            "input_ids"
        ]
    offsets = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)[
        "offset_mapping"
    ]
    cut = [
        text if len(spans) <= max_length else text[: spans[max_length - 1][1]]
        for text, spans in zip(texts, offsets, strict=True)
    ]
    wrapped = [prompt.replace("{text}", text) for text in cut]
    return tokenizer(wrapped, add_special_tokens=True)["input_ids"]


def pooled_layers(
    model,
    texts: list[str],
    *,
    layers: tuple[int, ...],
    max_length: int,
    batch_size: int,
    dtype="auto",
    device="auto",
    prompt: str | None = None,
    pooling: str = "mean",
) -> np.ndarray:
    """States of ``layers`` (1-based; -1 the last), pooled over tokens, concatenated.

    ``pooling="mean"`` averages every token's state; ``"last"`` takes the last token's (of a
    causal model, the only one that has read the whole text).
    """
    device = resolve_device(device)
    backbone = load_backbone(
        model, dtype=resolve_dtype(dtype, device), device=device, copy_model=False
    )
    body = backbone.model.get_decoder() if backbone.is_causal else backbone.model
    n_layers = int(backbone.model.config.num_hidden_layers)
    wanted = [layer if layer > 0 else n_layers + 1 + layer for layer in layers]
    if not all(1 <= layer <= n_layers for layer in wanted):
        raise ValueError(f"layers={layers!r} is outside 1..{n_layers} (or -1..-{n_layers}).")
    blocks = _transformer_layers(body, n_layers)
    tokenizer = backbone.tokenizer
    ids = prompt_token_ids(tokenizer, texts, prompt, max_length)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    hidden = int(backbone.model.config.hidden_size)
    out = np.empty((len(texts), hidden * len(wanted)), dtype=np.float32)
    captured: dict[int, torch.Tensor] = {}

    def capture(layer):
        def hook(module, args, output):
            captured[layer] = output[0] if isinstance(output, tuple) else output
            if layer == max(wanted):
                raise _StopForward

        return hook

    handles = [blocks[layer - 1].register_forward_hook(capture(layer)) for layer in set(wanted)]
    try:
        with torch.inference_mode(), quiet_libraries():
            for batch in length_sorted_batches([len(row) for row in ids], batch_size):
                input_ids, mask = collate(
                    [ids[i] for i in batch], pad_id, left=False, device=device
                )
                captured.clear()
                try:
                    body(input_ids=input_ids, attention_mask=mask, use_cache=False)
                except _StopForward:
                    pass
                if pooling == "last":
                    last = mask.sum(1) - 1
                    rows = torch.arange(len(batch), device=last.device)
                    pooled = [captured[layer][rows, last].float() for layer in wanted]
                else:
                    weights = mask.unsqueeze(-1).float()
                    pooled = [
                        (captured[layer].float() * weights).sum(1) / weights.sum(1).clamp(min=1.0)
                        for layer in wanted
                    ]
                out[batch] = torch.cat(pooled, dim=-1).cpu().numpy()
    finally:
        for handle in handles:
            handle.remove()
    return out
