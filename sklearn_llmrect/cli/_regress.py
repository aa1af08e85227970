"""``llmrect estimate --regress-on COLUMNS``: how the label depends on covariates.

The classical regression of the human labels on the covariates, beside the rectified one of
``RectifiedRegressor(estimand=..., covariates=...)`` (the default surrogate predicts the label
from the text; the covariates enter the regression only), with an interval and an effective
sample size per coefficient.

References
----------
.. [1] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
   inference", arXiv:2311.01453, 2023.
.. [2] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", PNAS, 2024.
"""

from __future__ import annotations

import time

import numpy as np

from ._data import CLIError


def covariate_columns(text: str, frame, text_columns, path) -> list[str]:
    """The columns of ``--regress-on a,b``, checked against the table and ``--text``."""
    from ._data import check_columns

    columns = [c.strip() for c in text.split(",") if c.strip()]
    if not columns:
        raise CLIError("--regress-on: give one or more column names, separated by commas.")
    check_columns(frame, columns, path, "--regress-on")
    both = [c for c in columns if c in text_columns]
    if both:
        raise CLIError(
            f"--regress-on names {both[0]!r}, which is also a --text column: the model reads the "
            "text, the regression uses the covariates; give each column one role."
        )
    return columns


def run_regression(args, frame, X_text, y, labeled, settings, covariates, cache):
    """Fit the classical and the rectified regression; return the report dict."""
    import pandas as pd

    from ..rectify import RectifiedRegressor
    from ..rectify._estimands import FUNCTIONS
    from ._estimate import configured_rectifier, say

    estimand = args.estimand
    if settings.estimator != "default":
        raise CLIError("--regress-on runs with --estimator default only (for now).")
    X = pd.concat([X_text, frame[covariates].reset_index(drop=True)], axis=1)
    started = time.perf_counter()
    say(f"rectified {estimand} of the label on {', '.join(covariates)} ...")
    model = configured_rectifier(RectifiedRegressor, None, settings, cache)
    try:
        rectified = model.set_params(estimand=estimand, covariates=covariates).fit(X, y)
    except ValueError as error:
        raise CLIError(f"--regress-on: {error}") from None
    classical = FUNCTIONS[estimand][0]
    baseline = classical(
        rectified.covariate_encoder_.transform(X)[labeled],
        np.asarray(y, dtype=float)[labeled],
        confidence_level=settings.confidence,
        feature_names=rectified.coefficient_names_,
    )
    rows = []
    for j, name in enumerate(rectified.coefficient_names_):
        rows.append(
            {
                "coefficient": name,
                **_columns("classical", baseline, j),
                **_columns("rectified", rectified.result_, j),
            }
        )
    return {
        "estimand": estimand,
        "covariates": covariates,
        "confidence_level": settings.confidence,
        "n_labeled": int(np.sum(labeled)),
        "n_unlabeled": int(np.sum(~labeled)),
        "design": rectified.design_.chosen if rectified.design_ is not None else None,
        "lambda": float(rectified.result_.lambda_),
        "coefficients": rows,
        "seconds": time.perf_counter() - started,
    }


def _columns(prefix: str, result, j: int) -> dict:
    lower, upper = result.confidence_interval[j]
    return {
        f"{prefix}_estimate": float(result.coefficients[j]),
        f"{prefix}_lower": float(lower),
        f"{prefix}_upper": float(upper),
        f"{prefix}_ess": float(result.effective_sample_size[j]),
    }


def format_regression(report: dict) -> str:
    """The coefficient table ``llmrect estimate --regress-on`` prints."""
    level = f"{report['confidence_level'] * 100:g}%"
    head = f"{'coefficient':<26}"
    for prefix in ("classical", "rectified"):
        head += f"{prefix + ' (' + level + ' interval)':<34}{'ESS':>7}  "
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    for row in report["coefficients"]:
        line = f"{row['coefficient'][:25]:<26}"
        for prefix in ("classical", "rectified"):
            cell = (
                f"{row[prefix + '_estimate']:.4g} "
                f"[{row[prefix + '_lower']:.4g}, {row[prefix + '_upper']:.4g}]"
            )
            line += f"{cell:<34}{row[prefix + '_ess']:>7.0f}  "
        lines.append(line.rstrip())
    lines += [
        "",
        f"{report['estimand']} of the label on {', '.join(report['covariates'])}: "
        f"{report['n_labeled']:,} labelled rows, {report['n_unlabeled']:,} unlabelled; "
        f"design {report['design']}, lambda {report['lambda']:.3g}. ESS: the labels a classical "
        "regression would need for the same standard error.",
    ]
    return "\n".join(lines)
