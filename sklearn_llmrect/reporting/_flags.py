"""What a reader of a report must know before trusting its table: an interval wider than the
classical one from the labels alone (and why that method was not, or was, the estimate), a
fallback to the classical estimate, and too few labels for the nominal coverage.

Each flag is a dict ``{"kind", "label", "message"}`` with ``kind`` one of ``"wider"``,
``"fallback"`` and ``"coverage"``; rows of the estimates table wider than the classical interval
get ``wider_than_classical = True``. :func:`coefficient_flags` does the same for a rectified
regression, one coefficient at a time.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_COVERAGE_LABELS", "WIDER_TOLERANCE", "coefficient_flags", "report_flags"]

#: A row is flagged when its interval is wider than the classical one by more than this share.
WIDER_TOLERANCE = 0.01
#: Fewer labels than this in the final estimate: the normal-approximation interval may
#: undercover (the central limit theorem has little to work with).
MIN_COVERAGE_LABELS = 30


def _reference_widths(report: dict, rectified, y, final_label: str) -> tuple[dict, str]:
    """Classical interval width per class (None for a mean), and what it is called."""
    given = [
        row
        for row in report["estimates"]
        if row["method"] == "classical" and row["label"] != final_label
    ]
    if given:
        name = given[0]["label"]
        return {row["class"]: row["width"] for row in given if row["label"] == name}, name
    from ..inference import classical_class_shares, classical_mean

    labels = np.asarray(y, dtype=object)[rectified.labeled_indices_used_]
    level = float(rectified.confidence_level)
    if getattr(rectified, "_is_classification", False):
        classes = np.asarray(rectified.classes_).astype(str)
        shares = classical_class_shares(labels.astype(str), classes=classes, confidence_level=level)
        widths = {
            str(c): float(np.diff(r.confidence_interval)[0])
            for c, r in zip(shares.classes, shares.results, strict=True)
        }
    else:
        result = classical_mean(labels.astype(float), confidence_level=level)
        widths = {None: float(np.diff(result.confidence_interval)[0])}
    return widths, "the classical estimate from the labels alone"


def _why_final_is_wider(rectified) -> str:
    """Why the run's own estimate is not the classical one, though its interval is wider."""
    r = rectified
    ramp, design = r.ramp_up_, getattr(r, "design_", None)
    if ramp is not None and not ramp.fine_tuning_pays:
        return (
            f"it is the classical fallback, but of the {r.n_rectify_:,} labels left once the "
            f"ramp-up pilot had spent {r.n_validation_:,} on validation"
        )
    if design is not None:
        predicted = design.predicted_stderr
        chosen = predicted.get(design.chosen)
        classical = predicted.get("classical")
        text = f"the {design.pilot} chose {design.chosen}"
        if chosen is not None and classical is not None:
            text += (
                f", predicting a standard error of {chosen:.4g} against {classical:.4g} for "
                "the classical mean"
            )
        if design.realised_stderr is not None:
            text += f"; the realised one is {design.realised_stderr:.4g}: the prediction missed"
        return text
    if r.method == "cross" or r.allocation == "cross":
        return (
            f"method={r.method!r} was asked for; cross-fitting is not compared with the "
            "classical estimate. allocation='auto' compares the designs first"
        )
    if r.n_finetune_ == 0:
        return (
            "its predictions barely track the labels (PPI++ can then be slightly wider than "
            "classical, from estimating its weight)"
        )
    return (
        f"allocation={r.allocation!r} was given, so no design was compared with the classical "
        f"estimate: {r.n_finetune_:,} labels fine-tuned and {r.n_rectify_:,} rectify. "
        "allocation='auto' chooses the split by the interval it predicts"
    )


def _wider_flags(report: dict, rectified, y, final_label: str) -> list[dict]:
    reference, name = _reference_widths(report, rectified, y, final_label)
    flags, seen = [], {}
    for row in report["estimates"]:
        base = reference.get(row["class"])
        wider = bool(
            row["label"] != name
            and base is not None
            and row["width"] is not None
            and np.isfinite(row["width"])
            and row["width"] > base * (1 + WIDER_TOLERANCE)
        )
        row["wider_than_classical"] = wider
        if wider:
            seen.setdefault(row["label"], []).append((row, base))
    for label, rows in seen.items():
        row, base = max(rows, key=lambda pair: pair[0]["width"] / pair[1])
        where = f" for class {row['class']!r}" if row["class"] is not None else ""
        if label == final_label:
            reason = "it is the run's estimate because " + _why_final_is_wider(rectified)
        else:
            reason = "it was not chosen as the estimate: shown for comparison only"
        flags.append(
            {
                "kind": "wider",
                "label": label,
                "message": (
                    f"{label}: its interval{where} is wider than that of {name} "
                    f"({row['width']:.4g} against {base:.4g}); {reason}."
                ),
            }
        )
    return flags


def _fallback_flags(rectified, final_label: str) -> list[dict]:
    r = rectified
    if r.n_unlabeled_ == 0:
        message = (
            "fallback: y has no unlabelled rows, so nothing was rectified and the estimate is "
            f"the classical one from the {r.n_rectify_:,} labels."
        )
    elif r.ramp_up_ is not None and not r.ramp_up_.fine_tuning_pays:
        message = (
            "fallback to the classical estimate: the ramp-up pilot predicted that no "
            f"fine-tuning share beats the labels alone, so the model was not used and the "
            f"estimate is the classical one from the {r.n_rectify_:,} labels outside the "
            f"{r.n_validation_:,} validation labels."
        )
    elif r.result_.method == "classical":
        message = f"fallback: the estimate is the classical one from {r.n_rectify_:,} labels."
    else:
        return []
    return [{"kind": "fallback", "label": final_label, "message": message}]


def _coverage_flags(rectified, y, final_label: str, level: float) -> list[dict]:
    r = rectified
    n = int(r.n_rectify_)
    flags = []
    if n < MIN_COVERAGE_LABELS:
        flags.append(
            {
                "kind": "coverage",
                "label": final_label,
                "message": (
                    f"only {n:,} labels enter the final estimate: with fewer than "
                    f"{MIN_COVERAGE_LABELS} the normal-approximation interval can cover the "
                    f"truth less often than {level:.0%}; read it as approximate, or label more "
                    "rows."
                ),
            }
        )
    if getattr(r, "_is_classification", False):
        labels = np.asarray(y, dtype=object)[r.rectify_indices_].astype(str)
        rare = [
            (str(c), int(np.sum(labels == str(c))))
            for c in np.asarray(r.classes_)
            if np.sum(labels == str(c)) < 5
        ]
        if rare and n >= MIN_COVERAGE_LABELS:
            shown = ", ".join(f"{c!r} ({k})" for c, k in rare[:5])
            flags.append(
                {
                    "kind": "coverage",
                    "label": final_label,
                    "message": (
                        f"few labels of class {shown} among the {n:,} that rectify: the "
                        "interval of such a share can undercover; read it as approximate."
                    ),
                }
            )
    return flags


def report_flags(report: dict, rectified, y) -> list[dict]:
    """The flags of a report (and ``wider_than_classical`` on its estimate rows).

    Parameters
    ----------
    report : dict
        The report being built by :func:`~sklearn_llmrect.reporting.estimate_report` (its
        ``estimates`` rows get ``wider_than_classical``).
    rectified : RectifiedRegressor or RectifiedClassifier
        The fitted meta-estimator.
    y : array-like
        The labels given to its ``fit``.

    Returns
    -------
    list of dict
        ``{"kind": "wider" | "fallback" | "coverage", "label": str, "message": str}``.
    """
    final_label = report["split"]["label"]
    return (
        _fallback_flags(rectified, final_label)
        + _wider_flags(report, rectified, y, final_label)
        + _coverage_flags(rectified, y, final_label, float(report["confidence_level"]))
    )


def _wider_coefficient_flags(report: dict, rectified) -> list[dict]:
    label = report["split"]["label"]
    wider = []
    for row in report["coefficients"]:
        base, width = row["classical_width"], row["rectified_width"]
        row["wider_than_classical"] = bool(
            base is not None
            and width is not None
            and np.isfinite(width)
            and width > base * (1 + WIDER_TOLERANCE)
        )
        if row["wider_than_classical"]:
            wider.append(row)
    if not wider:
        return []
    shown = ", ".join(
        f"{row['coefficient']} ({row['rectified_width']:.4g} against {row['classical_width']:.4g})"
        for row in wider
    )
    what = f"interval of {shown} is" if len(wider) == 1 else f"intervals of {shown} are"
    design = getattr(rectified, "design_", None)
    why = (
        _why_final_is_wider(rectified)
        if design is None
        else f"the {design.pilot} chose {design.chosen}"
    )
    return [
        {
            "kind": "wider",
            "label": label,
            "message": (
                f"{label}: the {what} wider than the classical regression's on the labels "
                f"alone; it is the run's estimate because {why}. PPI++ "
                f"tunes one lambda ({report['lambda']:.3g}) for the total variance of all the "
                "coefficients, so a coefficient the predictions help little can come out wider: "
                "read the classical interval for it, or label more rows."
            ),
        }
    ]


def coefficient_flags(report: dict, rectified, y) -> list[dict]:
    """The flags of a regression report (and ``wider_than_classical`` on its coefficients).

    Parameters
    ----------
    report : dict
        The report being built by :func:`~sklearn_llmrect.reporting.regression_report` (its
        ``coefficients`` rows get ``wider_than_classical``: the rectified interval is wider
        than the classical one by more than :data:`WIDER_TOLERANCE`).
    rectified : RectifiedRegressor or RectifiedClassifier
        The fitted meta-estimator, with a regression ``estimand``.
    y : array-like
        The labels given to its ``fit``.

    Returns
    -------
    list of dict
        ``{"kind": "wider" | "fallback" | "coverage", "label": str, "message": str}``, as
        :func:`report_flags` gives for a mean.
    """
    final_label = report["split"]["label"]
    return (
        _fallback_flags(rectified, final_label)
        + _wider_coefficient_flags(report, rectified)
        + _coverage_flags(rectified, y, final_label, float(report["confidence_level"]))
    )
