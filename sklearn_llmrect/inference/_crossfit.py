"""Cross-prediction-powered inference (cross-PPI): the same labels train the model and rectify it.

The labelled rows are split into K folds; model ``k`` is trained on all folds but ``k``. Each
labelled row is predicted by the model that did not see it (out-of-fold), each unlabelled row by
the average of the K models, and the PPI estimate is formed from these:

    theta = lambda * mean_j( mean_k f_k(X_unlabeled_j) ) + mean_i( Y_i - lambda * f_{k(i)}(X_i) ).

With ``lambda = 1`` (``method="ppi"``) its interval uses ``Var0(Y - f_oof(X)) / n +
Var0(mean_k f_k(X_unlabeled)) / N`` (Zrnic & Candes 2024), which is exactly
``ppi_py.crossppi_mean_ci`` without bootstrap data. ``method="ppi++"`` power-tunes ``lambda``
from the out-of-fold predictions as PPI++ does (``Cov(Y, f) / ((1 + n/N) Var(f))``, clipped to
[0, 1]), so a weak surrogate cannot make the interval wider than the classical one by much.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_float_array,
    check_alternative,
    check_confidence_level,
    check_min_rows,
    check_same_length,
)
from ._core import classical_stderr, effective_sizes, rectified_mean, tuned_lambda
from ._pool import check_population, pool_lambda, pool_results
from ._result import ClassSharesResult, InferenceResult, build_results
from ._shares import class_matrices, one_hot_labels

__all__ = [
    "crossfit_ppi_mean",
    "crossfit_ppi_class_shares",
    "crossfit_predict",
    "CrossFitPredictions",
]


CROSS_METHODS = ("ppi", "ppi++")


def _cross_ppi(
    Y, F, Fu, *, method, confidence_level, alternative, targets, population
) -> list[InferenceResult]:
    if method not in CROSS_METHODS:
        raise ValueError(f"method must be one of {CROSS_METHODS}, got {method!r}.")
    check_population(population)
    name = "cross-ppi" if method == "ppi" else "cross-ppi++"
    pool = population == "pool"
    if method == "ppi":
        lam = np.ones(Y.shape[1])
    elif pool:
        lam = pool_lambda(Y, F, "overall")
    else:
        lam = tuned_lambda(Y, F, Fu, None, None, "overall")  # one lambda: shares sum to one
    if pool:
        return pool_results(
            Y,
            F,
            Fu,
            lam,
            pool_size=Y.shape[0] + Fu.shape[0],
            method=name,
            confidence_level=confidence_level,
            alternative=alternative,
            targets=targets,
        )
    theta, se = rectified_mean(Y, F, Fu, lam, None, None)
    ess = effective_sizes(Y.shape[0], classical_stderr(Y, None), se)
    return build_results(
        theta,
        se,
        lam,
        ess,
        n=Y.shape[0],
        N=Fu.shape[0],
        method=name,
        confidence_level=confidence_level,
        alternative=alternative,
        targets=targets,
    )


def crossfit_ppi_mean(
    y,
    yhat,
    yhat_unlabeled,
    *,
    method: str = "ppi",
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
) -> InferenceResult:
    """Cross-prediction-powered estimate of a mean (K fold models), optionally power-tuned.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels.
    yhat : array-like of shape (n,)
        Out-of-fold predictions: row ``i`` predicted by the fold model not trained on it.
    yhat_unlabeled : array-like of shape (N, K) or (N,)
        Predictions of each of the K fold models on the unlabelled rows (one column per
        model), or their row-wise average.
    method : {"ppi", "ppi++"}, default="ppi"
        ``"ppi"``: ``lambda = 1`` (Zrnic & Candes); ``"ppi++"``: ``lambda`` tuned from the
        out-of-fold predictions and clipped to [0, 1] (Angelopoulos, Duchi & Zrnic).
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        ``"larger"`` gives a lower confidence bound, ``"smaller"`` an upper one.

    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the rows are drawn from, i.i.d.
        ``"pool"``: the mean over the labelled and unlabelled rows together, the labelled ones
        a uniform sample of them without replacement (the finite-population interval of
        :func:`ppi_mean`; ``"ppi++"`` then tunes ``lambda`` to the regression slope, clipped).
    Returns
    -------
    InferenceResult
        With ``method="cross-ppi"`` and ``lambda_=1``, or ``method="cross-ppi++"``.

    See Also
    --------
    crossfit_predict : produces ``yhat`` and ``yhat_unlabeled`` from a scikit-learn estimator.
    ppi_mean : the same estimate when the model was trained on other data.

    References
    ----------
    .. [1] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024 (arXiv:2309.16598).
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023 (the power tuning).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn_llmrect.inference import crossfit_predict, crossfit_ppi_mean
    >>> rng = np.random.default_rng(0)
    >>> X, X_unl = rng.normal(size=(200, 3)), rng.normal(size=(2000, 3))
    >>> y = X @ [1.0, -1.0, 0.5] + rng.normal(size=200)
    >>> preds = crossfit_predict(LinearRegression(), X, y, X_unl, n_folds=5, random_state=0)
    >>> result = crossfit_ppi_mean(y, preds.labeled, preds.unlabeled)
    >>> result.method, result.n_labeled, result.n_unlabeled
    ('cross-ppi', 200, 2000)
    >>> bool(result.effective_sample_size > 200)
    True
    >>> crossfit_ppi_mean(y, preds.labeled, preds.unlabeled, method="ppi++").method
    'cross-ppi++'
    """
    Y = as_float_array(y, "y")
    F = as_float_array(yhat, "yhat")
    Fu = as_float_array(yhat_unlabeled, "yhat_unlabeled", ndim=(1, 2))
    check_same_length(Y, "y", F, "yhat")
    check_min_rows(Y, "y", 2)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    Fu = Fu.mean(axis=1) if Fu.ndim == 2 else Fu
    return _cross_ppi(
        Y[:, None],
        F[:, None],
        Fu[:, None],
        method=method,
        confidence_level=level,
        alternative=alternative,
        population=population,
        targets=["mean"],
    )[0]


def crossfit_ppi_class_shares(
    y,
    proba,
    proba_unlabeled,
    *,
    classes=None,
    method: str = "ppi",
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
) -> ClassSharesResult:
    """Cross-prediction-powered share of each class (K fold models), optionally power-tuned.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human class labels.
    proba : array-like of shape (n, k) or (n,)
        Out-of-fold predicted class probabilities (columns in the order of ``classes``), or
        out-of-fold predicted labels (1-D), which are one-hot encoded.
    proba_unlabeled : array-like of shape (N, K, k), (N, k), (N, K) or (N,)
        With probabilities: each fold model's probabilities, shape (N, K, k), or their average
        over models, shape (N, k). With predicted labels: each model's labels, shape (N, K), or
        one label per row, shape (N,).
    classes : array-like of shape (k,), optional
        Class labels of the columns; defaults to the sorted distinct labels.
    method : {"ppi", "ppi++"}, default="ppi"
        ``"ppi"``: ``lambda = 1``; ``"ppi++"``: one ``lambda`` for all classes (so that the
        shares sum to one), tuned from the out-of-fold probabilities and clipped to [0, 1].
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        Alternative of each interval.

    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the rows are drawn from, i.i.d.
        ``"pool"``: the mean over the labelled and unlabelled rows together, the labelled ones
        a uniform sample of them without replacement (the finite-population interval of
        :func:`ppi_mean`; ``"ppi++"`` then tunes ``lambda`` to the regression slope, clipped).
    Returns
    -------
    ClassSharesResult
        One :class:`InferenceResult` per class, each with ``method="cross-ppi"`` (or
        ``"cross-ppi++"``).

    References
    ----------
    .. [1] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024 (arXiv:2309.16598).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.inference import crossfit_predict, crossfit_ppi_class_shares
    >>> rng = np.random.default_rng(0)
    >>> X, X_unl = rng.normal(size=(300, 2)), rng.normal(size=(3000, 2))
    >>> y = np.where(X[:, 0] + 0.5 * rng.normal(size=300) > 0, "pos", "neg")
    >>> preds = crossfit_predict(
    ...     LogisticRegression(), X, y, X_unl, response_method="predict_proba", random_state=0
    ... )
    >>> preds.unlabeled.shape
    (3000, 5, 2)
    >>> shares = crossfit_ppi_class_shares(y, preds.labeled, preds.unlabeled)
    >>> shares.classes
    ('neg', 'pos')
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    proba_arr = np.asarray(proba)
    unl = np.asarray(proba_unlabeled)
    if proba_arr.ndim == 1:
        if unl.ndim == 2:  # (N, K) predicted labels: average the one-hot codes over models
            classes, Y, F, _ = class_matrices(y, proba_arr, unl.ravel(), classes)
            Fu = one_hot_labels(unl.ravel(), classes, "proba_unlabeled")
            Fu = Fu.reshape(unl.shape[0], unl.shape[1], -1).mean(axis=1)
        else:
            classes, Y, F, Fu = class_matrices(y, proba_arr, unl, classes)
    else:
        if unl.ndim == 3:
            unl = as_float_array(unl, "proba_unlabeled", ndim=3).mean(axis=1)
        classes, Y, F, Fu = class_matrices(y, proba_arr, unl, classes)
    results = _cross_ppi(
        Y,
        F,
        Fu,
        method=method,
        confidence_level=level,
        alternative=alternative,
        population=population,
        targets=[f"share of class {c!r}" for c in classes],
    )
    return ClassSharesResult(classes=tuple(classes), results=tuple(results))


@dataclass(frozen=True)
class CrossFitPredictions:
    """Out-of-fold and per-fold predictions made by :func:`crossfit_predict`.

    Attributes
    ----------
    labeled : ndarray of shape (n,) or (n, k)
        Out-of-fold prediction of each labelled row.
    unlabeled : ndarray of shape (N, K) or (N, K, k)
        Prediction of each fold model (axis 1) for each unlabelled row.
    folds : ndarray of shape (n,)
        Fold index (0 to K - 1) of each labelled row: the model that did not train on it.
    estimators : tuple
        The K fitted estimators (empty if ``return_estimators=False``).
    classes : ndarray or None
        ``classes_`` of the first fold model for ``predict_proba``, else None.
    """

    labeled: np.ndarray
    unlabeled: np.ndarray
    folds: np.ndarray
    estimators: tuple
    classes: np.ndarray | None = None


def crossfit_predict(
    estimator,
    X,
    y,
    X_unlabeled,
    *,
    n_folds: int = 5,
    response_method: str = "predict",
    random_state=None,
    return_estimators: bool = False,
    n_jobs: int | None = None,
) -> CrossFitPredictions:
    """Fit K clones of ``estimator`` on K-fold splits and predict out-of-fold and unlabelled rows.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned and fitted once per fold.
    X : array-like of shape (n, ...)
        Features (or texts) of the labelled rows; indexed with integer arrays.
    y : array-like of shape (n,)
        Labels.
    X_unlabeled : array-like of shape (N, ...)
        Features of the unlabelled rows.
    n_folds : int, default=5
        Number of folds K, at least 2 and at most n.
    response_method : {"predict", "predict_proba"}, default="predict"
        Method used for predictions.
    random_state : int, RandomState or None
        Seed of the (shuffled) fold assignment.
    return_estimators : bool, default=False
        Keep the K fitted models in the result (they may be large).
    n_jobs : int or None, default=None
        Folds fitted at once, by :class:`joblib.Parallel`. ``None`` is one unless a
        :func:`joblib.parallel_backend` (or :func:`joblib.parallel_config`) context says
        otherwise, so ``with joblib.parallel_backend("dask"):`` fits the folds on a Dask cluster
        (:func:`sklearn_llmrect.parallel.scheduler_context` opens one). The folds and each fold
        model's parameters are fixed before any fold is dispatched, so every backend and every
        ``n_jobs`` give the same predictions.

    Returns
    -------
    CrossFitPredictions
        Pass ``labeled`` and ``unlabeled`` to :func:`crossfit_ppi_mean` or
        :func:`crossfit_ppi_class_shares`.

    Notes
    -----
    With ``predict_proba`` every fold model must have seen every class, so that the columns
    agree; a :class:`ValueError` is raised otherwise (use fewer folds).

    Each fold is one task: it fits its clone and predicts its held-out rows and ``X_unlabeled``.
    The clones are made here, before dispatch, so an estimator seeded by an int or a
    ``RandomState`` fits the same model in a worker process as in this one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn_llmrect.inference import crossfit_predict
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> preds = crossfit_predict(LinearRegression(), X, X.sum(axis=1), X[:4], n_folds=2)
    >>> preds.labeled.shape, preds.unlabeled.shape
    ((10,), (4, 2))

    Seeded, two folds at a time give the same predictions as one at a time (here on threads;
    on a Dask cluster too):

    >>> import joblib
    >>> serial = crossfit_predict(LinearRegression(), X, X.sum(axis=1), X[:4], random_state=0)
    >>> with joblib.parallel_backend("threading"):
    ...     both = crossfit_predict(
    ...         LinearRegression(), X, X.sum(axis=1), X[:4], random_state=0, n_jobs=2
    ...     )
    >>> bool(np.array_equal(both.unlabeled, serial.unlabeled))
    True
    """
    if response_method not in ("predict", "predict_proba"):
        raise ValueError(
            f"response_method must be 'predict' or 'predict_proba', got {response_method!r}."
        )
    y = np.asarray(y)
    n = len(y)
    if len(X) != n:
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {n}.")
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)):
        raise TypeError(f"n_folds must be an integer, got {type(n_folds).__name__}.")
    if not 2 <= n_folds <= n:
        raise ValueError(
            f"n_folds must be between 2 and the number of labels ({n}), got {n_folds}."
        )
    from sklearn.base import clone  # imported here so that the statistics core loads fast
    from sklearn.model_selection import KFold
    from sklearn.utils.parallel import Parallel, delayed

    splitter = KFold(n_splits=int(n_folds), shuffle=True, random_state=random_state)
    splits = list(splitter.split(np.zeros((n, 1))))  # fixed before any fold is dispatched
    tasks = (
        delayed(_fit_fold)(
            clone(estimator),
            _take(X, train),
            y[train],
            _take(X, test),
            X_unlabeled,
            response_method,
            return_estimators,
        )
        for train, test in splits
    )
    fitted = Parallel(n_jobs=n_jobs)(tasks)
    folds = np.empty(n, dtype=int)
    labeled, unlabeled, estimators = None, [], []
    classes = None
    for k, ((_, test), (model, fold_classes, pred_test, pred_unlabeled)) in enumerate(
        zip(splits, fitted, strict=True)
    ):
        if response_method == "predict_proba":
            if classes is None:
                classes = fold_classes
            elif not np.array_equal(fold_classes, classes):
                raise ValueError(
                    f"fold {k} saw classes {list(fold_classes)} but fold 0 saw "
                    f"{list(classes)}; every class needs a label in every training fold "
                    "(use fewer folds)."
                )
        if labeled is None:
            labeled = np.empty((n,) + pred_test.shape[1:], dtype=pred_test.dtype)
        labeled[test] = pred_test
        folds[test] = k
        unlabeled.append(pred_unlabeled)
        if return_estimators:
            estimators.append(model)
    return CrossFitPredictions(
        labeled=labeled,
        unlabeled=np.stack(unlabeled, axis=1),
        folds=folds,
        estimators=tuple(estimators),
        classes=classes,
    )


def _fit_fold(model, X_train, y_train, X_test, X_unlabeled, response_method: str, keep: bool):
    """One fold's task: fit the clone, predict its held-out rows and the unlabelled ones.

    Returns ``(model or None, classes or None, predictions of X_test, of X_unlabeled)``: the
    model travels back from a worker only when it is kept.
    """
    X_train, y_train, X_test, X_unlabeled = map(_aligned, (X_train, y_train, X_test, X_unlabeled))
    model = model.fit(X_train, y_train)
    predict = getattr(model, response_method)
    classes = np.asarray(model.classes_) if response_method == "predict_proba" else None
    return (
        model if keep else None,
        classes,
        np.asarray(predict(X_test)),
        np.asarray(predict(X_unlabeled)),
    )


def _aligned(value):
    """``value``, copied if it is an array whose memory is not aligned to its item size.

    Dask hands a task its arrays in the buffers they arrived in, which need not be aligned;
    numpy then reduces them through small aligned buffers, in a different order, and sums
    differ in the last bit from the serial run's. A copy is aligned.
    """
    if isinstance(value, np.ndarray) and not value.flags.aligned:
        return value.copy()
    return value


def _take(X, indices: np.ndarray):
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, (list, tuple)):
        return [X[i] for i in indices]
    return np.asarray(X)[indices] if not hasattr(X, "shape") else X[indices]
