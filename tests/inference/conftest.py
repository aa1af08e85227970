"""Shared fixtures for the statistics-core tests."""

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="session")
def ppi_py():
    """The reference implementation, imported without its process-wide warnings.simplefilter."""
    with warnings.catch_warnings():  # ppi_py silences all warnings on import; undo that
        ppi = pytest.importorskip("ppi_py")
    return ppi


@pytest.fixture(scope="session")
def anchor_data():
    """The data of research/anchors.md section 1.4 (reference numbers of ppi-python 0.2.3)."""
    rng = np.random.default_rng(0)
    n, N = 200, 2000
    y = rng.normal(1.0, 1.0, n)
    yhat = 0.8 * y + rng.normal(0.3, 0.5, n)
    y_unl = rng.normal(1.0, 1.0, N)
    yhat_unl = 0.8 * y_unl + rng.normal(0.3, 0.5, N)
    return y, yhat, yhat_unl


@pytest.fixture(scope="session")
def make_data():
    """Factory of seeded labels and predictions: ``make_data(seed, n, N, kind, shift)``."""
    return _make_data


def _make_data(seed, n, N, kind="good", shift=0.0):
    """Labels and predictions of several qualities (see ``kind``)."""
    slope, noise_mean, noise_sd = {
        "good": (0.8, 0.3, 0.5),
        "useless": (0.0, 0.0, 1.0),  # independent of the label
        "negative": (-0.7, 0.0, 0.5),  # the tuned lambda clips to 0
        "compressed": (0.2, 0.0, 0.02),  # small-scale predictions: the tuned lambda clips to 1
    }[kind]
    rng = np.random.default_rng(seed)
    y = rng.normal(shift, 1.0, n)
    y_unl = rng.normal(shift, 1.0, N)
    yhat = slope * y + rng.normal(noise_mean, noise_sd, n)
    yhat_unl = slope * y_unl + rng.normal(noise_mean, noise_sd, N)
    return y, yhat, yhat_unl
