"""The report's figures as PNG bytes, drawn with matplotlib's object-oriented API (no pyplot, so
no global backend is changed)."""

from __future__ import annotations

import io

import numpy as np

from ._summary import _small

_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def require_matplotlib(what: str = "the HTML report") -> None:
    """Raise a clear ImportError when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{what} draws its plots with matplotlib, which is not installed: "
            "pip install 'sklearn-llmrect[plot]' (or pip install matplotlib)."
        ) from None


def _figure(width=7.0, height=3.6, ncols=1, nrows=1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(nrows, ncols, squeeze=False)
    return figure, axes[0, 0] if nrows == ncols == 1 else axes.ravel()


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def forest_plot(report: dict) -> bytes:
    """Estimates with their intervals, one row per method (and class); the truth if known."""
    rows = report["estimates"]
    labels = [r["label"] + (f"  [{r['class']}]" if r["class"] is not None else "") for r in rows]
    figure, ax = _figure(height=0.9 + 0.42 * len(rows))
    methods = list(dict.fromkeys(r["label"] for r in rows))
    for i, row in enumerate(rows):
        color = _COLORS[methods.index(row["label"]) % len(_COLORS)]
        lo, hi = row["lower"], row["upper"]
        if lo is not None and hi is not None:
            ax.plot([lo, hi], [i, i], color=color, linewidth=2.5, solid_capstyle="butt")
        if row["estimate"] is not None:
            ax.plot(row["estimate"], i, "o", color=color, markersize=7)
    truth = report.get("truth")
    if truth is not None:
        classes = [r["class"] for r in rows]
        if isinstance(truth, list):  # class shares: one mark per class row
            order = list(dict.fromkeys(c for c in classes if c is not None))
            for i, cls in enumerate(classes):
                if cls in order and order.index(cls) < len(truth):
                    ax.plot(truth[order.index(cls)], i, "|", color="black", markersize=16)
        else:
            ax.axvline(truth, color="black", linestyle="--", linewidth=1, label="truth")
            ax.legend(loc="best", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=9)
    ax.invert_yaxis()
    level = 100 * report["confidence_level"]
    ax.set_xlabel(f"estimate with {level:g}% confidence interval")
    ax.grid(axis="x", alpha=0.3)
    return _png(figure)


def coefficient_forest_plot(report: dict) -> bytes:
    """A regression report's classical and rectified interval of each coefficient: one panel
    per coefficient (each on its own scale, zero marked when in range)."""
    rows = report["coefficients"]
    figure, axes = _figure(height=0.5 + 0.8 * len(rows), nrows=len(rows))
    axes = np.atleast_1d(axes)
    level = 100 * report["confidence_level"]
    for ax, row in zip(axes, rows, strict=True):
        for i, prefix in enumerate(("classical", "rectified")):
            lo, hi, est = (row[f"{prefix}_{k}"] for k in ("lower", "upper", "estimate"))
            color = _COLORS[i]
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [i, i], color=color, linewidth=2.5, solid_capstyle="butt")
            if est is not None:
                ax.plot(est, i, "o", color=color, markersize=6)
        ends = [row[f"{p}_{k}"] for p in ("classical", "rectified") for k in ("lower", "upper")]
        ends = [v for v in ends if v is not None]
        if ends and min(ends) <= 0 <= max(ends):
            ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
        mark = "  (! wider)" if row.get("wider_than_classical") else ""
        ax.set_yticks([0, 1], ["classical", "rectified"], fontsize=8)
        ax.set_ylim(1.6, -0.6)
        ax.set_ylabel(row["coefficient"] + mark, rotation=0, ha="right", va="center", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(f"coefficient with {level:g}% confidence interval")
    return _png(figure)


def scaling_law_plot(report: dict) -> bytes | None:
    """The residual variances the law was fitted on (ramp-up stages or the learning curve of a
    cheap estimator) and the fitted law ``a s^-alpha + b``."""
    law = report.get("scaling_law")
    if not law or not law.get("sizes"):
        return None
    measured_on = "the validation labels" if report.get("ramp_up") else "the held-out labels"
    sizes = np.asarray(law["sizes"], dtype=float)
    variances = np.asarray(law["residual_variances"], dtype=float)
    figure, ax = _figure()
    grid = np.geomspace(max(1.0, sizes.min() / 2), sizes.max() * 2, 200)
    fitted = law["a"] * grid ** (-law["alpha"]) + law["b"]
    ax.plot(
        grid,
        fitted,
        color=_COLORS[0],
        label=(
            f"fit: {law['a']:.3g} s^-{law['alpha']:.3g} + {_small(law['b'])}"
            + (f"  (R² {law['r2']:.2f})" if law.get("r2") is not None else "")
        ),
    )
    ax.plot(sizes, variances, "o", color=_COLORS[1], label=f"measured on {measured_on}")
    if law.get("var_y") is not None:
        ax.axhline(law["var_y"], color="grey", linestyle=":", label="Var(Y): no model")
    ax.axhline(law["b"], color=_COLORS[0], linestyle="--", linewidth=0.8, label="floor b")
    ax.set_xscale("log")
    ax.set_xlabel("labels the model was trained on, s")
    ax.set_ylabel("residual variance Var(Y - f_s(X))")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(figure)


def width_plot(report: dict) -> bytes | None:
    """Predicted interval width against the fine-tuning share, chosen split marked."""
    curve = report.get("width_curve")
    if not curve:
        return None
    share = np.asarray(curve["share"], dtype=float)
    width = np.asarray(curve["width"], dtype=float)
    n = curve["n_available"]
    figure, ax = _figure()
    ax.plot(share, width, color=_COLORS[0], label="predicted by the scaling law (PPI)")
    if curve.get("no_finetune_width") is not None:
        ax.axhline(
            curve["no_finetune_width"],
            color="grey",
            linestyle=":",
            label="no fine-tuning (classical)",
        )
    chosen, optimum = curve["chosen"], curve["optimum"]
    chosen_width = np.interp(chosen / n, share, width)
    if chosen == 0 and curve.get("no_finetune_width") is not None:
        chosen_width = curve["no_finetune_width"]  # s = 0 is the classical mean, not PPI
    ax.axvline(chosen / n, color=_COLORS[3], linestyle="--", linewidth=1)
    ax.plot(
        chosen / n,
        chosen_width,
        "o",
        color=_COLORS[3],
        label=f"chosen: s = {chosen} of {n} ({chosen / n:.0%})",
    )
    if optimum and optimum != chosen:
        ax.plot(
            optimum / n,
            np.interp(optimum / n, share, width),
            "s",
            color=_COLORS[2],
            label=f"law's optimum s* = {optimum}",
        )
    rows = [r for r in report["estimates"] if r["label"] == report["split"]["label"]]
    if rows and report["task"] == "regression" and rows[0]["width"] is not None:
        ax.plot(
            chosen / n,
            rows[0]["width"],
            "x",
            color="black",
            markersize=8,
            label=f"realised width ({rows[0]['label']})",
        )
    ax.set_xlabel("share of the labels that fine-tune (s / n)")
    ylabel = "interval width"
    if report["task"] == "classification":
        ylabel = "2 z sqrt(total variance over classes)"
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(figure)


def design_plot(report: dict) -> bytes | None:
    """Predicted standard error of each candidate design (the chosen one marked) beside the
    realised standard error of the estimate made."""
    design = report.get("design")
    if not design or not design.get("predicted_stderr"):
        return None
    names = list(design["predicted_stderr"])
    stderr = [design["predicted_stderr"][name] for name in names]
    colors = [
        _COLORS[3] if name == design["chosen"] else "grey" if name == "classical" else _COLORS[0]
        for name in names
    ]
    figure, ax = _figure(height=0.9 + 0.4 * len(names))
    ax.barh(range(len(names)), stderr, color=colors, height=0.6)
    labels = [name + ("  (chosen)" if name == design["chosen"] else "") for name in names]
    ax.set_yticks(range(len(names)), labels, fontsize=9)
    ax.invert_yaxis()
    if design.get("realised_stderr") is not None:
        ax.axvline(
            design["realised_stderr"],
            color="black",
            linestyle="--",
            linewidth=1,
            label="realised (the estimate made)",
        )
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xlabel("standard error predicted by the scaling law")
    ax.grid(axis="x", alpha=0.3)
    return _png(figure)


def residual_plot(report: dict) -> bytes | None:
    """Fine-tuned model on the rectification rows: prediction against label and residuals
    (regression), or the confusion matrix and the probability of the true class."""
    res = report.get("residuals")
    if not res:
        return None
    figure, (left, right) = _figure(width=8.0, ncols=2)
    if res["kind"] == "regression":
        labels = np.asarray(res["labels"], dtype=float)
        predictions = np.asarray(res["predictions"], dtype=float)
        left.plot(predictions, labels, ".", alpha=0.6, color=_COLORS[0])
        low, high = min(labels.min(), predictions.min()), max(labels.max(), predictions.max())
        left.plot([low, high], [low, high], color="grey", linewidth=1)
        left.set_xlabel("prediction f(X)")
        left.set_ylabel("human label Y")
        corr = res.get("correlation")
        left.set_title(
            "rectification rows" + (f" (r = {corr:.2f})" if corr is not None else ""), fontsize=9
        )
        right.hist(labels - predictions, bins=30, color=_COLORS[1], alpha=0.85)
        right.axvline(0, color="grey", linewidth=1)
        right.set_xlabel("residual Y - f(X)")
        right.set_title(
            f"residual variance {res['residual_variance']:.3g} "
            f"(Var(Y) {res['label_variance']:.3g})",
            fontsize=9,
        )
    else:
        confusion = np.asarray(res["confusion"], dtype=float)
        left.imshow(confusion, cmap="Blues")
        ticks = range(len(res["classes"]))
        left.set_xticks(ticks, res["classes"], rotation=45, fontsize=8)
        left.set_yticks(ticks, res["classes"], fontsize=8)
        for (i, j), count in np.ndenumerate(confusion):
            left.text(j, i, f"{count:.0f}", ha="center", va="center", fontsize=8)
        left.set_xlabel("predicted class")
        left.set_ylabel("human label")
        left.set_title(f"accuracy {res['accuracy']:.2f}", fontsize=9)
        right.hist(res["probability_of_true_class"], bins=20, range=(0, 1), color=_COLORS[1])
        right.set_xlabel("predicted probability of the human label")
        right.set_title(
            f"residual variance {res['residual_variance']:.3g} "
            f"(no model {res['label_variance']:.3g})",
            fontsize=9,
        )
    return _png(figure)
