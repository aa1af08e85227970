"""Cross-prediction-powered OLS, logistic and Poisson regressions (K fold models, one label set).

Row ``i`` of the labelled set is predicted by the fold model that did not train on it; each
unlabelled row by the average of the K fold models. The estimate is then the PPI one with these
predictions (``lambda = 1``, Zrnic & Candes 2024: ppi_py's ``crossppi_ols_ci`` and
``crossppi_logistic_ci`` without bootstrap data), or, with ``method="ppi++"``, power-tuned as
PPI++ does.
"""

from __future__ import annotations

from ._checks import as_float_array, check_confidence_level
from ._mestimation import GLMData, fit_rectified
from ._regression_inputs import labeled_part, to_result, unlabeled_part
from ._regression_result import RegressionResult

__all__ = ["crossfit_ppi_logistic", "crossfit_ppi_ols", "crossfit_ppi_poisson"]

CROSS_METHODS = ("ppi", "ppi++")


def _cross(model, X, y, yhat, X_u, yhat_u, method, confidence_level, feature_names):
    if method not in CROSS_METHODS:
        raise ValueError(f"method must be one of {CROSS_METHODS}, got {method!r}.")
    level = check_confidence_level(confidence_level)
    Fu = as_float_array(yhat_u, "yhat_unlabeled", ndim=(1, 2))
    Fu = Fu.mean(axis=1) if Fu.ndim == 2 else Fu
    Xl, Y, w, names = labeled_part(model, X, y, None, feature_names)
    F, Xu, Fu, wu = unlabeled_part(model, Xl, yhat, X_u, Fu, None)
    fit = fit_rectified(model, GLMData(Xl, Y, F, Xu, Fu, w, wu), 1.0 if method == "ppi" else None)
    return to_result(
        fit,
        model=model,
        method="cross-ppi" if method == "ppi" else "cross-ppi++",
        n=len(Y),
        N=len(Fu),
        names=names,
        confidence_level=level,
    )


def crossfit_ppi_ols(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi",
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Cross-prediction-powered least-squares coefficients (K fold models), optionally tuned.

    Parameters
    ----------
    X_labeled : array-like of shape (n, p)
        Covariates of the labelled rows (add a column of ones for an intercept).
    y_labeled : array-like of shape (n,)
        Human labels.
    yhat_labeled : array-like of shape (n,)
        Out-of-fold predictions: row ``i`` predicted by the fold model not trained on it.
    X_unlabeled : array-like of shape (N, p)
        Covariates of the unlabelled rows.
    yhat_unlabeled : array-like of shape (N, K) or (N,)
        Predictions of each of the K fold models on the unlabelled rows (one column per model),
        or their row-wise average.
    method : {"ppi", "ppi++"}, default="ppi"
        ``"ppi"``: ``lambda = 1`` (Zrnic & Candes); ``"ppi++"``: ``lambda`` tuned from the
        out-of-fold predictions and clipped to [0, 1].
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1).
    feature_names : sequence of str, optional
        Coefficient names; default: the columns of a DataFrame ``X_labeled``, else ``x0, ...``.

    Returns
    -------
    RegressionResult
        With ``method="cross-ppi"`` (``lambda_=1``) or ``"cross-ppi++"``.

    Notes
    -----
    The coefficients minimise the rectified least-squares loss (see :func:`ppi_ols`); ppi_py's
    ``crossppi_ols_pointestimate`` uses two separate regressions, which agree with it only when
    ``X_labeled`` and ``X_unlabeled`` have the same ``X'X / n``.

    See Also
    --------
    crossfit_predict : produces ``yhat_labeled`` and ``yhat_unlabeled`` from an estimator.
    ppi_ols : the same estimate when the model was trained on other data.

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
    >>> from sklearn_llmrect.inference import crossfit_ppi_ols, crossfit_predict
    >>> rng = np.random.default_rng(0)
    >>> Z, Z_unl = rng.normal(size=(200, 3)), rng.normal(size=(2000, 3))
    >>> y = Z @ [1.0, -1.0, 0.5] + rng.normal(size=200)
    >>> preds = crossfit_predict(LinearRegression(), Z, y, Z_unl, n_folds=5, random_state=0)
    >>> X = np.column_stack([np.ones(200), Z[:, 0]])  # the regression of y on one feature
    >>> X_unl = np.column_stack([np.ones(2000), Z_unl[:, 0]])
    >>> result = crossfit_ppi_ols(X, y, preds.labeled, X_unl, preds.unlabeled)
    >>> result.method, result.lambda_, bool((result.effective_sample_size > 200).all())
    ('cross-ppi', 1.0, True)
    """
    return _cross(
        "ols", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method,
        confidence_level, feature_names,
    )  # fmt: skip


def crossfit_ppi_logistic(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi",
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Cross-prediction-powered logistic-regression coefficients (K fold models).

    Parameters are those of :func:`crossfit_ppi_ols`; ``y_labeled`` must be binary (0 or 1) and
    the predictions (labels or probabilities, e.g. the positive-class column of
    ``crossfit_predict(..., response_method="predict_proba")``) in [0, 1].

    Returns
    -------
    RegressionResult
        Equal (to the optimiser's precision) to ppi_py's ``crossppi_logistic_ci`` for
        ``method="ppi"``.

    References
    ----------
    .. [1] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024 (arXiv:2309.16598).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import crossfit_ppi_logistic
    >>> rng = np.random.default_rng(0)
    >>> X, X_unl = np.ones((100, 1)), np.ones((500, 1))
    >>> y = (rng.random(100) < 0.3).astype(int)
    >>> oof, per_fold = np.clip(y + 0.2 * rng.normal(size=100), 0, 1), rng.random((500, 5))
    >>> crossfit_ppi_logistic(X, y, oof, X_unl, per_fold).feature_names
    ('x0',)
    """
    return _cross(
        "logistic", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method,
        confidence_level, feature_names,
    )  # fmt: skip


def crossfit_ppi_poisson(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi",
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Cross-prediction-powered Poisson-regression (log link) coefficients (K fold models).

    Parameters are those of :func:`crossfit_ppi_ols`; labels and predictions must be
    non-negative. (ppi_py has no cross-PPI Poisson regression; this is the same construction.)

    Returns
    -------
    RegressionResult
        With ``method="cross-ppi"`` (``lambda_=1``) or ``"cross-ppi++"``.

    References
    ----------
    .. [1] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", Proceedings of the
       National Academy of Sciences 121(15), 2024 (arXiv:2309.16598).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import crossfit_ppi_poisson
    >>> rng = np.random.default_rng(0)
    >>> y = rng.poisson(2.0, 100)
    >>> result = crossfit_ppi_poisson(
    ...     np.ones((100, 1)), y, y + 0.1, np.ones((500, 1)), np.full((500, 5), 2.1), method="ppi++"
    ... )
    >>> result.method
    'cross-ppi++'
    """
    return _cross(
        "poisson", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method,
        confidence_level, feature_names,
    )  # fmt: skip
