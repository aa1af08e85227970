"""Training losses: MSE and the residual-variance losses of fine-tune-then-rectify.

Prediction-powered inference removes any constant bias of the model, so what limits the width of
a rectified interval is the *variance* of the residuals ``Y - f(X)``, not their mean square
(Wang, Ye & Zhao, "Efficient Inference Using Large Language Models with Limited Human Data:
Fine-Tuning then Rectification", arXiv 2511.19486, section 4.1). The variance loss is the
within-batch variance of the residuals, differentiated through the batch mean, and is therefore
invariant to shifting all predictions by a constant.

All losses take optional per-row weights, normalised to sum to one within the batch.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["mse_loss", "residual_variance_loss", "cross_entropy_loss", "onehot_variance_loss"]


def _normalised(weights: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    if weights is None:
        return torch.full(
            (like.shape[0],), 1.0 / like.shape[0], dtype=like.dtype, device=like.device
        )
    weights = weights.to(like.dtype)
    return weights / weights.sum()


def mse_loss(prediction: torch.Tensor, target: torch.Tensor, weights=None) -> torch.Tensor:
    """Weighted mean of ``(target - prediction) ** 2``.

    Examples
    --------
    >>> import torch
    >>> float(mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0])))
    2.5
    """
    w = _normalised(weights, prediction)
    return (w * (target - prediction) ** 2).sum()


def residual_variance_loss(
    prediction: torch.Tensor, target: torch.Tensor, weights=None
) -> torch.Tensor:
    """Weighted within-batch variance of the residuals ``target - prediction`` (biased, 1/k).

    Examples
    --------
    >>> import torch
    >>> y = torch.tensor([1.0, 2.0, 4.0])
    >>> float(residual_variance_loss(y + 10.0, y))  # a constant shift costs nothing
    0.0
    """
    w = _normalised(weights, prediction)
    residual = target - prediction
    centre = (w * residual).sum()
    return (w * (residual - centre) ** 2).sum()


def cross_entropy_loss(logits: torch.Tensor, target: torch.Tensor, weights=None) -> torch.Tensor:
    """Weighted cross-entropy of integer class targets under ``logits`` (n, k)."""
    w = _normalised(weights, logits.float())
    return (w * F.cross_entropy(logits.float(), target, reduction="none")).sum()


def onehot_variance_loss(logits: torch.Tensor, target: torch.Tensor, weights=None) -> torch.Tensor:
    """Residual variance for classes: the trace of the within-batch covariance of
    ``onehot(target) - softmax(logits)``.

    This is the loss whose minimiser makes rectified class shares tightest: the variance of the
    share estimate of class ``c`` is driven by ``Var(1{Y=c} - p_c(X))``, and the trace sums
    those over classes.
    """
    probabilities = torch.softmax(logits.float(), dim=-1)
    onehot = F.one_hot(target, num_classes=logits.shape[-1]).to(probabilities.dtype)
    w = _normalised(weights, probabilities)[:, None]
    residual = onehot - probabilities
    centre = (w * residual).sum(dim=0, keepdim=True)
    return (w * (residual - centre) ** 2).sum()
