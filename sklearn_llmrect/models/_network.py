"""The torch side of the estimators: backbone + pooling + head, LoRA injection, batching.

A :class:`TextModel` maps token ids to one output row per text:

* ``head="verbalizer"`` (causal LMs): the next-token logits restricted to a few verbalizer tokens
  (scale digits or label words), computed from the last position's hidden state only, so a
  causal LM predicts before any training;
* ``head="linear"``: a zero-initialised linear layer on the last position's hidden state
  (causal LMs) or on the mean-pooled hidden states (encoders).

Causal LMs are fed left-padded batches with explicit position ids, so the last column is every
row's last real token.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
from torch import nn

from ._quiet import quiet_libraries

__all__ = ["TextModel", "add_lora", "encode_prompts", "length_sorted_batches", "collate"]


class TextModel(nn.Module):
    """Backbone, pooling and head.

    Parameters
    ----------
    backbone : transformers.PreTrainedModel
        A causal LM (``*ForCausalLM``) or an encoder (``AutoModel``).
    is_causal : bool
    n_outputs : int
        Number of output columns (1 for a linear regression head).
    verbalizer_ids : list of int or None
        Token ids whose next-token logits form the output (verbalizer head); None for a linear
        head.
    """

    def __init__(self, backbone, *, is_causal: bool, n_outputs: int, verbalizer_ids=None):
        super().__init__()
        self.backbone = backbone
        self.is_causal = is_causal
        self.body = backbone.get_decoder() if is_causal else backbone
        hidden_size = backbone.config.hidden_size
        if verbalizer_ids is not None:
            self.register_buffer(
                "verbalizer_ids", torch.as_tensor(verbalizer_ids), persistent=False
            )
            self.head = None
        else:
            self.verbalizer_ids = None
            self.head = nn.Linear(hidden_size, n_outputs)
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
            self.head.to(next(backbone.parameters()).device)

    def pooled(self, input_ids, attention_mask, prefix=None) -> torch.Tensor:
        """One hidden vector per row: the last token (causal) or the masked mean (encoder).

        ``prefix`` (causal LMs only) is a 1-D tensor of token ids shared by every row, which
        ``input_ids`` continue: it is run once and its keys and values are reused by all rows.
        """
        with quiet_libraries():
            return self._pooled(input_ids, attention_mask, prefix)

    def _pooled(self, input_ids, attention_mask, prefix=None) -> torch.Tensor:
        if self.is_causal:
            offset, cache = 0, None
            if prefix is not None and len(prefix):
                cache = self.body(input_ids=prefix[None], use_cache=True).past_key_values
                cache.batch_repeat_interleave(input_ids.shape[0])
                offset = len(prefix)
                attention_mask = torch.cat(
                    [attention_mask.new_ones(input_ids.shape[0], offset), attention_mask], dim=1
                )
            position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)[:, offset:]
            # the shared prefix's keys and values only when there is one (transformers 5
            # deprecates the keyword, so it is not passed as None on every forward)
            extra = {"past_key_values": cache} if cache is not None else {}
            hidden = self.body(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=position_ids,
                use_cache=cache is not None,
                **extra,
            ).last_hidden_state
            return hidden[:, -1]
        hidden = self.body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(self, input_ids, attention_mask, prefix=None) -> torch.Tensor:
        hidden = self.pooled(input_ids, attention_mask, prefix)
        if self.head is not None:
            return self.head(hidden.to(self.head.weight.dtype)).float()
        output_layer = self.backbone.get_output_embeddings()
        weight = output_layer.weight[self.verbalizer_ids]
        logits = hidden @ weight.to(hidden.dtype).T
        if getattr(output_layer, "bias", None) is not None:
            logits = logits + output_layer.bias[self.verbalizer_ids].to(logits.dtype)
        return logits.float()

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The parameters that training changes (LoRA matrices and the head), detached on CPU."""
        return {
            name: parameter.detach().to("cpu", copy=True)
            for name, parameter in self.named_parameters()
            if parameter.requires_grad
        }

    def load_trainable_state(self, state: dict[str, torch.Tensor]) -> None:
        parameters = dict(self.named_parameters())
        unknown = sorted(set(state) - set(parameters))
        if unknown:
            raise ValueError(
                f"saved weights do not match this model: unknown tensors {unknown[:3]}"
            )
        with torch.no_grad():
            for name, value in state.items():
                parameters[name].copy_(value.to(parameters[name].dtype))


def default_target_modules(model_type: str):
    """peft's default LoRA targets for an architecture; all linear layers where it has none."""
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

    return DEFAULTS.get(model_type, "all-linear")


def add_lora(model: TextModel, *, r: int, alpha: float, dropout: float, target_modules) -> None:
    """Inject LoRA adapters into the backbone; only they and the head stay trainable."""
    from peft import LoraConfig, inject_adapter_in_model

    if target_modules == "auto":
        target_modules = default_target_modules(model.backbone.config.model_type)
    config = LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules, bias="none"
    )
    try:
        with quiet_libraries():
            inject_adapter_in_model(config, model.body)
    except ValueError as exc:
        raise ValueError(f"target_modules={target_modules!r} cannot be applied: {exc}") from None
    for name, parameter in model.named_parameters():
        is_lora = "lora_" in name
        parameter.requires_grad_(is_lora or name.startswith("head."))
        if is_lora:  # adapters are kept in float32 whatever the backbone's dtype
            parameter.data = parameter.data.float()


def encode_prompts(tokenizer, prompts, *, max_length: int, is_causal: bool, chat: bool):
    """Tokenize prompts; return (list of id lists, number of rows cut to ``max_length``).

    Causal LMs keep the *end* of an over-long prompt (where the answer is read); encoders keep
    the start.
    """
    with quiet_libraries():
        if chat:
            prompts = [
                tokenizer.apply_chat_template(
                    [{"role": "user", "content": prompt}],
                    tokenize=False,
                    add_generation_prompt=True,
                )
                for prompt in prompts
            ]
        encoded = tokenizer(list(prompts), add_special_tokens=not chat, truncation=False)
    encoded = encoded["input_ids"]
    n_cut = 0
    ids = []
    for row in encoded:
        if len(row) > max_length:
            n_cut += 1
            row = row[-max_length:] if is_causal else row[: max_length - 1] + row[-1:]
        ids.append(list(row))
    return ids, n_cut


def split_common_prefix(ids, *, min_length: int = 8):
    """Split id lists into their longest common prefix and the rest of each row.

    Every row keeps at least one token of its own. Prefixes shorter than ``min_length`` are not
    worth a separate forward pass and are returned empty.
    """
    first = ids[0]
    length = min(len(row) for row in ids) - 1
    for row in ids[1:]:
        match = 0
        while match < length and row[match] == first[match]:
            match += 1
        length = match
        if length < min_length:
            return [], ids
    return list(first[:length]), [row[length:] for row in ids]


def length_sorted_batches(lengths, batch_size: int, *, rng=None, bucket_batches: int = 32):
    """Index batches grouped by length.

    Without ``rng`` (prediction) all rows are sorted by length, longest first, so padding is
    minimal. With ``rng`` (training) rows are shuffled, sorted within buckets of
    ``bucket_batches`` batches, and the batch order is shuffled: little padding, random batches.
    """
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(-lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    order = rng.permutation(len(lengths))
    bucket = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), bucket):
        chunk = order[start : start + bucket]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(ids, pad_id: int, *, left: bool, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad id lists into ``(input_ids, attention_mask)`` tensors."""
    width = max(len(row) for row in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, row in enumerate(ids):
        if left:
            input_ids[i, width - len(row) :] = torch.as_tensor(row)
            mask[i, width - len(row) :] = 1
        else:
            input_ids[i, : len(row)] = torch.as_tensor(row)
            mask[i, : len(row)] = 1
    return input_ids.to(device), mask.to(device)


def autocast(device: torch.device, dtype: torch.dtype):
    """bf16/fp16 autocast context where the compute dtype asks for it, else a no-op."""
    if dtype in (torch.bfloat16, torch.float16):
        return torch.autocast(device_type=device.type, dtype=dtype)
    return contextlib.nullcontext()


def predict_outputs(
    model: TextModel, ids, *, pad_id: int, batch_size: int, device, dtype, progress=None
) -> np.ndarray:
    """Run the model over all rows in length-sorted batches; outputs in the original order."""
    model.eval()
    outputs = None
    prefix, ids = split_common_prefix(ids) if model.is_causal else ([], ids)
    prefix = torch.as_tensor(prefix, dtype=torch.long, device=device)
    with torch.inference_mode(), autocast(device, dtype):
        for batch in length_sorted_batches([len(row) for row in ids], batch_size):
            input_ids, mask = collate(
                [ids[i] for i in batch], pad_id, left=model.is_causal, device=device
            )
            out = model(input_ids, mask, prefix).cpu().numpy()
            if outputs is None:
                outputs = np.empty((len(ids), out.shape[1]), dtype=np.float64)
            outputs[batch] = out
            if progress is not None:
                progress.update(len(batch))
    return outputs
