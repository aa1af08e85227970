"""Which rows of a label array carry a human label."""

from __future__ import annotations

import numpy as np

from .._validation import is_missing
from ..selection import labeled_mask

__all__ = ["audited_mask"]


def audited_mask(labels, n: int, task: str, name: str) -> np.ndarray:
    """Rows with a human label: not NaN / None for numbers; not -1 / "-1" / None / NaN else."""
    array = np.asarray(labels, dtype=object) if labels is not None else None
    if array is None or array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array with one entry per row; got "
            f"{None if array is None else array.shape}."
        )
    if len(array) != n:
        raise ValueError(f"{name} has {len(array)} entries but there are {n} rows.")
    if task == "regression":
        return ~np.array([is_missing(v) for v in array], dtype=bool)
    return labeled_mask(array if task == "text" else np.asarray(labels), n)
