"""The rows of an audit table (:class:`ErrorCategory`) and the helpers that build them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ._intervals import binomial_interval

__all__ = ["ErrorCategory", "build_category", "check_judgements", "check_taxonomy"]


@dataclass(frozen=True)
class ErrorCategory:
    """One category of teacher errors found by :class:`ErrorAudit`.

    Attributes
    ----------
    name : str
        E.g. ``"teacher=positive"``, ``"teacher=positive, human=neutral"``,
        ``"teacher in [2.5, 4)"``, ``"cluster 3"``, a taxonomy name, or ``"all"``.
    kind : str
        ``"overall"``, ``"teacher_label"``, ``"confusion"``, ``"no_answer"``,
        ``"teacher_bin"``, ``"cluster"`` or ``"taxonomy"``.
    targetable : bool
        Whether membership can be decided without a human label (so the reviser can send the
        category's unaudited rows to the editor). Confusion cells and ``"all"`` are
        descriptive only.
    n_audit, n_errors : int
        Audited rows in the category, and how many of them the teacher got wrong.
    error_rate, ci_low, ci_high : float
        ``n_errors / n_audit`` (NaN when ``n_audit`` is 0) and its binomial interval. For a
        confusion cell ``teacher=t, human=h`` the rate is the share of audited rows with
        teacher label ``t`` whose human label is ``h``.
    n_teacher : int
        Rows of the whole teacher-labelled set in the category (for a confusion cell: with
        teacher label ``t``).
    estimated_errors, estimated_errors_low, estimated_errors_high : float
        ``n_teacher * error_rate`` and the interval scaled the same way: the estimated number
        of wrong teacher labels in the category over the whole set.
    bias, bias_low, bias_high : float or None
        Numeric targets: mean of ``teacher - human`` over the category's audited rows and its
        t interval (None for classes and text).
    instruction : str
        The category-specific note given to the editor.
    example : str
        A representative text (clusters: the row nearest the centre), or "".
    """

    name: str
    kind: str
    targetable: bool
    n_audit: int
    n_errors: int
    error_rate: float
    ci_low: float
    ci_high: float
    n_teacher: int
    estimated_errors: float
    estimated_errors_low: float
    estimated_errors_high: float
    bias: float | None = None
    bias_low: float | None = None
    bias_high: float | None = None
    instruction: str = ""
    example: str = ""

    def as_dict(self) -> dict:
        """The fields as a dict."""
        return asdict(self)


def build_category(
    name, kind, targetable, errors, n_teacher, level, method, *, residuals=None, instruction=""
) -> ErrorCategory:
    """An :class:`ErrorCategory` from the 0/1 errors of its audited rows."""
    errors = np.asarray(errors, dtype=bool)
    n, k = len(errors), int(errors.sum())
    low, high = binomial_interval(k, n, level, method)
    rate = k / n if n else float("nan")
    bias = bias_low = bias_high = None
    if residuals is not None and len(residuals):
        residuals = np.asarray(residuals, dtype=float)
        bias = float(residuals.mean())
        if len(residuals) > 1:
            half = stats.t.ppf(0.5 + level / 2.0, len(residuals) - 1) * (
                residuals.std(ddof=1) / np.sqrt(len(residuals))
            )
            bias_low, bias_high = bias - float(half), bias + float(half)
    return ErrorCategory(
        name=name,
        kind=kind,
        targetable=targetable,
        n_audit=n,
        n_errors=k,
        error_rate=float(rate),
        ci_low=float(low),
        ci_high=float(high),
        n_teacher=int(n_teacher),
        estimated_errors=float(n_teacher * rate) if n else float("nan"),
        estimated_errors_low=float(n_teacher * low),
        estimated_errors_high=float(n_teacher * high),
        bias=bias,
        bias_low=bias_low,
        bias_high=bias_high,
        instruction=instruction,
    )


def check_taxonomy(taxonomy) -> dict[str, str]:
    """``taxonomy`` (a list of names or ``{name: description}``) as a dict."""
    if isinstance(taxonomy, dict):
        items = {str(k): str(v) for k, v in taxonomy.items()}
    elif isinstance(taxonomy, (list, tuple)) and all(isinstance(t, str) for t in taxonomy):
        items = {t: t for t in taxonomy}
    else:
        raise TypeError(
            "taxonomy must be a list of category names or a dict {name: description}; got "
            f"{taxonomy!r}."
        )
    if not items:
        raise ValueError("taxonomy is empty: give at least one error category.")
    return items


def check_judgements(judged, n: int, taxonomy: dict) -> list[frozenset]:
    """The judge's answer as one frozenset of taxonomy names per row, or a clear error."""
    if judged is None or len(judged) != n:
        raise ValueError(
            f"judge must return one collection of category names per row ({n}); got "
            f"{None if judged is None else len(judged)} item(s)."
        )
    out = []
    for row in judged:
        names = frozenset([row] if isinstance(row, str) else (row or ()))
        unknown = sorted(names - set(taxonomy))
        if unknown:
            raise ValueError(
                f"judge returned categories {unknown} that are not in taxonomy {sorted(taxonomy)}."
            )
        out.append(names)
    return out
