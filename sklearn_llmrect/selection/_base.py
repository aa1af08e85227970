"""The selector interface: ``query(X, y, estimator, batch_size, candidates, return_utilities)``."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from .._validation import n_rows

__all__ = ["BaseSelector", "labeled_mask"]


def _is_unlabeled_value(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == "-1"
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return bool(np.isnan(value)) if isinstance(value, (float, np.floating)) else value == -1
    return False


def labeled_mask(y, n_samples: int | None = None) -> np.ndarray:
    """Boolean mask of the labelled rows of ``y``.

    Unlabelled rows are ``NaN`` (regression), ``-1`` or ``"-1"`` (classification, as in
    :class:`sklearn.semi_supervised.SelfTrainingClassifier`) or None. ``y=None`` means no row is
    labelled (then ``n_samples`` is required).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import labeled_mask
    >>> labeled_mask(np.array([1.5, np.nan, 0.2])).tolist()
    [True, False, True]
    >>> labeled_mask(np.array(["pos", -1, "neg"], dtype=object)).tolist()
    [True, False, True]
    """
    if y is None:
        if n_samples is None:
            raise ValueError("y is None: pass n_samples, or a y with NaN / -1 for unlabelled rows.")
        return np.zeros(n_samples, dtype=bool)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}.")
    if n_samples is not None and len(y) != n_samples:
        raise ValueError(f"X and y have different lengths: X has {n_samples} rows, y {len(y)}.")
    if y.dtype.kind == "f":
        return ~(np.isnan(y) | (y == -1))
    if y.dtype.kind in "iub":
        return y != -1
    if y.dtype.kind in "US":
        return y != "-1"
    return np.array([not _is_unlabeled_value(v) for v in y], dtype=bool)


def check_batch_size(batch_size, n_candidates: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an integer; got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}.")
    if batch_size > n_candidates:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n_candidates} unlabelled candidate "
            "row(s) left; ask for fewer rows or add unlabelled rows to the pool."
        )
    return int(batch_size)


class BaseSelector(BaseEstimator):
    """Base class: validates the query and maps the selection back to rows of X.

    Subclasses implement ``_select(X, candidates, estimator, batch_size, rng)`` returning the
    chosen candidate rows and the utility of every candidate (NaN where it was not scored).
    """

    def query(
        self,
        X,
        y,
        estimator=None,
        batch_size=1,
        candidates=None,
        return_utilities=False,
    ):
        """Choose ``batch_size`` unlabelled rows of X to label next.

        Parameters
        ----------
        X : list of str, array-like of shape (n_samples, ...) or DataFrame
            The whole pool, labelled rows included.
        y : array-like of shape (n_samples,) or None
            Labels with ``NaN`` / ``-1`` for unlabelled rows; None: nothing is labelled.
        estimator : fitted estimator, optional
            The current model, whose uncertainty the selector uses (if it uses any).
        batch_size : int, default=1
            Rows to return; at most the number of candidates.
        candidates : array-like of int or bool mask, optional
            Rows that may be chosen (default: every unlabelled row); must be unlabelled.
        return_utilities : bool, default=False
            Also return the utility of every row (NaN for rows that were not scored).

        Returns
        -------
        indices : ndarray of int, shape (batch_size,)
            Rows of X, most useful first.
        utilities : ndarray of shape (n_samples,)
            Only with ``return_utilities=True``.
        """
        n = n_rows(X)
        labeled = labeled_mask(y, n)
        pool = self._candidates(labeled, candidates, n)
        batch_size = check_batch_size(batch_size, len(pool))
        rng = check_random_state(getattr(self, "random_state", None))
        chosen, utilities = self._select(X, pool, estimator, batch_size, rng)
        chosen = np.asarray(chosen, dtype=np.intp)
        if return_utilities:
            full = np.full(n, np.nan)
            full[pool] = utilities
            return chosen, full
        return chosen

    @staticmethod
    def _candidates(labeled, candidates, n) -> np.ndarray:
        if candidates is None:
            return np.flatnonzero(~labeled)
        candidates = np.asarray(candidates)
        if candidates.dtype == bool:
            if candidates.shape != (n,):
                raise ValueError(
                    f"candidates as a mask must have one entry per row of X ({n}); got shape "
                    f"{candidates.shape}."
                )
            candidates = np.flatnonzero(candidates)
        elif candidates.ndim != 1 or (candidates.size and candidates.dtype.kind not in "iu"):
            raise ValueError("candidates must be a 1-D array of row indices or a boolean mask.")
        candidates = np.unique(candidates.astype(np.intp))
        if candidates.size and (candidates[0] < 0 or candidates[-1] >= n):
            raise ValueError(f"candidates must be row indices in [0, {n}).")
        bad = candidates[labeled[candidates]]
        if bad.size:
            raise ValueError(
                f"candidates contains {bad.size} labelled row(s) (e.g. {bad[:5].tolist()}); only "
                "unlabelled rows (NaN / -1 in y) can be queried."
            )
        return candidates

    def _select(self, X, candidates, estimator, batch_size, rng):  # pragma: no cover
        raise NotImplementedError


def subsample(candidates: np.ndarray, max_candidates, rng) -> np.ndarray:
    """At most ``max_candidates`` of the candidates, uniformly at random (sorted)."""
    if max_candidates is None or len(candidates) <= max_candidates:
        return candidates
    return np.sort(rng.choice(candidates, size=int(max_candidates), replace=False))


def check_max_candidates(value, batch_size: int):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"max_candidates must be None or an integer >= 1; got {value!r}.")
    return max(int(value), batch_size)


def embed(embedder, rows) -> np.ndarray:
    """Features of ``rows`` for clustering (``embedder`` as in
    :func:`~sklearn_llmrect.models.embeddings.resolve_embedder`); numeric rows with
    ``embedder=None`` need no torch import."""
    if embedder is None:
        array = np.asarray(rows)
        if array.dtype.kind in "biuf":
            return array.reshape(len(array), -1).astype(np.float64)
    from ..models.embeddings import resolve_embedder  # imports torch

    return resolve_embedder(embedder)(rows)
