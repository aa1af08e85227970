"""Class shares: means of one-hot labels, rectified with predicted class probabilities."""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_float_array,
    check_alternative,
    check_confidence_level,
    check_min_rows,
    check_same_length,
    check_weights,
)
from ._core import check_method, estimate
from ._pool import check_classical_pool, check_population
from ._result import ClassSharesResult

__all__ = ["classical_class_shares", "ppi_class_shares"]

_LAMBDA_MODES = ("overall", "per_class")


def one_hot_labels(y, classes, name: str = "y") -> np.ndarray:
    """One-hot encode labels ``y`` against ``classes``; raise if a label is not a class."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}.")
    if len(y) == 0:
        raise ValueError(f"{name} is empty: at least one row is needed.")
    matches = y[:, None] == np.asarray(classes, dtype=object)[None, :]
    unknown = ~matches.any(axis=1)
    if unknown.any():
        bad = sorted({str(v) for v in y[unknown]})[:5]
        raise ValueError(
            f"{name} contains label(s) {bad} that are not among classes {list(classes)}."
        )
    return matches.astype(float)


def _resolve_classes(classes, y, n_columns: int | None, label_arrays=()) -> list:
    if classes is None:
        pool = np.concatenate(
            [np.asarray(y).ravel()] + [np.asarray(a).ravel() for a in label_arrays]
        )
        found = np.unique(pool)
        if n_columns is not None and len(found) != n_columns:
            raise ValueError(
                f"proba has {n_columns} columns but y has {len(found)} distinct label(s) "
                f"{found.tolist()}; pass classes= (for scikit-learn models, estimator.classes_)."
            )
        return found.tolist()
    classes = list(np.asarray(classes).tolist())
    if len(set(map(repr, classes))) != len(classes):
        raise ValueError(f"classes must not contain duplicates, got {classes}.")
    if n_columns is not None and len(classes) != n_columns:
        raise ValueError(
            f"classes has {len(classes)} entries but proba has {n_columns} columns; "
            "they must match (one column per class)."
        )
    return classes


def class_matrices(y, proba, proba_unlabeled, classes) -> tuple[np.ndarray, ...]:
    """Check and convert class-share inputs to ``(classes, Y, F, Fu)`` float matrices.

    ``proba`` of shape (n, k) holds predicted class probabilities; a 1-D ``proba`` holds
    predicted labels, which are one-hot encoded (then ``proba_unlabeled`` must be labels too).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels, got shape {y.shape}.")
    proba_arr = np.asarray(proba)
    if proba_arr.ndim == 1:
        classes = _resolve_classes(classes, y, None, (proba_arr, np.asarray(proba_unlabeled)))
        F = one_hot_labels(proba_arr, classes, "proba")
        Fu = one_hot_labels(np.asarray(proba_unlabeled), classes, "proba_unlabeled")
    else:
        F = as_float_array(proba, "proba", ndim=2)
        Fu = as_float_array(proba_unlabeled, "proba_unlabeled", ndim=2)
        if Fu.shape[1] != F.shape[1]:
            raise ValueError(
                f"proba and proba_unlabeled must have the same number of columns (classes), "
                f"got {F.shape[1]} and {Fu.shape[1]}."
            )
        classes = _resolve_classes(classes, y, F.shape[1])
    Y = one_hot_labels(y, classes, "y")
    check_same_length(Y, "y", F, "proba")
    check_min_rows(Y, "y", 2)
    return classes, Y, F, Fu


def _share_targets(classes) -> list[str]:
    return [f"share of class {c!r}" for c in classes]


def classical_class_shares(
    y,
    *,
    classes=None,
    sample_weight=None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
    pool_size: int | None = None,
) -> ClassSharesResult:
    """Share of each class among the labels, with one normal interval per class.

    Parameters
    ----------
    y : array-like of shape (n,)
        Class labels.
    classes : array-like, optional
        Classes to report, in order; defaults to the sorted distinct labels of ``y``. A class
        absent from ``y`` gets share 0 with standard error 0.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights, normalised to mean one.
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1) (not simultaneous over classes).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        Alternative of each interval.
    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the labels are drawn from, i.i.d.
        ``"pool"``: the mean over a finite pool of ``pool_size`` rows from which the labelled
        ones were drawn uniformly without replacement (the finite-population correction
        ``1 - n/pool_size`` applies). No sample weights.
    pool_size : int, optional
        Number of rows of the pool, labelled rows included; required by ``population="pool"``.

    Returns
    -------
    ClassSharesResult

    Examples
    --------
    >>> from sklearn_llmrect.inference import classical_class_shares
    >>> classical_class_shares(["x", "y", "x", "x"]).estimates.tolist()
    [0.75, 0.25]
    """
    classes = _resolve_classes(classes, y, None)
    Y = one_hot_labels(np.asarray(y), classes, "y")
    check_min_rows(Y, "y", 2)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    level = check_confidence_level(confidence_level)
    pool_size = check_classical_pool(population, pool_size, len(Y), sample_weight)
    check_alternative(alternative)
    results = estimate(
        Y,
        Y,
        Y[:1],
        w,
        None,
        method="classical",
        lambda_=None,
        mode="overall",
        confidence_level=level,
        alternative=alternative,
        targets=_share_targets(classes),
        population=population,
        pool_size=pool_size,
    )
    return ClassSharesResult(classes=tuple(classes), results=tuple(results))


def ppi_class_shares(
    y,
    proba,
    proba_unlabeled,
    *,
    classes=None,
    method: str = "ppi++",
    lambda_mode: str = "overall",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
) -> ClassSharesResult:
    """Prediction-powered share of each class: one-hot labels rectified by predicted probabilities.

    For each class ``c`` the estimate is ``lambda * mean(p_c(X_unlabeled)) + mean(1{Y = c} -
    lambda * p_c(X))``, with one confidence interval per class (not simultaneous).

    Parameters
    ----------
    y : array-like of shape (n,)
        Human class labels of the labelled rows.
    proba : array-like of shape (n, k) or (n,)
        Predicted class probabilities of the labelled rows, one column per class in the order
        of ``classes`` (as ``predict_proba``). A 1-D array is read as predicted labels and
        one-hot encoded; for a binary probability pass ``np.column_stack([1 - p, p])``.
    proba_unlabeled : array-like of shape (N, k) or (N,)
        The same for the unlabelled rows.
    classes : array-like of shape (k,), optional
        Class labels of the columns; defaults to the sorted distinct labels of ``y`` (and of the
        predicted labels when ``proba`` is 1-D). Pass ``estimator.classes_`` when ``y`` may miss
        a class.
    method : {"ppi++", "ppi", "classical"}, default="ppi++"
        As in :func:`ppi_mean`.
    lambda_mode : {"overall", "per_class"}, default="overall"
        With ``"overall"`` one ``lambda`` minimises the summed variance over classes (ppi_py's
        ``lam_optim_mode="overall"``), so that the shares sum to one; ``"per_class"`` tunes one
        ``lambda`` per class (ppi_py's ``"element"``), giving each interval its own optimum.
    lambda_ : float, optional
        Fixed power-tuning parameter for ``method="ppi++"``.
    sample_weight, sample_weight_unlabeled : array-like, optional
        Non-negative row weights, each normalised to mean one.
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        Alternative of each interval.
    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the rows are drawn from, i.i.d. (as
        ppi_py). ``"pool"``: the mean over the rows given, labelled and unlabelled together,
        the labelled ones a uniform sample of them drawn without replacement; the interval is
        the finite-population (difference-estimator) one, with the correction ``1 - n/(n + N)``
        and no ``Var(f)/N`` term (see Notes of :func:`classical_mean`). No sample weights.

    Returns
    -------
    ClassSharesResult
        One :class:`InferenceResult` per class.

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_class_shares
    >>> rng = np.random.default_rng(0)
    >>> y = rng.choice(["neg", "pos"], size=300, p=[0.3, 0.7])
    >>> p_pos = np.clip((y == "pos") * 0.6 + rng.uniform(0.0, 0.4, 300), 0, 1)
    >>> p_pos_unl = np.clip(rng.binomial(1, 0.7, 3000) * 0.6 + rng.uniform(0, 0.4, 3000), 0, 1)
    >>> result = ppi_class_shares(
    ...     y, np.column_stack([1 - p_pos, p_pos]), np.column_stack([1 - p_pos_unl, p_pos_unl])
    ... )
    >>> result.classes
    ('neg', 'pos')
    >>> bool(abs(result.estimates.sum() - 1.0) < 1e-12)
    True
    """
    check_method(method, lambda_)
    if lambda_mode not in _LAMBDA_MODES:
        raise ValueError(f"lambda_mode must be one of {_LAMBDA_MODES}, got {lambda_mode!r}.")
    classes, Y, F, Fu = class_matrices(y, proba, proba_unlabeled, classes)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    wu = check_weights(sample_weight_unlabeled, len(Fu), "sample_weight_unlabeled")
    level = check_confidence_level(confidence_level)
    check_population(
        population,
        sample_weight=sample_weight,
        sample_weight_unlabeled=sample_weight_unlabeled,
    )
    check_alternative(alternative)
    results = estimate(
        Y,
        F,
        Fu,
        w,
        wu,
        method=method,
        lambda_=lambda_,
        mode="overall" if lambda_mode == "overall" else "element",
        confidence_level=level,
        alternative=alternative,
        targets=_share_targets(classes),
        population=population,
    )
    return ClassSharesResult(classes=tuple(classes), results=tuple(results))
