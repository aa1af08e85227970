"""Classical (labels-only) OLS, logistic and Poisson regressions with sandwich standard errors.

The baselines the prediction-powered regressions must beat, computed by the same M-estimation
code with ``lambda = 0`` (see ``_mestimation``). Add a column of ones for an intercept.
"""

from __future__ import annotations

from ._checks import check_confidence_level
from ._mestimation import GLMData, fit_rectified
from ._regression_inputs import labeled_part, to_result
from ._regression_result import RegressionResult

__all__ = ["classical_logistic", "classical_ols", "classical_poisson"]


def _classical(model, X, y, sample_weight, confidence_level, feature_names) -> RegressionResult:
    level = check_confidence_level(confidence_level)
    Xl, Y, w, names = labeled_part(model, X, y, sample_weight, feature_names)
    fit = fit_rectified(model, GLMData(Xl, Y, Y, Xl, Y, w, w), 0.0)
    return to_result(
        fit, model=model, method="classical", n=len(Y), N=0, names=names, confidence_level=level
    )


def classical_ols(
    X, y, *, sample_weight=None, confidence_level: float = 0.95, feature_names=None
) -> RegressionResult:
    """Least-squares coefficients with sandwich (heteroskedasticity-robust) standard errors.

    Parameters
    ----------
    X : array-like of shape (n, p)
        Covariates of the labelled rows (add a column of ones for an intercept).
    y : array-like of shape (n,)
        Human labels.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights (weighted least squares), normalised to mean one.
    confidence_level : float, default=0.95
        Nominal coverage of each interval, in (0, 1).
    feature_names : sequence of str, optional
        Coefficient names; default: the columns of a DataFrame ``X``, else ``x0, x1, ...``.

    Returns
    -------
    RegressionResult
        With ``method="classical"``, ``lambda_=0`` and ``effective_sample_size == n``.

    Notes
    -----
    The covariance is ``H^-1 Cov1(w x (x'theta - y)) H^-1 / n`` with ``H = mean(w x x')``:
    ppi_py's ``ppi_ols_ci(lam=0)``; ppi_py's ``classical_ols_ci`` (statsmodels HC0) divides by
    ``n`` instead of ``n - 1``, so its standard errors are ``sqrt((n - 1) / n)`` times these.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_ols
    >>> X = np.column_stack([np.ones(6), np.arange(6.0)])
    >>> result = classical_ols(X, [0.1, 1.2, 1.9, 3.2, 3.9, 5.1], feature_names=["const", "x"])
    >>> result.coefficients.round(3).tolist()
    [0.11, 0.983]
    """
    return _classical("ols", X, y, sample_weight, confidence_level, feature_names)


def classical_logistic(
    X, y, *, sample_weight=None, confidence_level: float = 0.95, feature_names=None
) -> RegressionResult:
    """Logistic-regression coefficients (unpenalised) with sandwich standard errors.

    Parameters are those of :func:`classical_ols`; ``y`` must be binary (0 or 1).

    Returns
    -------
    RegressionResult
        Equal to ppi_py's ``classical_logistic_ci`` (which has no weights).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_logistic
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(200), rng.normal(size=200)])
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-X @ [0.5, 1.0]))).astype(int)
    >>> bool(classical_logistic(X, y).p_values[1] < 0.05)
    True
    """
    return _classical("logistic", X, y, sample_weight, confidence_level, feature_names)


def classical_poisson(
    X, y, *, sample_weight=None, confidence_level: float = 0.95, feature_names=None
) -> RegressionResult:
    """Poisson-regression (log link) coefficients with sandwich standard errors.

    Parameters are those of :func:`classical_ols`; ``y`` must be non-negative (counts).

    Returns
    -------
    RegressionResult
        Equal to ppi_py's ``classical_poisson_ci`` (which has no weights).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_poisson
    >>> X = np.ones((4, 1))
    >>> float(np.exp(classical_poisson(X, [1, 2, 3, 2]).coefficients[0]))  # the mean count
    2.0
    """
    return _classical("poisson", X, y, sample_weight, confidence_level, feature_names)
