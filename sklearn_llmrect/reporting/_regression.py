"""The report of a rectified regression (``estimand="ols"``, ``"logistic"`` or ``"poisson"``):
the classical and the rectified coefficients side by side, as a JSON-ready dict and a text table.

The HTML page of such a report is :func:`~sklearn_llmrect.reporting.render_html`'s, with a forest
plot of the two intervals per coefficient.
"""

from __future__ import annotations

import time

import numpy as np

from ._flags import coefficient_flags
from ._summary import (
    _jsonable,
    _num,
    _residuals,
    _surrogate_and_flags,
    design_summary,
    method_label,
    split_summary,
    surrogate_candidates,
)

__all__ = ["classical_regression", "format_regression", "regression_report"]

_PREFIXES = ("classical", "rectified")


def classical_regression(rectified, X, y):
    """The classical regression of the labels the fit used on their covariates.

    Parameters
    ----------
    rectified : RectifiedRegressor or RectifiedClassifier
        Fitted with ``estimand`` ``"ols"``, ``"logistic"`` or ``"poisson"``.
    X : DataFrame
        The ``X`` given to its ``fit`` (the covariate columns are read from it).
    y : array-like of shape (n_samples,)
        The ``y`` given to its ``fit``.

    Returns
    -------
    RegressionResult
        The classical estimator of the estimand (``classical_ols``, ...) on the labelled rows
        used (``labeled_indices_used_``), with the fit's coefficient names and confidence level.
    """
    from ..rectify._estimands import FUNCTIONS

    estimand = getattr(rectified, "estimand", "mean")
    if estimand not in FUNCTIONS:
        raise ValueError(
            f"a regression report needs a fit with estimand 'ols', 'logistic' or 'poisson', got "
            f"estimand={estimand!r}; estimate_report reports a mean or class shares."
        )
    used = rectified.labeled_indices_used_
    design = rectified.covariate_encoder_.transform(X)[used]
    labels = rectified._estimand_labels(np.asarray(y)[used])
    return FUNCTIONS[estimand][0](
        design,
        labels,
        confidence_level=float(rectified.confidence_level),
        feature_names=rectified.coefficient_names_,
    )


def _columns(prefix: str, result, j: int, n_labels: int) -> dict:
    lower, upper = (float(b) for b in result.confidence_interval[j])
    ess = float(result.effective_sample_size[j])
    return {
        f"{prefix}_estimate": float(result.coefficients[j]),
        f"{prefix}_stderr": float(result.standard_errors[j]),
        f"{prefix}_lower": lower,
        f"{prefix}_upper": upper,
        f"{prefix}_width": upper - lower,
        f"{prefix}_ess": ess,
        f"{prefix}_ess_ratio": ess / n_labels if n_labels else None,
    }


def regression_report(
    rectified,
    X,
    y,
    *,
    classical=None,
    title: str = "sklearn-llmrect regression",
    context: dict | None = None,
    notes: list[str] | None = None,
) -> dict:
    """Collect the numbers of a rectified regression into a JSON-ready dict.

    Parameters
    ----------
    rectified : RectifiedRegressor or RectifiedClassifier
        Fitted with ``estimand`` ``"ols"``, ``"logistic"`` or ``"poisson"`` and ``covariates``.
    X : DataFrame
        The ``X`` given to its ``fit``.
    y : array-like of shape (n_samples,)
        The ``y`` given to its ``fit``.
    classical : RegressionResult, optional
        The classical regression to compare with (default :func:`classical_regression`).
    title : str
        Title of the report.
    context : dict, optional
        What was run (data file, columns, ...): shown as a table.
    notes : list of str, optional
        Sentences shown under the results.

    Returns
    -------
    dict
        Keys ``title``, ``created``, ``version``, ``task``, ``estimand``, ``covariates``,
        ``confidence_level``, ``context``, ``n_labeled``, ``n_unlabeled``, ``lambda``,
        ``coefficients`` (one row per coefficient: ``classical_*`` and ``rectified_*``
        estimate, stderr, lower, upper, width, ESS and ESS per label used (``*_ess_ratio``),
        and ``wider_than_classical``), ``split``, ``design``, ``surrogate`` (the stacked
        surrogate's candidates, or None), ``residuals`` (the surrogate's on the rectification
        rows), ``notes`` and ``flags`` (see
        :func:`~sklearn_llmrect.reporting.coefficient_flags`); plain JSON values.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.rectify import RectifiedRegressor
    >>> from sklearn_llmrect.reporting import format_regression, regression_report
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"z": rng.normal(size=1000), "price": rng.normal(size=1000)})
    >>> y = X["z"] + 0.5 * X["price"] + rng.normal(size=1000); y[300:] = np.nan
    >>> model = RectifiedRegressor(Ridge(), estimand="ols", covariates=["price"],
    ...                            allocation=0.3, random_state=0).fit(X, y.to_numpy())
    >>> report = regression_report(model, X, y.to_numpy())
    >>> [row["coefficient"] for row in report["coefficients"]]
    ['intercept', 'price']
    >>> format_regression(report).splitlines()[0].split()[:3]
    ['coefficient', 'classical', '(95%']
    """
    from .. import __version__

    r = rectified
    classical = classical_regression(r, X, y) if classical is None else classical
    n_labels = int(r.n_labeled_used_)
    rows = [
        {
            "coefficient": str(name),
            **_columns("classical", classical, j, n_labels),
            **_columns("rectified", r.result_, j, n_labels),
        }
        for j, name in enumerate(r.coefficient_names_)
    ]
    report = {
        "title": title,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "version": __version__,
        "task": "regression",
        "estimand": r.estimand,
        "covariates": [str(c) for c in np.atleast_1d(r.covariates)],
        "confidence_level": float(r.confidence_level),
        "context": dict(context or {}),
        "n_labeled": n_labels,
        "n_unlabeled": int(r.n_unlabeled_),
        "lambda": float(r.result_.lambda_),
        "coefficients": rows,
        "split": split_summary(r, method_label(r)),
        "design": design_summary(r),
        "surrogate": surrogate_candidates(r),
        "residuals": _residuals(r, y),
        "notes": list(notes or []),
    }
    report["flags"] = coefficient_flags(report, r, y)
    return _jsonable(report)


def format_regression(report: dict) -> str:
    """The coefficients of a regression report as the plain-text table ``llmrect estimate
    --regress-on`` prints.

    Parameters
    ----------
    report : dict
        From :func:`regression_report`.

    Returns
    -------
    str
    """
    level = f"{report['confidence_level'] * 100:g}%"
    head = f"{'coefficient':<26}"
    for prefix in _PREFIXES:
        head += f"{prefix + ' (' + level + ' interval)':<34}{'ESS':>7}  "
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    for row in report["coefficients"]:
        line = f"{row['coefficient'][:25]:<26}"
        for prefix in _PREFIXES:
            cell = (
                f"{_num(row[prefix + '_estimate'])} "
                f"[{_num(row[prefix + '_lower'])}, {_num(row[prefix + '_upper'])}]"
            )
            line += f"{cell:<34}{row[prefix + '_ess']:>7.0f}  "
        line = line.rstrip()
        if row.get("wider_than_classical"):
            line += "  ! wider than classical"
        lines.append(line)
    design = report.get("design")
    how = f"design {design['chosen']}" if design else report["split"]["label"]
    lines += [
        "",
        f"{report['estimand']} of the label on {', '.join(report['covariates'])}: "
        f"{report['n_labeled']:,} labelled rows, {report['n_unlabeled']:,} unlabelled; "
        f"{how}, lambda {report['lambda']:.3g}. ESS: the labels a classical regression would "
        "need for the same standard error.",
        f"why: {report['split']['reason']}",
        *_surrogate_and_flags(report),
    ]
    return "\n".join(lines)
