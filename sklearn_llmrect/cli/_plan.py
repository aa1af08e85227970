"""``llmrect plan``: from a pilot (human labels with model predictions), how many labels reach a
target interval width with PPI++, and the cost trade-off between labels and predictions.

The planning formula is the effective sample size of PPI++ (Angelopoulos, Duchi & Zrnic 2023),
``n_eff = n (n + N) / (n + (1 - rho^2) N)`` with ``n`` labels, ``N`` unlabelled predictions and
``rho`` the label-prediction correlation, as in the power analysis of the mixed subjects design
(Broska, Howes & van Loon 2024): the interval is as wide as a classical one from ``n_eff``
labels, so a target half-width ``h`` needs ``n_eff >= (z sd(Y) / h)^2``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from ..inference import effective_sample_size, required_labels
from ._data import CLIError


def plan(
    labels,
    predictions,
    *,
    half_width: float,
    pool: float = math.inf,
    confidence: float = 0.95,
    label_cost: float = 1.0,
    prediction_cost: float = 0.0,
) -> dict:
    """Labels needed for a PPI++ interval of half-width ``half_width``, and the cheapest mix.

    Parameters
    ----------
    labels, predictions : array-like of shape (n,)
        The pilot: human labels and the model's predictions of the same rows (held out from
        the model's fine-tuning).
    half_width : float
        Target half-width of the interval.
    pool : float, default=inf
        Unlabelled rows available for predictions.
    confidence : float, default=0.95
    label_cost, prediction_cost : float
        Cost of one human label and of one model prediction (every labelled row needs a
        prediction too).

    Returns
    -------
    dict
        ``pilot`` (n, sd, correlation and its Fisher-z interval), ``target``, ``options``
        (classical, PPI++ with the pool, with an unlimited pool, the cheapest mix, and the
        conservative number at the correlation's lower bound) and ``tradeoff`` (labels needed
        at several pool sizes).
    """
    y = np.asarray(labels, dtype=float)
    f = np.asarray(predictions, dtype=float)
    n_pilot = len(y)
    if n_pilot < 10:
        raise CLIError(
            f"the pilot needs at least 10 rows with both a label and a prediction; got {n_pilot}."
        )
    sd = float(np.std(y, ddof=1))
    if sd == 0 or np.std(f) == 0:
        raise CLIError(
            "the pilot labels (or predictions) are all equal; no correlation to plan with."
        )
    rho = float(np.corrcoef(y, f)[0, 1])
    z = float(ndtri(1 - (1 - confidence) / 2))
    fisher = math.atanh(max(min(rho, 0.999999), -0.999999))
    spread = z / math.sqrt(max(n_pilot - 3, 1))
    rho_low, rho_high = math.tanh(fisher - spread), math.tanh(fisher + spread)
    rho_plan = max(rho, 0.0)  # PPI++ clips lambda at 0: a negative correlation is no help
    rho2 = rho_plan**2
    target = (z * sd / half_width) ** 2

    def needed(r, N):
        return required_labels(
            half_width,
            std_y=sd,
            correlation=max(r, 0.0),
            n_unlabeled=N,
            confidence_level=confidence,
        )

    classical_n = needed(0.0, math.inf)
    options = [
        {"option": "classical (human labels only)", "labels": classical_n, "predictions": 0},
        {
            "option": "PPI++ with an unlimited pool",
            "labels": needed(rho, math.inf),
            "predictions": math.inf,
        },
    ]
    if math.isfinite(pool):
        n_pool = needed(rho, pool)
        options.append(
            {
                "option": f"PPI++ with the pool you have (N = {pool:,.0f})",
                "labels": n_pool,
                "predictions": n_pool + pool,
            }
        )
    n_grid = np.arange(2, classical_n + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = n_grid - (1.0 - rho2) * target
        pool_grid = np.where(
            n_grid >= target,
            0.0,
            np.where(denominator > 0, n_grid * (target - n_grid) / denominator, np.inf),
        )
    feasible = pool_grid <= pool
    if feasible.any():
        pool_grid = np.ceil(pool_grid[feasible])
        n_grid = n_grid[feasible]
        cost = label_cost * n_grid + prediction_cost * np.where(
            pool_grid > 0, n_grid + pool_grid, 0
        )
        i = int(np.argmin(cost))
        n_best, pool_best = int(n_grid[i]), int(pool_grid[i])
        options.append(
            {
                "option": "cheapest mix at these costs",
                "labels": n_best,
                "predictions": n_best + pool_best if pool_best else 0,
            }
        )
    options.append(
        {
            "option": f"conservative (correlation at its lower bound, {rho_low:.2f})",
            "labels": needed(rho_low, pool),
            "predictions": (needed(rho_low, pool) + pool) if math.isfinite(pool) else math.inf,
        }
    )
    for option in options:
        n, predicted = option["labels"], option["predictions"]
        option["cost"] = label_cost * n + (
            prediction_cost * predicted
            if math.isfinite(predicted)
            else (math.inf if prediction_cost > 0 else 0.0)
        )
    sizes = sorted(
        {0, n_pilot, 2 * n_pilot, 5 * n_pilot, 10 * n_pilot, 100 * n_pilot}
        | ({int(pool)} if math.isfinite(pool) else set())
    )
    tradeoff = []
    for N in sizes + [math.inf]:
        n = needed(rho, N) if N else classical_n
        tradeoff.append(
            {
                "pool": N,
                "labels": n,
                "effective_sample_size": effective_sample_size(n, rho_plan, N) if N else n,
            }
        )
    return {
        "pilot": {
            "n": n_pilot,
            "sd": sd,
            "correlation": rho,
            "correlation_interval": [rho_low, rho_high],
        },
        "target": {
            "half_width": half_width,
            "width": 2 * half_width,
            "confidence": confidence,
            "effective_sample_size": target,
        },
        "costs": {"label": label_cost, "prediction": prediction_cost},
        "pool": pool,
        "options": options,
        "tradeoff": tradeoff,
    }


def format_plan(result: dict) -> str:
    """The plan as text."""
    pilot, target = result["pilot"], result["target"]
    lo, hi = pilot["correlation_interval"]
    level = 100 * target["confidence"]
    lines = [
        f"pilot: {pilot['n']:,} rows with a label and a prediction; sd(label) = "
        f"{pilot['sd']:.4g}, correlation(label, prediction) = {pilot['correlation']:.3f} "
        f"({level:g}% interval [{lo:.2f}, {hi:.2f}])",
        f"target: a {level:g}% interval of width {target['width']:.4g} (half-width "
        f"{target['half_width']:.4g}), i.e. an effective sample size of "
        f"{target['effective_sample_size']:,.0f}",
        "",
        f"{'option':<58}{'labels':>9}{'predictions':>13}{'cost':>12}",
    ]
    lines.append("-" * len(lines[-1]))
    for option in result["options"]:
        predicted = option["predictions"]
        shown = "unlimited" if not math.isfinite(predicted) else f"{predicted:,.0f}"
        cost = option["cost"]
        lines.append(
            f"{option['option'][:57]:<58}{option['labels']:>9,}{shown:>13}"
            f"{'inf' if not math.isfinite(cost) else f'{cost:,.1f}':>12}"
        )
    lines += [
        "",
        "labels needed against the size of the unlabelled pool (PPI++):",
        f"{'pool N':>12}{'labels n':>10}{'eff. n':>10}",
    ]
    for row in result["tradeoff"]:
        pool = "unlimited" if not math.isfinite(row["pool"]) else f"{row['pool']:,}"
        lines.append(f"{pool:>12}{row['labels']:>10,}{row['effective_sample_size']:>10,.0f}")
    costs = result["costs"]
    lines.append(
        f"(costs: {costs['label']:g} per label, {costs['prediction']:g} per prediction; "
        "correlations from a model's own training rows are optimistic: use held-out rows)"
    )
    return "\n".join(lines)
