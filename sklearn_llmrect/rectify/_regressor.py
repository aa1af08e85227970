"""RectifiedRegressor: the mean of a numeric label from a few human labels and a fine-tuned,
rectified model (Wang, Ye & Zhao, arXiv 2511.19486)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..inference import classical_mean, crossfit_ppi_mean, ppi_mean
from ._base import RectifiedBase
from ._common import estimator_has
from ._docs import DOC_ATTRIBUTES, DOC_PARAMETERS, DOC_REFERENCES

__all__ = ["RectifiedRegressor"]


class RectifiedRegressor(RegressorMixin, RectifiedBase):
    __doc__ = (
        """Mean of a numeric label from a few human labels and a fine-tuned, rectified model.

    Part of the labelled rows fine-tunes ``estimator``; the others, a uniform random sample the
    model never trained on, rectify its predictions on the unlabelled rows with PPI or PPI++
    (:func:`~sklearn_llmrect.inference.ppi_mean`), so that the estimate of the population mean
    is unbiased whatever the model and its confidence interval valid. With
    ``method="cross"`` every label both fine-tunes (K - 1 fold models) and rectifies
    (:func:`~sklearn_llmrect.inference.crossfit_ppi_mean`).

    Unlabelled rows are marked by ``NaN`` in ``y``, so ``fit(X, y)`` works in pipelines and
    ``GridSearchCV``, whose default score (:meth:`score`) is the negative predicted variance of
    the estimate.
"""
        + DOC_PARAMETERS.format(kind="regressor", default="LLMRegressor")
        + """
    Attributes
    ----------
    estimate_ : float
        Estimated population mean of the label.
    stderr_ : float
        Its standard error.
    confidence_interval_ : tuple of float
        ``(lower, upper)`` at ``confidence_level``.
    lambda_ : float
        Power-tuning parameter (1 for PPI and cross-PPI).
    effective_sample_size_ : float
        Labels the classical mean would need for the same standard error.
"""
        + DOC_ATTRIBUTES.format(result="InferenceResult")
        + """
    See Also
    --------
    RectifiedClassifier : the same for class shares.
    sklearn_llmrect.inference.ppi_mean : the rectification step.
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
    """
    )

    _default_estimator = "SurrogateRegressor"
    _is_classification = False
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

    def _crossfit_result(self, y_used, preds, method):
        return crossfit_ppi_mean(
            y_used,
            preds.labeled,
            preds.unlabeled,
            method=method,
            confidence_level=self.confidence_level,
        )

    def _label_variance(self, y_used) -> float:
        return float(np.var(y_used, ddof=1))

    def _classical_result(self, y_used):
        return classical_mean(y_used, confidence_level=self.confidence_level)

    def _ppi_result(self, y_rect, predictions_rect, predictions_unlabeled):
        return ppi_mean(
            y_rect,
            predictions_rect,
            predictions_unlabeled,
            method=self.method,
            confidence_level=self.confidence_level,
        )

    def _predicted_variance_terms(self, X, y, labeled):
        predictions = np.asarray(self.estimator_.predict(X), dtype=float)
        var_r = float(np.var(y[labeled] - predictions[labeled], ddof=1))
        var_f = float(np.var(predictions, ddof=1)) if len(predictions) > 1 else 0.0
        return var_r, var_f

    @available_if(estimator_has("predict"))
    def predict(self, X):
        """Predictions of the fine-tuned model ``estimator_`` (not rectified).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)
