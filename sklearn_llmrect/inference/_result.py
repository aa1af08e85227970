"""Result objects of the statistics core: one estimate with its interval, or one per class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ._checks import check_alternative, check_confidence_level

__all__ = ["InferenceResult", "ClassSharesResult"]

_METHOD_NAMES = {
    "classical": "Classical",
    "ppi": "PPI",
    "ppi++": "PPI++",
    "cross-ppi": "Cross-PPI",
}


def wald_interval(
    estimate: np.ndarray, stderr: np.ndarray, confidence_level: float, alternative: str
) -> tuple[np.ndarray, np.ndarray]:
    """Normal (Wald) interval, with statsmodels' meaning of ``alternative``.

    ``"larger"`` (alternative hypothesis: the true value is larger) gives a lower confidence
    bound ``(estimate - z * stderr, inf)``; ``"smaller"`` gives ``(-inf, estimate + z * stderr)``.
    """
    estimate = np.asarray(estimate, dtype=float)
    stderr = np.asarray(stderr, dtype=float)
    alpha = 1.0 - confidence_level
    if alternative == "two-sided":
        z = ndtri(1.0 - alpha / 2.0)
        return estimate - z * stderr, estimate + z * stderr
    z = ndtri(1.0 - alpha)
    if alternative == "larger":
        return estimate - z * stderr, np.full_like(estimate, np.inf)
    return np.full_like(estimate, -np.inf), estimate + z * stderr


def wald_pvalue(estimate: float, stderr: float, null: float, alternative: str) -> float:
    """p-value of the z-test of ``true value == null`` against ``alternative``."""
    z = (estimate - null) / max(stderr, 1e-16)
    if alternative == "two-sided":
        return float(2.0 * ndtr(-abs(z)))
    if alternative == "larger":
        return float(ndtr(-z))
    return float(ndtr(z))


def build_results(
    theta: np.ndarray,
    se: np.ndarray,
    lam: np.ndarray,
    ess: np.ndarray,
    *,
    n: int,
    N: int,
    method: str,
    confidence_level: float,
    alternative: str,
    targets: list[str],
) -> list[InferenceResult]:
    """Wrap per-dimension arrays into :class:`InferenceResult` objects."""
    lo, hi = wald_interval(theta, se, confidence_level, alternative)
    return [
        InferenceResult(
            estimate=float(theta[j]),
            stderr=float(se[j]),
            confidence_interval=(float(lo[j]), float(hi[j])),
            confidence_level=confidence_level,
            alternative=alternative,
            method=method,
            lambda_=float(lam[j]),
            n_labeled=n,
            n_unlabeled=N,
            effective_sample_size=float(ess[j]),
            target=targets[j],
        )
        for j in range(theta.shape[0])
    ]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True)
class InferenceResult:
    """An estimate with its standard error, confidence interval and effective sample size.

    Returned by :func:`classical_mean`, :func:`ppi_mean` and :func:`crossfit_ppi_mean`, and
    (one per class) inside :class:`ClassSharesResult`.

    Attributes
    ----------
    estimate : float
        Point estimate.
    stderr : float
        Estimated standard error of ``estimate`` (plug-in, normal approximation).
    confidence_interval : tuple of float
        ``(lower, upper)``; one end is infinite for one-sided alternatives.
    confidence_level : float
        Nominal coverage of ``confidence_interval``, e.g. 0.95.
    alternative : {"two-sided", "larger", "smaller"}
        ``"larger"`` gives a lower confidence bound, ``"smaller"`` an upper one.
    method : {"classical", "ppi", "ppi++", "cross-ppi"}
        Estimator that produced the result.
    lambda_ : float
        Power-tuning parameter: 0 for classical, 1 for PPI and cross-PPI, tuned for PPI++.
    n_labeled, n_unlabeled : int
        Number of labelled rows (with a human label) and of unlabelled rows (predictions only).
    effective_sample_size : float
        Number of labels the classical estimator would need for the same standard error,
        ``n_labeled * (classical stderr / stderr) ** 2`` with the classical standard error
        estimated on the same labelled rows.
    target : str
        What is estimated, e.g. ``"mean"`` or ``"share of class 'pos'"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_mean
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=100)
    >>> result = ppi_mean(y, y + 0.1 * rng.normal(size=100), rng.normal(size=1000))
    >>> result.confidence_interval[0] < result.estimate < result.confidence_interval[1]
    True
    >>> 0.0 <= result.pvalue(null=0.0) <= 1.0
    True
    """

    estimate: float
    stderr: float
    confidence_interval: tuple[float, float]
    confidence_level: float
    alternative: str
    method: str
    lambda_: float
    n_labeled: int
    n_unlabeled: int
    effective_sample_size: float
    target: str = "mean"

    @property
    def width(self) -> float:
        """Width of the confidence interval (infinite for one-sided intervals)."""
        return float(self.confidence_interval[1] - self.confidence_interval[0])

    def pvalue(self, null: float = 0.0, alternative: str | None = None) -> float:
        """p-value of the z-test of ``true value == null``.

        Parameters
        ----------
        null : float, default=0.0
            Value under the null hypothesis.
        alternative : {"two-sided", "larger", "smaller"}, optional
            Alternative hypothesis; defaults to the result's own ``alternative``. ``"larger"``
            tests against ``true value > null``.

        Returns
        -------
        float
            The p-value. It is below ``1 - confidence_level`` exactly when ``null`` lies
            outside the interval of the same alternative.
        """
        alternative = self.alternative if alternative is None else check_alternative(alternative)
        return wald_pvalue(self.estimate, self.stderr, float(null), alternative)

    def interval(
        self, confidence_level: float | None = None, alternative: str | None = None
    ) -> tuple[float, float]:
        """Confidence interval at another level or alternative, from the same standard error."""
        level = (
            self.confidence_level
            if confidence_level is None
            else check_confidence_level(confidence_level)
        )
        alternative = self.alternative if alternative is None else check_alternative(alternative)
        lo, hi = wald_interval(self.estimate, self.stderr, level, alternative)
        return float(lo), float(hi)

    def summary(self) -> str:
        """A readable multi-line report of the result."""
        name = _METHOD_NAMES.get(self.method, self.method)
        title = f"{name} estimate of the {self.target}"
        if self.method in ("ppi++", "ppi", "cross-ppi"):
            title += f" (lambda = {self.lambda_:.4g})"
        lo, hi = self.confidence_interval
        ratio = self.effective_sample_size / self.n_labeled if self.n_labeled else np.nan
        rows = [
            ("estimate", _fmt(self.estimate)),
            ("standard error", _fmt(self.stderr)),
            (
                f"{100 * self.confidence_level:g}% interval",
                f"[{_fmt(lo)}, {_fmt(hi)}]  ({self.alternative})",
            ),
            ("labelled / unlabelled", f"{self.n_labeled:,} / {self.n_unlabeled:,}"),
            (
                "effective sample size",
                f"{self.effective_sample_size:,.1f}  ({ratio:.3g} x the labelled rows)",
            ),
        ]
        lines = [title, "-" * len(title)]
        lines += [f"{key:<23}{value}" for key, value in rows]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class ClassSharesResult:
    """Per-class share estimates, one :class:`InferenceResult` per class.

    Returned by :func:`ppi_class_shares`, :func:`classical_class_shares` and
    :func:`crossfit_ppi_class_shares`. Index it by class label to get one class's result.

    Attributes
    ----------
    classes : tuple
        Class labels, in the column order of the predicted probabilities.
    results : tuple of InferenceResult
        One result per class, in the order of ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.inference import ppi_class_shares
    >>> y = np.array(["a", "b", "a", "a", "b", "a"])
    >>> proba = np.array([[.9, .1], [.2, .8], [.7, .3], [.6, .4], [.3, .7], [.8, .2]])
    >>> proba_unlabeled = np.tile([[0.5, 0.5]], (10, 1))
    >>> shares = ppi_class_shares(y, proba, proba_unlabeled, classes=["a", "b"], method="ppi")
    >>> shares.estimates.round(3).tolist()  # 0.5 on the unlabelled rows + (4/6 - 3.5/6)
    [0.583, 0.417]
    >>> shares["b"].method
    'ppi'
    """

    classes: tuple
    results: tuple[InferenceResult, ...]

    def __getitem__(self, label) -> InferenceResult:
        for cls, result in zip(self.classes, self.results, strict=True):
            if cls == label:
                return result
        raise KeyError(f"{label!r} is not one of the classes {list(self.classes)}.")

    def __iter__(self) -> Iterator[InferenceResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def estimates(self) -> np.ndarray:
        """Share estimates, shape (n_classes,)."""
        return np.array([r.estimate for r in self.results])

    @property
    def stderrs(self) -> np.ndarray:
        """Standard errors, shape (n_classes,)."""
        return np.array([r.stderr for r in self.results])

    @property
    def confidence_intervals(self) -> np.ndarray:
        """Intervals, shape (n_classes, 2): lower bounds in column 0, upper in column 1."""
        return np.array([r.confidence_interval for r in self.results])

    @property
    def lambdas(self) -> np.ndarray:
        """Power-tuning parameter of each class, shape (n_classes,)."""
        return np.array([r.lambda_ for r in self.results])

    @property
    def effective_sample_sizes(self) -> np.ndarray:
        """Effective sample size of each class's share, shape (n_classes,)."""
        return np.array([r.effective_sample_size for r in self.results])

    @property
    def method(self) -> str:
        """Estimator used."""
        return self.results[0].method

    @property
    def confidence_level(self) -> float:
        """Nominal coverage of each interval (not simultaneous over classes)."""
        return self.results[0].confidence_level

    @property
    def alternative(self) -> str:
        """Alternative of each interval."""
        return self.results[0].alternative

    @property
    def n_labeled(self) -> int:
        """Number of labelled rows."""
        return self.results[0].n_labeled

    @property
    def n_unlabeled(self) -> int:
        """Number of unlabelled rows."""
        return self.results[0].n_unlabeled

    def summary(self) -> str:
        """A readable table with one row per class."""
        first = self.results[0]
        name = _METHOD_NAMES.get(first.method, first.method)
        title = (
            f"{name} estimates of class shares ({100 * first.confidence_level:g}% "
            f"{first.alternative} intervals, {first.n_labeled:,} labelled / "
            f"{first.n_unlabeled:,} unlabelled rows)"
        )
        header = f"{'class':<16}{'share':>10}{'std.err':>10}{'lower':>10}{'upper':>10}"
        header += f"{'lambda':>8}{'eff. n':>10}"
        lines = [title, header, "-" * len(header)]
        for cls, r in zip(self.classes, self.results, strict=True):
            lo, hi = r.confidence_interval
            lines.append(
                f"{str(cls)[:15]:<16}{r.estimate:>10.4f}{r.stderr:>10.4f}{lo:>10.4f}{hi:>10.4f}"
                f"{r.lambda_:>8.3f}{r.effective_sample_size:>10.1f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
