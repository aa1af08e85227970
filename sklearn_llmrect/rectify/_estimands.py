"""What a rectified meta-estimator estimates: the mean (class shares), a regression of the label on
covariates (OLS, logistic, Poisson) or a quantile of the label.

The meta-estimators fit and cross-fit their model exactly as for the mean; only the last step
differs. For a regression the labels and predictions of the rectification rows, the predictions
of the unlabelled rows and the covariate design of both go to the PPI / PPI++ regression
(:func:`~sklearn_llmrect.inference.ppi_ols`, ...), or, after cross-fitting, to the cross-PPI one
(:func:`~sklearn_llmrect.inference.crossfit_ppi_ols`, ...); with no unlabelled row (or when the
ramp-up falls back) to the classical one. This module checks the parameters, prepares the design
in ``fit`` and makes those calls.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..inference import (
    classical_logistic,
    classical_ols,
    classical_poisson,
    classical_quantile,
    crossfit_ppi_logistic,
    crossfit_ppi_ols,
    crossfit_ppi_poisson,
    crossfit_ppi_quantile,
    ppi_logistic,
    ppi_ols,
    ppi_poisson,
    ppi_quantile,
)
from ._covariates import CovariateEncoder, check_columns, check_identified, estimator_input

__all__ = [
    "ESTIMANDS",
    "REGRESSIONS",
    "check_estimand",
    "estimand_result",
    "prepare",
    "store",
    "surrogate_input",
]

ESTIMANDS = ("mean", "ols", "logistic", "poisson", "quantile")
REGRESSIONS = ("ols", "logistic", "poisson")
FUNCTIONS = {  # estimand -> (classical, PPI / PPI++, cross-PPI)
    "ols": (classical_ols, ppi_ols, crossfit_ppi_ols),
    "logistic": (classical_logistic, ppi_logistic, crossfit_ppi_logistic),
    "poisson": (classical_poisson, ppi_poisson, crossfit_ppi_poisson),
}


def covariate_list(covariates) -> list:
    """``covariates`` as a list of column names (a single name is one column)."""
    if covariates is None:
        return []
    if isinstance(covariates, str):
        return [covariates]
    try:
        columns = list(covariates)
    except TypeError:
        raise ValueError(
            f"covariates must be None or a list of DataFrame column names, got {covariates!r}."
        ) from None
    if not columns:
        raise ValueError("covariates must name at least one column, or be None.")
    if len(set(columns)) != len(columns):
        duplicated = sorted({str(c) for c in columns if columns.count(c) > 1})
        raise ValueError(f"covariates names column(s) {duplicated} more than once.")
    return columns


def check_estimand(est, X, supported) -> list:
    """Validate ``estimand``, ``quantile``, ``covariates``, ``fit_intercept`` and
    ``covariates_to_estimator`` of ``est`` against ``X``; return the covariate columns."""
    estimand = est.estimand
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {list(ESTIMANDS)}, got {estimand!r}.")
    if estimand not in supported:
        raise ValueError(
            f"{type(est).__name__} does not estimate estimand={estimand!r}; it supports "
            f"{list(supported)}. Use RectifiedRegressor with numeric labels for "
            f"{[e for e in ESTIMANDS if e not in supported]}."
        )
    q = est.quantile
    if isinstance(q, bool) or not isinstance(q, numbers.Real) or not 0.0 < q < 1.0:
        raise ValueError(
            f"quantile must be a float strictly between 0 and 1 (0.5 is the median), got {q!r}."
        )
    for name in ("fit_intercept", "covariates_to_estimator"):
        if not isinstance(getattr(est, name), (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {getattr(est, name)!r}.")
    columns = covariate_list(est.covariates)
    if estimand in REGRESSIONS and not columns:
        raise ValueError(
            f"estimand={estimand!r} regresses the label on covariates: pass covariates=[...], "
            "the DataFrame columns of X that hold them (or use estimand='mean')."
        )
    if estimand in ("mean", "quantile") and columns:
        what = "class shares" if estimand == "mean" and est._is_classification else estimand
        raise ValueError(
            f"covariates={columns!r} are used only by a regression (estimand='ols', 'logistic' "
            f"or 'poisson'); estimand={estimand!r} estimates the {what} of the label over all "
            "rows. Pass covariates=None, or a regression estimand."
        )
    if columns:
        check_columns(X, columns)
    return columns


def prepare(est, X, y, labeled_idx, unlabeled_idx):
    """In ``fit``: check the labels for the estimand, build the covariate design and return what
    the estimator sees (``X`` without the covariate columns unless ``covariates_to_estimator``)."""
    columns = check_estimand(est, X, est._estimands)
    for name in ("coefficient_names_", "covariate_encoder_", "_positive_class"):
        est.__dict__.pop(name, None)  # left by an earlier fit with other parameters
    if est.estimand == "mean":
        return X
    est._unlabeled_rows, est._design = unlabeled_idx, None
    est._check_estimand_labels(y[labeled_idx])
    if est.estimand == "quantile":
        est.coefficient_names_ = (f"q={est.quantile:g}",)
        return X
    encoder = CovariateEncoder(columns, fit_intercept=bool(est.fit_intercept)).fit(X)
    est.covariate_encoder_ = encoder
    est.coefficient_names_ = encoder.feature_names_out_
    est._design = encoder.transform(X)
    return estimator_input(X, columns, bool(est.covariates_to_estimator))


def surrogate_input(est, X):
    """What the fitted estimator predicts from: ``X`` less the covariates of a regression."""
    if est.estimand not in REGRESSIONS or est.covariates is None:
        return X
    return estimator_input(X, covariate_list(est.covariates), bool(est.covariates_to_estimator))


def estimand_result(est, kind: str, y, f, f_unlabeled, method=None):
    """The estimand's result from the rectification rows (``est.rectify_indices_``): their labels
    ``y`` and predictions ``f``, and the predictions ``f_unlabeled`` of the unlabelled rows.

    ``kind`` is ``"ppi"`` (split), ``"cross"`` (``f`` out-of-fold, ``f_unlabeled`` one column per
    fold model) or ``"classical"`` (``f`` and ``f_unlabeled`` unused).
    """
    level = est.confidence_level
    y = est._estimand_labels(y)
    if kind != "classical":
        f, f_unlabeled = est._estimand_predictions(f), est._estimand_predictions(f_unlabeled)
    if est.estimand == "quantile":
        q = est.quantile
        if kind == "classical":
            return classical_quantile(y, q, confidence_level=level)
        if kind == "cross":
            return crossfit_ppi_quantile(
                y, f, f_unlabeled, q, method=method, confidence_level=level
            )
        return ppi_quantile(y, f, f_unlabeled, q, method=method, confidence_level=level)
    classical, ppi, cross = FUNCTIONS[est.estimand]
    names = est.coefficient_names_
    W = est._design[est.rectify_indices_]
    what = "labelled rows" if kind == "classical" else f"{kind}-rectification labels"
    check_identified(W, names, what)
    if kind == "classical":
        return classical(W, y, confidence_level=level, feature_names=names)
    W_u = est._design[est._unlabeled_rows]
    function = cross if kind == "cross" else ppi
    return function(
        W, y, f, W_u, f_unlabeled, method=method, confidence_level=level, feature_names=names
    )


def store(est):
    """``estimate_``, ``stderr_``, ``confidence_interval_``, ``lambda_`` and
    ``effective_sample_size_`` from a regression or quantile ``result_``."""
    result = est.result_
    if est.design_ is not None:
        est.design_.realised_stderr = None  # the prediction was for the mean's interval
    if est.estimand == "quantile":  # one number, as for the mean
        est.estimate_ = float(result.coefficients[0])
        est.stderr_ = float(result.standard_errors[0])
        est.confidence_interval_ = tuple(float(b) for b in result.confidence_interval[0])
        est.effective_sample_size_ = float(result.effective_sample_size[0])
    else:
        est.estimate_ = np.asarray(result.coefficients)
        est.stderr_ = np.asarray(result.standard_errors)
        est.confidence_interval_ = np.asarray(result.confidence_interval)
        est.effective_sample_size_ = np.asarray(result.effective_sample_size)
    est.lambda_ = float(result.lambda_)
    for name in ("_design", "_unlabeled_rows"):  # row-sized helpers of fit only
        est.__dict__.pop(name, None)
    return est
