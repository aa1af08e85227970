"""Pairwise cosines of per-example gradients and their median (CoS-Low)."""

from __future__ import annotations

import numpy as np

__all__ = ["pairwise_cosines", "median_pairwise_cosine"]


def pairwise_cosines(gradients: np.ndarray) -> np.ndarray:
    """Cosine matrix of the rows of ``gradients`` (n, dim); NaN where a row is all zero."""
    gradients = np.asarray(gradients, dtype=np.float64)
    norms = np.linalg.norm(gradients, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = gradients / norms[:, None]
    unit[norms == 0] = np.nan
    return unit @ unit.T


def median_pairwise_cosine(cosines: np.ndarray) -> float:
    """Median over the pairs i < j of a cosine matrix (NaN pairs ignored)."""
    upper = cosines[np.triu_indices(cosines.shape[0], k=1)]
    upper = upper[np.isfinite(upper)]
    return float(np.median(upper)) if upper.size else float("nan")
