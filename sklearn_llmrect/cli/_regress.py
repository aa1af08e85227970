"""``llmrect estimate --regress-on COLUMNS``: how the label depends on covariates.

The classical regression of the human labels on the covariates, beside the rectified one of
``RectifiedRegressor(estimand=..., covariates=...)`` (the default surrogate predicts the label
from the text; the covariates enter the regression only), with an interval and an effective
sample size per coefficient; the report itself is
:func:`~sklearn_llmrect.reporting.regression_report`'s.

References
----------
.. [1] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
   inference", arXiv:2311.01453, 2023.
.. [2] T. Zrnic, E. J. Candes, "Cross-prediction-powered inference", PNAS, 2024.
"""

from __future__ import annotations

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


def run_regression(frame, X_text, y, settings, covariates: list[str], estimand: str, cache):
    """Fit ``RectifiedRegressor(estimand=..., covariates=...)`` with the run's options.

    Returns ``(rectified, X)``: the fitted meta-estimator and the table it was fitted on (the
    ``--text`` columns and the covariates), from which the report takes the classical
    regression's design.
    """
    import pandas as pd

    from ..rectify import RectifiedRegressor
    from ._estimate import configured_rectifier, say

    if settings.estimator != "default":
        raise CLIError("--regress-on runs with --estimator default only (for now).")
    X = pd.concat([X_text, frame[covariates].reset_index(drop=True)], axis=1)
    say(f"rectified {estimand} of the label on {', '.join(covariates)} ...")
    model = configured_rectifier(RectifiedRegressor, None, settings, cache)
    try:
        rectified = model.set_params(estimand=estimand, covariates=covariates).fit(X, y)
    except ValueError as error:
        raise CLIError(f"--regress-on: {error}") from None
    return rectified, X
