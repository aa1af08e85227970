"""RectifiedClassifier: the share of each class (or a logistic regression of a binary label on
covariates) from a few human labels and a fine-tuned, rectified classifier (Wang, Ye & Zhao,
arXiv 2511.19486)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..inference import classical_class_shares, crossfit_ppi_class_shares, ppi_class_shares
from ._base import RectifiedBase
from ._common import estimator_has, is_unlabeled_marker
from ._docs import (
    DOC_ATTRIBUTES,
    DOC_ESTIMAND,
    DOC_ESTIMAND_ATTRIBUTES,
    DOC_PARAMETERS,
    DOC_REFERENCES,
)
from ._estimands import estimand_result, surrogate_input

__all__ = ["RectifiedClassifier"]


class RectifiedClassifier(ClassifierMixin, RectifiedBase):
    __doc__ = (
        """Share of each class from a few human labels and a fine-tuned, rectified classifier.

    Part of the labelled rows fine-tunes ``estimator``; the others, a uniform random sample the
    model never trained on, rectify its predicted class probabilities on the unlabelled rows
    with PPI or PPI++ (:func:`~sklearn_llmrect.inference.ppi_class_shares`, one ``lambda`` for
    all classes, so the shares sum to one), giving one valid confidence interval per class
    (not simultaneous). With ``method="cross"`` every label both fine-tunes and rectifies
    (:func:`~sklearn_llmrect.inference.crossfit_ppi_class_shares`).

    Unlabelled rows are marked by ``-1`` in ``y`` (as in
    :class:`sklearn.semi_supervised.SelfTrainingClassifier`); ``y`` may be integers, a string
    array (where ``"-1"`` marks them) or an object array of strings in which ``-1``, ``"-1"``,
    ``None`` or ``NaN`` mark them, so a pandas column of text labels with empty cells can be
    passed as it is. The estimator needs ``predict_proba``.

    For ``GridSearchCV`` or ``cross_validate`` with string labels, mark unlabelled rows with
    the string ``"-1"``: scikit-learn's default stratified splitter sorts ``y`` and cannot
    compare strings with ``-1``, ``None`` or ``NaN`` (it then raises a ``TypeError``), while an
    all-string ``y`` is stratified with ``"-1"`` as one more group, which spreads the
    unlabelled rows evenly over the folds. (Or pass a ``KFold`` as ``cv``.)

    With two classes, ``estimand="logistic"`` rectifies the logistic regression of the
    indicator of the second class (``classes_[1]``, as in
    :class:`~sklearn.linear_model.LogisticRegression`) on ``covariates``, with the predicted
    probability of that class (:func:`~sklearn_llmrect.inference.ppi_logistic`).
"""
        + DOC_PARAMETERS.format(
            kind="classifier with predict_proba", default="LLMClassifier", what="class shares"
        )
        + DOC_ESTIMAND.format(
            choices='"mean", "logistic"',
            mean='``"mean"``: the population share of each class.',
            regression="It needs exactly two classes among the labels.",
        )
        + DOC_ESTIMAND_ATTRIBUTES.format(
            mean_type="ndarray of shape (n_classes,)",
            mean_estimate="Estimated population share of each class",
            ci_type="ndarray of shape (n_classes, 2)",
            ci="Lower (column 0) and upper (column 1) bound of each share",
            lambda_type="ndarray of shape (n_classes,) or float",
            lambda_note="of each share, one value repeated with PPI++",
        )
        + """    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of the estimates (``estimator_.classes_``).
"""
        + DOC_ATTRIBUTES.format(result="ClassSharesResult or RegressionResult")
        + """
    See Also
    --------
    RectifiedRegressor : the same for the mean of a numeric label.
    sklearn_llmrect.inference.ppi_class_shares : the rectification step.
"""
        + DOC_REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.rectify import RectifiedClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(3000, 2))
    >>> y = np.where(X[:, 0] + 0.5 * rng.normal(size=3000) > 0.3, "pos", "neg").astype(object)
    >>> y[400:] = -1  # only the first 400 rows have a human label
    >>> model = RectifiedClassifier(LogisticRegression(), allocation=0.25, random_state=0)
    >>> model = model.fit(X, y)
    >>> model.classes_.tolist(), model.confidence_interval_.shape
    (['neg', 'pos'], (2, 2))
    >>> round(float(model.estimate_.sum()), 8)
    1.0

    A logistic regression of the label on a covariate: the model sees the other columns (in
    practice the text), the regression the covariate; ``"yes"`` (``classes_[1]``) is the 1.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": rng.normal(size=3000), "z": rng.normal(size=3000)})
    >>> p_yes = 1 / (1 + np.exp(-(-0.5 + frame["age"] + 2 * frame["z"])))
    >>> answer = np.where(rng.random(3000) < p_yes, "yes", "no").astype(object)
    >>> answer[400:] = -1
    >>> logit = RectifiedClassifier(LogisticRegression(), estimand="logistic", covariates=["age"],
    ...                             allocation=0.25, random_state=0).fit(frame, answer)
    >>> logit.coefficient_names_, logit.estimate_.shape, logit.confidence_interval_.shape
    (('intercept', 'age'), (2,), (2, 2))
    >>> bool((logit.effective_sample_size_ > logit.n_rectify_).all())
    True
    """
    )

    _default_estimator = "SurrogateClassifier"
    _is_classification = True
    _estimands = ("mean", "logistic")
    # the mixin (left of the base class) defines R^2 / accuracy: use the predicted variance
    score = RectifiedBase.score

    def _split_labels(self, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if y.dtype.kind in "US":
            unlabeled = y == "-1"
        elif y.dtype.kind == "O":
            unlabeled = np.array([is_unlabeled_marker(v) for v in y], dtype=bool)
        elif y.dtype.kind in "iub":
            unlabeled = y == -1
        elif y.dtype.kind == "f":
            if np.isnan(y).any():
                raise ValueError("y contains NaN; mark unlabelled rows with -1 for a classifier.")
            unlabeled = y == -1
        else:
            raise ValueError(f"y must hold class labels, got dtype {y.dtype}.")
        labeled = ~unlabeled
        if labeled.any() and y.dtype.kind == "O":
            kinds = {isinstance(v, str) for v in y[labeled]}
            if len(kinds) > 1:
                raise ValueError(
                    "y mixes string and non-string class labels; use one type (with -1, None "
                    "or NaN for unlabelled rows)."
                )
        return y, labeled

    def fit(self, X, y):  # noqa: D102 (documented in the base class)
        super().fit(X, y)
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    fit.__doc__ = RectifiedBase.fit.__doc__

    def _check_classes(self, y_labels, classes):
        unknown = np.setdiff1d(np.asarray(y_labels), np.asarray(classes))
        if len(unknown):
            raise ValueError(
                f"the rectification labels contain classes {unknown.tolist()} that the "
                f"fine-tuned model does not know ({np.asarray(classes).tolist()}); fine-tune on "
                "more labels (a larger allocation) so that every class is seen."
            )

    def _check_estimand_labels(self, y_labeled) -> None:
        classes = np.unique(y_labeled)
        if len(classes) != 2:
            raise ValueError(
                f"estimand='logistic' needs exactly two classes among the labels of y, got "
                f"{len(classes)}: {classes.tolist()[:10]}."
            )
        self._positive_class = classes[1]

    def _estimand_labels(self, y) -> np.ndarray:
        return (np.asarray(y) == self._positive_class).astype(float)

    def _estimand_predictions(self, proba) -> np.ndarray:
        column = list(self.estimator_.classes_).index(self._positive_class)
        return np.asarray(proba, dtype=float)[..., column]

    def _crossfit_result(self, y_used, preds, method):
        if self.estimand != "mean":
            return estimand_result(self, "cross", y_used, preds.labeled, preds.unlabeled, method)
        return crossfit_ppi_class_shares(
            y_used,
            preds.labeled,
            preds.unlabeled,
            classes=preds.classes,
            method=method,
            confidence_level=self.confidence_level,
            population=self.population,
        )

    def _label_variance(self, y_used) -> float:
        _, codes = np.unique(np.asarray(y_used).astype(str), return_inverse=True)
        onehot = np.eye(codes.max() + 1)[codes]
        return float(np.var(onehot, axis=0, ddof=1).sum())

    def _classical_result(self, y_used):
        if self.estimand != "mean":
            return estimand_result(self, "classical", y_used, None, None)
        return classical_class_shares(
            y_used,
            classes=np.asarray(self.estimator_.classes_),
            confidence_level=self.confidence_level,
            **self._classical_pool(y_used),
        )

    def _check_rectification_labels(self, y_rectify) -> None:
        if not hasattr(self.estimator_, "predict_proba"):
            raise ValueError(
                f"the estimator must have predict_proba; {type(self.estimator_).__name__} does not."
            )
        self._check_classes(y_rectify, self.estimator_.classes_)

    def _predictions(self, model, X) -> np.ndarray:
        return np.asarray(model.predict_proba(X), dtype=float)

    def _ppi_result(self, y_rect, predictions_rect, predictions_unlabeled):
        if self.estimand != "mean":
            return estimand_result(
                self, "ppi", y_rect, predictions_rect, predictions_unlabeled, self.method
            )
        return ppi_class_shares(
            y_rect,
            predictions_rect,
            predictions_unlabeled,
            classes=np.asarray(self.estimator_.classes_),
            method=self.method,
            confidence_level=self.confidence_level,
            population=self.population,
        )

    def _predicted_variance_terms(self, X, y, labeled):
        proba = np.asarray(self.estimator_.predict_proba(surrogate_input(self, X)), dtype=float)
        classes = np.asarray(self.estimator_.classes_)
        y_labeled = y[labeled]
        self._check_classes(y_labeled, classes)
        onehot = (y_labeled[:, None] == classes[None, :]).astype(float)
        var_r = float(np.var(onehot - proba[labeled], axis=0, ddof=1).sum())
        var_f = float(np.var(proba, axis=0, ddof=1).sum()) if len(proba) > 1 else 0.0
        return var_r, var_f

    @available_if(estimator_has("predict"))
    def predict(self, X):
        """Class predictions of the fine-tuned model ``estimator_`` (for ``method="cross"``, the
        class with the largest probability averaged over the fold models).

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

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the fine-tuned model ``estimator_``, columns in the order of
        ``classes_`` (for ``method="cross"``, averaged over the fold models).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), DataFrame or list of texts
            With a regression estimand the covariate columns are removed first, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(surrogate_input(self, X))
