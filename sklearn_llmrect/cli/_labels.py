"""The label column of ``llmrect estimate``: which rows are labelled, and whether the labels are
numbers (a mean) or classes (shares), with a clear error for a column that mixes the two."""

from __future__ import annotations

import numpy as np

from ._data import CLIError, data_name, row_name

__all__ = ["read_labels"]

_SHOWN = 3  # rows listed in an error message


def _is_empty(values) -> np.ndarray:
    """Missing or blank cells."""
    import pandas as pd

    empty = pd.isna(values).to_numpy()
    as_text = values.astype(str).str.strip()
    return empty | (as_text == "").to_numpy()


def _examples(frame, values, mask) -> str:
    """``row 5 'three', row 9 'n/a', ...``: the first few rows of ``mask`` with their value."""
    rows = np.flatnonzero(mask)
    shown = ", ".join(f"{row_name(frame, i)} {values.iloc[i]!r}" for i in rows[:_SHOWN])
    return shown + (f" and {len(rows) - _SHOWN:,} more" if len(rows) > _SHOWN else "")


def _mixed_error(frame, values, column, path, text, numeric) -> CLIError:
    n_text, n_numbers = int(text.sum()), int(numeric.sum())
    return CLIError(
        f"--label: column {column!r} of {data_name(path)} mixes text and numbers: {n_text:,} of "
        f"its {n_text + n_numbers:,} labels are text ({_examples(frame, values, text)}) and "
        f"{n_numbers:,} are numbers ({_examples(frame, values, numeric)}). Choose --task "
        "regression for a mean of numbers (then fix or empty the text cells) or --task "
        "classification for the share of each value (every label is a class)."
    )


def read_labels(frame, column: str, task: str, path) -> tuple[np.ndarray, np.ndarray, str]:
    """Labels of ``column``: ``(y, labeled_mask, task)``.

    Empty cells are unlabelled rows. ``task="auto"`` is regression when every label is a
    number and classification when every label is text; a column with both is an error that
    lists rows of each and asks for ``--task``. Regression labels are floats with NaN for
    unlabelled rows; classification labels are strings with None for unlabelled rows.

    Parameters
    ----------
    frame : DataFrame
        From :func:`~sklearn_llmrect.cli._data.read_table`.
    column : str
        The ``--label`` column.
    task : {"auto", "regression", "classification"}
    path : str or path-like
        The data, for messages.

    Returns
    -------
    y : ndarray
    labeled : ndarray of bool
    task : str
    """
    import pandas as pd

    values = frame[column]
    labeled = ~_is_empty(values)
    if not labeled.any():
        raise CLIError(
            f"no labelled rows: column {column!r} of {data_name(path)} is empty in all "
            f"{len(frame):,} rows; give human labels for a few hundred rows and leave the rest "
            "empty."
        )
    numbers = pd.to_numeric(values.where(labeled), errors="coerce").to_numpy(dtype=float)
    numeric = labeled & np.isfinite(numbers)
    text = labeled & ~numeric
    if task == "auto":
        if text.any() and numeric.any():
            raise _mixed_error(frame, values, column, path, text, numeric)
        task = "classification" if text.any() else "regression"
    if task == "regression":
        if text.any():
            raise CLIError(
                f"--task regression needs numeric labels, but column {column!r} holds text in "
                f"{int(text.sum()):,} of its {int(labeled.sum()):,} labels "
                f"({_examples(frame, values, text)} of {data_name(path)}); fix or empty those "
                "cells, or use --task classification for class labels."
            )
        return np.where(labeled, numbers, np.nan), labeled, task
    labels = np.empty(len(values), dtype=object)
    for i, (value, number) in enumerate(zip(values, numbers, strict=True)):
        if not labeled[i]:
            labels[i] = None
        elif np.isfinite(number) and float(number).is_integer():
            labels[i] = str(int(number))  # 1.0 read from a CSV is the class "1"
        else:
            labels[i] = str(value).strip()
    if len(set(labels[labeled])) < 2:
        raise CLIError(
            f"--task classification needs at least two classes in column {column!r}; found only "
            f"{labels[labeled][0]!r}."
        )
    return labels, labeled, task
