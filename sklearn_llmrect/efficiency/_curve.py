"""Measure a learning curve: fine-tune on nested subsets of growing size, score on a test set."""

from __future__ import annotations

import hashlib
import json
import numbers
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import accuracy_score, f1_score, r2_score
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._validation import n_rows, take_rows
from ..caching._cached_estimator import _was_interrupted
from ._auc import learning_curve_auc

__all__ = ["LearningCurve", "measure_learning_curve"]


@dataclass
class LearningCurve:
    """Scores of a model fine-tuned on nested training subsets of increasing size.

    Attributes
    ----------
    budgets : list of int
    scores : dict of str to list of float
        One list per metric (``accuracy`` and ``macro_f1`` for classifiers; ``r2`` and
        ``pearson``, the correlation of predictions and targets, for regressors), aligned with
        ``budgets``.
    metric : str
        The metric :meth:`auc` uses by default.
    seconds : list of float
        Fit plus scoring time per budget (from the cache when it was cached).
    """

    budgets: list
    scores: dict
    metric: str
    seconds: list = field(default_factory=list)

    def auc(self, metric=None, *, zero_shot=None, ceiling=None) -> float:
        """:func:`learning_curve_auc` of one metric's curve."""
        metric = self.metric if metric is None else metric
        if metric not in self.scores:
            raise ValueError(f"metric must be one of {sorted(self.scores)}; got {metric!r}.")
        return learning_curve_auc(self.budgets, self.scores[metric], zero_shot, ceiling)


def _score(estimator, X_test, y_test) -> dict:
    predicted = estimator.predict(X_test)
    if is_classifier(estimator):
        return {
            "accuracy": float(accuracy_score(y_test, predicted)),
            "macro_f1": float(f1_score(y_test, predicted, average="macro")),
        }
    y_test = np.asarray(y_test, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    spread = np.std(predicted) * np.std(y_test)
    pearson = 0.0
    if spread > 0:
        pearson = float(np.mean((predicted - predicted.mean()) * (y_test - y_test.mean())) / spread)
    return {"r2": float(r2_score(y_test, predicted)), "pearson": pearson}


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _data_digest(X, y) -> str:
    rows = [repr(r) for r in (X.to_numpy().tolist() if hasattr(X, "to_numpy") else list(X))]
    return _digest(rows, np.asarray(y).tolist())


def _check_budgets(budgets, n: int) -> list[int]:
    values = list(np.atleast_1d(np.asarray(budgets)).tolist())
    if len(values) < 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(f"budgets must be at least 2 integers; got {budgets!r}.")
    if values[0] < 0 or any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(f"budgets must be non-negative and strictly increasing; got {values}.")
    if values[-1] > n:
        raise ValueError(f"the largest budget ({values[-1]}) exceeds the {n} training rows of X.")
    return [int(v) for v in values]


def measure_learning_curve(
    estimator,
    X,
    y,
    budgets,
    X_test,
    y_test,
    *,
    metric=None,
    params_for_budget=None,
    cache=None,
    random_state=0,
    verbose: int = 1,
) -> LearningCurve:
    """Fine-tune ``estimator`` on nested subsets of ``(X, y)`` and score each on the test set.

    The subsets are the first ``n`` rows of one seeded permutation, so each budget's training
    set contains the smaller ones (as in the paper's code: ``shuffle(seed).select(range(n))``);
    for a classifier whose smallest subset would hold one class only, the first row of another
    class is swapped into it.
    Budget 0 is the zero-shot model: a clone with ``max_epochs=0`` fitted on ``(X, y)``, which
    loads the model and reads the classes (classifier) or the target range and scale
    (regressor; a verbalizer maps its scale tokens onto that range) but trains nothing.

    Parameters
    ----------
    estimator : estimator
        Cloned for every budget. Budget 0 needs a ``max_epochs`` parameter (the LLM
        estimators).
    X, y : training pool (texts and labels).
    budgets : sequence of int
        Strictly increasing training sizes, e.g. ``[0, 16, 32, 64, 128, 256]``.
    X_test, y_test : the held-out test set.
    metric : str, optional
        Default metric of :meth:`LearningCurve.auc`: ``"accuracy"`` for classifiers (the
        paper's) and ``"r2"`` for regressors (``"pearson"`` ignores the scale of the
        predictions, which a zero-shot rating scale gets badly wrong).
    params_for_budget : callable, optional
        ``budget -> dict`` of parameters set on that budget's clone (for example more epochs
        for small budgets, so that each fit takes a similar number of optimiser steps).
    cache : str or path-like, optional
        A JSON-lines file; each finished budget is appended, and a rerun with the same
        estimator, data, budget and seed reads it back instead of fitting again (resume).
    random_state : int, default=0
        Seeds the permutation.
    verbose : int, default=1
        A tqdm progress bar over the budgets when > 0.

    Returns
    -------
    LearningCurve

    References
    ----------
    Je & Raffel (2025), arXiv:2512.24991 (nested subsets, budgets 0 .. 5,000).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.efficiency import measure_learning_curve
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
    >>> curve = measure_learning_curve(LogisticRegression(), X[:200], y[:200], [4, 16, 64],
    ...                                X[200:], y[200:], verbose=0)
    >>> len(curve.scores["accuracy"]), 0 <= curve.auc() <= 1
    (3, True)
    """
    n = n_rows(X)
    y = np.asarray(y)
    if len(y) != n:
        raise ValueError(f"X and y have different lengths: X has {n} rows, y has {len(y)}.")
    if n_rows(X_test) != len(np.asarray(y_test)):
        raise ValueError("X_test and y_test have different lengths.")
    budgets = _check_budgets(budgets, n)
    if budgets[0] == 0 and "max_epochs" not in estimator.get_params():
        raise ValueError(
            f"budgets start at 0 (zero-shot), which needs an estimator with max_epochs; "
            f"{type(estimator).__name__} has none. Start budgets at 1 or more."
        )
    classifier = is_classifier(estimator)
    metric = metric or ("accuracy" if classifier else "r2")
    if metric not in (("accuracy", "macro_f1") if classifier else ("r2", "pearson")):
        raise ValueError(
            f"metric={metric!r} does not fit a {'classifier' if classifier else 'regressor'}."
        )
    order = check_random_state(random_state).permutation(n)
    positive = [b for b in budgets if b > 0]
    if classifier and positive:
        order = _two_classes_first(order, y, positive[0])
    store = _Store(cache)
    base_key = _digest(
        type(estimator).__name__,
        sorted((k, repr(v)) for k, v in estimator.get_params().items()),
        _data_digest(X, y),
        _data_digest(X_test, y_test),
        None if random_state is None else int(random_state),
    )
    scores: dict[str, list] = {}
    seconds = []
    for budget in tqdm(budgets, desc="learning curve", unit="budget", disable=verbose <= 0):
        params = dict(params_for_budget(budget)) if params_for_budget else {}
        key = _digest(base_key, budget, sorted((k, repr(v)) for k, v in params.items()))
        record = store.get(key) if random_state is not None else None
        if record is None:
            started = time.perf_counter()
            model = clone(estimator).set_params(**params)
            if budget == 0:
                model.set_params(max_epochs=0).fit(X, y)
            else:
                rows = order[:budget]
                model.fit(take_rows(X, rows), y[rows])
            if _was_interrupted(model):  # Ctrl-C caught inside fit: stop, cache nothing
                raise KeyboardInterrupt(
                    f"fitting at budget {budget} was interrupted; earlier budgets are cached"
                )
            record = _score(model, X_test, y_test)
            record["seconds"] = time.perf_counter() - started
            store.put(key, {"budget": budget, **record})
            del model
        for name, value in record.items():
            if name not in ("seconds", "budget"):
                scores.setdefault(name, []).append(float(value))
        seconds.append(float(record["seconds"]))
    return LearningCurve(budgets=budgets, scores=scores, metric=metric, seconds=seconds)


def _two_classes_first(order: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """If the first ``size`` rows of ``order`` hold one class only, swap the first row of
    another class into position ``size - 1`` (a classifier cannot be fitted on one class)."""
    head = y[order[:size]]
    if size < 2 or np.unique(head).size > 1:
        return order
    other = np.flatnonzero(y[order] != head[0])
    if other.size == 0:
        return order
    order = order.copy()
    j = int(other[0])
    order[size - 1], order[j] = order[j], order[size - 1]
    return order


class _Store:
    """Append-only JSON-lines cache of finished budgets."""

    def __init__(self, path):
        self.path = None if path is None else Path(path)
        self.records = {}
        if self.path is not None and self.path.exists():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.records[entry["key"]] = entry["value"]

    def get(self, key):
        return self.records.get(key)

    def put(self, key, value):
        self.records[key] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as handle:
                handle.write(json.dumps({"key": key, "value": value}) + "\n")
