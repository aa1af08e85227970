"""Pieces of the self-contained HTML pages of the reports: the inline CSS, tables, inline PNG
images, the flags box, the page head and tail, and the stacked surrogate's candidates."""

from __future__ import annotations

import base64
import html

from ._summary import _num

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


def page_head(report: dict) -> list[str]:
    """The page's head, title and the line of version, date, task and confidence level."""
    level = f"{100 * report['confidence_level']:g}%"
    return [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(report['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(report['title'])}</h1>",
        f"<p class='muted'>sklearn-llmrect {html.escape(str(report['version']))}, "
        f"{html.escape(report['created'])}; {report['task']}, {level} intervals.</p>",
    ]


def surrogate_section(report: dict) -> list[str]:
    """The stacked surrogate's candidates: out-of-fold residual variance and stacking weight
    (nothing when the estimator is not a stacked surrogate)."""
    surrogate = report.get("surrogate")
    if not surrogate:
        return []
    rows = [
        [
            name + (" (largest weight)" if name == surrogate.get("chosen") else ""),
            _num(entry["oof_residual_variance"]),
            f"{entry['weight']:.3f}",
        ]
        for name, entry in surrogate["candidates"].items()
    ]
    return [
        "<h2>The surrogate's candidates</h2>",
        "<p class='muted'>Each candidate feature set's ridge head, scored out of fold; the "
        "stacking weights combine them (means over the fold models when cross-fitted).</p>",
        _table(["candidate", "out-of-fold residual variance", "stacking weight"], rows),
    ]


def page_tail(report: dict, text: str) -> list[str]:
    """The notes, what was run, the report as text, and the end of the page."""
    parts = []
    if report.get("notes"):
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in report["notes"]]
        parts.append("</ul>")
    if report.get("context"):
        parts.append("<h2>What was run</h2>")
        parts.append(
            _table(["setting", "value"], [[k, v] for k, v in report["context"].items()], left=2)
        )
    parts.append("<h2>As text</h2><pre>" + html.escape(text) + "</pre>")
    parts.append("</body></html>")
    return parts


def split_section(report: dict) -> list[str]:
    """How the labels were split (the counts and why), and the ramp-up stages if any."""
    split = report["split"]
    parts = [
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
    return parts
