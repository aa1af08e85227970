"""Turn user input (lists of str, 1-D/2-D arrays, DataFrames) into prompts; check targets."""

from __future__ import annotations

import numbers
import string
from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import column_or_1d, validate_data

__all__ = [
    "check_text_input",
    "render_prompts",
    "prompt_fields",
    "check_regression_target",
    "n_rows",
    "take_rows",
    "uniform_class_labels",
    "is_missing",
    "numeric_labels",
]


def _is_missing(cell) -> bool:
    if cell is None or type(cell).__name__ in ("NAType", "NaTType"):  # pandas' missing markers
        return True
    return isinstance(cell, (float, np.floating)) and not np.isfinite(cell)


def _is_text_or_missing(value) -> bool:
    return isinstance(value, str) or _is_missing(value)


def _is_one_dimensional(X) -> bool:
    """Whether X is one column of texts (missing cells included, so that they get a clear error)."""
    if isinstance(X, str):
        raise TypeError("X must be a sequence of texts, not a single string; wrap it in a list.")
    if hasattr(X, "columns"):  # DataFrame
        return False
    if hasattr(X, "ndim") and hasattr(X, "shape"):  # arrays, Series, pandas string arrays
        return X.ndim == 1 and X.dtype.kind not in "biufc"
    if isinstance(X, Sequence) and len(X) > 0:
        return any(isinstance(row, str) for row in X) and all(map(_is_text_or_missing, X))
    return False


def check_text_input(estimator, X, *, reset: bool):
    """Validate X as a 2-D array of texts (or numbers, which are rendered as text).

    A 1-D list or array of texts is read as one column. Sets ``n_features_in_`` (and
    ``feature_names_in_`` for DataFrames) when ``reset`` is true, and checks them otherwise.
    Returns an object ndarray of shape (n_samples, n_features).
    """
    if X is None:
        raise ValueError("X is None; expected a list of texts or a 2-D array / DataFrame of texts.")
    if hasattr(X, "__len__") and len(X) == 0:
        raise ValueError("X is empty: at least one row of text is needed.")
    if _is_one_dimensional(X):
        X = np.asarray(X, dtype=object).reshape(-1, 1)
    X = validate_data(estimator, X, reset=reset, dtype=None, ensure_all_finite=False)
    X = np.asarray(X, dtype=object)
    missing = np.array([_is_missing(cell) for cell in X.ravel()])
    if missing.any():
        first = np.unravel_index(int(np.flatnonzero(missing)[0]), X.shape)
        raise ValueError(
            f"X contains {int(missing.sum())} missing or infinite cell(s) (None, NaN or inf; first "
            f"at row {first[0]}, column {first[1]}); fill or drop them before fitting."
        )
    if X.shape[0] == 0:
        raise ValueError("X is empty: at least one row of text is needed.")
    return X


def column_names(estimator, n_columns: int) -> list[str]:
    names = getattr(estimator, "feature_names_in_", None)
    return (
        [str(name) for name in names] if names is not None else [str(i) for i in range(n_columns)]
    )


def prompt_fields(template: str) -> list[str]:
    """Names of the ``{fields}`` of a prompt template, in order, without duplicates."""
    fields = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"prompt={template!r} is not a valid template: {exc}") from None
    for _, field, _, _ in parsed:
        if field is None:
            continue
        if field == "":
            raise ValueError(
                f"prompt={template!r} has an empty field '{{}}'; name a column, e.g. '{{text}}' "
                "or '{0}'."
            )
        name = field.split(".")[0].split("[")[0]
        if name not in fields:
            fields.append(name)
    return fields


def _format_cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def render_prompts(X: np.ndarray, template: str | None, columns: list[str]) -> list[str]:
    """Fill ``template`` for each row of ``X``.

    Fields name DataFrame columns (``{review}``) or positions (``{0}``). With ``template=None``
    a single column is used as it is and several columns are joined as ``name: value`` lines.
    """
    cells = [[_format_cell(value) for value in row] for row in X]
    if template is None:
        if len(columns) == 1:
            return [row[0] for row in cells]
        return [
            "\n".join(f"{name}: {value}" for name, value in zip(columns, row, strict=True))
            for row in cells
        ]
    if not isinstance(template, str):
        raise TypeError(f"prompt must be a str template or None; got {type(template).__name__}.")
    known = set(columns) | {str(i) for i in range(len(columns))}
    missing = [field for field in prompt_fields(template) if field not in known]
    if missing:
        raise ValueError(
            f"prompt names column(s) {missing} that X does not have; X has columns {columns} "
            f"(or positions 0..{len(columns) - 1})."
        )
    named_columns = [name for name in columns if not name.isdigit()]
    prompts = []
    for row in cells:
        named = {name: row[columns.index(name)] for name in named_columns}
        prompts.append(template.format(*row, **named))
    return prompts


def check_target_shape(y, n_samples: int, need: str) -> np.ndarray:
    """A 1-D target of length ``n_samples``; a column vector is accepted with a warning."""
    if y is None:
        raise ValueError(
            f"This estimator requires y to be passed, but the target y is None: {need}."
        )
    y_array = np.asarray(y)
    if y_array.ndim == 2 and y_array.shape[1] == 1:
        y_array = column_or_1d(y_array, warn=True)
    if y_array.ndim != 1:
        raise ValueError(f"y should be a 1d array; got shape {y_array.shape}.")
    if y_array.shape[0] != n_samples:
        raise ValueError(
            f"X and y have different lengths: X has {n_samples} rows, y has {y_array.shape[0]}."
        )
    return y_array


def check_regression_target(y, n_samples: int) -> np.ndarray:
    """A finite float64 target of the same length as X."""
    y_array = check_target_shape(y, n_samples, "a regressor needs numeric targets")
    try:
        y_array = y_array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("y must be numeric for a regressor.") from None
    bad = ~np.isfinite(y_array)
    if bad.any():
        raise ValueError(
            f"y contains {int(bad.sum())} NaN or infinite value(s) (first at index "
            f"{int(np.flatnonzero(bad)[0])}); a regressor needs finite targets."
        )
    return y_array


def n_rows(X) -> int:
    """Number of rows of a list, an array or a DataFrame."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def take_rows(X, indices):
    """Rows ``indices`` of a list, an array or a DataFrame, in the same kind of container."""
    indices = np.asarray(indices, dtype=int)
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if hasattr(X, "shape"):
        return X[indices]
    return [X[i] for i in indices]


def uniform_class_labels(labels) -> np.ndarray:
    """Class labels gathered from several sources (object array) as one dtype an estimator
    accepts: str when all are strings, int64 when all are integers, else as given."""
    labels = np.asarray(labels, dtype=object)
    if all(isinstance(v, str) for v in labels):
        return labels.astype(str)
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in labels):
        return labels.astype(np.int64)
    return labels


def is_missing(value) -> bool:
    """True for None and NaN (a teacher or editor that gave no answer)."""
    if value is None:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


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
