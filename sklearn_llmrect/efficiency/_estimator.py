"""DataEfficiencyEstimator: CoS-Low from 32 labelled low-confidence examples, mapped to an AUC."""

from __future__ import annotations

import numbers
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._validation import n_rows, take_rows
from ..selection._low_confidence import confidence, low_confidence_sample
from ._auc import labels_needed_from_auc
from ._calibration import Calibration, available_calibrations
from ._similarity import median_pairwise_cosine, pairwise_cosines

__all__ = ["DataEfficiencyEstimator", "model_family", "zero_shot_estimator"]

_FALLBACK = "llama-3.1-8b-instruct"


def model_family(estimator) -> str:
    """``"<model name>/<head>"`` of a fitted LLM estimator, e.g.
    ``"smollm2-135m-instruct/verbalizer"``: the key calibrations are stored under."""
    name = Path(str(estimator.model)).name
    for suffix in (".gguf", ".safetensors"):
        name = name.removesuffix(suffix)
    return f"{name}/{getattr(estimator, 'head_', estimator.head)}"


def zero_shot_estimator(estimator, X, y):
    """A clone of ``estimator`` fitted with ``max_epochs=0`` (loads the model; no training)."""
    if "max_epochs" not in estimator.get_params():
        raise TypeError(
            "estimator must be one of the package's LLM estimators (LLMClassifier, "
            f"LLMRegressor); got {type(estimator).__name__}, which has no max_epochs."
        )
    return clone(estimator).set_params(max_epochs=0).fit(X, y)


def _positive_int(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


class DataEfficiencyEstimator(BaseEstimator):
    """Predict how many labels a task needs from a few labelled low-confidence examples (CoS-Low).

    1. The zero-shot model (a clone of ``estimator`` with ``max_epochs=0``) scores its
       confidence in its own answer on every row; ``n_examples`` rows are drawn from the
       lowest ``quantile`` (:class:`~sklearn_llmrect.selection.LowConfidenceSelector`).
    2. Each one's gradient of the estimator's own training loss (cross-entropy, or the
       residual-variance / squared-error loss of a regressor) with respect to freshly
       initialised LoRA adapters is computed. At initialisation only the ``B`` matrices have a
       non-zero gradient, which is the full weight gradient projected by a random ``A``; the
       gradients of ``n_projections`` independent ``A`` draws come from one backward pass.
    3. ``cos_low_`` is the median over pairs of the pairwise cosine of the flattened gradients
       (the cosines averaged over the projections).
    4. A calibration ``AUC' = c * CoS-Low + I`` for the model family gives ``predicted_auc_``,
       and :meth:`labels_needed` reads a budget off the curve ``x ** p``.

    Parameters
    ----------
    estimator : LLMClassifier or LLMRegressor
        The model and task set-up (prompt, verbalizer, loss) whose fine-tuning is predicted.
        A causal LM with its verbalizer head is the paper's setting. An encoder's zero-initialised
        linear head blocks all gradients to the backbone; then the head's gradient is used
        (``gradient_source_ == "linear head"``).
    n_examples : int, default=32
        Labelled low-confidence examples (496 pairs for 32).
    quantile : float in (0, 1], default=0.1
        Bottom share of the confidence to sample from; 1.0 gives the "random examples"
        baseline.
    lora_r : int, default=64
    lora_alpha : float, default=32
        Rank and scaling of the fresh adapters (the paper's values; the scale does not change
        cosines).
    n_projections : int, default=3
        Independent adapter initialisations, averaged (the paper uses one, unseeded).
    target_modules : "auto", "all-linear", str or list of str, default="auto"
        Adapted layers: ``"auto"`` uses the estimator's own (``q_proj``, ``v_proj`` for
        Llama-type models); the paper adapts all seven projections (``"all-linear"``), which
        costs about 7x the memory.
    calibration : "auto", str, Calibration or path, default="auto"
        ``"auto"``: the calibration stored for this model family if there is one, else the
        paper's Llama-3.1-8B coefficients (the report says so). A family name, a
        :class:`~sklearn_llmrect.efficiency.Calibration` or a JSON file from
        :meth:`Calibration.save`.
    batch_size : int, default=8
        Examples per forward/backward pass.
    random_state : int, RandomState or None, default=None
        Seeds the sample of examples and the adapter draws.
    verbose : int, default=0

    Attributes
    ----------
    cos_low_ : float
    cos_low_per_projection_ : ndarray of shape (n_projections,)
        CoS-Low under each adapter draw alone (one entry for a linear head, which has no
        random adapter).
    pairwise_cosines_ : ndarray of shape (n_examples, n_examples)
        Cosines averaged over the projections.
    gradient_norms_ : ndarray of shape (n_examples,)
        Gradient norm of each example (mean over projections).
    confidence_ : ndarray of shape (n_samples,)
        The zero-shot model's confidence on every row given to ``fit``.
    selected_indices_ : ndarray of int
        Rows of X used, lowest confidence first.
    gradient_source_ : {"lora_B", "linear head"}
    family_ : str
    calibration_ : Calibration
    predicted_auc_ : float

    References
    ----------
    G. H. Je & C. Raffel (2025). Efficiently Estimating Data Efficiency for Language Model
    Fine-tuning. arXiv:2512.24991. Code: github.com/r-three/dataefficiency.

    Examples
    --------
    >>> from sklearn_llmrect import DataEfficiencyEstimator, LLMClassifier
    >>> X = ["loved it", "awful", "great film", "boring", "superb", "terrible plot"]
    >>> y = ["pos", "neg", "pos", "neg", "pos", "neg"]
    >>> scorer = DataEfficiencyEstimator(
    ...     LLMClassifier(dtype="float32", device="cpu"), n_examples=4, lora_r=4,
    ...     n_projections=1, random_state=0).fit(X, y)
    >>> len(scorer.selected_indices_), -1 <= scorer.cos_low_ <= 1
    (4, True)
    >>> scorer.labels_needed(0.9) > 0
    True
    """

    def __init__(
        self,
        estimator,
        *,
        n_examples=32,
        quantile=0.1,
        lora_r=64,
        lora_alpha=32,
        n_projections=3,
        target_modules="auto",
        calibration="auto",
        batch_size=8,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_examples = n_examples
        self.quantile = quantile
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.n_projections = n_projections
        self.target_modules = target_modules
        self.calibration = calibration
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    # -- checks -----------------------------------------------------------------------------
    def _check_params(self):
        if self.estimator is None:
            raise ValueError("estimator is None; pass an LLMClassifier or LLMRegressor.")
        _positive_int(self.n_examples, "n_examples", low=2)
        _positive_int(self.lora_r, "lora_r")
        _positive_int(self.n_projections, "n_projections")
        _positive_int(self.batch_size, "batch_size")
        q = self.quantile
        if isinstance(q, bool) or not isinstance(q, numbers.Real) or not 0 < q <= 1:
            raise ValueError(f"quantile must be in (0, 1]; got {q!r}.")
        a = self.lora_alpha
        if isinstance(a, bool) or not isinstance(a, numbers.Real) or not a > 0:
            raise ValueError(f"lora_alpha must be a positive number; got {a!r}.")

    def _resolve_calibration(self, family: str) -> tuple[Calibration, str]:
        spec = self.calibration
        if isinstance(spec, Calibration):
            return spec, "given"
        known = available_calibrations()
        if spec == "auto":
            if family in known:
                return known[family], "stored for this model family"
            return known[_FALLBACK], (
                f"no calibration is stored for '{family}': fell back to the paper's "
                f"{_FALLBACK} coefficients, which were fitted on 7-14B models and budgets up to "
                "5,000; fit one with calibrate() for a trustworthy number"
            )
        if isinstance(spec, str) and spec in known:
            return known[spec], "named"
        if isinstance(spec, (str, Path)) and Path(spec).is_file():
            return Calibration.load(spec), f"loaded from {spec}"
        raise ValueError(
            f"calibration must be 'auto', a Calibration, a JSON file or one of "
            f"{sorted(known)}; got {spec!r}."
        )

    # -- fitting ----------------------------------------------------------------------------
    def select(self, X, classes=None) -> np.ndarray:
        """Rows of an unlabelled pool to label: ``n_examples`` of the lowest-confidence ones.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
            The unlabelled pool.
        classes : sequence, optional
            The task's classes (required for a classifier: the zero-shot model reads them as
            label words). Not used for regressors (the ranking does not depend on the scale).

        Returns
        -------
        ndarray of int, shape (n_examples,)
            Then label these rows and call ``fit(X[rows], labels)``.
        """
        self._check_params()
        n = n_rows(X)
        if n < self.n_examples:
            raise ValueError(f"X has {n} rows; n_examples={self.n_examples} must be at most that.")
        if is_classifier(self.estimator):
            if classes is None or len(classes) < 2:
                raise ValueError(
                    "select() with a classifier needs classes (at least two), the task's labels; "
                    f"got classes={classes!r}."
                )
            labels = np.asarray(list(classes), dtype=object)
        else:
            labels = np.array([0.0, 1.0])
        rows = np.arange(len(labels)) % n
        zero = zero_shot_estimator(self.estimator, take_rows(X, rows), labels)
        rng = check_random_state(self.random_state)
        scores = confidence(zero, X, random_state=int(rng.randint(2**31 - 1)))
        return low_confidence_sample(scores, int(self.n_examples), float(self.quantile), rng)

    def fit(self, X, y):
        """Compute CoS-Low on labelled examples.

        With more than ``n_examples`` rows, the ``n_examples`` are drawn from the lowest
        ``quantile`` of the zero-shot confidence among them (what :meth:`select` does in an
        unlabelled pool); with at most ``n_examples`` rows, all are used as given (the rows
        :meth:`select` returned, now labelled).

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        y : array-like of shape (n_samples,)
            Class labels (classifier) or numeric targets (regressor).

        Returns
        -------
        self
        """
        self._check_params()
        n = n_rows(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"y must be 1-D with one label per row of X ({n}); got {y.shape}.")
        if n < 2:
            raise ValueError(f"fit needs at least 2 labelled rows; got n_samples = {n}.")
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(2**31 - 1))
        zero = zero_shot_estimator(self.estimator, X, y)
        self.family_ = model_family(zero)
        self.n_features_in_ = zero.n_features_in_
        if hasattr(zero, "feature_names_in_"):
            self.feature_names_in_ = zero.feature_names_in_
        self.confidence_ = confidence(zero, X, random_state=seed)
        if n > self.n_examples:
            rows = low_confidence_sample(
                self.confidence_, int(self.n_examples), float(self.quantile), rng
            )
        else:
            if n < self.n_examples:
                warnings.warn(
                    f"fit got {n} labelled rows, fewer than n_examples={self.n_examples}; "
                    "CoS-Low on fewer pairs is noisier.",
                    UserWarning,
                    stacklevel=2,
                )
            rows = np.argsort(self.confidence_, kind="stable")
        from ._gradients import lora_b_gradients  # imports torch

        sketch = lora_b_gradients(
            zero,
            take_rows(X, rows),
            y[rows],
            lora_r=int(self.lora_r),
            lora_alpha=float(self.lora_alpha),
            n_projections=int(self.n_projections),
            target_modules=self.target_modules,
            random_state=seed,
            batch_size=int(self.batch_size),
            verbose=self.verbose,
        )
        cosines = np.stack([pairwise_cosines(g) for g in sketch.gradients])
        if not np.any(np.isfinite(cosines)):
            raise ValueError(
                "every example's gradient is zero, so CoS-Low is undefined (e.g. a regression "
                "loss whose residuals are all equal)."
            )
        self.selected_indices_ = np.asarray(rows, dtype=np.intp)
        self.gradient_source_ = sketch.source
        self.n_gradient_parameters_ = int(sketch.gradients.shape[2])
        self.pairwise_cosines_ = np.nanmean(cosines, axis=0)
        self.cos_low_per_projection_ = np.array([median_pairwise_cosine(c) for c in cosines])
        self.cos_low_ = median_pairwise_cosine(self.pairwise_cosines_)
        self.gradient_norms_ = np.linalg.norm(sketch.gradients, axis=2).mean(axis=0)
        self.calibration_, self.calibration_note_ = self._resolve_calibration(self.family_)
        self.predicted_auc_ = float(self.calibration_.predict(self.cos_low_))
        return self

    # -- calibration and read-out -----------------------------------------------------------
    def calibrate(self, cos_values, aucs, *, max_budget=5000.0, save=False):
        """Fit ``AUC = c * CoS-Low + I`` on measured tasks and use it from now on.

        Parameters
        ----------
        cos_values, aucs : array-like of shape (n_tasks,)
            CoS-Low and measured learning-curve AUC (:func:`learning_curve_auc`) of at least 3
            tasks, with the same model, head and adapter settings as this estimator.
        max_budget : float, default=5000
            Largest budget of the measured curves.
        save : bool, default=False
            Also store it for the model family (found again by ``calibration="auto"``);
            needs a fitted estimator (for the family name).

        Returns
        -------
        self
        """
        family = getattr(self, "family_", None) or "custom"
        self.calibration_ = Calibration.fit(
            cos_values, aucs, family=family, max_budget=max_budget, source="calibrate()"
        )
        self.calibration_note_ = "fitted by calibrate()"
        if save:
            check_is_fitted(self, "family_")
            self.calibration_.save()
        if hasattr(self, "cos_low_"):
            self.predicted_auc_ = float(self.calibration_.predict(self.cos_low_))
        return self

    def labels_needed(self, target=0.9) -> float:
        """Labelled examples to close ``target`` of the zero-shot-to-ceiling gap.

        Reads the predicted AUC as the curve ``x ** p``, ``p = (1 - AUC') / AUC'``, on the
        log-budget axis of the calibration (``log2(n) / log2(max_budget)``). Not a raw accuracy:
        see :func:`~sklearn_llmrect.efficiency.labels_needed_from_auc`.
        """
        check_is_fitted(self, "predicted_auc_")
        return labels_needed_from_auc(
            self.predicted_auc_, target, max_budget=self.calibration_.max_budget
        )

    def report(self, targets=(0.5, 0.8, 0.9)) -> str:
        """A short text report: CoS-Low, the calibration used, the predicted AUC and budgets."""
        check_is_fitted(self, "cos_low_")
        n = len(self.selected_indices_)
        draws = len(self.cos_low_per_projection_)
        source = (
            f"{self.gradient_source_}, r = {self.lora_r}, {draws} adapter draw(s), sd across "
            f"draws {np.std(self.cos_low_per_projection_):.3f}"
            if self.gradient_source_ == "lora_B"
            else self.gradient_source_
        )
        lines = [
            f"CoS-Low = {self.cos_low_:.3f}: median pairwise cosine over {n * (n - 1) // 2} pairs "
            f"of {n} low-confidence examples' gradients ({source}; "
            f"{self.n_gradient_parameters_:,} numbers per example).",
            f"Model family: {self.family_}.",
            f"Calibration: {self.calibration_.describe()}; {self.calibration_note_}.",
            f"Predicted learning-curve AUC: {self.predicted_auc_:.3f}.",
        ]
        for target in targets:
            needed = self.labels_needed(target)
            amount = (
                f"about {needed:,.0f}"
                if np.isfinite(needed)
                else "more than the calibration's largest budget"
            )
            lines.append(
                f"  labels to close {target:.0%} of the zero-shot-to-ceiling gap: {amount}"
            )
        return "\n".join(lines)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags
