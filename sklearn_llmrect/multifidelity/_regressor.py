"""MultiFidelityRegressor: interactive multi-fidelity learning (IMFL) for numeric labels."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import mean_absolute_error, r2_score

from .._validation import numeric_labels
from ..selection import EEQSelector, ipw_mean, uncertainty
from ._loop import MultiFidelityBase

__all__ = ["MultiFidelityRegressor"]

# Monte Carlo dropout passes that measure an LLM regressor's uncertainty
_DROPOUT_PASSES = 5


class MultiFidelityRegressor(RegressorMixin, MultiFidelityBase):
    """Train a student regressor from a few human labels and many LLM labels (IMFL).

    The loop of :class:`MultiFidelityClassifier` for numeric labels (ratings, scores): each
    round ``selector`` picks unlabelled rows, ``split`` sends those with the widest spread of
    the student's predictions to ``human_annotator`` and the others to ``llm_annotator``, and
    the student is refitted on every label. The spread is the standard deviation over an
    ensemble's members (``estimators_``, e.g. a random forest) or over 5 Monte Carlo dropout
    passes of an :class:`~sklearn_llmrect.LLMRegressor`; other students need
    ``split=HumanLLMSplit("random")`` and a selector that does not rank by uncertainty.

    **Validity.** As for the classifier: only the ``rectification`` sample (a uniform random
    reserve, or an IPW draw) may rectify the student, and :meth:`rectified_mean` gives a valid
    interval for the mean of the label over the pool.

    Parameters
    ----------
    estimator : regressor, default=None
        The student. None: ``LLMRegressor(model="minilm-l6")``.
    human_annotator : annotator
        High-fidelity labels (``annotate(X, indices)`` returning numbers). Required.
    llm_annotator : annotator
        Low-fidelity labels: numbers, or None for rows it could not label. Required when
        ``n_llm > 0`` (no default: the embedded LLM annotator answers with classes; for ratings
        give it ``classes=[1, 2, 3, 4, 5]`` or wrap any model in
        :class:`~sklearn_llmrect.annotators.CallableAnnotator`).
    selector : selector, default=None
        None: ``EEQSelector(n_dropout_passes=5, random_state=...)``.
    schedule, split, n_human, n_llm, n_rounds, human_weight, llm_weight, rectification, \
n_rectify, human_cost, llm_cost, warm_start, random_state, verbose
        As in :class:`MultiFidelityClassifier`.

    Attributes
    ----------
    estimator_ : regressor
        The student after the last round.
    human_indices_, human_labels_, llm_indices_, llm_labels_, rectify_indices_, \
rectify_labels_, inclusion_probabilities_, cost_ : as in :class:`MultiFidelityClassifier`
    history_ : list of dict
        Per round: batch sizes, totals, cumulative ``cost``, ``n_invalid`` LLM answers,
        validation ``r2`` and ``mae`` (with ``validation_data``), seconds per step.

    References
    ----------
    Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective
    Adaptation of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153.
    Zrnic & Candes (2024). Active Statistical Inference. ICML. arXiv:2403.03208.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from sklearn_llmrect.annotators import CallableAnnotator, OracleAnnotator
    >>> from sklearn_llmrect.multifidelity import MultiFidelityRegressor
    >>> from sklearn_llmrect.selection import EEQSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 2))
    >>> truth = 2 * X[:, 0] + rng.normal(scale=0.5, size=600)
    >>> noisy = truth + rng.normal(scale=1.0, size=600)  # a cheaper, noisier labeller
    >>> model = MultiFidelityRegressor(
    ...     RandomForestRegressor(n_estimators=20, random_state=0),
    ...     human_annotator=OracleAnnotator(truth),
    ...     llm_annotator=CallableAnnotator(lambda rows, idx: noisy[idx], pass_indices=True),
    ...     selector=EEQSelector(embedder=None), n_human=30, n_llm=90, n_rounds=3,
    ...     rectification="reserve", n_rectify=60, random_state=0,
    ... ).fit(X)
    >>> len(model.human_indices_), len(model.llm_indices_), len(model.rectify_indices_)
    (30, 90, 60)
    >>> low, high = model.rectified_mean(X).confidence_interval
    >>> bool(low < truth.mean() < high)
    True
    """

    def _default_student(self):
        from ..models.estimators import LLMRegressor

        return LLMRegressor(model="minilm-l6")

    def _default_selector(self):
        return EEQSelector(n_dropout_passes=_DROPOUT_PASSES)

    def _default_llm_annotator(self):
        raise ValueError(
            "MultiFidelityRegressor needs an llm_annotator that answers with numbers when "
            "n_llm > 0: e.g. LLMAnnotator(classes=[1, 2, 3, 4, 5]) for a 1-5 rating, or "
            "CallableAnnotator(your_model)."
        )

    def _difficulty(self, estimator, X):
        try:
            return uncertainty(
                estimator, X, method="std", n_dropout_passes=_DROPOUT_PASSES, random_state=0
            )
        except ValueError as exc:
            raise ValueError(
                "sending the hardest rows to humans needs the student's uncertainty: "
                f"{exc} Use an ensemble regressor or LLMRegressor, or "
                "split=HumanLLMSplit('random')."
            ) from None

    def _validation_scores(self, estimator, X, y):
        predicted = estimator.predict(X)
        return {
            "r2": float(r2_score(y, predicted)),
            "mae": float(mean_absolute_error(y, predicted)),
        }

    def _clean_labels(self, labels):
        return numeric_labels(labels, "the annotators' labels")

    def rectified_mean(self, X, *, method="ppi++", confidence_level=0.95, indices=None):
        """A valid confidence interval for the mean of the label over the pool.

        Uses only the rectification sample: with ``rectification="reserve"`` the student is
        rectified by :class:`~sklearn_llmrect.RectifiedRegressor` (``allocation=0``, the
        student frozen) on the pool; with ``"ipw"`` by the inverse-probability-weighted
        estimate (:func:`~sklearn_llmrect.selection.ipw_mean`), where rows labelled in the
        loop enter with probability 1.

        Parameters
        ----------
        X : the pool given to :meth:`fit`
        method : {"ppi", "ppi++"}, default="ppi++"
            For the reserve.
        confidence_level : float, default=0.95
        indices : array-like of int, optional
            A subset of ``rectify_indices_`` to use (reserve only). Rows chosen by the
            selector are refused.

        Returns
        -------
        InferenceResult
        """
        rows, answers = self._rectification_rows(X, indices)
        if self.rectification == "reserve":
            from ..rectify import RectifiedRegressor

            y = np.full(self.n_samples_fit_, np.nan)
            y[rows] = numeric_labels(answers, "the rectification labels")
            return self._rectify_frozen(RectifiedRegressor, X, y, method, confidence_level)
        known, y = self._ipw_labels()
        return ipw_mean(
            self.estimator_.predict(X),
            known,
            y,
            self.inclusion_probabilities_,
            confidence_level=confidence_level,
        )
