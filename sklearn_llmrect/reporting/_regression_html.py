"""The HTML page of a rectified regression's report (from
:func:`~sklearn_llmrect.reporting.regression_report`): the coefficient table, the flags, a forest
plot of the classical and rectified interval per coefficient, the split, the surrogate's
candidates and residuals, and the table as text."""

from __future__ import annotations

import html

from . import _plots
from ._html_parts import (
    _flags_box,
    _image,
    _table,
    page_head,
    page_tail,
    split_section,
    surrogate_section,
)
from ._regression import format_regression
from ._summary import _num

__all__ = ["regression_page"]


def _ess(value) -> str:
    return "" if value is None else f"{value:,.0f}"


def _ratio(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _coefficient_table(report: dict) -> str:
    level = f"{100 * report['confidence_level']:g}%"
    rows = []
    for r in report["coefficients"]:
        widths = r["classical_width"], r["rectified_width"]
        mark = " (! wider than classical)" if r["wider_than_classical"] else ""
        rows.append(
            [
                r["coefficient"] + mark,
                _num(r["classical_estimate"]),
                f"[{_num(r['classical_lower'])}, {_num(r['classical_upper'])}]",
                _ess(r["classical_ess"]),
                _num(r["rectified_estimate"]),
                f"[{_num(r['rectified_lower'])}, {_num(r['rectified_upper'])}]",
                _ess(r["rectified_ess"]),
                _ratio(r["rectified_ess_ratio"]),
                _ratio(widths[1] / widths[0]) if None not in widths and widths[0] else "",
            ]
        )
    header = [
        "coefficient",
        "classical",
        f"{level} interval",
        "ESS",
        "rectified",
        f"{level} interval",
        "ESS",
        "ESS / n",
        "width / classical",
    ]
    return _table(header, rows)


def _design_line(report: dict) -> str:
    design = report.get("design")
    how = (
        f"design <b>{html.escape(design['chosen'])}</b> ({html.escape(design['pilot'])})"
        if design
        else f"<b>{html.escape(report['split']['label'])}</b>"
    )
    return (
        f"<p>{html.escape(report['estimand'])} of the label on "
        f"{html.escape(', '.join(report['covariates']))}: {report['n_labeled']:,} labelled rows, "
        f"{report['n_unlabeled']:,} unlabelled; {how}; lambda {report['lambda']:.3g}. "
        "<span class='muted'>ESS: the labels a classical regression would need for the same "
        f"standard error; n = {report['n_labeled']:,} labels used (the classical ESS).</span></p>"
    )


def regression_page(report: dict) -> list[str]:
    """The page of a regression report, as the lines of one HTML string.

    Parameters
    ----------
    report : dict
        From :func:`~sklearn_llmrect.reporting.regression_report`.

    Returns
    -------
    list of str
    """
    parts = page_head(report)
    parts += [
        "<h2>Coefficients</h2>",
        _coefficient_table(report),
        _design_line(report),
        _flags_box(report.get("flags") or []),
        _image(_plots.coefficient_forest_plot(report), "coefficient forest plot", ""),
    ]
    parts += split_section(report)
    parts += surrogate_section(report)
    parts += [
        "<h2>Residuals of the surrogate (rectification rows)</h2>",
        _image(
            _plots.residual_plot(report),
            "residuals",
            "No model was rectified, so there are no held-out residuals to show.",
        ),
    ]
    parts += page_tail(report, format_regression(report))
    return parts
