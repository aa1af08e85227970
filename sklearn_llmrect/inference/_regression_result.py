"""Result of a (prediction-powered) regression or quantile estimate: one row per coefficient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ._result import _METHOD_NAMES, wald_interval

__all__ = ["RegressionResult"]

_NAMES = {**_METHOD_NAMES, "cross-ppi++": "Cross-PPI++"}
_MODEL_NAMES = {
    "ols": "OLS regression",
    "logistic": "logistic regression",
    "poisson": "Poisson regression",
    "quantile": "quantile",
}


def _readonly(values, dtype=float) -> np.ndarray:
    arr = np.array(values, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """Coefficients with standard errors, confidence intervals, p-values and effective sizes.

    Returned by the classical, PPI, PPI++ and cross-PPI regressions (:func:`ppi_ols`,
    :func:`ppi_logistic`, :func:`ppi_poisson`, ...) and quantiles (:func:`ppi_quantile`, ...),
    one row per coefficient (or per quantile level).

    Attributes
    ----------
    coefficients : ndarray of shape (p,)
        Point estimates.
    standard_errors : ndarray of shape (p,)
        Estimated standard errors (plug-in sandwich; for quantiles, the half-width of the interval
        divided by the normal quantile).
    confidence_interval : ndarray of shape (p, 2)
        Two-sided intervals: lower bounds in column 0, upper bounds in column 1.
    p_values : ndarray of shape (p,)
        Two-sided p-values of the tests ``coefficient == 0``: Wald tests for regressions; for
        quantiles the (rectified) CDF test at 0 that the interval inverts, so the ``z`` column
        of :meth:`summary` (``coef / std err``) is only indicative there.
    lambda_ : float
        Power-tuning parameter: 0 for classical, 1 for PPI and cross-PPI, tuned for PPI++.
    n_labeled, n_unlabeled : int
        Number of labelled rows (with a human label) and of unlabelled rows (predictions only).
    effective_sample_size : ndarray of shape (p,)
        Number of labels the classical estimator would need for the same variance,
        ``n_labeled * classical variance / variance``, both estimated on the same data.
    feature_names : tuple of str
        Name of each coefficient.
    method : {"classical", "ppi", "ppi++", "cross-ppi", "cross-ppi++"}
        Estimator that produced the result.
    confidence_level : float
        Nominal coverage of each interval (not simultaneous over coefficients).
    model : {"ols", "logistic", "poisson", "quantile"}
        What was estimated.
    covariance : ndarray of shape (p, p) or None
        Estimated covariance matrix of the coefficients (None for quantiles).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_ols
    >>> rng = np.random.default_rng(0)
    >>> X, X_unl = rng.normal(size=(100, 2)), rng.normal(size=(1000, 2))
    >>> y = X @ [1.0, -1.0] + rng.normal(size=100)
    >>> f, f_unl = X @ [0.9, -0.8], X_unl @ [0.9, -0.8]
    >>> result = ppi_ols(X, y, f, X_unl, f_unl, feature_names=["a", "b"])
    >>> result.confidence_interval.shape
    (2, 2)
    >>> list(result.coefficient_table().columns)
    ['coef', 'std err', 'z', 'P>|z|', '[0.025', '0.975]', 'ESS']
    """

    coefficients: np.ndarray
    standard_errors: np.ndarray
    confidence_interval: np.ndarray
    p_values: np.ndarray
    lambda_: float
    n_labeled: int
    n_unlabeled: int
    effective_sample_size: np.ndarray
    feature_names: tuple[str, ...]
    method: str
    confidence_level: float
    model: str = "ols"
    covariance: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("coefficients", "standard_errors", "p_values", "effective_sample_size"):
            object.__setattr__(self, name, _readonly(getattr(self, name)).reshape(-1))
        object.__setattr__(self, "confidence_interval", _readonly(self.confidence_interval))
        if self.covariance is not None:
            object.__setattr__(self, "covariance", _readonly(self.covariance))
        object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))

    @classmethod
    def from_covariance(cls, coefficients, covariance, classical_variances, **fields):
        """Build a result with Wald intervals and p-values from a covariance matrix."""
        theta = np.asarray(coefficients, dtype=float)
        var = np.clip(np.diag(covariance), 0.0, None)
        se = np.sqrt(var)
        lo, hi = wald_interval(theta, se, fields["confidence_level"], "two-sided")
        p_values = 2.0 * ndtr(-np.abs(theta) / np.maximum(se, 1e-16))
        ess = effective_sizes(fields["n_labeled"], classical_variances, var)
        return cls(
            coefficients=theta,
            standard_errors=se,
            confidence_interval=np.column_stack([lo, hi]),
            p_values=p_values,
            effective_sample_size=ess,
            covariance=covariance,
            **fields,
        )

    @property
    def z_values(self) -> np.ndarray:
        """``coefficients / standard_errors``."""
        return self.coefficients / np.maximum(self.standard_errors, 1e-300)

    def _columns(self) -> dict[str, np.ndarray]:
        alpha = 1.0 - self.confidence_level
        return {
            "coef": self.coefficients,
            "std err": self.standard_errors,
            "z": self.z_values,
            "P>|z|": self.p_values,
            f"[{alpha / 2:.3g}": self.confidence_interval[:, 0],
            f"{1 - alpha / 2:.3g}]": self.confidence_interval[:, 1],
            "ESS": self.effective_sample_size,
        }

    def coefficient_table(self):
        """One row per coefficient: coef, std err, z, P>|z|, interval bounds and ESS.

        Returns
        -------
        pandas.DataFrame or dict
            A DataFrame indexed by ``feature_names`` if pandas is installed, else a dict of
            column name to array, with the names under ``"feature"``.
        """
        columns = self._columns()
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is a dev dependency
            return {"feature": np.array(self.feature_names), **columns}
        return pd.DataFrame(columns, index=pd.Index(self.feature_names, name="feature"))

    def summary(self) -> str:
        """A statsmodels-style text table of the coefficients."""
        name = _NAMES.get(self.method, self.method)
        title = f"{name} {_MODEL_NAMES.get(self.model, self.model)} results"
        columns = self._columns()
        width_name = max([8, *(len(f) for f in self.feature_names)])
        width = width_name + 11 * len(columns)
        left = [
            ("Labelled rows:", f"{self.n_labeled:,}"),
            ("Unlabelled rows:", f"{self.n_unlabeled:,}"),
        ]
        right = [("Method:", name), ("lambda:", f"{self.lambda_:.4g}")]
        lines = [title.center(width).rstrip(), "=" * width]
        half = width // 2
        for (lk, lv), (rk, rv) in zip(left, right, strict=True):
            lines.append(f"{lk:<18}{lv:>{half - 20}}  {rk:<12}{rv:>{width - half - 12}}")
        lines.append(
            f"Confidence level: {100 * self.confidence_level:g}% (two-sided, per coefficient)"
        )
        lines.append("=" * width)
        lines.append(" " * width_name + "".join(f"{key:>11}" for key in columns))
        lines.append("-" * width)
        for j, feature in enumerate(self.feature_names):
            cells = [f"{columns[key][j]:>11.4f}" for key in list(columns)[:-1]]
            cells.append(f"{columns['ESS'][j]:>11.1f}")
            lines.append(f"{feature:<{width_name}}" + "".join(cells))
        lines.append("=" * width)
        lines.append("ESS: labels the classical estimator would need for the same variance.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def effective_sizes(n: int, classical_var, var) -> np.ndarray:
    """``n * (classical_var / var)``: ``n`` where both are zero, infinite where only ``var`` is."""
    classical_var = np.clip(np.asarray(classical_var, dtype=float), 0.0, None)
    var = np.asarray(var, dtype=float)
    out = np.full(var.shape, float(n))
    ok = var > 0
    out[ok] = n * (classical_var[ok] / var[ok])
    out[~ok & (classical_var > 0)] = np.inf
    return out
