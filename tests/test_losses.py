import numpy as np
import pytest
import torch

from sklearn_llmrect import losses


@pytest.fixture
def batch():
    generator = torch.Generator().manual_seed(0)
    target = torch.randn(32, generator=generator)
    prediction = target + 0.5 * torch.randn(32, generator=generator)
    weights = torch.rand(32, generator=generator)
    return prediction, target, weights


def test_variance_loss_is_the_biased_residual_variance(batch):
    prediction, target, _ = batch
    expected = np.var((target - prediction).numpy())
    assert float(losses.residual_variance_loss(prediction, target)) == pytest.approx(
        expected, rel=1e-6
    )


def test_variance_loss_is_shift_invariant_and_mse_is_not(batch):
    prediction, target, weights = batch
    for w in (None, weights):
        base = losses.residual_variance_loss(prediction, target, w)
        shifted = losses.residual_variance_loss(prediction + 3.0, target, w)
        assert float(shifted) == pytest.approx(float(base), rel=1e-5)
        assert (
            float(losses.mse_loss(prediction + 3.0, target, w))
            > float(losses.mse_loss(prediction, target, w)) + 1.0
        )


def test_weighted_losses_match_repeated_rows(batch):
    prediction, target, _ = batch
    counts = torch.arange(1, 33) % 3 + 1
    repeated = torch.repeat_interleave(torch.arange(32), counts)
    for loss in (losses.mse_loss, losses.residual_variance_loss):
        weighted = loss(prediction, target, counts.float())
        expanded = loss(prediction[repeated], target[repeated])
        assert float(weighted) == pytest.approx(float(expanded), rel=1e-5)


def test_variance_loss_gradient_flows_through_the_batch_mean(batch):
    prediction, target, _ = batch
    prediction = prediction.clone().requires_grad_(True)
    losses.residual_variance_loss(prediction, target).backward()
    residual = (target - prediction.detach()).numpy()
    expected = -2 * (residual - residual.mean()) / len(residual)
    np.testing.assert_allclose(prediction.grad.numpy(), expected, rtol=1e-5, atol=1e-7)
    assert float(prediction.grad.sum()) == pytest.approx(0.0, abs=1e-6)


def test_onehot_variance_loss_is_the_trace_of_the_residual_covariance():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(40, 3, generator=generator)
    target = torch.randint(0, 3, (40,), generator=generator)
    residual = np.eye(3)[target.numpy()] - torch.softmax(logits, -1).numpy()
    expected = np.var(residual, axis=0).sum()
    assert float(losses.onehot_variance_loss(logits, target)) == pytest.approx(expected, rel=1e-5)
    assert float(losses.cross_entropy_loss(logits, target)) == pytest.approx(
        float(torch.nn.functional.cross_entropy(logits, target)), rel=1e-6
    )
