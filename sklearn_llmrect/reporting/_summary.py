"""The numbers of a report: estimates, the split and why, the ramp-up, the scaling law, the width
curve and the residuals, as one JSON-ready dict."""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.special import ndtri

from ._flags import report_flags

_METHOD_TITLES = {"ppi++": "PPI++", "ppi": "PPI", "cross": "cross-fitted PPI"}


def _float(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _jsonable(value):
    """Numpy scalars and arrays, tuples, NaN and inf as plain JSON values (NaN/inf -> None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _rows(label: str, result) -> list[dict]:
    """One row per estimate of an ``InferenceResult`` or ``ClassSharesResult``."""
    if hasattr(result, "results"):  # class shares
        pairs = list(zip(result.classes, result.results, strict=True))
    else:
        pairs = [(None, result)]
    rows = []
    for cls, r in pairs:
        lo, hi = r.confidence_interval
        rows.append(
            {
                "label": label,
                "method": r.method,
                "class": None if cls is None else str(cls),
                "estimate": r.estimate,
                "stderr": r.stderr,
                "lower": lo,
                "upper": hi,
                "width": hi - lo,
                "lambda": r.lambda_,
                "effective_sample_size": r.effective_sample_size,
                "n_labeled": r.n_labeled,
                "n_unlabeled": r.n_unlabeled,
            }
        )
    return rows


def _is_cross(rectified) -> bool:
    design = getattr(rectified, "design_", None)
    return (
        rectified.method == "cross"
        or rectified.allocation == "cross"
        or (design is not None and design.design == "cross")
    )


def method_label(rectified) -> str:
    """A short name of what a fitted rectified meta-estimator did, e.g. ``fine-tuned + PPI++``."""
    if rectified.n_unlabeled_ == 0:
        return "classical (no unlabelled rows)"
    if _is_cross(rectified):
        return "cross-fitted PPI++" if rectified.method == "ppi++" else "cross-fitted PPI"
    if rectified.ramp_up_ is not None and not rectified.ramp_up_.fine_tuning_pays:
        return "classical (no fine-tuning gain)"
    prefix = "fine-tuned + " if rectified.n_finetune_ > 0 else "rectified "
    return prefix + _METHOD_TITLES[rectified.method]


def split_reason(rectified) -> str:
    """One or two sentences on how the labels were split between fine-tuning and rectification.

    Parameters
    ----------
    rectified : RectifiedRegressor or RectifiedClassifier
        A fitted meta-estimator.

    Returns
    -------
    str
    """
    r = rectified
    if r.n_unlabeled_ == 0:
        return "no unlabelled rows: nothing to rectify, so the classical estimate of the labels."
    if _is_cross(r):
        k = len(r.estimators_)
        design = getattr(r, "design_", None)
        why = (
            f"the {design.pilot} predicts the narrowest interval for it"
            if design is not None
            else f"method={r.method!r}, allocation={r.allocation!r}"
        )
        return (
            f"{k}-fold cross-fitting ({why}): {k} fold models, each trained on about "
            f"{r.n_rectify_ * (k - 1) // k} labels; every label rectifies the fold model "
            "that did not see it, and the pool prediction is the average of the fold models."
        )
    if r.ramp_up_ is None:
        if r.n_finetune_ == 0:
            return f"allocation={r.allocation!r}: no fine-tuning; all labels rectify."
        return (
            f"allocation={r.allocation!r} was given: {r.n_finetune_} labels fine-tune, the other "
            f"{r.n_rectify_} (a seeded random sample) rectify."
        )
    ramp = r.ramp_up_
    law = r.scaling_law_
    text = (
        f"ramp-up pilot: fine-tuned on nested sets of {', '.join(map(str, ramp.sizes))} labels, "
        f"each scored on the same {r.n_validation_} held-out labels"
    )
    if law is not None:
        text += (
            f"; the scaling law Var(Y - f_s) = {law.a_:.3g} s^-{law.alpha_:.3g} + {_small(law.b_)} "
            f"(R^2 {law.r2_:.2f}) puts the best split at s* = {ramp.optimal_sizes[-1]}"
        )
    if not ramp.fine_tuning_pays:
        return text + (
            "; no fine-tuning share is predicted to beat the classical mean, so the estimate is "
            f"the classical mean of the {r.n_rectify_} labels outside the validation set."
        )
    return text + f"; stopped at s = {r.n_finetune_} ({ramp.stop_reason})."


def split_summary(rectified, label: str) -> dict:
    """The ``split`` entry of a report: the label counts of each role, the options that chose
    them, the fit's own row name ``label`` and :func:`split_reason`."""
    r = rectified
    return {
        "n_labeled": r.n_labeled_,
        "n_labeled_used": r.n_labeled_used_,
        "n_finetune": r.n_finetune_,
        "n_validation": r.n_validation_,
        "n_rectify": r.n_rectify_,
        "n_unlabeled": r.n_unlabeled_,
        "allocation": r.allocation,
        "method": r.method,
        "label": label,
        "reason": split_reason(r),
    }


def design_summary(rectified) -> dict | None:
    """The ``design`` entry of a report: the design chosen, by which pilot, the predicted
    standard error of each candidate and the realised one (None when no design was compared)."""
    design = getattr(rectified, "design_", None)
    if design is None:
        return None
    return {
        "chosen": design.chosen,
        "pilot": design.pilot,
        "predicted_stderr": dict(design.predicted_stderr),
        "realised_stderr": design.realised_stderr,
    }


def surrogate_candidates(rectified) -> dict | None:
    """Candidates of a stacked surrogate: out-of-fold residual variance (mean over the fold
    models) and stacking weight, or None when the estimator is not a surrogate."""
    inner = rectified.estimator_
    models = getattr(inner, "estimators", None) or [inner]
    if not all(hasattr(m, "candidates_") for m in models):
        return None
    names = list(models[0].candidates_)
    out = {"candidates": {}}
    for name in names:
        values = [m.candidates_[name] for m in models if name in m.candidates_]
        out["candidates"][name] = {
            "oof_residual_variance": float(np.mean(values)),
            "weight": float(np.mean([m.weights_.get(name, 0.0) for m in models])),
        }
    out["chosen"] = max(out["candidates"], key=lambda name: out["candidates"][name]["weight"])
    return out


def _width_curve(rectified, z: float) -> dict | None:
    law = rectified.scaling_law_
    if law is None or rectified.ramp_up_ is None:
        return None
    n_available = rectified.n_finetune_ + rectified.n_rectify_
    N = float(rectified.n_unlabeled_) if rectified.n_unlabeled_ else None
    s = np.unique(np.linspace(1, n_available - 2, 200).round().astype(int))
    variance = law.predicted_variance(s, n_available, n_unlabeled=N)
    baseline = law.predicted_variance([0], n_available, n_unlabeled=N)[0]
    optimum = law.optimal_split(n_available, n_unlabeled=N)
    return {
        "n_available": n_available,
        "n_finetune": s,
        "share": s / n_available,
        "width": 2 * z * np.sqrt(variance),
        "no_finetune_width": 2 * z * math.sqrt(baseline) if math.isfinite(baseline) else None,
        "chosen": rectified.n_finetune_,
        "optimum": int(optimum),
    }


def _small(value: float) -> str:
    """``.3g``, with values below 1e-9 (numerical zeros of a bounded fit) shown as 0."""
    return "0" if abs(value) < 1e-9 else f"{value:.3g}"


def _residuals(rectified, y) -> dict | None:
    predictions = rectified.rectify_predictions_
    if predictions is None:
        return None
    labels = np.asarray(y)[rectified.rectify_indices_]
    if getattr(rectified, "_is_classification", False):
        classes = np.asarray(rectified.classes_)
        onehot = (labels[:, None] == classes[None, :]).astype(float)
        predicted = classes[np.argmax(predictions, axis=1)]
        confusion = [
            [int(np.sum((labels == a) & (predicted == b))) for b in classes] for a in classes
        ]
        true_probability = np.sum(onehot * predictions, axis=1)
        return {
            "kind": "classification",
            "n": len(labels),
            "classes": [str(c) for c in classes],
            "confusion": confusion,
            "accuracy": float(np.mean(labels == predicted)),
            "probability_of_true_class": true_probability,
            "residual_variance": float(np.var(onehot - predictions, axis=0, ddof=1).sum()),
            "label_variance": float(np.var(onehot, axis=0, ddof=1).sum()),
        }
    labels = labels.astype(float)
    residuals = labels - predictions
    label_variance = float(np.var(labels, ddof=1))
    residual_variance = float(np.var(residuals, ddof=1))
    return {
        "kind": "regression",
        "n": len(labels),
        "labels": labels,
        "predictions": predictions,
        "mean_residual": float(residuals.mean()),
        "residual_variance": residual_variance,
        "label_variance": label_variance,
        "explained_variance": 1.0 - residual_variance / label_variance if label_variance else None,
        "correlation": float(np.corrcoef(labels, predictions)[0, 1]) if len(labels) > 2 else None,
    }


def estimate_report(
    rectified,
    y,
    *,
    baselines: dict | None = None,
    truth=None,
    title: str = "sklearn-llmrect estimate",
    context: dict | None = None,
    notes: list[str] | None = None,
    label: str | None = None,
) -> dict:
    """Collect the numbers of a fine-tune-then-rectify run into a JSON-ready dict.

    Parameters
    ----------
    rectified : RectifiedRegressor or RectifiedClassifier
        The fitted meta-estimator.
    y : array-like of shape (n_samples,)
        The ``y`` given to its ``fit`` (for the residuals on the rectification rows).
    baselines : dict of str to InferenceResult or ClassSharesResult, optional
        Other estimates to show with it, e.g. ``{"classical": classical_mean(labels)}``.
    truth : float or array-like, optional
        The true value(s), when known (a demo): drawn in the forest plot.
    title : str
        Title of the report.
    context : dict, optional
        What was run (data file, columns, model, prompt...): shown as a table.
    notes : list of str, optional
        Sentences shown under the results.
    label : str, optional
        Name of the fit's own row (default :func:`method_label`).

    Returns
    -------
    dict
        Keys ``title``, ``created``, ``version``, ``task``, ``confidence_level``, ``context``,
        ``truth``, ``estimates`` (one row per method and class, each with
        ``wider_than_classical``), ``split`` (counts and ``reason``), ``ramp_up``,
        ``scaling_law``, ``design`` (the predicted standard error of each candidate design and the
        realised one), ``surrogate``, ``width_curve``,
        ``residuals``, ``notes`` and ``flags`` (what a reader must know: an interval wider than
        the classical one, a fallback to the classical estimate, too few labels for the nominal
        coverage; see
        :func:`~sklearn_llmrect.reporting.report_flags`); arrays are lists and NaN is None, so
        :func:`json.dumps` writes it as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.inference import classical_mean
    >>> from sklearn_llmrect.rectify import RectifiedRegressor
    >>> from sklearn_llmrect.reporting import estimate_report
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2)); y = X[:, 0] + rng.normal(size=1000); y[200:] = np.nan
    >>> model = RectifiedRegressor(Ridge(), random_state=0).fit(X, y)
    >>> report = estimate_report(model, y, baselines={"classical": classical_mean(y[:200])})
    >>> [row["label"] for row in report["estimates"]]
    ['classical', 'cross-fitted PPI++']
    >>> report["design"]["chosen"], report["split"]["n_rectify"]
    ('cross K=10', 200)
    """
    from .. import __version__

    r = rectified
    level = float(r.confidence_level)
    z = float(ndtri(1 - (1 - level) / 2))
    final_label = label or method_label(r)
    estimates = []
    for name, result in (baselines or {}).items():
        estimates += _rows(name, result)
    estimates += _rows(final_label, r.result_)
    ramp = r.ramp_up_
    law = r.scaling_law_
    report = {
        "title": title,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "version": __version__,
        "task": "classification" if getattr(r, "_is_classification", False) else "regression",
        "confidence_level": level,
        "context": dict(context or {}),
        "truth": truth,
        "estimates": estimates,
        "split": split_summary(r, final_label),
        "ramp_up": None
        if ramp is None
        else {
            "sizes": ramp.sizes,
            "residual_variances": ramp.residual_variances,
            "optimal_sizes": ramp.optimal_sizes,
            "stop_reason": ramp.stop_reason,
            "fine_tuning_pays": ramp.fine_tuning_pays,
        },
        "scaling_law": None
        if law is None
        else {
            "a": law.a_,
            "alpha": law.alpha_,
            "b": law.b_,
            "r2": law.r2_,
            "var_y": law.var_y_,
            "sizes": law.sizes_,
            "residual_variances": law.residual_variances_,
        },
        "design": design_summary(r),
        "surrogate": surrogate_candidates(r),
        "width_curve": _width_curve(r, z),
        "residuals": _residuals(r, y),
        "notes": list(notes or []),
    }
    report["flags"] = report_flags(report, r, y)
    return _jsonable(report)


def format_table(report: dict) -> str:
    """The estimates of a report as a plain-text table (what ``llmrect estimate`` prints).

    Parameters
    ----------
    report : dict
        From :func:`estimate_report`.

    Returns
    -------
    str
    """
    level = 100 * report["confidence_level"]
    classes = any(row["class"] is not None for row in report["estimates"])
    head = f"{'method':<34}" + (f"{'class':<12}" if classes else "")
    head += f"{'estimate':>10}  {f'{level:g}% interval':<22}{'width':>9}{'eff. n':>10}"
    lines = [head, "-" * len(head)]
    for row in report["estimates"]:
        interval = f"[{_num(row['lower'])}, {_num(row['upper'])}]"
        line = f"{row['label'][:33]:<34}"
        if classes:
            line += f"{(row['class'] or '')[:11]:<12}"
        ess = row["effective_sample_size"]
        line += f"{_num(row['estimate']):>10}  {interval:<22}{_num(row['width']):>9}"
        line += f"{'' if ess is None else f'{ess:,.0f}':>10}"
        if row.get("wider_than_classical"):
            line += "  ! wider than classical"
        lines.append(line)
    split = report["split"]
    lines.append("")
    lines.append(
        f"labels: {split['n_labeled_used']:,} used of {split['n_labeled']:,}  ->  "
        f"{split['n_finetune']:,} fine-tune, {split['n_validation']:,} validation, "
        f"{split['n_rectify']:,} rectify;  unlabelled pool: {split['n_unlabeled']:,} rows"
    )
    lines.append(f"why: {split['reason']}")
    design = report.get("design")
    if design:
        predicted = ", ".join(
            f"{name} {_num(se)}" for name, se in design["predicted_stderr"].items()
        )
        lines.append(
            f"design: {design['chosen']}; predicted stderr {predicted}; realised "
            f"{_num(design['realised_stderr'])}"
        )
    lines += _surrogate_and_flags(report)
    truth = report.get("truth")
    if truth is not None:
        shown = _num(truth) if not isinstance(truth, list) else ", ".join(map(_num, truth))
        lines.append(f"truth (known here): {shown}")
    return "\n".join(lines)


def _surrogate_and_flags(report: dict) -> list[str]:
    """The text lines of a report's stacked-surrogate candidates and of its flags."""
    lines = []
    surrogate = report.get("surrogate")
    if surrogate:
        parts = ", ".join(
            f"{name} (weight {entry['weight']:.2f}, out-of-fold residual variance "
            f"{_num(entry['oof_residual_variance'])})"
            for name, entry in surrogate["candidates"].items()
        )
        lines.append(f"surrogate: stacked heads over {parts}")
    lines += [f"! {flag['message']}" for flag in report.get("flags", [])]
    return lines


def _num(value) -> str:
    if value is None:
        return "nan"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
