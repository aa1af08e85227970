"""Which design rectifies: the paper's split at s* or K-fold cross-fitting, by predicted width.

The fitted scaling law ``Var(Y - f_s(X)) = a s^-alpha + b`` predicts the variance of each design
from ``n`` labels and ``N`` unlabelled rows (PPI, ``lambda = 1``; power tuning only narrows it):

* split at ``s`` (Wang, Ye & Zhao, Theorem 1): ``(a s^-alpha + b) / (n - s) + Var(f) / N``;
* K-fold cross-fitting (Zrnic & Candes): every label rectifies the fold model that did not see
  it, each trained on ``n (K - 1) / K`` labels: ``(a (n (K-1)/K)^-alpha + b) / n + Var(f) / N``.

With a non-increasing law, cross-fitting on the same labels is never predicted wider than the
best split; it costs K fits instead of one, so a design with more fits is taken only when its
predicted standard error is smaller by more than ``tolerance``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from .._validation import take_rows
from .allocation import ScalingLaw

FOLD_CHOICES = (2, 5, 10)
PILOT_FRACTIONS = (0.25, 0.5, 0.75)


@dataclass
class DesignChoice:
    """The design ``allocation="auto"`` chose, and the predicted width of every candidate.

    Attributes
    ----------
    design : {"split", "cross"}
    n_folds : int or None
        K of the cross-fit.
    n_finetune : int or None
        ``s*`` of the split.
    predicted_stderr : dict
        Candidate (``"split s=..."``, ``"cross K=..."``, ``"classical"``) -> predicted standard
        error of the estimate.
    pilot : str
        How the law was fitted.
    realised_stderr : float or None
        Standard error of the estimate actually made, to set beside the prediction. None for a
        regression or quantile estimand: the design is chosen by the predicted interval of the
        label's mean (a surrogate that predicts the label better narrows every coefficient's
        interval), which no coefficient's standard error can be set beside.
    population : {"superpopulation", "pool"}
        The estimand of the realised standard error. The predictions are always for the
        superpopulation interval; a pool interval (finite-population correction) is narrower.
    """

    design: str
    n_folds: int | None
    n_finetune: int | None
    predicted_stderr: dict = field(default_factory=dict)
    pilot: str = ""
    law: ScalingLaw | None = None
    realised_stderr: float | None = None
    population: str = "superpopulation"

    @property
    def chosen(self) -> str:
        return f"cross K={self.n_folds}" if self.design == "cross" else f"split s={self.n_finetune}"

    def describe(self) -> str:
        """One line per candidate: its predicted standard error, the chosen one marked."""
        lines = [f"design chosen by the scaling law ({self.pilot}): {self.chosen}"]
        for name, se in self.predicted_stderr.items():
            mark = "  <- chosen" if name == self.chosen else ""
            lines.append(f"  {name:<16} predicted stderr {se:.4g}{mark}")
        if self.realised_stderr is not None:
            what = " (pool mean: the predictions are superpopulation ones)"
            lines.append(
                f"  realised stderr {self.realised_stderr:.4g}"
                + (what if self.population == "pool" else "")
            )
        return "\n".join(lines)


def choose_design(
    law: ScalingLaw,
    n: int,
    n_unlabeled: int,
    *,
    var_y: float,
    tolerance: float,
    split_available: bool = True,
    min_finetune: int = 1,
    pilot: str = "",
) -> DesignChoice:
    """The design with the narrowest predicted interval, fewer fits preferred within tolerance.

    Parameters
    ----------
    law : ScalingLaw
        Fitted, with ``var_y``.
    n, n_unlabeled : int
        Labels available to the design, unlabelled rows.
    var_y : float
        Variance of the label (the classical estimate's variance is ``var_y / n``).
    tolerance : float
        Relative gain in standard error a design with more fits must bring.
    split_available : bool, default=True
        Whether the split is a candidate (its model is already fitted by the pilot).
    min_finetune : int, default=1
        Smallest split considered: the law is not extrapolated below the sizes it was fitted on.
    pilot : str
        Description of how ``law`` was fitted, for the report.
    """
    N = float(n_unlabeled)
    stderr = {"classical": math.sqrt(var_y / n)}
    s_star = None
    if split_available:
        s_star = max(int(law.optimal_split(n, n_unlabeled=N)), min_finetune)
        if 0 < s_star < n - 1:
            stderr[f"split s={s_star}"] = _se(law.predicted_variance([s_star], n, n_unlabeled=N))
        else:
            s_star = None
    for k in FOLD_CHOICES:
        if k <= n:
            residual = float(law.predict([n * (k - 1) / k])[0])
            var_f = max(var_y - residual, 0.0) / N
            stderr[f"cross K={k}"] = math.sqrt(residual / n + var_f)
    # cheapest first: split (no extra fit), then K = 2, 5, 10
    candidates = [name for name in stderr if name != "classical"]
    best = candidates[0]
    for name in candidates[1:]:
        if stderr[name] < stderr[best] / (1.0 + tolerance):
            best = name
    if best.startswith("split"):
        return DesignChoice("split", None, s_star, stderr, pilot, law)
    return DesignChoice("cross", int(best.split("=")[1]), None, stderr, pilot, law)


def _se(variance) -> float:
    return float(np.sqrt(np.asarray(variance, dtype=float)[0]))


def learning_curve_law(
    estimator, X, y, *, residual_variance, var_y: float, rng
) -> tuple[ScalingLaw, str, list[int]]:
    """Fit the scaling law from fits on growing random subsets of the labels (cheap estimators).

    Each fit trains on a fraction of the labels and measures its residual variance on the
    rest; only the choice of design uses these fits, never the estimate.
    """
    n = len(y)
    sizes, variances = [], []
    order = rng.permutation(n)
    for fraction in PILOT_FRACTIONS:
        s = int(round(fraction * n))
        if s < 2 or n - s < 2:
            continue
        train, test = order[:s], order[s:]
        model = clone(estimator).fit(take_rows(X, train), y[train])
        sizes.append(s)
        variances.append(residual_variance(model, take_rows(X, test), y[test]))
    law = ScalingLaw().fit(sizes, variances, var_y=var_y)
    pilot = f"learning curve on {', '.join(map(str, sizes))} of the {n} labels"
    return law, pilot, sizes
