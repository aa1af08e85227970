"""Per-example gradients of freshly initialised LoRA adapters, and their median pairwise cosine.

PEFT initialises ``lora_B = 0`` and ``lora_A`` Kaiming-uniform, so at a fresh adapter the loss
does not depend on ``A`` and the only non-zero gradient is that of ``B``: for a linear layer with
inputs ``x_t`` and output gradients ``delta_t`` (over token positions t),
``dL/dB = (alpha / r) * sum_t delta_t (A x_t)^T``, the full weight gradient projected by ``A^T``.
Because ``B = 0`` leaves the forward pass unchanged, nothing is injected into the model: forward
hooks on the adapted layers record ``x_t``, ``torch.autograd.grad`` returns ``delta_t``, and the
``B`` gradients of ``n_projections`` independently drawn ``A`` matrices come out of one backward
pass. Only these (``n_projections x n x sum(out * r)`` floats) are kept.

The loss is the estimator's own training loss. Each example's gradient is its term of the
gradient of that loss over the whole set (``c_i^T d output_i / d theta`` with
``c_i = dL / d output_i``), which for cross-entropy is the example's own gradient (divided by n),
and for the residual-variance losses the example's term with the batch mean held fixed.

A zero-initialised linear head (encoders, ``head="linear"``) blocks every gradient to the
backbone, so for it the head's own gradient is used (the only non-zero one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from .._validation import check_text_input
from ..models._network import autocast, collate, default_target_modules, length_sorted_batches

__all__ = ["GradientSketch", "lora_b_gradients", "resolve_target_modules"]


@dataclass
class GradientSketch:
    """Per-example gradients: ``gradients[k, i]`` is example i's flattened gradient under
    adapter draw (projection) k."""

    gradients: np.ndarray  # (n_projections, n, dim) float32; one "projection" for a head
    source: str  # "lora_B" or "linear head"
    modules: list = field(default_factory=list)  # (name, out_features, in_features) per layer
    projections: list = field(default_factory=list)  # per layer: (n_projections * r, in) tensor


def _target_linear_modules(body, target_modules) -> list[tuple[str, torch.nn.Module]]:
    linear = [(n, m) for n, m in body.named_modules() if isinstance(m, torch.nn.Linear)]
    if target_modules == "all-linear":
        return linear
    # peft's own matching, as in add_lora: a list names layers, a string is a full-match regex
    from peft import LoraConfig
    from peft.tuners.tuners_utils import check_target_module_exists

    config = LoraConfig(target_modules=target_modules)
    chosen = [(n, m) for n, m in linear if check_target_module_exists(config, n)]
    if not chosen:
        raise ValueError(
            f"target_modules={target_modules!r} matches no linear layer of the model (layers "
            f"look like {[n for n, _ in linear[:4]]})."
        )
    return chosen


def resolve_target_modules(estimator, target_modules="auto"):
    """``"auto"``: the estimator's own adapter targets (peft's default for the architecture)."""
    if target_modules == "auto":
        target_modules = getattr(estimator, "target_modules", "auto")
    if target_modules == "auto":
        target_modules = default_target_modules(estimator._network.backbone.config.model_type)
    return target_modules


def _projection_matrices(modules, r: int, n_projections: int, seed: int) -> list[torch.Tensor]:
    """PEFT's ``lora_A`` initialisation (Kaiming-uniform, a = sqrt(5): U(+-1/sqrt(fan_in))),
    one seeded generator per projection, so projection k does not depend on n_projections."""
    per_projection = []
    for k in range(n_projections):
        generator = torch.Generator().manual_seed(
            int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        )
        per_projection.append(
            [
                (torch.rand(r, m.in_features, generator=generator) * 2 - 1) / np.sqrt(m.in_features)
                for _, m in modules
            ]
        )
    return [torch.cat([p[j] for p in per_projection]) for j in range(len(modules))]


def _output_coefficients(estimator, ids, targets) -> torch.Tensor:
    """``c_i = dL / d output_i`` of the estimator's training loss over the whole set."""
    outputs = torch.as_tensor(estimator._raw_outputs(ids), dtype=torch.float32).requires_grad_(True)
    loss = estimator._training_loss()(outputs, torch.as_tensor(targets), None)
    (coefficients,) = torch.autograd.grad(loss, outputs)
    return coefficients


def lora_b_gradients(
    estimator,
    X,
    y,
    *,
    lora_r: int = 64,
    lora_alpha: float = 32,
    n_projections: int = 3,
    target_modules="auto",
    random_state: int = 0,
    batch_size: int = 8,
    verbose: int = 0,
) -> GradientSketch:
    """Per-example gradients of fresh LoRA ``B`` matrices under the estimator's training loss.

    Parameters
    ----------
    estimator : fitted LLMClassifier or LLMRegressor
        Usually a zero-shot fit (``max_epochs=0``); its network, prompts and loss are used.
    X, y : the labelled examples.
    lora_r, lora_alpha : adapter rank and scaling (the paper: 64 and 32).
    n_projections : number of independently drawn ``A`` matrices.
    target_modules : "auto", "all-linear", str or list of str
        Adapted layers; ``"auto"`` is the estimator's own choice (``q_proj``, ``v_proj`` for
        Llama); the paper adapts all seven projections (``"all-linear"``).
    random_state : int
        Seeds the ``A`` matrices.

    Returns
    -------
    GradientSketch
    """
    check_is_fitted(estimator)
    estimator._ensure_network()
    X = check_text_input(estimator, X, reset=False)
    targets = estimator._encode_target(y, X.shape[0])
    network = estimator._network
    ids = estimator._encode(X, estimator._tokenizer, network.is_causal, estimator.use_chat_)
    network.eval()
    coefficients = _output_coefficients(estimator, ids, targets)
    if network.head is not None and not torch.any(network.head.weight != 0):
        return _head_gradients(estimator, ids, coefficients, batch_size)

    modules = _target_linear_modules(
        network.body, resolve_target_modules(estimator, target_modules)
    )
    projections = _projection_matrices(modules, int(lora_r), int(n_projections), int(random_state))
    scale = float(lora_alpha) / float(lora_r)
    dim = sum(m.out_features for _, m in modules) * int(lora_r)
    out = np.zeros((int(n_projections), len(ids), dim), dtype=np.float32)
    records: dict[int, tuple] = {}

    def hook(index):
        def record(module, inputs, output):
            if not output.requires_grad:
                output.requires_grad_(True)
            records[index] = (inputs[0].detach(), output)

        return record

    handles = [m.register_forward_hook(hook(j)) for j, (_, m) in enumerate(modules)]
    device = estimator.device_
    progress = tqdm(total=len(ids), desc="gradients", unit="example", disable=verbose <= 0)
    try:
        for batch in length_sorted_batches([len(row) for row in ids], int(batch_size)):
            input_ids, mask = collate(
                [ids[i] for i in batch],
                estimator._tokenizer.pad_token_id,
                left=network.is_causal,
                device=device,
            )
            records.clear()
            with torch.enable_grad(), autocast(device, estimator.dtype_):
                outputs = network(input_ids, mask)
            surrogate = (outputs.float() * coefficients[batch].to(device)).sum()
            order = sorted(records)
            deltas = torch.autograd.grad(
                surrogate, [records[j][1] for j in order], allow_unused=True
            )
            keep = mask.bool()[..., None]
            offset = 0
            for j, delta in zip(order, deltas, strict=True):
                x = records[j][0].float()
                width = modules[j][1].out_features * int(lora_r)
                if delta is not None:
                    z = torch.where(keep, x @ projections[j].to(device).T, 0.0)
                    delta = torch.where(keep, delta.float(), 0.0)
                    grad = scale * torch.einsum("bto,btr->bor", delta, z)  # (b, out, P * r)
                    grad = grad.reshape(len(batch), -1, int(n_projections), int(lora_r))
                    grad = grad.permute(2, 0, 1, 3).reshape(int(n_projections), len(batch), -1)
                    out[:, batch, offset : offset + width] = grad.cpu().numpy()
                offset += width
            progress.update(len(batch))
    finally:
        for handle in handles:
            handle.remove()
        progress.close()
        records.clear()
    return GradientSketch(
        gradients=out,
        source="lora_B",
        modules=[(n, m.out_features, m.in_features) for n, m in modules],
        projections=projections,
    )


def _head_gradients(estimator, ids, coefficients, batch_size) -> GradientSketch:
    """Gradient of a zero-initialised linear head: ``c_i h_i^T`` and ``c_i`` (the bias)."""
    network = estimator._network
    rows = []
    hidden = np.empty((len(ids), network.head.in_features), dtype=np.float32)
    with torch.inference_mode(), autocast(estimator.device_, estimator.dtype_):
        for batch in length_sorted_batches([len(row) for row in ids], int(batch_size)):
            input_ids, mask = collate(
                [ids[i] for i in batch],
                estimator._tokenizer.pad_token_id,
                left=network.is_causal,
                device=estimator.device_,
            )
            hidden[batch] = network.pooled(input_ids, mask).float().cpu().numpy()
    c = coefficients.numpy().astype(np.float32)
    for i in range(len(ids)):
        rows.append(np.concatenate([np.outer(c[i], hidden[i]).ravel(), c[i]]))
    # one "projection": the head's gradient has no random adapter to average over
    return GradientSketch(gradients=np.stack(rows)[None], source="linear head")
