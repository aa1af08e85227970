"""A self-contained HTML page (inline CSS, PNG plots as base64 data URIs) from a report dict."""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path

from . import _plots
from ._summary import _num, format_table

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.8em;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right;
         white-space: nowrap; } td.l { white-space: normal; }
th { background: #f4f6f8; } td.l, th.l { text-align: left; }
.muted { color: #666; font-size: 0.88em; } .reason { background: #f7f9fc; padding: 0.6em 0.9em;
         border-left: 3px solid #4c72b0; } img { max-width: 100%; }
pre { white-space: pre-wrap; font-size: 0.85em; }
.box { background: #fff8e6; border-left: 3px solid #dd8452; padding: 0.5em 0.9em; }
"""


def _table(header: list[str], rows: list[list], left: int = 1) -> str:
    cells = "".join(
        f"<th class='l'>{html.escape(h)}</th>" if i < left else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        tds = "".join(
            f"<td class='l'>{html.escape(str(v))}</td>"
            if i < left
            else f"<td>{html.escape(str(v))}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{tds}</tr>")
    return f"<table><tr>{cells}</tr>{''.join(body)}</table>"


def _image(png: bytes | None, alt: str, missing: str) -> str:
    if png is None:
        return f"<p class='muted'>{html.escape(missing)}</p>"
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _flags_box(flags: list[dict]) -> str:
    """What a reader must know (wider intervals, fallbacks, coverage), above everything else."""
    if not flags:
        return ""
    items = "".join(
        f"<li><b>{html.escape(_FLAG_TITLES.get(f['kind'], f['kind']))}</b>: "
        f"{html.escape(f['message'])}</li>"
        for f in flags
    )
    return f"<div class='box flags'><b>Read this first</b><ul>{items}</ul></div>"


_FLAG_TITLES = {
    "wider": "wider than classical",
    "fallback": "fallback",
    "coverage": "coverage",
}


def render_html(report: dict) -> str:
    """The report as one HTML string with every plot inline (needs matplotlib).

    Parameters
    ----------
    report : dict
        From :func:`~sklearn_llmrect.reporting.estimate_report`.

    Returns
    -------
    str
    """
    _plots.require_matplotlib()
    level = f"{100 * report['confidence_level']:g}%"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(report['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(report['title'])}</h1>",
        f"<p class='muted'>sklearn-llmrect {html.escape(str(report['version']))}, "
        f"{html.escape(report['created'])}; {report['task']}, {level} intervals.</p>",
    ]
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
    split = report["split"]
    parts += [
        "<h2>How the labels were split</h2>",
        _table(
            ["labels", "used", "fine-tune", "validation", "rectify", "unlabelled pool"],
            [
                [
                    f"{split['n_labeled']:,}",
                    f"{split['n_labeled_used']:,}",
                    f"{split['n_finetune']:,}",
                    f"{split['n_validation']:,}",
                    f"{split['n_rectify']:,}",
                    f"{split['n_unlabeled']:,}",
                ]
            ],
            left=0,
        ),
        f"<p class='reason'>{html.escape(split['reason'])}</p>",
    ]
    ramp = report.get("ramp_up")
    if ramp:
        ramp_rows = [
            [size, _num(var), "" if s is None else s]
            for size, var, s in zip(
                ramp["sizes"], ramp["residual_variances"], ramp["optimal_sizes"], strict=True
            )
        ]
        parts.append(
            _table(
                [
                    "fine-tuning labels s",
                    "validation residual variance",
                    "estimated s* after this stage",
                ],
                ramp_rows,
                left=0,
            )
        )
    parts += [
        "<h2>Scaling law over the ramp-up stages</h2>",
        _image(
            _plots.scaling_law_plot(report),
            "scaling law",
            "No scaling law: the split was given (allocation) or cross-fitted, so there was "
            "no ramp-up pilot.",
        ),
        "<h2>Interval width against the fine-tuning share</h2>",
        _image(
            _plots.width_plot(report),
            "width against share",
            "Needs the scaling law of a ramp-up pilot (allocation='auto').",
        ),
        "<h2>Residuals of the fine-tuned model (rectification rows)</h2>",
        _image(
            _plots.residual_plot(report),
            "residuals",
            "No fine-tuned model was rectified, so there are no held-out residuals to show.",
        ),
    ]
    if report.get("notes"):
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in report["notes"]]
        parts.append("</ul>")
    if report.get("context"):
        parts.append("<h2>What was run</h2>")
        parts.append(
            _table(["setting", "value"], [[k, v] for k, v in report["context"].items()], left=2)
        )
    parts.append("<h2>As text</h2><pre>" + html.escape(format_table(report)) + "</pre>")
    parts.append("</body></html>")
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
