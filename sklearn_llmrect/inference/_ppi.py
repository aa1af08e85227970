"""Classical, PPI and PPI++ estimates of a mean (see ``_core`` for the formulas)."""

from __future__ import annotations

from ._checks import (
    as_float_array,
    check_alternative,
    check_confidence_level,
    check_min_rows,
    check_same_length,
    check_weights,
)
from ._core import check_method, estimate
from ._pool import check_classical_pool, check_population
from ._result import InferenceResult

__all__ = ["classical_mean", "ppi_mean"]


def classical_mean(
    y,
    *,
    sample_weight=None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
    pool_size: int | None = None,
) -> InferenceResult:
    """Mean of the labels with a normal (CLT) confidence interval, the baseline PPI must beat.

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights, normalised to sum to ``n``; the estimate is the weighted mean and
        the standard error ``sqrt(Var0(w * (y - estimate)) / n)``.
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        ``"larger"`` gives a lower confidence bound ``(lo, inf)``, ``"smaller"`` an upper one.
    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the labels are drawn from, i.i.d.
        ``"pool"``: the mean over a finite pool of ``pool_size`` rows from which the labelled
        ones were drawn uniformly without replacement (the finite-population correction
        ``1 - n/pool_size`` applies). No sample weights.
    pool_size : int, optional
        Number of rows of the pool, labelled rows included; required by ``population="pool"``.

    Returns
    -------
    InferenceResult
        With ``method="classical"``, ``lambda_=0`` and ``effective_sample_size == n``.

    Notes
    -----
    With ``population="pool"`` the standard error is ``sqrt((1 - n/P) S^2 / n)``, ``S^2`` the
    variance of the labels with ``ddof=1`` and ``P = pool_size`` (Cochran, *Sampling
    Techniques*, 1977, section 2.6); the rectified functions use the same formula with the
    residuals ``Y - lambda f`` (the difference estimator of Sarndal, Swensson & Wretman, *Model
    Assisted Survey Sampling*, 1992, section 6.3). The effective sample size is then the
    number ``m`` of labels whose pool interval has the same standard error.

    Examples
    --------
    >>> from sklearn_llmrect.inference import classical_mean
    >>> result = classical_mean([1.0, 2.0, 3.0, 4.0])
    >>> result.estimate
    2.5
    >>> round(result.stderr, 6)
    0.559017
    """
    Y = as_float_array(y, "y")
    check_min_rows(Y, "y", 2)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    pool_size = check_classical_pool(population, pool_size, len(Y), sample_weight)
    Y = Y[:, None]
    return estimate(
        Y,
        Y,
        Y[:1],
        w,
        None,
        method="classical",
        lambda_=None,
        mode="overall",
        confidence_level=level,
        alternative=alternative,
        targets=["mean"],
        population=population,
        pool_size=pool_size,
    )[0]


def ppi_mean(
    y,
    yhat,
    yhat_unlabeled,
    *,
    method: str = "ppi++",
    lambda_: float | None = None,
    sample_weight=None,
    sample_weight_unlabeled=None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    population: str = "superpopulation",
) -> InferenceResult:
    """Prediction-powered estimate of a mean: a model's predictions rectified by a few labels.

    The estimate is ``lambda * mean(yhat_unlabeled) + mean(y - lambda * yhat)``. It is unbiased
    for the mean of ``Y`` whatever the model, provided the labelled rows are a uniform random
    sample of the population that the model was not trained on (use :func:`crossfit_ppi_mean`
    when the same labels also trained the model).

    Parameters
    ----------
    y : array-like of shape (n,)
        Human labels of the labelled rows.
    yhat : array-like of shape (n,)
        Model predictions for the same labelled rows.
    yhat_unlabeled : array-like of shape (N,)
        Model predictions for the unlabelled rows (rows without a human label).
    method : {"ppi++", "ppi", "classical"}, default="ppi++"
        ``"ppi++"`` tunes ``lambda`` to minimise the estimated variance (clipped to [0, 1], so it
        is never much worse than the classical mean, even with a useless model); ``"ppi"`` uses
        ``lambda = 1``; ``"classical"`` ignores the predictions (``lambda = 0``).
    lambda_ : float, optional
        Fixed power-tuning parameter for ``method="ppi++"`` instead of the tuned one.
    sample_weight, sample_weight_unlabeled : array-like, optional
        Non-negative weights of the labelled and unlabelled rows (as ppi_py's ``w`` and
        ``w_unlabeled``), each normalised to mean one; e.g. ``p(x) / q(x)`` when rows were
        drawn with known probabilities ``q`` from a population ``p``.
    confidence_level : float, default=0.95
        Nominal coverage, in (0, 1).
    alternative : {"two-sided", "larger", "smaller"}, default="two-sided"
        ``"larger"`` gives a lower confidence bound ``(lo, inf)``, ``"smaller"`` an upper one.
    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"superpopulation"``: the mean of the distribution the rows are drawn from, i.i.d. (as
        ppi_py). ``"pool"``: the mean over the rows given, labelled and unlabelled together,
        the labelled ones a uniform sample of them drawn without replacement; the interval is
        the finite-population (difference-estimator) one, with the correction ``1 - n/(n + N)``
        and no ``Var(f)/N`` term (see Notes of :func:`classical_mean`). No sample weights.

    Returns
    -------
    InferenceResult
        Estimate, standard error, interval, ``lambda_`` and effective sample size.

    Notes
    -----
    The interval is the normal (CLT) one, ``estimate +- z * stderr``, with
    ``stderr**2 = Var0(Y - lambda f(X)) / n + lambda**2 Var0(f(X_unlabeled)) / N`` (biased
    variances, as ppi_py). The tuned ``lambda`` is ``Cov0(Y, f) / ((1 + n/N) Var1(f))``, the
    variance pooled over all ``n + N`` predictions, clipped to [0, 1]; the p-value of the result
    uses the same ``lambda``. With weights the variances are those of the centred weighted terms
    ``w ((Y - theta) - lambda (f - theta))`` and ``w_u lambda (f_u - theta)``.

    See Also
    --------
    classical_mean, crossfit_ppi_mean, ppi_class_shares

    References
    ----------
    .. [1] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [2] A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient prediction-powered
       inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import classical_mean, ppi_mean
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(1.0, 1.0, 200)
    >>> yhat = 0.8 * y + rng.normal(0.3, 0.5, 200)
    >>> y_unl = rng.normal(1.0, 1.0, 2000)
    >>> yhat_unl = 0.8 * y_unl + rng.normal(0.3, 0.5, 2000)
    >>> result = ppi_mean(y, yhat, yhat_unl, confidence_level=0.9)
    >>> round(result.estimate, 6), round(result.lambda_, 4)
    (1.029476, 0.7376)
    >>> result.stderr < classical_mean(y).stderr
    True
    """
    Y = as_float_array(y, "y")
    F = as_float_array(yhat, "yhat")
    Fu = as_float_array(yhat_unlabeled, "yhat_unlabeled")
    check_same_length(Y, "y", F, "yhat")
    check_min_rows(Y, "y", 2)
    check_method(method, lambda_)
    w = check_weights(sample_weight, len(Y), "sample_weight")
    wu = check_weights(sample_weight_unlabeled, len(Fu), "sample_weight_unlabeled")
    level = check_confidence_level(confidence_level)
    check_population(
        population,
        sample_weight=sample_weight,
        sample_weight_unlabeled=sample_weight_unlabeled,
    )
    check_alternative(alternative)
    return estimate(
        Y[:, None],
        F[:, None],
        Fu[:, None],
        w,
        wu,
        method=method,
        lambda_=lambda_,
        mode="overall",
        confidence_level=level,
        alternative=alternative,
        targets=["mean"],
        population=population,
    )[0]
