"""Input checks shared by the statistics core: clear ``ValueError``s that name the argument."""

from __future__ import annotations

import numbers

import numpy as np

ALTERNATIVES = ("two-sided", "larger", "smaller")


def check_confidence_level(confidence_level) -> float:
    """Return ``confidence_level`` as a float in the open interval (0, 1)."""
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real):
        raise TypeError(
            f"confidence_level must be a number in (0, 1), got {type(confidence_level).__name__}."
        )
    level = float(confidence_level)
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"confidence_level must lie strictly between 0 and 1 (e.g. 0.95), got {level!r}."
        )
    return level


def check_alternative(alternative) -> str:
    """Return ``alternative`` if it is one of ``"two-sided"``, ``"larger"``, ``"smaller"``."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}.")
    return alternative


def as_float_array(x, name: str, *, ndim: int | tuple[int, ...] = 1) -> np.ndarray:
    """Convert ``x`` to a finite, non-empty float array with an allowed number of dimensions."""
    if x is None:
        raise ValueError(f"{name} is None; expected an array of numbers.")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only ({exc}).") from None
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim == 2 and arr.shape[1] == 1 and 1 in allowed and 2 not in allowed:
        arr = arr[:, 0]  # a single column is read as a 1-D array
    if arr.ndim not in allowed:
        raise ValueError(
            f"{name} must be a {' or '.join(f'{d}-D' for d in allowed)} array, "
            f"got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one row is needed.")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad.reshape(arr.shape[0], -1).any(axis=1))[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first in row {first}); "
            "drop or fill them first."
        )
    return arr


def check_same_length(first: np.ndarray, first_name: str, second, second_name: str) -> None:
    """Raise if two arrays do not have the same number of rows."""
    if len(first) != len(second):
        raise ValueError(
            f"{first_name} and {second_name} must have the same number of rows, got "
            f"{len(first)} and {len(second)}."
        )


def check_min_rows(arr: np.ndarray, name: str, minimum: int) -> None:
    """Raise if ``arr`` has fewer than ``minimum`` rows."""
    if len(arr) < minimum:
        raise ValueError(f"{name} needs at least {minimum} rows, got {len(arr)}.")


def check_weights(weights, n_rows: int, name: str) -> np.ndarray | None:
    """Validate sample weights and normalise them to sum to ``n_rows`` (mean one).

    Returns ``None`` when ``weights`` is ``None`` (all rows weigh one).
    """
    if weights is None:
        return None
    w = as_float_array(weights, name)
    if len(w) != n_rows:
        raise ValueError(f"{name} must have one weight per row ({n_rows}), got {len(w)}.")
    if (w < 0).any():
        raise ValueError(f"{name} must be non-negative, got a minimum of {w.min()!r}.")
    total = w.sum()
    if not total > 0:
        raise ValueError(f"{name} must not be all zero.")
    return w * (n_rows / total)


def check_lambda(lambda_) -> float:
    """Return a user-given power-tuning parameter as a finite float."""
    if isinstance(lambda_, bool) or not isinstance(lambda_, numbers.Real):
        raise TypeError(f"lambda_ must be a real number or None, got {type(lambda_).__name__}.")
    value = float(lambda_)
    if not np.isfinite(value):
        raise ValueError(f"lambda_ must be finite, got {value!r}.")
    return value
