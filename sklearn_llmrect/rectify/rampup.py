"""The ramp-up pilot: fit the fine-tuning scaling law as labels are spent, stop at the optimum.

Wang, Ye & Zhao (arXiv 2511.19486, Online Appendix EC.2) choose the fine-tuning size without a
separate pilot data set:

1. hold out a fixed validation set of ``n_v`` labels, used for neither fine-tuning nor
   rectification (its labels are charged to the budget);
2. fine-tune on nested sets ``N_1 ⊂ N_2 ⊂ ...`` of the remaining labels, of sizes
   ``n_1 < n_2 < ...``, and measure each model's residual variance on the validation set;
3. after each stage (from the third on) refit ``Var(Y - f_s(X)) = a s^-alpha + b`` to the points
   so far and solve Theorem 1 for ``s*`` with ``n - n_v`` labels;
4. stop as soon as ``s* <= n_l`` (fine-tuning further would cost more rectification labels than
   it saves) and keep ``s = n_l``; the other ``n - n_v - n_l`` labels rectify.

One change to the paper's schedule (``cap_at_estimate``, on by default): when the estimate
``s*`` falls between two stages, the next stage is ``s*`` itself rather than the next size, so
the pilot does not overshoot the optimum by a whole growth step.

Works with any scikit-learn estimator; the residual variance of a classifier with
``predict_proba`` is the trace of the covariance of ``onehot(y) - p(X)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._validation import n_rows, take_rows
from ..caching import CachedEstimator, check_memory
from .allocation import ScalingLaw

__all__ = [
    "RampUpResult",
    "ramp_up",
    "rectification_pays",
    "residual_variance",
    "default_ramp_sizes",
]


def residual_variance(estimator, X, y) -> float:
    """Sample variance (ddof=1) of ``y - f(X)``; for classifiers, of ``onehot(y) - p(X)``
    summed over classes."""
    y = np.asarray(y)
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        probabilities = estimator.predict_proba(X)
        onehot = (y[:, None] == np.asarray(estimator.classes_)[None, :]).astype(float)
        return float(np.var(onehot - probabilities, axis=0, ddof=1).sum())
    return float(np.var(y.astype(float) - estimator.predict(X), ddof=1))


def default_ramp_sizes(n_available: int, *, first: int = 16, growth: float = 2.0) -> list[int]:
    """Geometric sizes ``first, first*growth, ...`` below ``n_available`` (at least three)."""
    if n_available < 3:
        raise ValueError(f"the ramp-up needs at least 3 labels to fine-tune on; got {n_available}.")
    first = max(1, min(first, n_available // 4))
    sizes = []
    size = float(first)
    while size < n_available:
        sizes.append(int(size))
        size *= growth
    if len(sizes) < 3:  # too few labels for geometric growth: quarters
        sizes = sorted({max(1, int(n_available * q)) for q in (0.25, 0.5, 0.75)})
    return sizes


@dataclass
class RampUpResult:
    """What the ramp-up pilot measured and decided.

    Attributes
    ----------
    n_finetune : int
        Chosen fine-tuning size ``s`` (the last stage run).
    finetune_indices, validation_indices, rectify_indices : ndarray of int
        Rows (of the labelled data given) used to fine-tune the kept model, to score the
        stages (charged to the budget, used for nothing else), and left for rectification.
    sizes, residual_variances : list
        The stages run and their validation residual variances.
    optimal_sizes : list
        The estimated ``s*`` after each stage (None before the law can be fitted).
    scaling_law : ScalingLaw or None
        The law fitted to all stages (None with fewer than three stages).
    estimator : estimator
        The model fine-tuned on ``finetune_indices``.
    stop_reason : str
    fine_tuning_pays : bool
        Whether ``estimator``, rectified with the ``n - n_v - s`` labels left, is predicted to
        beat the classical mean of all ``n - n_v`` labels outside the validation set (see
        :func:`ramp_up`). When False, the rectified meta-estimators report that classical mean
        instead, and keep ``estimator`` for prediction only.
    """

    n_finetune: int
    finetune_indices: np.ndarray
    validation_indices: np.ndarray
    rectify_indices: np.ndarray
    sizes: list = field(default_factory=list)
    residual_variances: list = field(default_factory=list)
    optimal_sizes: list = field(default_factory=list)
    scaling_law: ScalingLaw | None = None
    estimator: object = None
    stop_reason: str = ""
    fine_tuning_pays: bool = True


def ramp_up(
    estimator,
    X,
    y,
    *,
    n_validation: int | None = None,
    sizes=None,
    n_unlabeled: float | None = None,
    cap_at_estimate: bool = True,
    memory=None,
    random_state=None,
    verbose: int = 0,
) -> RampUpResult:
    """Run the ramp-up pilot of fine-tune-then-rectify (Wang, Ye & Zhao, appendix EC.2).

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned and fitted once per stage.
    X : array-like or DataFrame of shape (n, ...)
        The labelled rows.
    y : array-like of shape (n,)
    n_validation : int, optional
        Size of the validation set; default ``max(20, n // 10)``.
    sizes : sequence of int, optional
        Increasing fine-tuning sizes; default :func:`default_ramp_sizes`.
    n_unlabeled : float, optional
        Size of the unlabelled pool, passed to :meth:`ScalingLaw.optimal_split` (keeps the
        ``Var(f)/N`` term).
    cap_at_estimate : bool, default=True
        When the current estimate ``s*`` lies between this stage and the next, make the next
        stage ``s*`` itself instead of the next size, so the pilot stops at (about) the
        estimated optimum instead of up to one growth factor past it. False runs the sizes as
        given, as in the paper.
    memory : None, str, path-like, FitCache or joblib.Memory, optional
        Cache each stage's fitted model and its validation predictions on disk
        (:class:`~sklearn_llmrect.caching.CachedEstimator`), so that an interrupted pilot
        resumes at the stage it was in. None: no caching.
    random_state : int, RandomState or None
        Order of the rows (validation set and nested fine-tuning sets).
    verbose : int
        A progress bar over the stages when > 0.

    Returns
    -------
    RampUpResult
        With ``fine_tuning_pays`` False when the kept model's measured validation residual
        variance ``sigma^2`` predicts a PPI variance ``sigma^2 / (n - n_v - s) + Var(f) / N``
        no smaller than the classical ``Var(Y) / (n - n_v)``, both variances measured on the
        validation labels: fine-tuning cost more labels than it saved (the situation of the
        paper's Proposition 3, measured rather than extrapolated).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(600, 1)); y = np.sin(2 * X[:, 0]) + rng.normal(0, .3, 600)
    >>> result = ramp_up(KNeighborsRegressor(5), X, y, random_state=0)
    >>> result.n_finetune in result.sizes and len(result.rectify_indices) > 0
    True
    """
    y = np.asarray(y)
    n = len(y)
    if n != n_rows(X):
        raise ValueError(f"X and y have different lengths: {n_rows(X)} and {n}.")
    if n_validation is None:
        n_validation = max(20, n // 10)
    if not 2 <= n_validation < n - 3:
        raise ValueError(
            f"n_validation must be >= 2 and leave at least 4 labels; got {n_validation} of {n}."
        )
    n_available = n - n_validation
    sizes = default_ramp_sizes(n_available) if sizes is None else [int(s) for s in sizes]
    if len(sizes) < 3 or sorted(set(sizes)) != sizes or sizes[0] < 1 or sizes[-1] >= n_available:
        raise ValueError(
            f"sizes must be at least 3 strictly increasing sizes in [1, {n_available}); "
            f"got {sizes}."
        )
    cache = check_memory(memory)
    wrapped = cache is not None and not isinstance(estimator, CachedEstimator)
    if wrapped:
        estimator = CachedEstimator(estimator, memory=cache)
    order = check_random_state(random_state).permutation(n)
    validation, pool = order[:n_validation], order[n_validation:]
    X_validation, y_validation = take_rows(X, validation), y[validation]
    var_y = _label_variance(estimator, y)

    result = RampUpResult(0, pool[:0], validation, pool)
    sizes = list(sizes)
    progress = tqdm(total=len(sizes), desc="ramp-up", disable=verbose <= 0)
    for stage, size in enumerate(sizes):  # a later size may be lowered to s*: see below
        model = clone(estimator).fit(take_rows(X, pool[:size]), y[pool[:size]])
        progress.update(1)
        result.sizes.append(size)
        result.residual_variances.append(residual_variance(model, X_validation, y_validation))
        result.estimator, result.n_finetune = model, size
        if stage < 2:
            result.optimal_sizes.append(None)
            continue
        law = ScalingLaw().fit(result.sizes, result.residual_variances, var_y=var_y)
        s_star = int(law.optimal_split(n_available, n_unlabeled=n_unlabeled))
        result.scaling_law = law
        result.optimal_sizes.append(s_star)
        if s_star <= size:
            result.stop_reason = f"estimated s* = {s_star} <= current size {size}"
            break
        if cap_at_estimate and stage + 1 < len(sizes) and s_star < sizes[stage + 1]:
            sizes[stage + 1] = s_star  # do not overshoot the optimum by a whole growth step
    else:
        result.stop_reason = f"ran every size; the last estimate of s* was {s_star}"
    progress.close()
    # The baseline is measured on the same validation rows as the model: with a few dozen
    # validation labels, their own label variance can differ from var_y by a quarter, more than
    # a weak model's gain, whereas the paired ratio is precise exactly when the model is weak.
    result.fine_tuning_pays = rectification_pays(
        result.residual_variances[-1],
        _label_variance(estimator, y_validation),
        n_available,
        result.n_finetune,
        n_unlabeled,
    )
    result.finetune_indices = pool[: result.n_finetune]
    result.rectify_indices = pool[result.n_finetune :]
    if wrapped:
        result.estimator = result.estimator.estimator_
    return result


def rectification_pays(
    residual_variance: float,
    var_y: float,
    n_available: int,
    n_finetune: int,
    n_unlabeled: float | None = None,
) -> bool:
    """Whether a model fine-tuned on ``n_finetune`` of ``n_available`` labels, rectified with
    the rest, is predicted to beat the classical mean of all ``n_available`` labels.

    Compares the PPI variance ``sigma^2 / (n_available - n_finetune) + Var(f) / N`` (``sigma^2``
    the model's measured residual variance; ``Var(f)`` taken as ``max(var_y - sigma^2, 0)``, as
    in :meth:`ScalingLaw.predicted_variance`; no second term without ``n_unlabeled``) with the
    classical ``var_y / n_available``.

    Examples
    --------
    >>> rectification_pays(15.0, 16.0, 2700, 64)  # 15 / 2636 < 16 / 2700
    True
    >>> rectification_pays(17.0, 16.0, 2700, 64)
    False
    """
    variance = residual_variance / (n_available - n_finetune)
    if n_unlabeled:
        variance += max(var_y - residual_variance, 0.0) / n_unlabeled
    return bool(variance < var_y / n_available)


def _label_variance(estimator, y) -> float:
    """Var(Y), or for a classifier the trace of the covariance of onehot(Y): the residual
    variance of a model that predicts nothing (the "do not fine-tune" baseline)."""
    if is_classifier(estimator):
        onehot = (y[:, None] == np.unique(y)[None, :]).astype(float)
        return float(np.var(onehot, axis=0, ddof=1).sum())
    return float(np.var(y.astype(float), ddof=1))
