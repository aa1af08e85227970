"""Reading label arrays: which rows are labelled, numeric conversion, missing answers."""

from __future__ import annotations

import numbers

import numpy as np

from ..selection import labeled_mask

__all__ = ["audited_mask", "is_missing", "numeric_labels"]


def is_missing(value) -> bool:
    """True for None and NaN (a teacher or editor that gave no answer)."""
    if value is None:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


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


def numeric_labels(values, name: str, allow_missing: bool = False) -> np.ndarray:
    """``values`` as float64; None becomes NaN where ``allow_missing``; else a clear error."""
    out = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        if is_missing(value):
            if not allow_missing:
                raise ValueError(f"{name} has no value at row {i}; a number is needed there.")
            out[i] = np.nan
            continue
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
            raise ValueError(
                f"{name} must hold numbers for a numeric target; row {i} holds {value!r}."
            )
        out[i] = float(value)
    if not allow_missing and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} holds infinite values; finite numbers are needed.")
    return out
