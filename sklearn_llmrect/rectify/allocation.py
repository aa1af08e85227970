"""How many of ``n`` labels to spend on fine-tuning and how many on rectification.

Fine-tune-then-rectify (Wang, Ye & Zhao, arXiv 2511.19486) fine-tunes a model ``f_s`` on ``s`` of
the ``n`` human labels and rectifies its predictions with the other ``n - s`` (plain PPI). The
variance of the final estimate is

    Var(Y - f_s(X)) / (n - s) + Var(f_s(X)) / N,

with ``N`` unlabelled rows. Its residual variance is modelled by the fine-tuning scaling law
``Var(Y - f_s(X)) = a * s**(-alpha) + b``, fitted here by :class:`ScalingLaw`; the paper drops the
second term (``N`` large) and its Theorem 1 gives the optimal ``s`` as the root of

    alpha * a * n * s**(-alpha - 1) - (alpha + 1) * a * s**(-alpha) - b = 0      (eq. 4)

which :meth:`ScalingLaw.optimal_split` finds by bisection.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._power_law_fit import fit_power_law

__all__ = ["ScalingLaw"]


def _power_law(s, a: float, alpha: float, b: float) -> np.ndarray:
    return a * np.asarray(s, dtype=float) ** (-alpha) + b


def _positive_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, numbers.Real)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if float(value) != math.floor(float(value)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _nonneg_float(value, name: str, *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


class ScalingLaw(BaseEstimator):
    """Fine-tuning scaling law ``Var(Y - f_s(X)) = a * s**(-alpha) + b`` and the optimal split.

    ``fit`` takes (fine-tuning size, residual variance) pairs, e.g. from nested fine-tuning runs
    scored on a held-out validation set, and fits ``(a, alpha, b)`` by bounded least squares.
    The authors' code runs a non-linear solver from several starts; here the fit uses variable
    projection: for each exponent ``alpha`` the best ``(a, b)`` within their bounds is exact
    (the model is linear in them), and the exponent is found on a dense grid polished by a
    bounded Brent search: the same optimum, several times faster.
    ``optimal_split`` then solves the paper's Theorem 1.

    Parameters
    ----------
    alpha_bounds : tuple of float, default=(0.02, 1.5)
        Bounds on the exponent ``alpha`` (the authors' code uses the same).
    b_max : float, optional
        Upper bound on the floor ``b``. Defaults to ``var_y`` when it is passed to ``fit``
        (the authors' choice), otherwise to the largest observed residual variance.

    Attributes
    ----------
    a_, alpha_, b_ : float
        Fitted parameters (``a_ > 0``, ``alpha_`` within ``alpha_bounds``, ``0 <= b_ <= b_max``).
    r2_ : float
        Coefficient of determination of the fit on the training points (NaN when all residual
        variances are equal).
    sse_ : float
        Sum of squared errors of the fit.
    n_points_ : int
        Number of (size, variance) pairs fitted.
    sizes_, residual_variances_ : ndarray of shape (n_points_,)
        The pairs fitted (empty for :meth:`from_params`), e.g. to plot the law over them.
    var_y_ : float or None
        Variance of the label, if given to ``fit`` or ``from_params``; the "do not fine-tune"
        baseline of :meth:`optimal_split`.

    References
    ----------
    .. [1] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with
       limited human data: fine-tuning then rectification", arXiv:2511.19486, 2025 (section 4,
       Theorem 1, Propositions 1-3, Appendix EC.2).
    .. [2] A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic,
       "Prediction-powered inference", Science 382(6671), 2023.
    .. [3] G. H. Golub, V. Pereyra, "Separable nonlinear least squares: the variable projection
       method and its applications", Inverse Problems 19(2), 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.rectify.allocation import ScalingLaw
    >>> sizes = np.array([50, 100, 200, 400, 800, 1600, 3200])
    >>> law = ScalingLaw().fit(sizes, 10.21 * sizes ** -0.21 + 1.98)
    >>> round(law.alpha_, 3), round(law.b_, 3), round(law.r2_, 6)
    (0.21, 1.98, 1.0)
    >>> law.optimal_split(10_000)
    1028
    >>> ScalingLaw.from_params(a=10.21, alpha=0.21, b=1.98).optimal_split(10_000)
    1028
    """

    def __init__(self, *, alpha_bounds=(0.02, 1.5), b_max=None):
        self.alpha_bounds = alpha_bounds
        self.b_max = b_max

    # ------------------------------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------------------------------

    def fit(self, sizes, residual_variances, *, var_y: float | None = None) -> ScalingLaw:
        """Fit ``(a, alpha, b)`` to measured residual variances.

        Parameters
        ----------
        sizes : array-like of shape (m,)
            Fine-tuning sizes ``s`` (numbers of labels), > 0; at least 3 distinct values.
            Repeated sizes (replications) are allowed.
        residual_variances : array-like of shape (m,)
            Residual variance ``Var(Y - f_s(X))`` of the model fine-tuned on ``s`` labels,
            measured on held-out labelled data (e.g. with ``ddof=1``), >= 0.
        var_y : float, optional
            Variance of the label; the default upper bound on ``b`` and the "do not fine-tune"
            baseline of :meth:`optimal_split`.

        Returns
        -------
        self : ScalingLaw
            Fitted law.
        """
        x, y = self._check_points(sizes, residual_variances)
        var_y = _nonneg_float(var_y, "var_y")
        alpha_bounds = self._check_alpha_bounds()
        if self.b_max is not None:
            b_upper = _nonneg_float(self.b_max, "b_max", allow_none=False)
        else:
            b_upper = var_y if var_y is not None else float(y.max())
        a, alpha, b, best_sse = fit_power_law(
            x, y, alpha_bounds=alpha_bounds, b_max=max(b_upper, 1e-12)
        )
        self.a_, self.alpha_, self.b_ = a, alpha, b
        self.sse_ = best_sse
        sst = float(np.sum((y - y.mean()) ** 2))
        self.r2_ = 1.0 - best_sse / sst if sst > 0 else float("nan")
        self.n_points_ = len(x)
        self.sizes_, self.residual_variances_ = x, y
        self.var_y_ = var_y
        return self

    @classmethod
    def from_params(
        cls, a: float, alpha: float, b: float, *, var_y: float | None = None
    ) -> ScalingLaw:
        """A law with known parameters, e.g. from the paper or an earlier pilot.

        Parameters
        ----------
        a : float
            Scale, >= 0.
        alpha : float
            Exponent, > 0.
        b : float
            Floor (irreducible residual variance), >= 0.
        var_y : float, optional
            Variance of the label (the "do not fine-tune" baseline of :meth:`optimal_split`).

        Returns
        -------
        ScalingLaw
            Usable as if fitted (``r2_`` is NaN, ``n_points_`` is 0, no points).
        """
        law = cls()
        law.a_ = _nonneg_float(a, "a", allow_none=False)
        alpha = _nonneg_float(alpha, "alpha", allow_none=False)
        if alpha <= 0:
            raise ValueError(f"alpha must be > 0, got {alpha!r}.")
        law.alpha_ = alpha
        law.b_ = _nonneg_float(b, "b", allow_none=False)
        law.var_y_ = _nonneg_float(var_y, "var_y")
        law.r2_ = float("nan")
        law.sse_ = float("nan")
        law.n_points_ = 0
        law.sizes_ = law.residual_variances_ = np.empty(0)
        return law

    def _check_alpha_bounds(self) -> tuple[float, float]:
        try:
            lo, hi = (float(v) for v in self.alpha_bounds)
        except (TypeError, ValueError):
            raise ValueError(
                f"alpha_bounds must be a pair (low, high), got {self.alpha_bounds!r}."
            ) from None
        if not (0 < lo < hi < math.inf):
            raise ValueError(
                f"alpha_bounds must satisfy 0 < low < high, got {self.alpha_bounds!r}."
            )
        return lo, hi

    @staticmethod
    def _check_points(sizes, residual_variances) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(sizes, dtype=float).ravel()
        y = np.asarray(residual_variances, dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(
                f"sizes and residual_variances must have the same length, got {x.size} and "
                f"{y.size}."
            )
        if not np.isfinite(x).all() or (x <= 0).any():
            raise ValueError("sizes must be finite and > 0 (numbers of fine-tuning labels).")
        if not np.isfinite(y).all() or (y < 0).any():
            raise ValueError("residual_variances must be finite and >= 0.")
        if np.unique(x).size < 3:
            raise ValueError(
                f"sizes must contain at least 3 distinct values to fit (a, alpha, b), got "
                f"{np.unique(x).size}."
            )
        return x, y

    # ------------------------------------------------------------------------------------------
    # prediction and allocation
    # ------------------------------------------------------------------------------------------

    def predict(self, sizes) -> np.ndarray:
        """Predicted residual variance ``a * s**(-alpha) + b`` at fine-tuning sizes ``s > 0``.

        Parameters
        ----------
        sizes : array-like
            Fine-tuning sizes, > 0.

        Returns
        -------
        ndarray
            Same shape as ``sizes``.
        """
        check_is_fitted(self, ("a_", "alpha_", "b_"))
        s = np.asarray(sizes, dtype=float)
        if not np.isfinite(s).all() or (s <= 0).any():
            raise ValueError("sizes must be finite and > 0; at s = 0 there is no fine-tuned model.")
        return _power_law(s, self.a_, self.alpha_, self.b_)

    def predicted_variance(
        self,
        s,
        n: int,
        *,
        n_unlabeled: float | None = None,
        var_prediction: float | None = None,
        var_zero_shot: float | None = None,
    ) -> np.ndarray:
        """Predicted variance of the final estimate when ``s`` of ``n`` labels fine-tune.

        For ``0 < s < n`` it is ``(a s**-alpha + b) / (n - s) + Var(f_s) / N`` (the second term
        only when ``n_unlabeled`` is given). ``s = 0`` means "do not fine-tune": the smaller of
        ``var_zero_shot / n (+ Var(f_0) / N)`` (PPI with the zero-shot model on all ``n`` labels)
        and ``var_y / n`` (the classical mean), among those that are known.

        Parameters
        ----------
        s : int or array-like of int
            Fine-tuning sizes, ``0 <= s < n``.
        n : int
            Total number of labels.
        n_unlabeled : float, optional
            Number ``N`` of unlabelled rows. ``None`` (or inf) drops the ``Var(f)/N`` term, as
            the paper does.
        var_prediction : float, optional
            ``Var(f(X))`` over the unlabelled rows, e.g. the variance of a pilot model's
            predictions on them, taken as the same for every ``s``. If None and
            ``n_unlabeled`` is given, it is ``max(var_y - Var(Y - f_s(X)), 0)``, exact for a
            calibrated model whose residual is uncorrelated with its prediction (needs
            ``var_y``).
        var_zero_shot : float, optional
            Residual variance ``Var(Y - f_0(X))`` of the model before fine-tuning.

        Returns
        -------
        ndarray
            Predicted variance for each ``s``; ``inf`` at ``s = 0`` when neither ``var_y`` nor
            ``var_zero_shot`` is known.

        Examples
        --------
        >>> from sklearn_llmrect.rectify.allocation import ScalingLaw
        >>> law = ScalingLaw.from_params(a=10.21, alpha=0.21, b=1.98, var_y=9.57)
        >>> (law.predicted_variance([0, 1028, 5000], n=10_000) * 10_000).round(3).tolist()
        [9.57, 4.859, 7.374]
        >>> law.predicted_variance([1028], n=10_000, n_unlabeled=100_000).round(6).tolist()
        [0.000538]
        """
        check_is_fitted(self, ("a_", "alpha_", "b_"))
        n = _positive_int(n, "n", 2)
        N = self._check_unlabeled(n_unlabeled)
        var_prediction = _nonneg_float(var_prediction, "var_prediction")
        var_zero_shot = _nonneg_float(var_zero_shot, "var_zero_shot")
        s = np.asarray(s, dtype=float)
        if not np.isfinite(s).all() or (s < 0).any() or (s >= n).any():
            raise ValueError(f"s must lie in [0, n) = [0, {n}), got values outside it.")
        out = np.empty_like(s)
        tuned = s > 0
        out[tuned] = self._objective(s[tuned], n, N, var_prediction)
        out[~tuned] = self._baseline(n, N, var_prediction, var_zero_shot)
        return out

    def optimal_split(
        self,
        n: int,
        *,
        n_unlabeled: float | None = None,
        var_prediction: float | None = None,
        var_zero_shot: float | None = None,
        integer: bool = True,
    ) -> int | float:
        """Number of the ``n`` labels to spend on fine-tuning (the rest rectify): Theorem 1.

        Without ``n_unlabeled`` (or with a fixed ``var_prediction``, which adds the same
        constant ``var_prediction / N`` to every split) the optimum is the unique root of eq. 4,
        ``alpha a n s**(-alpha-1) - (alpha+1) a s**(-alpha) - b = 0``, found by bisection on
        ``alpha n - (alpha+1) s - (b/a) s**(alpha+1)`` (the same equation times
        ``s**(alpha+1) / a``, strictly decreasing on (0, n)). With ``n_unlabeled`` and
        ``var_prediction=None`` the term ``Var(f_s)/N = max(var_y - a s**-alpha - b, 0) / N``
        depends on ``s`` and the objective is evaluated at every integer split (fast up to
        millions of labels).

        The result is 0 ("do not fine-tune") when the best split does not strictly beat the
        baseline of :meth:`predicted_variance` at ``s = 0``: rectifying the zero-shot model with
        all ``n`` labels (when ``var_zero_shot`` is given) or the classical mean (``var_y``, as in
        the paper's Propositions 2 and 3). A fine-tuned model does not exist at ``s = 0``, so the
        law itself cannot be evaluated there; without ``var_y`` and ``var_zero_shot`` there is no
        baseline and the interior optimum is returned.

        Parameters
        ----------
        n : int
            Total number of labels, >= 2.
        n_unlabeled : float, optional
            Number of unlabelled rows ``N``; None keeps the paper's objective.
        var_prediction : float, optional
            ``Var(f(X))`` on the unlabelled rows; see :meth:`predicted_variance`.
        var_zero_shot : float, optional
            Residual variance of the model before fine-tuning.
        integer : bool, default=True
            Return the best integer split (in ``[1, n-1]``, or 0). With False, return the
            continuous optimum (or 0.0).

        Returns
        -------
        int or float
            Fine-tuning size ``s*``; ``n - s*`` labels are left for rectification.

        Examples
        --------
        >>> from sklearn_llmrect.rectify.allocation import ScalingLaw
        >>> law = ScalingLaw.from_params(a=10.21, alpha=0.21, b=1.98)
        >>> law.optimal_split(10_000), round(law.optimal_split(10_000, integer=False), 1)
        (1028, 1028.3)
        >>> ScalingLaw.from_params(a=1.0, alpha=1.0, b=0.9, var_y=1.0).optimal_split(100)
        0
        """
        check_is_fitted(self, ("a_", "alpha_", "b_"))
        n = _positive_int(n, "n", 2)
        N = self._check_unlabeled(n_unlabeled)
        var_prediction = _nonneg_float(var_prediction, "var_prediction")
        var_zero_shot = _nonneg_float(var_zero_shot, "var_zero_shot")
        if N is not None and var_prediction is None:
            self._require_var_y("n_unlabeled without var_prediction")
            s_best = self._grid_optimum(n, N, integer)
        else:
            s_best = self._root_optimum(n, N, var_prediction, integer)
        if s_best == 0:
            return 0 if integer else 0.0
        baseline = self._baseline(n, N, var_prediction, var_zero_shot)
        best = float(self._objective(np.array([s_best], dtype=float), n, N, var_prediction)[0])
        if not best < baseline:
            return 0 if integer else 0.0
        return int(s_best) if integer else float(s_best)

    # ------------------------------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _check_unlabeled(n_unlabeled) -> float | None:
        if n_unlabeled is None:
            return None
        if isinstance(n_unlabeled, bool) or not isinstance(n_unlabeled, numbers.Real):
            raise TypeError(f"n_unlabeled must be a number, got {type(n_unlabeled).__name__}.")
        if math.isnan(n_unlabeled) or n_unlabeled < 1:
            raise ValueError(f"n_unlabeled must be >= 1 (or None), got {n_unlabeled!r}.")
        return None if math.isinf(n_unlabeled) else float(n_unlabeled)

    def _require_var_y(self, why: str) -> float:
        if self.var_y_ is None:
            raise ValueError(
                f"{why} needs Var(f(X)); pass var_prediction, or give var_y to fit/from_params "
                "so that Var(f_s(X)) = var_y - Var(Y - f_s(X)) can be used."
            )
        return self.var_y_

    def _var_f(self, residual_var, N, var_prediction):
        if N is None:
            return 0.0
        if var_prediction is not None:
            return var_prediction / N
        return np.maximum(self._require_var_y("n_unlabeled") - residual_var, 0.0) / N

    def _objective(self, s: np.ndarray, n: int, N, var_prediction) -> np.ndarray:
        g = _power_law(s, self.a_, self.alpha_, self.b_)
        return g / (n - s) + self._var_f(g, N, var_prediction)

    def _baseline(self, n: int, N, var_prediction, var_zero_shot) -> float:
        candidates = []
        if var_zero_shot is not None:
            candidates.append(var_zero_shot / n + self._var_f(var_zero_shot, N, var_prediction))
        if self.var_y_ is not None:
            candidates.append(self.var_y_ / n)
        return float(min(candidates)) if candidates else math.inf

    def _root_optimum(self, n: int, N, var_prediction, integer: bool) -> float:
        if self.a_ <= 0:  # fine-tuning does not reduce the residual variance
            return 0
        alpha, ratio = self.alpha_, self.b_ / self.a_
        lo, hi = 0.0, float(n)
        for _ in range(200):  # bisection on alpha n - (alpha+1) s - (b/a) s^(alpha+1)
            mid = 0.5 * (lo + hi)
            if alpha * n - (alpha + 1.0) * mid - ratio * mid ** (alpha + 1.0) > 0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-12 * n:
                break
        root = 0.5 * (lo + hi)
        if not integer:
            return root
        candidates = np.unique(np.clip([math.floor(root), math.ceil(root)], 1, n - 1))
        values = self._objective(candidates.astype(float), n, N, var_prediction)
        return int(candidates[int(np.argmin(values))])

    def _grid_optimum(self, n: int, N: float, integer: bool) -> float:
        s = np.arange(1, n, dtype=float)
        values = self._objective(s, n, N, None)
        best = int(s[int(np.argmin(values))])
        if integer:
            return best
        from scipy.optimize import minimize_scalar

        lo, hi = max(best - 1.0, 1e-9), min(best + 1.0, n - 1e-9)
        fitted = minimize_scalar(
            lambda v: float(self._objective(np.array([v]), n, N, None)[0]),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-9},
        )
        return float(fitted.x)
