"""A self-contained HTML page (inline CSS, PNG plots as base64 data URIs) from a report dict."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
from ._regression_html import regression_page
from ._summary import _num, format_table


def render_html(report: dict) -> str:
    """The report as one HTML string with every plot inline (needs matplotlib).

    Parameters
    ----------
    report : dict
        From :func:`~sklearn_llmrect.reporting.estimate_report` (the estimates, a forest plot,
        the split, the stacked surrogate's candidates, the scaling law, the predicted standard
        error of each design, the width curve and the residuals) or
        :func:`~sklearn_llmrect.reporting.regression_report` (the coefficient table, a forest
        plot of the classical and rectified interval per coefficient, the split, the
        surrogate's candidates and its residuals).

    Returns
    -------
    str
    """
    _plots.require_matplotlib()
    if "coefficients" in report:
        return "\n".join(regression_page(report))
    level = f"{100 * report['confidence_level']:g}%"
    parts = page_head(report)
    classes = any(r["class"] is not None for r in report["estimates"])
    rows = [
        [r["label"] + (" (! wider than classical)" if r.get("wider_than_classical") else "")]
        + ([r["class"]] if classes else [])
        + [
            _num(r["estimate"]),
            f"[{_num(r['lower'])}, {_num(r['upper'])}]",
            _num(r["width"]),
            _num(r["stderr"]),
            "" if r["effective_sample_size"] is None else f"{r['effective_sample_size']:,.0f}",
            f"{r['n_labeled']:,} / {r['n_unlabeled']:,}",
        ]
        for r in report["estimates"]
    ]
    header = ["method"] + (["class"] if classes else [])
    header += [
        "estimate",
        f"{level} interval",
        "width",
        "std. error",
        "eff. sample size",
        "labels / pool",
    ]
    parts += ["<h2>Estimates</h2>", _table(header, rows, left=2 if classes else 1)]
    parts.append(_flags_box(report.get("flags") or []))
    if report.get("truth") is not None:
        truth = report["truth"]
        shown = ", ".join(map(_num, truth)) if isinstance(truth, list) else _num(truth)
        parts.append(f"<p>Known true value (shown as a black mark): <b>{shown}</b></p>")
    parts.append(_image(_plots.forest_plot(report), "forest plot", ""))
    parts += split_section(report)
    parts += surrogate_section(report)
    parts += [
        "<h2>Scaling law</h2>",
        _image(
            _plots.scaling_law_plot(report),
            "scaling law",
            "No scaling law: the split or the design was given (allocation or method), so "
            "none was fitted.",
        ),
        "<h2>Predicted standard error of each design</h2>",
        _image(
            _plots.design_plot(report),
            "design",
            "No design was compared: the split or the design was given.",
        ),
        "<h2>Interval width against the fine-tuning share</h2>",
        _image(
            _plots.width_plot(report),
            "width against share",
            "Needs the scaling law of a ramp-up pilot (allocation='ramp-up', or 'auto' with an "
            "estimator that is expensive to fit, such as LLMRegressor).",
        ),
        "<h2>Residuals of the fine-tuned model (rectification rows)</h2>",
        _image(
            _plots.residual_plot(report),
            "residuals",
            "No fine-tuned model was rectified, so there are no held-out residuals to show.",
        ),
    ]
    parts += page_tail(report, format_table(report))
    return "\n".join(parts)


def _atomic_write(path, text: str) -> None:
    path = Path(os.fspath(path))
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_html(report: dict, path) -> None:
    """Write :func:`render_html` to ``path``."""
    _atomic_write(path, render_html(report))


def write_json(report: dict, path) -> None:
    """Write the report dict as indented JSON to ``path``."""
    _atomic_write(path, json.dumps(report, indent=2, allow_nan=False) + "\n")
