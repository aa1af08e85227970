"""The paper's data-efficiency metric and its inverse (labels needed for a target).

Je & Raffel (arXiv 2512.24991), code ``utils/calculate_per_task_auc.py``: take the running
maximum of the learning curve, normalise it between the zero-shot score and the ceiling, put the
budgets on a log2 axis normalised to the largest budget, and take the trapezoid area. Reading the
area back as the curve ``x ** p`` with ``p = (1 - AUC) / AUC`` gives the budget at which a target
share of the zero-shot-to-ceiling gap is reached (the authors' README).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["learning_curve_auc", "labels_needed_from_auc", "log_budget_axis"]


def _check_number(value, name: str, *, low=None, high=None, open_low=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    value = float(value)
    if low is not None and (value < low or (open_low and value == low)):
        bound = f"> {low}" if open_low else f">= {low}"
        raise ValueError(f"{name} must be {bound}; got {value!r}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}; got {value!r}.")
    return value


def log_budget_axis(budgets, max_budget=None) -> np.ndarray:
    """``log2(max(n, 1)) / log2(max_budget)``: the paper's normalised x-axis (0 for n <= 1).

    Examples
    --------
    >>> log_budget_axis([0, 50, 5000]).round(3).tolist()
    [0.0, 0.459, 1.0]
    """
    budgets = np.asarray(budgets, dtype=float)
    top = float(budgets.max()) if max_budget is None else float(max_budget)
    if top <= 1:
        raise ValueError(f"the largest budget must be > 1 for a log axis; got {top:g}.")
    return np.log2(np.maximum(budgets, 1.0)) / np.log2(top)


def learning_curve_auc(budgets, scores, zero_shot=None, ceiling=None) -> float:
    """Data efficiency of a task: the area under its normalised learning curve.

    Exactly the metric of Je & Raffel's code: (1) the running maximum of the scores over
    increasing budgets (a curve never goes down); (2) normalised to ``(s - zero_shot) /
    (ceiling - zero_shot)``; (3) the budgets on the axis ``log2(max(n, 1)) / log2(max n)``,
    so ``n = 0`` and ``n = 1`` sit at 0 and the largest budget at 1; (4) the trapezoid area.

    Parameters
    ----------
    budgets : array-like of int, shape (k,)
        Strictly increasing numbers of training examples, usually starting at 0 (zero-shot).
    scores : array-like of float, shape (k,)
        The score (accuracy, macro-F1, R^2, ...) at each budget; higher is better.
    zero_shot : float, optional
        The floor of the normalisation. Default: the smallest value of the running maximum,
        i.e. the first score (the paper's choice). Normalised values below 0 are clipped to 0.
    ceiling : float, optional
        The top of the normalisation, e.g. a human-level score. As in the paper the ceiling used
        is ``max(ceiling, best score)``; default the best score.

    Returns
    -------
    float
        In [0, 1]; higher means the task is learned from fewer examples. NaN when the ceiling
        equals the floor (a flat curve: nothing to normalise).

    References
    ----------
    G. H. Je & C. Raffel (2025). Efficiently Estimating Data Efficiency for Language Model
    Fine-tuning. arXiv:2512.24991 (code: github.com/r-three/dataefficiency).

    Examples
    --------
    The paper's banking77 curve (Llama-3.1-8B-Instruct):

    >>> from sklearn_llmrect.efficiency import learning_curve_auc
    >>> budgets = [0, 50, 100, 200, 500, 1000, 2500, 5000]
    >>> accuracy = [0.3295, 0.5386, 0.5101, 0.4474, 0.8075, 0.8179, 0.8860, 0.9328]
    >>> round(learning_curve_auc(budgets, accuracy, ceiling=0.9328), 4)
    0.4338
    """
    budgets = np.asarray(budgets, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if budgets.ndim != 1 or budgets.size < 2:
        raise ValueError(f"budgets must be 1-D with at least 2 entries; got shape {budgets.shape}.")
    if scores.shape != budgets.shape:
        raise ValueError(
            f"scores must have one entry per budget ({budgets.size}); got shape {scores.shape}."
        )
    if not np.all(np.isfinite(budgets)) or budgets.min() < 0 or np.any(np.diff(budgets) <= 0):
        raise ValueError(f"budgets must be non-negative and strictly increasing; got {budgets}.")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be finite; got {scores}.")
    running = np.maximum.accumulate(scores)
    floor = float(running.min()) if zero_shot is None else _check_number(zero_shot, "zero_shot")
    top = float(running.max())
    if ceiling is not None:
        top = max(_check_number(ceiling, "ceiling"), top)
    if top <= floor:
        return float("nan")
    normalised = np.clip((running - floor) / (top - floor), 0.0, 1.0)
    x = log_budget_axis(budgets)
    return float(np.sum(np.diff(x) * (normalised[1:] + normalised[:-1]) / 2.0))  # trapezoid


def labels_needed_from_auc(auc, target=0.9, *, max_budget=5000) -> float:
    """Budget at which the curve ``x ** p`` with area ``auc`` reaches ``target``.

    With ``p = (1 - auc) / auc`` (so that the area under ``x ** p`` on [0, 1] is ``auc``), the
    normalised log-budget is ``x* = target ** (1 / p)`` and the budget ``max_budget ** x*``.

    Parameters
    ----------
    auc : float in (0, 1]
        A (predicted) learning-curve AUC, on an axis that ends at ``max_budget``.
    target : float in (0, 1], default=0.9
        Share of the gap between zero-shot and ceiling to close (not a raw accuracy: with
        zero-shot score ``a0`` and ceiling ``c``, a raw target ``a`` is ``(a - a0) / (c - a0)``).
    max_budget : float, default=5000
        The largest budget of the curves the AUC refers to (5,000 in the paper).

    Returns
    -------
    float
        Number of labelled examples (1 when ``auc >= 1``, ``inf`` when ``auc <= 0``).

    References
    ----------
    Je & Raffel (2025), arXiv:2512.24991; the worked example of the authors' README.

    Examples
    --------
    The README's example (CoS-Low 0.65, c = 0.54, I = 0.31 give AUC' = 0.661):

    >>> round(labels_needed_from_auc(0.54 * 0.65 + 0.31, 0.9))
    1028
    """
    auc = _check_number(auc, "auc")
    target = _check_number(target, "target", low=0.0, high=1.0, open_low=True)
    max_budget = _check_number(max_budget, "max_budget", low=1.0, open_low=True)
    if auc >= 1.0:
        return 1.0
    if auc <= 0.0:
        return float("inf")
    p = (1.0 - auc) / auc
    x_star = target ** (1.0 / p)
    return float(max_budget**x_star)
