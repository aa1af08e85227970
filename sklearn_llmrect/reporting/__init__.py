"""Reports of a fine-tune-then-rectify run: a JSON-ready dict, a text table and a self-contained
HTML page with inline PNG plots.

Functions
---------
estimate_report
    The numbers: estimates with intervals, the split and why, the ramp-up stages, the scaling
    law, the interval width against the fine-tuning share, the residuals of the fine-tuned model.
format_table
    The estimates as the plain-text table ``llmrect estimate`` prints.
report_flags
    What a reader must know (part of every report): an interval wider than the classical one
    and why that method was or was not the estimate, a fallback to the classical estimate, and
    fewer than 30 labels for the nominal coverage.
regression_report, format_regression
    The same for a rectified regression on covariates (``estimand="ols"``, ``"logistic"`` or
    ``"poisson"``): the classical and rectified coefficients side by side, with interval, ESS
    and ESS per label, the design, ``lambda``, the surrogate's candidates and flags
    (:func:`coefficient_flags`: a rectified interval wider than the classical one).
render_html, write_html
    The HTML page: a forest plot of the estimates, the scaling-law fit over the measured ramp-up
    points, the width curve with the chosen split marked, the stacked surrogate's candidates and
    the residuals (needs matplotlib, the ``plot`` extra); for a regression report the
    coefficient table and a forest plot of both intervals per coefficient.
write_json
    The same numbers as JSON.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import Ridge
>>> from sklearn_llmrect.rectify import RectifiedRegressor
>>> from sklearn_llmrect.reporting import estimate_report, format_table
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(1500, 3)); y = X @ [1.0, 0.5, 0.0] + rng.normal(size=1500)
>>> y[300:] = np.nan
>>> model = RectifiedRegressor(Ridge(), allocation="ramp-up", random_state=0).fit(X, y)
>>> report = estimate_report(model, y)
>>> print(format_table(report).splitlines()[0].split()[:3])
['method', 'estimate', '95%']
>>> report["split"]["reason"].startswith("ramp-up pilot")
True

References
----------
.. [1] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with limited
   human data: fine-tuning then rectification", arXiv:2511.19486, 2025.
.. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
   inference", arXiv:2311.01453, 2023.
"""

from ._flags import coefficient_flags, report_flags
from ._html import render_html, write_html, write_json
from ._plots import require_matplotlib
from ._regression import classical_regression, format_regression, regression_report
from ._summary import estimate_report, format_table, method_label, split_reason

__all__ = [
    "classical_regression",
    "coefficient_flags",
    "estimate_report",
    "format_regression",
    "format_table",
    "method_label",
    "regression_report",
    "render_html",
    "report_flags",
    "require_matplotlib",
    "split_reason",
    "write_html",
    "write_json",
]
