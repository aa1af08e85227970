"""Finite-pool estimates: the mean (or class shares) of the rows a user holds, not of an infinite
population.

With ``population="pool"`` the estimand is the mean of ``Y`` over the ``P = n + N`` rows given
(labelled and unlabelled together), and the ``n`` labelled rows are a uniform sample of them
drawn without replacement. The rectified estimate is the difference (model-assisted, GREG)
estimator of survey sampling,

    theta = lambda * mean_P(f) + mean_n(Y - lambda * f)
          = (n * mean_n(Y) + N * [lambda * mean_N(f) + mean_n(Y - lambda f)]) / P,

that is, the labelled rows count with their own labels and the unlabelled rows' mean is
rectified as in PPI. Its design variance is ``(1 - n/P) S^2_e / n`` with ``e = Y - lambda f``
(``S^2`` with ``ddof=1``), so that the pool term ``Var(f) / N`` of the superpopulation interval
disappears and the finite-population correction ``1 - n/P`` applies (Sarndal, Swensson & Wretman,
*Model Assisted Survey Sampling*, 1992, section 6.3; Cochran, *Sampling Techniques*, 1977,
section 2.6). ``lambda = 0`` gives the classical pool interval ``(1 - n/P) S^2_Y / n``. The tuned
``lambda`` minimises the estimated ``S^2_e``: ``Cov(Y, f) / Var(f)`` over the labelled rows (the
slope of the regression estimator), one ``lambda`` over classes (``"overall"``), clipped to
[0, 1] as PPI++ clips.

The effective sample size is the number ``m`` of labels whose classical pool interval has the
same standard error: ``(1 - m/P) S^2_Y / m = stderr^2``, so ``m = S^2_Y / (stderr^2 + S^2_Y / P)``
(``n`` for the classical estimate, ``P`` for a zero standard error).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._result import build_results

POPULATIONS = ("superpopulation", "pool")


def check_population(population, *, sample_weight=None, sample_weight_unlabeled=None) -> str:
    """Validate ``population``; a finite pool is a simple random sample, so it takes no weights."""
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {POPULATIONS}, got {population!r}.")
    if population == "pool" and (sample_weight is not None or sample_weight_unlabeled is not None):
        raise ValueError(
            "population='pool' assumes the labelled rows are a simple random sample of the pool "
            "(drawn without replacement), so it takes no sample weights; pass population="
            "'superpopulation' with weights."
        )
    return population


def check_classical_pool(population, pool_size, n: int, sample_weight=None) -> int | None:
    """``population`` and ``pool_size`` of a classical estimate from ``n`` labels: the pool's
    size (an integer at least ``n``) for ``"pool"``, None for ``"superpopulation"``."""
    if check_population(population, sample_weight=sample_weight) == "superpopulation":
        if pool_size is not None:
            raise ValueError(
                "pool_size is the size of a finite pool; pass population='pool' with it."
            )
        return None
    if pool_size is None:
        raise ValueError(
            "population='pool' needs pool_size, the number of rows the labels were drawn from "
            "(labelled rows included)."
        )
    if isinstance(pool_size, bool) or not isinstance(pool_size, (int, np.integer)):
        raise TypeError(f"pool_size must be an integer, got {type(pool_size).__name__}.")
    if pool_size < n:
        raise ValueError(
            f"pool_size ({pool_size}) must be at least the number of labelled rows ({n})."
        )
    return int(pool_size)


def pool_lambda(Y: np.ndarray, F: np.ndarray, mode: str = "overall") -> np.ndarray:
    """``Cov1(Y, f) / Var1(f)`` over the labelled rows per dimension (summed first if ``mode ==
    "overall"``), the slope of the regression estimator, clipped to [0, 1]; constant predictions
    give 0."""
    centred_f = F - F.mean(axis=0)
    cov = ((Y - Y.mean(axis=0)) * centred_f).sum(axis=0)
    var = (centred_f**2).sum(axis=0)
    var[var <= 1e-20 * (F**2).sum(axis=0)] = 0.0  # constant up to rounding: no information
    if mode == "overall":
        cov, var = cov.sum(keepdims=True), var.sum(keepdims=True)
    lam = np.divide(cov, var, out=np.zeros_like(cov), where=var > 0)
    return np.broadcast_to(np.clip(lam, 0.0, 1.0), (Y.shape[1],)).copy()


def pool_results(
    Y: np.ndarray,
    F: np.ndarray,
    Fu: np.ndarray,
    lam: np.ndarray,
    *,
    pool_size: int,
    method: str,
    confidence_level: float,
    alternative: str,
    targets: list[str],
):
    """:class:`InferenceResult` per dimension of the pool estimate with coefficient ``lam``.

    ``F`` and ``Fu`` are the predictions of the labelled and of the ``P - n`` unlabelled rows;
    with ``lam = 0`` (classical) any arrays of the right width, e.g. ``Y`` and ``Y[:0]``.
    """
    n = Y.shape[0]
    lam_f = lam * F
    pool_mean_f = (lam_f.sum(axis=0) + (lam * Fu).sum(axis=0)) / pool_size
    residual = Y - lam_f
    theta = pool_mean_f + residual.mean(axis=0)
    se = np.sqrt((1.0 - n / pool_size) * residual.var(axis=0, ddof=1) / n)  # P >= n
    s2_y = Y.var(axis=0, ddof=1)
    denominator = se**2 + s2_y / pool_size
    ess = np.divide(
        s2_y, denominator, out=np.full_like(se, float(pool_size)), where=denominator > 0
    )
    return build_results(
        theta,
        se,
        lam,
        ess,
        n=n,
        N=pool_size - n,
        method=method,
        confidence_level=confidence_level,
        alternative=alternative,
        targets=[f"{target} (pool)" for target in targets],
    )


def with_known_rows(results, Y_known: np.ndarray, Y_labels: np.ndarray, pool_size: int) -> list:
    """Pool results over a sub-pool, extended to a pool that also holds rows of known label.

    ``results`` estimate the mean over ``pool_size - len(Y_known)`` rows (one result per column
    of ``Y_known``); the other ``len(Y_known)`` rows of the pool have labels ``Y_known`` (e.g.
    those a model was fine-tuned on), which enter exactly: ``theta = (sum(Y_known) + M *
    theta_sub) / P`` with standard error ``M / P`` of the sub-pool's. ``Y_labels`` (every label
    used, known rows included) gives ``S^2_Y`` of the effective sample size.
    """
    n_known = Y_known.shape[0]
    scale = (pool_size - n_known) / pool_size
    s2_y = Y_labels.var(axis=0, ddof=1)
    extended = []
    for j, result in enumerate(results):
        shift = Y_known[:, j].sum() / pool_size
        stderr = scale * result.stderr
        denominator = stderr**2 + s2_y[j] / pool_size
        extended.append(
            replace(
                result,
                estimate=shift + scale * result.estimate,
                stderr=stderr,
                confidence_interval=tuple(shift + scale * b for b in result.confidence_interval),
                n_labeled=result.n_labeled + n_known,
                effective_sample_size=float(s2_y[j] / denominator)
                if denominator > 0
                else float(pool_size),
            )
        )
    return extended
