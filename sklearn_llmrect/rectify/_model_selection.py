"""Cross-validation folds for the rectified meta-estimators: every train and every test fold holds
labelled *and* unlabelled rows, or the split fails at once with one clear error.

A rectified fit needs unlabelled rows (the pool it predicts) and labelled rows (to fine-tune and
rectify); its :meth:`score` needs at least two labelled rows in the test fold. scikit-learn's
default ``cv=3`` cuts the rows in order, so with the labels first and the ``NaN`` rows last one
fold's train part has no pool and another's test part no label; ``GridSearchCV`` then scores
those folds ``NaN`` (its ``error_score``) with pages of warnings and still returns a
``best_params_``. :class:`LabeledUnlabeledKFold` stratifies the folds on the labelled mask
instead, and :func:`rectified_grid_search` builds a ``GridSearchCV`` that cannot select from
``NaN`` scores: these folds, the estimator's own score and ``error_score="raise"``.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.model_selection._split import BaseCrossValidator

from ._common import is_unlabeled_marker

__all__ = ["LabeledUnlabeledKFold", "labeled_mask", "rectified_grid_search"]

MIN_TEST_LABELS = 2  # score measures a residual variance on the test fold's labelled rows


def labeled_mask(y, unlabeled_value=None) -> np.ndarray:
    """Which rows of ``y`` are labelled.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels with unlabelled rows marked: ``NaN`` for float labels (a regressor), ``-1``,
        ``"-1"``, ``None`` or ``NaN`` for class labels (a classifier).
    unlabeled_value : object, optional
        The marker, when it is not the default of the labels' type (e.g. ``-1`` in float class
        labels).

    Returns
    -------
    ndarray of bool
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if unlabeled_value is not None:
        if isinstance(unlabeled_value, float) and np.isnan(unlabeled_value):
            return ~np.array(
                [isinstance(v, numbers.Real) and np.isnan(float(v)) for v in y], dtype=bool
            )
        return ~np.array([v == unlabeled_value for v in y.tolist()], dtype=bool)
    if y.dtype.kind == "f":
        return ~np.isnan(y)
    if y.dtype.kind in "iub":
        return y != -1
    if y.dtype.kind in "US":
        return y != "-1"
    return ~np.array([is_unlabeled_marker(v) for v in y], dtype=bool)


class LabeledUnlabeledKFold(BaseCrossValidator):
    """K folds that each keep labelled and unlabelled rows in train and in test.

    The folds are :class:`~sklearn.model_selection.StratifiedKFold` folds of the labelled mask,
    so each has about ``1/K`` of the labels and ``1/K`` of the pool wherever the rows stand in
    ``X``. Use it as the ``cv`` of :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate` over a :class:`RectifiedRegressor` or
    :class:`RectifiedClassifier`, with the estimator's own ``score`` (``scoring=None``) and
    ``error_score="raise"``, so that a fold that cannot be fitted or scored stops the search
    with its error instead of a ``NaN`` score.

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle each stratum before splitting.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle (``shuffle=True`` only).
    unlabeled_value : object, optional
        Marker of unlabelled rows when it is not the default of ``y``'s type (``NaN`` for float
        labels; ``-1``, ``"-1"``, ``None`` or ``NaN`` for class labels).

    Raises
    ------
    ValueError
        From :meth:`split`, before any fit: ``y`` is missing, or it has fewer than
        ``2 * n_splits`` labelled rows (each test fold needs two for ``score``) or fewer than
        ``n_splits`` unlabelled rows (each train and test fold needs some).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_llmrect.rectify import LabeledUnlabeledKFold, RectifiedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(900, 3)); y = X @ [1.0, 0.5, 0.0] + rng.normal(size=900)
    >>> y[300:] = np.nan                       # 300 labels first, the pool after them
    >>> search = GridSearchCV(
    ...     RectifiedRegressor(Ridge(), random_state=0),
    ...     {"allocation": [0.1, 0.5]},
    ...     cv=LabeledUnlabeledKFold(3),
    ...     error_score="raise",
    ... ).fit(X, y)
    >>> bool(np.isfinite(search.cv_results_["mean_test_score"]).all())
    True
    >>> [int(np.isfinite(y[test]).sum()) for _, test in LabeledUnlabeledKFold(3).split(X, y)]
    [100, 100, 100]
    """

    def __init__(self, n_splits=3, *, shuffle=False, random_state=None, unlabeled_value=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.unlabeled_value = unlabeled_value

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds, ``n_splits``."""
        return int(self.n_splits)

    def _check(self, y) -> np.ndarray:
        k = self.n_splits
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 2:
            raise ValueError(f"n_splits must be an integer >= 2, got {k!r}.")
        if y is None:
            raise ValueError(
                "LabeledUnlabeledKFold needs y to find the labelled rows: pass y to split "
                "(GridSearchCV and cross_validate do)."
            )
        labeled = labeled_mask(y, self.unlabeled_value)
        n_labeled, n_unlabeled = int(labeled.sum()), int((~labeled).sum())
        if n_labeled < MIN_TEST_LABELS * k:
            raise ValueError(
                f"n_splits={k} needs at least {MIN_TEST_LABELS * k} labelled rows in y "
                f"({MIN_TEST_LABELS} in each test fold, for score to measure residuals); y has "
                f"{n_labeled}. Use fewer folds or more labels."
            )
        if n_unlabeled < k:
            raise ValueError(
                f"n_splits={k} needs at least {k} unlabelled rows in y (each train and test "
                f"fold needs some, the pool the estimate is about); y has {n_unlabeled}. Mark "
                "the rows without a human label NaN (regression) or -1 / None "
                "(classification), or pass unlabeled_value."
            )
        return labeled

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` index arrays, each with labelled and unlabelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
        y : array-like of shape (n_samples,)
            Labels, unlabelled rows marked (see ``unlabeled_value``); required.
        groups : ignored

        Yields
        ------
        train, test : ndarray of int
        """
        labeled = self._check(y)
        if X is not None and len(X) != len(labeled):
            raise ValueError(
                f"X and y must have the same number of rows, got {len(X)} and {len(labeled)}."
            )
        folds = StratifiedKFold(
            int(self.n_splits),
            shuffle=bool(self.shuffle),
            random_state=self.random_state if self.shuffle else None,
        )
        yield from folds.split(np.zeros((len(labeled), 1)), labeled)

    def _iter_test_indices(self, X=None, y=None, groups=None):  # pragma: no cover
        for _, test in self.split(X, y, groups):
            yield test


def rectified_grid_search(
    estimator, param_grid, *, cv=3, scoring=None, error_score="raise", **params
) -> GridSearchCV:
    """A :class:`~sklearn.model_selection.GridSearchCV` over a rectified meta-estimator that
    cannot pick ``best_params_`` from ``NaN`` scores.

    Parameters
    ----------
    estimator : RectifiedRegressor or RectifiedClassifier
    param_grid : dict or list of dict
        As in ``GridSearchCV``, e.g. ``{"allocation": [0.1, 0.3, 0.5]}``.
    cv : int or cross-validation generator, default=3
        An int is ``LabeledUnlabeledKFold(cv)``; a splitter is used as it is.
    scoring : None or callable, default=None
        None scores each fold with the estimator's ``score`` (the negative predicted variance
        of the estimate: larger is a narrower interval). A scorer *name* such as ``"r2"`` or
        ``"accuracy"`` compares ``predict(X)`` with ``y`` on the test fold, whose unlabelled
        rows are ``NaN`` or ``-1``, and is refused.
    error_score : "raise" or float, default="raise"
        ``"raise"``: a fold that cannot be fitted or scored stops the search with its error.
    **params
        Other ``GridSearchCV`` parameters (``n_jobs``, ``refit``, ``verbose``...).

    Returns
    -------
    GridSearchCV
        Not fitted.

    Raises
    ------
    ValueError
        For a scorer name, at once.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.rectify import RectifiedRegressor, rectified_grid_search
    >>> rectified_grid_search(RectifiedRegressor(Ridge()), {"allocation": [0.2]}, scoring="r2")
    Traceback (most recent call last):
    ...
    ValueError: scoring='r2' compares predict(X) with y on each test fold, ...
    """
    if isinstance(scoring, (str, list, tuple, set, dict)):
        raise ValueError(
            f"scoring={scoring!r} compares predict(X) with y on each test fold, but the test "
            "folds of a rectified fit hold unlabelled rows (NaN or -1 in y), so such a score is "
            "NaN or counts the marker as a class. Leave scoring=None: the estimator's score is "
            "the negative predicted variance of its estimate (larger is a narrower interval)."
        )
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        cv = LabeledUnlabeledKFold(int(cv))
    return GridSearchCV(
        estimator, param_grid, cv=cv, scoring=scoring, error_score=error_score, **params
    )
