"""PPI and PPI++ OLS, logistic and Poisson regressions (formulas in ``_mestimation``).

The design matrices are used as given: add a column of ones for an intercept.
"""

from __future__ import annotations

from ._checks import check_confidence_level
from ._mestimation import GLMData, fit_rectified
from ._regression_inputs import labeled_part, ppi_lambda, to_result, unlabeled_part
from ._regression_result import RegressionResult

__all__ = ["ppi_logistic", "ppi_ols", "ppi_poisson"]


def _ppi(model, X, y, yhat, X_u, yhat_u, method, lambda_, w, w_u, level, names_in):
    lam = ppi_lambda(method, lambda_)
    level = check_confidence_level(level)
    Xl, Y, w, names = labeled_part(model, X, y, w, names_in)
    F, Xu, Fu, wu = unlabeled_part(model, Xl, yhat, X_u, yhat_u, w_u)
    fit = fit_rectified(model, GLMData(Xl, Y, F, Xu, Fu, w, wu), lam)
    return to_result(
        fit, model=model, method=method, n=len(Y), N=len(Fu), names=names, confidence_level=level
    )


def ppi_ols(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi++",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Prediction-powered least-squares coefficients: model predictions rectified by a few labels.

    The estimate minimises ``lambda * mean_u (x'theta - yhat)**2 + mean_l ((x'theta - y)**2 -
    lambda * (x'theta - yhat)**2)``. Its interval is valid whatever the model, provided the
    labelled rows are a uniform random sample of the population that the model did not train on
    (use :func:`crossfit_ppi_ols` when the same labels trained it).

    Parameters
    ----------
    X_labeled : array-like of shape (n, p)
        Covariates of the labelled rows (add a column of ones for an intercept).
    y_labeled : array-like of shape (n,)
        Human labels.
    yhat_labeled : array-like of shape (n,)
        Model predictions for the labelled rows.
    X_unlabeled : array-like of shape (N, p)
        Covariates of the unlabelled rows.
    yhat_unlabeled : array-like of shape (N,)
        Model predictions for the unlabelled rows.
    method : {"ppi++", "ppi"}, default="ppi++"
        ``"ppi++"`` tunes ``lambda`` in [0, 1] to minimise the total variance (never much worse
        than :func:`classical_ols`); ``"ppi"`` uses ``lambda = 1``.
    lambda_ : float in [0, 1], optional
        Fixed power-tuning parameter for ``method="ppi++"`` instead of the tuned one.
    sample_weight, sample_weight_unlabeled : array-like, optional
        Non-negative weights of the labelled and unlabelled rows (ppi_py's ``w`` and
        ``w_unlabeled``), each normalised to mean one.
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1).
    feature_names : sequence of str, optional
        Coefficient names; default: the columns of a DataFrame ``X_labeled``, else ``x0, ...``.

    Returns
    -------
    RegressionResult
        Coefficients, sandwich standard errors, Wald intervals, p-values, ``lambda_`` and the
        effective sample size of each coefficient.

    Notes
    -----
    ppi_py's ``ppi_ols_*`` estimate ``lambda OLS(X_u, yhat_u) + OLS(X, y - lambda yhat)``
    instead, which is the minimiser above only when ``X`` and ``X_u`` have the same
    ``X'WX / n``, but report the standard error of the minimiser: its intervals can cover far
    more, or far less, often than nominal when the model's errors depend on ``x``. With equal
    Gram matrices the two agree to rounding (see ``_mestimation`` for the formulas). (That
    two-regression estimate, with its own standard error, is valid too, and more precise when
    ``y - yhat`` is close to linear in ``x``; it is not offered here.)

    See Also
    --------
    classical_ols, crossfit_ppi_ols, ppi_logistic, ppi_poisson

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_ols, ppi_ols
    >>> rng = np.random.default_rng(0)
    >>> def draw(m):
    ...     x, z = rng.normal(size=m), rng.normal(size=m)
    ...     y = 1 + 2 * x + z + 0.5 * rng.normal(size=m)
    ...     return np.column_stack([np.ones(m), x]), y, 1.2 + 1.8 * x + 0.9 * z
    >>> X, y, yhat = draw(200)
    >>> X_unl, _, yhat_unl = draw(2000)
    >>> result = ppi_ols(X, y, yhat, X_unl, yhat_unl, feature_names=["const", "x"])
    >>> bool((result.standard_errors < classical_ols(X, y).standard_errors).all())
    True
    >>> result.coefficients.round(2).tolist(), result.standard_errors.round(2).tolist()
    ([1.01, 1.98], [0.04, 0.05])
    """
    return _ppi(
        "ols", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method, lambda_,
        sample_weight, sample_weight_unlabeled, confidence_level, feature_names,
    )  # fmt: skip


def ppi_logistic(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi++",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Prediction-powered logistic-regression coefficients (binary labels, predicted probabilities).

    Parameters are those of :func:`ppi_ols`; ``y_labeled`` must be binary (0 or 1) and the
    predictions ``yhat_labeled``, ``yhat_unlabeled`` (labels or probabilities) in [0, 1].

    Returns
    -------
    RegressionResult
        Equal (to the optimiser's precision) to ppi_py's ``ppi_logistic_ci`` and
        ``ppi_logistic_pval``. With ``method="ppi++"`` the coefficients are the centre of that
        interval; ppi_py's ``ppi_logistic_pointestimate`` stops one tuning step earlier.

    See Also
    --------
    classical_logistic, crossfit_ppi_logistic, ppi_ols

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_logistic
    >>> rng = np.random.default_rng(0)
    >>> def draw(m):
    ...     x, z = rng.normal(size=m), rng.normal(size=m)
    ...     y = (rng.random(m) < 1 / (1 + np.exp(-(x + 2 * z)))).astype(int)
    ...     return np.column_stack([np.ones(m), x]), y, 1 / (1 + np.exp(-(0.8 * x + 1.5 * z)))
    >>> X, y, p = draw(300)
    >>> X_unl, _, p_unl = draw(3000)
    >>> result = ppi_logistic(X, y, p, X_unl, p_unl)
    >>> bool((result.effective_sample_size > 300).all()), bool(0 <= result.lambda_ <= 1)
    (True, True)
    """
    return _ppi(
        "logistic", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method,
        lambda_, sample_weight, sample_weight_unlabeled, confidence_level, feature_names,
    )  # fmt: skip


def ppi_poisson(
    X_labeled,
    y_labeled,
    yhat_labeled,
    X_unlabeled,
    yhat_unlabeled,
    *,
    method: str = "ppi++",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    feature_names=None,
) -> RegressionResult:
    """Prediction-powered Poisson-regression (log link) coefficients of counts.

    Parameters are those of :func:`ppi_ols`; the labels and predictions must be non-negative.

    Returns
    -------
    RegressionResult
        Equal (to the optimiser's precision) to ppi_py's ``ppi_poisson_ci``.

    See Also
    --------
    classical_poisson, crossfit_ppi_poisson, ppi_ols

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_poisson
    >>> rng = np.random.default_rng(0)
    >>> def draw(m):
    ...     x, z = rng.normal(size=m), rng.normal(size=m)
    ...     y = rng.poisson(np.exp(0.3 + 0.5 * x + 0.5 * z))
    ...     return np.column_stack([np.ones(m), x]), y, np.exp(0.2 + 0.5 * x + 0.4 * z)
    >>> X, y, yhat = draw(300)
    >>> X_unl, _, yhat_unl = draw(3000)
    >>> result = ppi_poisson(X, y, yhat, X_unl, yhat_unl, feature_names=["const", "x"])
    >>> result.confidence_interval.shape, result.method
    ((2, 2), 'ppi++')
    """
    return _ppi(
        "poisson", X_labeled, y_labeled, yhat_labeled, X_unlabeled, yhat_unlabeled, method,
        lambda_, sample_weight, sample_weight_unlabeled, confidence_level, feature_names,
    )  # fmt: skip
