"""RectifiedRegressor: the mean (or a regression on covariates, or a quantile) of a numeric label
from a few human labels and a fine-tuned, rectified model (Wang, Ye & Zhao, arXiv 2511.19486)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..inference import classical_mean, crossfit_ppi_mean, ppi_mean
from ._base import RectifiedBase
from ._common import estimator_has
from ._docs import (
    DOC_ATTRIBUTES,
    DOC_ESTIMAND,
    DOC_ESTIMAND_ATTRIBUTES,
    DOC_PARAMETERS,
    DOC_REFERENCES,
)
from ._estimands import ESTIMANDS, estimand_result, surrogate_input

__all__ = ["RectifiedRegressor"]


class RectifiedRegressor(RegressorMixin, RectifiedBase):
    __doc__ = (
        """Mean, regression coefficients or quantile of a numeric label from a few human labels
    and a fine-tuned, rectified model.

    Part of the labelled rows fine-tunes ``estimator``; the others, a uniform random sample the
    model never trained on, rectify its predictions on the unlabelled rows with PPI or PPI++
    (:func:`~sklearn_llmrect.inference.ppi_mean`), so that the estimate of the population mean
    is unbiased whatever the model and its confidence interval valid. With
    ``method="cross"`` every label both fine-tunes (K - 1 fold models) and rectifies
    (:func:`~sklearn_llmrect.inference.crossfit_ppi_mean`).

    With ``estimand="ols"``, ``"logistic"`` (0/1 labels) or ``"poisson"`` (counts) the same
    split or cross-fit rectifies the regression of the label on ``covariates`` instead, one
    valid interval per coefficient; with ``estimand="quantile"`` a quantile of the label.

    Unlabelled rows are marked by ``NaN`` in ``y``, so ``fit(X, y)`` works in pipelines and
    ``GridSearchCV``, whose default score (:meth:`score`) is the negative predicted variance of
    the estimate.
"""
        + DOC_PARAMETERS.format(kind="regressor", default="LLMRegressor", what="mean of the label")
        + DOC_ESTIMAND.format(
            choices='"mean", "ols", "logistic", "poisson", "quantile"',
            mean='``"mean"``: the population mean of the label. ``"quantile"``: its '
            "``quantile``-quantile (:func:`~sklearn_llmrect.inference.ppi_quantile`).",
            regression='``"logistic"`` needs 0/1 labels and ``"poisson"`` non-negative ones; '
            "the model's predictions are clipped to [0, 1] and [0, inf) for them.",
        )
        + DOC_ESTIMAND_ATTRIBUTES.format(
            mean_type="float",
            mean_estimate="Estimated population mean of the label",
            ci_type="tuple of float",
            ci="``(lower, upper)`` at ``confidence_level``",
            lambda_type="float",
            lambda_note="tuned by PPI++",
        )
        + DOC_ATTRIBUTES.format(result="InferenceResult or RegressionResult")
        + """
    See Also
    --------
    RectifiedClassifier : the same for class shares (and a logistic regression).
    sklearn_llmrect.inference.ppi_mean : the rectification step of the mean.
    sklearn_llmrect.inference.ppi_ols : the rectification step of a least-squares regression.
"""
        + DOC_REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.rectify import RectifiedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 3))
    >>> y = X @ [1.0, -0.5, 0.2] + 2.0 + rng.normal(0, 0.5, 2000)
    >>> y[300:] = np.nan  # only the first 300 rows have a human label
    >>> model = RectifiedRegressor(Ridge(), allocation=0.3, random_state=0).fit(X, y)
    >>> model.n_finetune_, model.n_rectify_, model.n_unlabeled_
    (90, 210, 1700)
    >>> lo, hi = model.confidence_interval_
    >>> bool(lo < 2.0 < hi), bool(model.effective_sample_size_ > 300)
    (True, True)

    A regression of the label on covariates (OLS): the model sees the other columns (here
    ``z`` and ``hint``; in practice the text, which often tells something of the covariates too),
    the regression the covariates.

    >>> import pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> frame = pd.DataFrame({"price": rng.normal(size=2000),
    ...                       "category": rng.choice(["a", "b", "c"], 2000)})
    >>> frame["z"] = rng.normal(size=2000)
    >>> frame["hint"] = frame["price"] + 0.3 * rng.normal(size=2000)
    >>> label = (1.0 + 2.0 * frame["price"] + 0.5 * (frame["category"] == "c")
    ...          + frame["z"] + rng.normal(0, 0.5, 2000)).to_numpy(copy=True)
    >>> label[300:] = np.nan
    >>> ols = RectifiedRegressor(Ridge(), estimand="ols", covariates=["price", "category"],
    ...                          allocation=0.3, random_state=0).fit(frame, label)
    >>> ols.coefficient_names_
    ('intercept', 'price', 'category_b', 'category_c')
    >>> ols.estimate_.shape, ols.confidence_interval_.shape
    ((4,), (4, 2))
    >>> table = ols.result_.coefficient_table()[["coef", "std err", "ESS"]]
    >>> print(table.round(2))  # doctest: +NORMALIZE_WHITESPACE
                coef  std err     ESS
    feature
    intercept   0.98     0.09  410.55
    price       1.97     0.07  408.54
    category_b  0.01     0.13  414.09
    category_c  0.47     0.13  396.89

    The 210 rectification labels are worth about 400 labels of the classical regression.
    """
    )

    _default_estimator = "SurrogateRegressor"
    _is_classification = False
    _estimands = ESTIMANDS
    # the mixin (left of the base class) defines R^2 / accuracy: use the predicted variance
    score = RectifiedBase.score

    def _split_labels(self, y):
        try:
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"y must be numeric labels with NaN marking unlabelled rows; could not convert "
                f"it to float ({error})."
            ) from None
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if np.isinf(y).any():
            raise ValueError("y contains infinite values; mark unlabelled rows with NaN.")
        return y, ~np.isnan(y)

    def _predictions(self, model, X) -> np.ndarray:
        return np.asarray(model.predict(X), dtype=float)

    def _check_estimand_labels(self, y_labeled) -> None:
        if self.estimand == "logistic" and not np.isin(y_labeled, (0.0, 1.0)).all():
            bad = y_labeled[~np.isin(y_labeled, (0.0, 1.0))][0]
            raise ValueError(
                f"estimand='logistic' needs 0/1 labels in y (NaN for unlabelled rows), got "
                f"{bad:g}; or use RectifiedClassifier(estimand='logistic') with two classes."
            )
        if self.estimand == "poisson" and (y_labeled < 0).any():
            raise ValueError(
                f"estimand='poisson' needs non-negative counts in y, got {y_labeled.min():g}."
            )

    def _estimand_labels(self, y) -> np.ndarray:
        return np.asarray(y, dtype=float)

    def _estimand_predictions(self, predictions) -> np.ndarray:
        predictions = np.asarray(predictions, dtype=float)
        if self.estimand == "logistic":  # a regressor may predict outside [0, 1]
            return np.clip(predictions, 0.0, 1.0)
        if self.estimand == "poisson":
            return np.clip(predictions, 0.0, None)
        return predictions

    def _crossfit_result(self, y_used, preds, method):
        if self.estimand != "mean":
            return estimand_result(self, "cross", y_used, preds.labeled, preds.unlabeled, method)
        return crossfit_ppi_mean(
            y_used,
            preds.labeled,
            preds.unlabeled,
            method=method,
            confidence_level=self.confidence_level,
            population=self.population,
        )

    def _label_variance(self, y_used) -> float:
        return float(np.var(y_used, ddof=1))

    def _classical_result(self, y_used):
        if self.estimand != "mean":
            return estimand_result(self, "classical", y_used, None, None)
        return classical_mean(
            y_used, confidence_level=self.confidence_level, **self._classical_pool(y_used)
        )

    def _ppi_result(self, y_rect, predictions_rect, predictions_unlabeled):
        if self.estimand != "mean":
            return estimand_result(
                self, "ppi", y_rect, predictions_rect, predictions_unlabeled, self.method
            )
        return ppi_mean(
            y_rect,
            predictions_rect,
            predictions_unlabeled,
            method=self.method,
            confidence_level=self.confidence_level,
            population=self.population,
        )

    def _predicted_variance_terms(self, X, y, labeled):
        predictions = np.asarray(self.estimator_.predict(surrogate_input(self, X)), dtype=float)
        var_r = float(np.var(y[labeled] - predictions[labeled], ddof=1))
        var_f = float(np.var(predictions, ddof=1)) if len(predictions) > 1 else 0.0
        return var_r, var_f

    @available_if(estimator_has("predict"))
    def predict(self, X):
        """Predictions of the fine-tuned model ``estimator_`` (not rectified).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            With a regression estimand the covariate columns are removed first, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(surrogate_input(self, X))
