"""The LoRA training loop: length-bucketed batches, autocast, early stopping, progress, Ctrl-C.

The loop is model-agnostic: it trains whatever parameters of a :class:`~._network.TextModel`
require gradients, with a loss on its raw outputs, and selects the epoch with the best validation
metric. It is kept separate from the estimators so that the meta-estimators of later modules can
reuse it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ._network import (
    TextModel,
    autocast,
    collate,
    length_sorted_batches,
    predict_outputs,
    split_common_prefix,
)
from ._quiet import quiet_libraries

__all__ = ["TrainingSetup", "train"]


@dataclass
class TrainingSetup:
    """Everything the loop needs besides the model and the data."""

    loss: Callable  # (outputs, targets, weights) -> scalar tensor
    residual_variance: Callable  # (outputs ndarray, targets ndarray) -> float
    learning_rate: float
    head_learning_rate: float
    max_epochs: int
    batch_size: int
    patience: int | None
    selection_metric: str  # "residual_variance" or "loss"
    device: torch.device
    dtype: torch.dtype
    pad_id: int
    verbose: int = 0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0


def _evaluate(model, ids, targets, weights, setup: TrainingSetup):
    """Validation scores and the raw outputs they were computed from."""
    outputs = predict_outputs(
        model,
        ids,
        pad_id=setup.pad_id,
        batch_size=setup.batch_size,
        device=setup.device,
        dtype=setup.dtype,
    )
    loss = setup.loss(
        torch.as_tensor(outputs, dtype=torch.float32),
        torch.as_tensor(targets),
        None if weights is None else torch.as_tensor(weights),
    )
    scores = {"loss": float(loss), "residual_variance": setup.residual_variance(outputs, targets)}
    return scores, outputs


def train(
    model: TextModel,
    ids: list[list[int]],
    targets: np.ndarray,
    weights,
    *,
    train_rows: np.ndarray,
    validation_rows: np.ndarray,
    setup: TrainingSetup,
    rng: np.random.Generator,
    history: list[dict],
) -> np.ndarray | None:
    """Train ``model`` in place and append one record per epoch to ``history``.

    Returns the kept epoch's raw outputs on the validation rows (None without validation rows).

    With validation rows, the epoch with the lowest ``setup.selection_metric`` on them is kept
    and training stops after ``setup.patience`` epochs without improvement. Without validation
    rows, the last epoch is kept. A ``KeyboardInterrupt`` stops training cleanly: the best
    epoch so far is kept, a warning says so, and ``fit`` returns normally.
    """
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    parameters = [p for _, p in named]
    head = [p for name, p in named if name.startswith("head.")]
    adapters = [p for name, p in named if not name.startswith("head.")]
    groups = [{"params": adapters, "lr": setup.learning_rate}]
    if head:
        groups.append({"params": head, "lr": setup.head_learning_rate})
    optimizer = torch.optim.AdamW(groups, weight_decay=setup.weight_decay)
    prefix, row_ids = split_common_prefix(ids) if model.is_causal else ([], ids)
    prefix = torch.as_tensor(prefix, dtype=torch.long, device=setup.device)
    lengths = np.array([len(row) for row in row_ids])
    target_tensor = torch.as_tensor(targets)
    weight_tensor = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    val = (
        (
            [ids[i] for i in validation_rows],
            targets[validation_rows],
            None if weights is None else weights[validation_rows],
        )
        if len(validation_rows)
        else None
    )
    best_score, best_state, best_outputs, stale = np.inf, None, None, 0
    first_epoch = len(history)
    total_steps = setup.max_epochs * int(np.ceil(len(train_rows) / setup.batch_size))
    progress = tqdm(
        total=total_steps, desc="fine-tuning", unit="batch", disable=setup.verbose <= 0, leave=False
    )
    try:
        for epoch in range(setup.max_epochs):
            started = time.perf_counter()
            model.train()
            losses, sizes = [], []
            for batch in length_sorted_batches(lengths[train_rows], setup.batch_size, rng=rng):
                rows = train_rows[batch]
                input_ids, mask = collate(
                    [row_ids[i] for i in rows],
                    setup.pad_id,
                    left=model.is_causal,
                    device=setup.device,
                )
                with autocast(setup.device, setup.dtype):
                    outputs = model(input_ids, mask, prefix)
                loss = setup.loss(
                    outputs,
                    target_tensor[rows].to(setup.device),
                    None if weight_tensor is None else weight_tensor[rows].to(setup.device),
                )
                optimizer.zero_grad(set_to_none=True)
                with quiet_libraries():
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(parameters, setup.max_grad_norm)
                    optimizer.step()
                losses.append(loss.item())
                sizes.append(len(rows))
                progress.update(1)
                progress.set_postfix(epoch=first_epoch + epoch + 1, loss=f"{losses[-1]:.4g}")
            record = {
                "epoch": first_epoch + epoch + 1,
                "train_loss": float(np.average(losses, weights=sizes)),
            }
            if val is not None:
                scores, outputs = _evaluate(model, *val, setup)
                record["validation_loss"] = scores["loss"]
                record["validation_residual_variance"] = scores["residual_variance"]
                score = scores[setup.selection_metric]
                if score < best_score:
                    best_score, best_state, stale = score, model.trainable_state(), 0
                    best_outputs = outputs
                else:
                    stale += 1
                record["best"] = stale == 0
            record["seconds"] = time.perf_counter() - started
            history.append(record)
            if val is not None and setup.patience is not None and stale >= setup.patience:
                break
    except KeyboardInterrupt:
        warnings.warn(
            f"Training interrupted after {len(history) - first_epoch} complete epoch(s); the "
            "estimator keeps the best epoch so far. Call fit again with warm_start=True to "
            "continue from here.",
            RuntimeWarning,
            stacklevel=3,
        )
        history.append({"epoch": len(history) + 1, "interrupted": True})
    finally:
        progress.close()
    if best_state is not None:
        model.load_trainable_state(best_state)
    model.eval()
    return best_outputs
