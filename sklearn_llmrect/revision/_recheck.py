"""The verification pass: is a revision a fix of the flagged error? (built-in detectors)."""

from __future__ import annotations

import numpy as np

from .._validation import is_missing, take_rows
from ._categories import check_judgements, check_taxonomy

__all__ = ["builtin_recheck", "same_label"]


def same_label(old, new, task: str) -> bool:
    """Whether the editor's answer equals the teacher's label (numbers: within 1e-12)."""
    if is_missing(old) or is_missing(new):
        return False
    if task == "regression":
        try:
            return abs(float(old) - float(new)) <= 1e-12
        except (TypeError, ValueError):
            return False
    return bool(old == new)


def builtin_recheck(audit, X, rows, old, new, flagged, before) -> list[str]:
    """Reasons to reject each revision ("" keeps it), from the audit's own error detector.

    * classes: the answer must be one of the audit's classes (a category-level audit has no
      per-row detector, so this is a validity check only);
    * numbers: the answer must be a finite number, and where the row's most error-prone
      flagged category has a bias whose interval excludes 0, the revision must move the value
      against that bias (a change in the direction of the bias does not fix it);
    * text: the judge, run on the revised output without a reference, must find none of the
      flagged categories and no category the teacher's output did not have (``before``:
      the audit's membership rows of the teacher's outputs, already judged).
    """
    task = audit.task_
    if task == "classification":
        known = set(audit.classes_.tolist())
        return [
            "" if not is_missing(a) and a in known else f"the answer {a!r} is not a known class"
            for a in new
        ]
    if task == "regression":
        return [
            _numeric_reason(audit, o, a, names)
            for o, a, names in zip(old, new, flagged, strict=True)
        ]
    taxonomy = check_taxonomy(audit.taxonomy)
    subset = take_rows(X, rows)
    outputs = np.asarray(new, dtype=object)
    after = check_judgements(
        audit.judge(subset, outputs, np.full(len(rows), None)), len(rows), taxonomy
    )
    reasons = []
    for j, names in enumerate(flagged):
        had = {n for n, m in zip(audit.targetable_, before[j], strict=True) if m}
        left = sorted(set(names) & after[j])
        added = sorted(after[j] - had)
        if is_missing(outputs[j]) or (isinstance(outputs[j], str) and not outputs[j].strip()):
            reasons.append("the editor returned no text")
        elif left or added:
            parts = ([f"still has {left}"] if left else []) + ([f"adds {added}"] if added else [])
            reasons.append("the judge says the revision " + " and ".join(parts))
        else:
            reasons.append("")
    return reasons


def _numeric_reason(audit, old, new, names) -> str:
    try:
        value = float(new)
    except (TypeError, ValueError):
        return f"the answer {new!r} is not a number"
    if not np.isfinite(value):
        return f"the answer {new!r} is not a finite number"
    if is_missing(old):
        return ""
    for name in names:  # most error-prone first
        row = audit.category(name)
        if row.bias is None or row.bias_low is None or row.bias_low <= 0 <= row.bias_high:
            continue
        step = value - float(old)
        if step != 0 and np.sign(step) == np.sign(row.bias):
            direction = "up" if step > 0 else "down"
            return (
                f"moves the value {direction} by {abs(step):.3g}, in the direction of the "
                f"teacher's bias in {name} ({row.bias:+.3g}), so it does not fix it"
            )
        break
    return ""
