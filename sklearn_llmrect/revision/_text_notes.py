"""The category-specific notes written into the editor's instruction."""

from __future__ import annotations

import numpy as np

__all__ = ["example_text", "label_note", "numeric_note"]


def _pct(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.0%}"


def example_text(rows, limit: int = 120) -> str:
    """The first row of ``rows`` as a short string ("" for numeric rows)."""
    from ..models.embeddings import as_texts

    try:
        text = as_texts(rows)[0]
    except (TypeError, ValueError):
        return ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def label_note(row, value, cells) -> str:
    """Classes: what the audit says about labels like this one."""
    if row.kind == "no_answer":
        return "The first labeller gave no answer for this text; give the correct label."
    where = (
        f"the first labeller answered {value!r}"
        if row.kind == "teacher_label"
        else f"texts like this one ({row.name})"
    )
    note = (
        f"In a human audit, {where}: wrong {_pct(row.error_rate)} of the time "
        f"({row.n_errors} of {row.n_audit}; interval {_pct(row.ci_low)}-{_pct(row.ci_high)})"
    )
    top = sorted(cells or [], key=lambda c: -c.n_errors)[:2]
    if top:
        truths = ", ".join(f"{c.name.split('human=', 1)[1]!r} ({_pct(c.error_rate)})" for c in top)
        note += f", most often when the correct label was {truths}"
    return note + ". Check the label carefully."


def numeric_note(row, tolerance: float) -> str:
    """Numbers: how far off and in which direction the teacher was in this category."""
    if row.kind == "no_answer":
        return "The first labeller gave no value for this text; give the correct value."
    note = (
        f"In a human audit, the first labeller's values for {row.name} were off by more than "
        f"{tolerance:.3g} {_pct(row.error_rate)} of the time"
    )
    if row.bias is not None and row.bias != 0:
        direction = "too high" if row.bias > 0 else "too low"
        note += f", on average {abs(row.bias):.3g} {direction}"
    return note + ". Check the value carefully."
