"""The fitting logic shared by :class:`RectifiedRegressor` and :class:`RectifiedClassifier`:
choose the labels used, choose the design (the split at s* or K-fold cross-fitting, by the
interval the fitted scaling law predicts for each), fit, rectify, and score a fit by its
predicted variance.

No torch: the default surrogate's feature models are loaded lazily in ``fit``.
"""

from __future__ import annotations

import warnings
from importlib import import_module

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_is_fitted

from .._validation import n_rows, take_rows
from ..caching import CachedEstimator, check_memory, unwrap
from ..inference import ClassSharesResult, crossfit_predict
from ..inference._pool import with_known_rows
from ._common import (
    MIN_RAMP_UP_LABELS,
    FoldEnsemble,
    check_params,
    is_fitted,
    n_finetune_for,
)
from ._design import choose_design, learning_curve_law
from ._estimands import prepare, store
from .rampup import ramp_up, residual_variance

# Relative gain in predicted standard error that pays for K fits instead of one: none for heads
# over cached features (a head costs a second; on vader_amazon and emobank K = 10 cut the realised
# variance 7-11% below the 1%-tolerance choice, which took K = 2 in a third of the replications),
# five points for estimators that fine-tune an LLM per fit.
CHEAP_TOLERANCE, EXPENSIVE_TOLERANCE = 0.0, 0.05


class RectifiedBase(MetaEstimatorMixin, BaseEstimator):
    """Shared fitting logic of :class:`RectifiedRegressor` and :class:`RectifiedClassifier`.

    Subclasses define ``_split_labels``, ``_predictions``, ``_ppi_result``,
    ``_crossfit_result``, ``_classical_result`` and ``_predicted_variance_terms``; for the
    estimands other than the mean (``_estimands``) also ``_check_estimand_labels``,
    ``_estimand_labels`` and ``_estimand_predictions``.
    """

    _default_estimator = "SurrogateRegressor"
    _is_classification = False
    _unlabeled_mark = "NaN"

    def __init__(
        self,
        estimator=None,
        *,
        allocation="auto",
        method="ppi++",
        n_folds=5,
        budget=None,
        confidence_level=0.95,
        population="superpopulation",
        memory=None,
        random_state=None,
        verbose=0,
        estimand="mean",
        quantile=0.5,
        covariates=None,
        covariates_to_estimator=False,
        fit_intercept=True,
    ):
        self.estimator = estimator
        self.allocation = allocation
        self.method = method
        self.n_folds = n_folds
        self.budget = budget
        self.confidence_level = confidence_level
        self.population = population
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.estimand = estimand
        self.quantile = quantile
        self.covariates = covariates
        self.covariates_to_estimator = covariates_to_estimator
        self.fit_intercept = fit_intercept

    def _resolve_estimator(self):
        if self.estimator is not None:
            return self.estimator
        module = import_module("sklearn_llmrect.rectify._surrogate")
        return getattr(module, self._default_estimator)(memory=self.memory)

    @staticmethod
    def _is_expensive(estimator) -> bool:
        """Estimators that fine-tune an LLM per fit say so (``_expensive_fit``)."""
        inner = estimator.estimator if isinstance(estimator, CachedEstimator) else estimator
        return bool(getattr(inner, "_expensive_fit", False))

    def _split_labels(self, y):
        """Return ``(y, labeled_mask)``; implemented by the subclasses."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fine-tune on part of the labelled rows and rectify with the rest (or cross-fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            All rows, labelled and unlabelled; indexed by row. With ``covariates``, a DataFrame
            that holds them (removed from what the estimator sees, unless
            ``covariates_to_estimator``).
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows are ``NaN`` (:class:`RectifiedRegressor`) or ``-1``
            (:class:`RectifiedClassifier`, which also reads ``None`` and ``NaN`` in an object
            array as unlabelled). With no unlabelled row there is nothing to rectify: the
            estimate is then the classical one from the labels used, with a warning.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        check_params(self)
        cache = check_memory(self.memory)
        y, labeled = self._split_labels(y)
        n_total = n_rows(X)
        if n_total != len(y):
            raise ValueError(
                f"X and y must have the same number of rows, got {n_total} and {len(y)}."
            )
        labeled_idx = np.flatnonzero(labeled)
        unlabeled_idx = np.flatnonzero(~labeled)
        if len(labeled_idx) == 0:
            raise ValueError(
                f"y has no labelled rows (every value is {self._unlabeled_mark}); at least a few "
                "human labels are needed to rectify the model."
            )
        X = prepare(self, X, y, labeled_idx, unlabeled_idx)  # covariates of a regression estimand
        self.n_labeled_ = len(labeled_idx)
        rng = check_random_state(self.random_state)
        if self.budget is not None:
            if self.budget > len(labeled_idx):
                raise ValueError(
                    f"budget={self.budget} is larger than the number of labelled rows in y "
                    f"({len(labeled_idx)})."
                )
            used = np.sort(rng.choice(labeled_idx, size=self.budget, replace=False))
        else:
            used = labeled_idx
        if self.population == "pool":  # every row not among the labels used is in the pool
            unlabeled_idx = np.setdiff1d(np.arange(n_total), used)
        self.n_labeled_used_ = n_used = len(used)
        self.n_unlabeled_ = len(unlabeled_idx)
        self.labeled_indices_used_ = used
        estimator = self._resolve_estimator()
        prefitted = self.allocation in (0, 0.0) and is_fitted(estimator)
        if cache is not None:  # fits and predictions go through the on-disk cache
            if prefitted:
                estimator = CachedEstimator.from_fitted(estimator, memory=cache)
            elif not isinstance(estimator, CachedEstimator):
                estimator = CachedEstimator(estimator, memory=cache)
        self.scaling_law_ = None
        self.ramp_up_ = None
        self.design_ = None
        self.validation_indices_ = used[:0]
        self.rectify_predictions_ = self.unlabeled_predictions_ = None
        if len(unlabeled_idx) == 0:
            return self._fit_without_pool(X, y, used, estimator, prefitted)
        X_unlabeled = take_rows(X, unlabeled_idx)
        if self.method == "cross" or self.allocation == "cross":
            return self._fit_cross(X, y, used, estimator, X_unlabeled, rng, int(self.n_folds))

        if self.allocation == "auto" and not self._is_expensive(estimator):
            law, pilot, sizes = learning_curve_law(
                estimator,
                take_rows(X, used),
                y[used],
                residual_variance=residual_variance,
                var_y=self._label_variance(y[used]),
                rng=rng,
            )
            self.scaling_law_ = law
            self.design_ = self._choose_design(
                law, len(used), y[used], CHEAP_TOLERANCE, pilot, min_finetune=min(sizes)
            )
            if self.design_.design == "cross":
                return self._fit_cross(X, y, used, estimator, X_unlabeled, rng)
            order = rng.permutation(used)
            n_finetune = self.design_.n_finetune
            finetune, rectify = np.sort(order[:n_finetune]), np.sort(order[n_finetune:])
            validation = used[:0]
            model = clone(estimator).fit(take_rows(X, finetune), y[finetune])
        elif self.allocation in ("auto", "ramp-up"):
            model, finetune, validation, rectify = self._ramp_up(X, y, used, estimator, rng)
            if not self.ramp_up_.fine_tuning_pays:
                return self._fall_back_to_classical(model, y, validation, used)
            if self.allocation == "auto":
                available = np.setdiff1d(used, validation)
                self.design_ = self._choose_design(
                    self.scaling_law_,
                    len(available),
                    y[available],
                    EXPENSIVE_TOLERANCE,
                    f"ramp-up on {', '.join(map(str, self.ramp_up_.sizes))} labels",
                )
                if self.design_.design == "cross":
                    self.validation_indices_ = validation
                    return self._fit_cross(X, y, available, estimator, X_unlabeled, rng)
        else:
            n_finetune = n_finetune_for(self.allocation, n_used)
            order = rng.permutation(used)
            finetune, rectify = np.sort(order[:n_finetune]), np.sort(order[n_finetune:])
            validation = used[:0]
            if n_finetune == 0:
                if not prefitted:
                    raise ValueError(
                        f"allocation={self.allocation!r} means 'do not fine-tune', so the "
                        "estimator must already be fitted (or wrapped in "
                        "sklearn.frozen.FrozenEstimator); "
                        f"{type(unwrap(estimator)).__name__} is not fitted. Fit it first, or "
                        "pass a fraction, a count or 'auto' as allocation."
                    )
                model = estimator
            else:
                model = clone(estimator).fit(take_rows(X, finetune), y[finetune])
        self.estimator_ = unwrap(model)
        self.finetune_indices_ = finetune
        self.validation_indices_ = validation
        self.rectify_indices_ = rectify
        self.n_finetune_ = len(finetune)
        self.n_validation_ = len(validation)
        self.n_rectify_ = len(rectify)
        self._check_rectification_labels(y[rectify])
        self.rectify_predictions_ = self._predictions(model, take_rows(X, rectify))
        self.unlabeled_predictions_ = self._predictions(model, X_unlabeled)
        self.result_ = self._ppi_result(
            y[rectify], self.rectify_predictions_, self.unlabeled_predictions_
        )
        return self._store_result(y)

    def _ramp_up(self, X, y, used, estimator, rng):
        n_used = len(used)
        if n_used < MIN_RAMP_UP_LABELS:
            raise ValueError(
                f"allocation={self.allocation!r} runs the ramp-up pilot, which needs at least "
                f"{MIN_RAMP_UP_LABELS} labelled rows; got {n_used}. Pass a fraction or a "
                "count as allocation, or method='cross'."
            )
        ramp = ramp_up(
            estimator,
            take_rows(X, used),
            y[used],
            n_unlabeled=float(self.n_unlabeled_),
            random_state=rng,
            verbose=self.verbose,
        )
        model = ramp.estimator
        ramp.estimator = unwrap(model)
        self.ramp_up_ = ramp
        self.scaling_law_ = ramp.scaling_law
        rectify = used[ramp.rectify_indices]
        if len(rectify) < 2:
            raise ValueError(
                f"the ramp-up pilot left {len(rectify)} of the {n_used} labels to rectify; "
                "at least 2 are needed. Use more labels or a fixed allocation."
            )
        return model, used[ramp.finetune_indices], used[ramp.validation_indices], rectify

    def _choose_design(self, law, n, y_available, tolerance, pilot, min_finetune=1):
        return choose_design(
            law,
            n,
            self.n_unlabeled_,
            var_y=self._label_variance(y_available),
            tolerance=tolerance,
            min_finetune=min_finetune,
            pilot=pilot,
        )

    def _label_variance(self, y_used) -> float:
        """``Var(Y)`` (classifier: the trace of the covariance of the one-hot labels)."""
        raise NotImplementedError

    def _fit_cross(self, X, y, used, estimator, X_unlabeled, rng, n_folds=None):
        n_used = len(used)
        n_folds = self.design_.n_folds if n_folds is None else n_folds
        if n_folds > n_used:
            raise ValueError(
                f"n_folds={n_folds} is larger than the number of labels used ({n_used})."
            )
        preds = crossfit_predict(
            estimator,
            take_rows(X, used),
            y[used],
            X_unlabeled,
            n_folds=int(n_folds),
            response_method="predict_proba" if self._is_classification else "predict",
            random_state=rng.randint(np.iinfo(np.int32).max),
            return_estimators=True,
        )
        self.estimators_ = [unwrap(model) for model in preds.estimators]
        self.estimator_ = FoldEnsemble(self.estimators_, preds.classes)
        self.finetune_indices_ = used
        self.rectify_indices_ = used
        self.n_finetune_, self.n_rectify_ = 0, n_used
        self.n_validation_ = len(self.validation_indices_)
        self.rectify_predictions_ = np.asarray(preds.labeled, dtype=float)
        self.unlabeled_predictions_ = np.asarray(preds.unlabeled, dtype=float).mean(axis=1)
        # method="cross" keeps the plain cross-PPI of Zrnic & Candes (lambda = 1)
        tuned = self.method == "ppi++"
        self.result_ = self._crossfit_result(y[used], preds, "ppi++" if tuned else "ppi")
        return self._store_result(y)

    def _fall_back_to_classical(self, model, y, validation, used):
        """The ramp-up found that fine-tuning does not pay (s* = 0): the classical mean.

        Every label outside the validation set enters, the ramp-up's training rows included:
        they are a uniform sample like the rest, and the model trained on them is not used.
        """
        rectify = np.setdiff1d(used, validation)
        self.estimator_ = unwrap(model)
        self.finetune_indices_ = used[:0]
        self.validation_indices_ = validation
        self.rectify_indices_ = rectify
        self.n_finetune_, self.n_validation_, self.n_rectify_ = 0, len(validation), len(rectify)
        self.result_ = self._classical_result(y[rectify])
        return self._store_result(y)

    def _fit_without_pool(self, X, y, used, estimator, prefitted):
        """Every row is labelled (N = 0): nothing to rectify, so the classical estimate."""
        warnings.warn(
            f"y has no unlabelled rows ({self._unlabeled_mark}): there is nothing to rectify, so "
            f"the estimate is the classical one from the {len(used)} labels used; the estimator "
            "is fitted on them for predict.",
            UserWarning,
            stacklevel=3,
        )
        model = estimator if prefitted else clone(estimator).fit(take_rows(X, used), y[used])
        self.estimator_ = unwrap(model)
        self.finetune_indices_ = used[:0] if prefitted else used
        self.rectify_indices_ = used
        self.n_finetune_ = len(self.finetune_indices_)
        self.n_rectify_, self.n_validation_ = len(used), 0
        self.result_ = self._classical_result(y[used])
        return self._store_result(y)

    def _check_rectification_labels(self, y_rectify) -> None:
        """Raise before predicting if the model cannot rectify these labels (classifier)."""

    def _store_result(self, y):
        if self.estimand != "mean":
            return store(self)
        if self.population == "pool":
            self.result_ = self._with_known_labels(self.result_, y)
        result = self.result_
        if self.design_ is not None:
            stderr = result.stderrs if self._is_classification else np.array([result.stderr])
            self.design_.realised_stderr = float(np.sqrt(np.sum(np.square(stderr))))
            self.design_.population = self.population
        if self._is_classification:
            self.estimate_ = result.estimates
            self.stderr_ = result.stderrs
            self.confidence_interval_ = result.confidence_intervals
            self.lambda_ = result.lambdas
            self.effective_sample_size_ = result.effective_sample_sizes
        else:
            self.estimate_ = result.estimate
            self.stderr_ = result.stderr
            self.confidence_interval_ = result.confidence_interval
            self.lambda_ = result.lambda_
            self.effective_sample_size_ = result.effective_sample_size
        return self

    def _classical_pool(self, y_used) -> dict:
        """Keyword arguments of a classical estimate from ``y_used``: with ``population="pool"``
        its pool is those labels and the unlabelled rows."""
        if self.population != "pool":
            return {}
        return {"population": "pool", "pool_size": len(y_used) + self.n_unlabeled_}

    def _with_known_labels(self, result, y):
        """The pool estimate with the labels outside the rectification set (fine-tuning and
        validation rows) counted exactly: ``result_`` covers the rectification rows and the
        unlabelled ones only."""
        used = self.labeled_indices_used_
        known = np.setdiff1d(used, self.rectify_indices_)
        if len(known) == 0:
            return result
        pool_size = len(used) + self.n_unlabeled_
        if self._is_classification:
            classes = np.asarray(result.classes)
            Y_known = (y[known][:, None] == classes[None, :]).astype(float)
            Y_used = (y[used][:, None] == classes[None, :]).astype(float)
            extended = with_known_rows(result.results, Y_known, Y_used, pool_size)
            return ClassSharesResult(classes=result.classes, results=tuple(extended))
        Y_known, Y_used = y[known][:, None].astype(float), y[used][:, None].astype(float)
        return with_known_rows([result], Y_known, Y_used, pool_size)[0]

    # ---------------------------------------------------------------------------------- score
    def _predicted_variance_terms(self, X, y, labeled):
        """``(var_r, var_f)`` of the score from the rows given."""
        raise NotImplementedError

    def score(self, X, y):
        """Negative predicted variance of the final estimate, for model selection.

        With the labelled rows of ``(X, y)`` (``y`` not ``NaN`` / not ``-1``), held out from this
        fit, the residual variance ``var_r = Var(y - f(X))`` of the fitted model ``f`` is
        measured (classifier: the trace over classes of ``Var(onehot(y) - p(X))``), and
        ``var_f = Var(f(X))`` over all rows given (classifier: the trace of the covariance of
        ``p(X)``). The score is

        ``-(var_r / n_rectify_ + var_f / n_unlabeled_)``,

        the variance of the PPI estimate (``lambda = 1``) with this fit's allocation; for
        ``method="cross"`` ``n_rectify_`` is every label used. Larger is better (a tighter
        interval), so ``GridSearchCV(RectifiedRegressor(...), {"allocation": [...]})`` (or over
        ``budget`` or ``method``) picks the allocation with the narrowest predicted interval.
        With another ``estimand`` the score is the same: it ranks models and allocations by how
        well the predictions track the label, which is what narrows a rectified regression or
        quantile too.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            Held-out rows.
        y : array-like of shape (n_samples,)
            Their labels, unlabelled rows marked as in :meth:`fit`; at least two labelled.

        Returns
        -------
        float
            ``-(var_r / n_rectify_ + var_f / n_unlabeled_)``.
        """
        check_is_fitted(self, "estimator_")
        y, labeled = self._split_labels(y)
        if n_rows(X) != len(y):
            raise ValueError(
                f"X and y must have the same number of rows, got {n_rows(X)} and {len(y)}."
            )
        if labeled.sum() < 2:
            raise ValueError(
                f"score needs at least 2 labelled rows in y to measure residuals, got "
                f"{int(labeled.sum())}. In a grid search, split with LabeledUnlabeledKFold "
                "(sklearn_llmrect.rectify), which puts labelled rows in every test fold."
            )
        var_r, var_f = self._predicted_variance_terms(X, y, labeled)
        pool_term = var_f / self.n_unlabeled_ if self.n_unlabeled_ else 0.0
        return float(-(var_r / self.n_rectify_ + pool_term))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is None:
            tags.input_tags.string = True
            tags.input_tags.two_d_array = True
        else:
            inner = get_tags(self.estimator).input_tags
            tags.input_tags.string = inner.string
            tags.input_tags.sparse = inner.sparse
            tags.input_tags.allow_nan = inner.allow_nan
        tags.target_tags.required = True
        return tags
