"""Input checks of the regressions: ``ValueError``s that name the argument, and the result."""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_float_array,
    check_lambda,
    check_min_rows,
    check_same_length,
    check_weights,
)
from ._mestimation import MFit
from ._regression_result import RegressionResult

PPI_METHODS = ("ppi++", "ppi")


def design_matrix(X, name: str) -> np.ndarray:
    """``X`` as a finite 2-D float array (a 1-D array is one column)."""
    arr = as_float_array(X, name, ndim=(1, 2))
    return arr[:, None] if arr.ndim == 1 else arr


def check_response(values: np.ndarray, name: str, model: str, *, label: bool) -> None:
    """Binary labels / probabilities in [0, 1] for logistic, non-negative values for Poisson."""
    if model == "logistic":
        if label and not np.isin(values, (0.0, 1.0)).all():
            bad = float(values[~np.isin(values, (0.0, 1.0))][0])
            raise ValueError(
                f"{name} must be binary (0 or 1) for a logistic regression, got {bad!r}."
            )
        if not label and ((values < 0) | (values > 1)).any():
            raise ValueError(
                f"{name} must lie in [0, 1] (predicted labels or probabilities), got values in "
                f"[{values.min():g}, {values.max():g}]."
            )
    elif model == "poisson" and (values < 0).any():
        raise ValueError(
            f"{name} must be non-negative for a Poisson regression, got {values.min():g}."
        )


def names_of(X, feature_names, p: int) -> tuple[str, ...]:
    """``feature_names``, else the DataFrame's column names, else ``x0, x1, ...``."""
    if feature_names is None:
        columns = getattr(X, "columns", None)
        feature_names = [str(c) for c in columns] if columns is not None else None
    if feature_names is None:
        return tuple(f"x{j}" for j in range(p))
    names = tuple(str(f) for f in feature_names)
    if len(names) != p:
        raise ValueError(f"feature_names must have one name per column ({p}), got {len(names)}.")
    return names


def labeled_part(model, X, y, sample_weight, feature_names):
    """Validated labelled design, labels, weights (mean one) and names."""
    Xl = design_matrix(X, "X_labeled")
    Y = as_float_array(y, "y_labeled")
    check_same_length(Xl, "X_labeled", Y, "y_labeled")
    check_min_rows(Y, "y_labeled", 2)
    check_response(Y, "y_labeled", model, label=True)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    names = names_of(X, feature_names, Xl.shape[1])
    return Xl, Y, np.ones(len(Y)) if w is None else w, names


def unlabeled_part(model, Xl, yhat, X_unlabeled, yhat_unlabeled, sample_weight_unlabeled):
    """Validated labelled predictions and unlabelled design, predictions and weights."""
    F = as_float_array(yhat, "yhat_labeled")
    check_same_length(Xl, "X_labeled", F, "yhat_labeled")
    Xu = design_matrix(X_unlabeled, "X_unlabeled")
    Fu = as_float_array(yhat_unlabeled, "yhat_unlabeled")
    check_same_length(Xu, "X_unlabeled", Fu, "yhat_unlabeled")
    check_min_rows(Fu, "yhat_unlabeled", 2)
    if Xu.shape[1] != Xl.shape[1]:
        raise ValueError(
            f"X_unlabeled must have the columns of X_labeled ({Xl.shape[1]}), got {Xu.shape[1]}."
        )
    check_response(F, "yhat_labeled", model, label=False)
    check_response(Fu, "yhat_unlabeled", model, label=False)
    wu = check_weights(sample_weight_unlabeled, len(Fu), "sample_weight_unlabeled")
    return F, Xu, Fu, np.ones(len(Fu)) if wu is None else wu


def ppi_lambda(method: str, lambda_) -> float | None:
    """The fixed ``lambda`` of ``method`` (None: tune it)."""
    if method not in PPI_METHODS:
        raise ValueError(f"method must be one of {PPI_METHODS}, got {method!r}.")
    if method == "ppi":
        if lambda_ is not None:
            raise ValueError("lambda_ fixes the parameter of method='ppi++'; method='ppi' has 1.")
        return 1.0
    if lambda_ is None:
        return None
    lam = check_lambda(lambda_)
    if not 0.0 <= lam <= 1.0:
        raise ValueError(
            f"lambda_ must lie in [0, 1] (the rectified loss is convex there), got {lam!r}."
        )
    return lam


def to_result(fit: MFit, *, model, method, n, N, names, confidence_level) -> RegressionResult:
    return RegressionResult.from_covariance(
        fit.theta,
        fit.covariance,
        np.diag(fit.classical_covariance),
        lambda_=fit.lambda_,
        n_labeled=n,
        n_unlabeled=N,
        feature_names=names,
        method=method,
        confidence_level=confidence_level,
        model=model,
    )
