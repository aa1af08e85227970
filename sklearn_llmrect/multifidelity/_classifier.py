"""MultiFidelityClassifier: interactive multi-fidelity learning (IMFL) for class labels."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score, f1_score
from sklearn.utils.validation import check_is_fitted

from .._validation import n_rows, uniform_class_labels
from ..selection import ipw_class_shares, uncertainty
from ._loop import MultiFidelityBase

__all__ = ["MultiFidelityClassifier"]


class MultiFidelityClassifier(ClassifierMixin, MultiFidelityBase):
    """Train a student classifier from a few human labels and many LLM labels (IMFL).

    For rounds ``r = 1..R`` with human and LLM batches ``b_h(r), b_l(r)`` from ``schedule``:

    1. ``selector.query`` picks ``b_h(r) + b_l(r)`` unlabelled rows (default
       :class:`~sklearn_llmrect.selection.EEQSelector` with the current student's
       uncertainty; in round 1 without a student, pure k-means diversity);
    2. ``split`` sends the ``b_h(r)`` rows the student is least sure about to
       ``human_annotator`` and the others to ``llm_annotator``, which is first fitted on every
       human label so far (its retrieval pool);
    3. the student (a fresh clone of ``estimator``, or the same one with ``warm_start=True``)
       is fitted on all labels, human rows weighted ``human_weight`` and LLM rows
       ``llm_weight``.

    **Validity.** Rows chosen by uncertainty or diversity are not a random sample: they may
    train the student but must not rectify it. ``rectification="reserve"`` sets aside
    ``n_rectify`` uniformly random rows before the loop (human-labelled, never trained on);
    ``rectification="ipw"`` draws, after the loop, each remaining row with a known probability
    that grows with the student's uncertainty (expected count ``n_rectify``). Then
    :meth:`rectified_shares` gives valid intervals for the class shares: PPI through
    :class:`~sklearn_llmrect.RectifiedClassifier` for the reserve, inverse-probability
    weighting for ``"ipw"``. Asking to rectify with the selected labels raises an error.

    Parameters
    ----------
    estimator : classifier, default=None
        The student (needs ``predict_proba`` for uncertainty). None:
        ``LLMClassifier(model="minilm-l6")``. Any scikit-learn classifier works, e.g.
        ``make_pipeline(TextEmbedder(), LogisticRegression())``.
    human_annotator : annotator
        High-fidelity labels (``annotate(X, indices)``), e.g.
        :class:`~sklearn_llmrect.annotators.CallableAnnotator` around a labelling interface,
        or :class:`~sklearn_llmrect.annotators.OracleAnnotator` in simulations. Required.
    llm_annotator : annotator, default=None
        Low-fidelity labels; None: :class:`~sklearn_llmrect.annotators.LLMAnnotator` (SmolLM2
        with retrieved examples). Its ``fit`` receives the human labels each round.
    selector : selector, default=None
        None: ``EEQSelector(random_state=...)``.
    schedule : HumanBatchSchedule, default=None
        None: ``HumanBatchSchedule(decay=0.5, llm="linear")``.
    split : HumanLLMSplit, default=None
        None: ``HumanLLMSplit("hardest")``.
    n_human, n_llm, n_rounds : int, default=200, 800, 5
        Budgets of the loop (rectification labels come on top of ``n_human``).
    human_weight, llm_weight : float, default=1.0, 1.0
        Sample weights of the two sources when the student is fitted.
    rectification : {None, "reserve", "ipw"}, default=None
        Keep labels that can rectify the student (see above).
    n_rectify : int, default=0
        Size (expected size for ``"ipw"``) of that human sample.
    human_cost, llm_cost : float, default=1.0, 0.01
        Cost per label, for ``history_`` and ``cost_``.
    warm_start : bool, default=False
        Keep one student across rounds (its own ``warm_start`` then continues training)
        instead of a fresh clone per round.
    random_state : int, RandomState or None, default=None
        Seeds the reserve, the IPW draw, and selectors / splits whose own ``random_state`` is
        None.
    verbose : int, default=0
        Print one line per round when > 0.

    Attributes
    ----------
    estimator_ : classifier
        The student after the last round.
    classes_ : ndarray
    human_indices_, human_labels_ : ndarray
        Rows labelled by humans in the loop, and their labels.
    llm_indices_, llm_labels_ : ndarray
        Rows labelled by the LLM, and its labels (rows the LLM could not label are left out).
    rectify_indices_, rectify_labels_ : ndarray
        The human rectification sample (empty without ``rectification``).
    inclusion_probabilities_ : ndarray of shape (n_samples,) or None
        ``"ipw"``: each row's probability of being in the rectification sample (1 for rows
        labelled in the loop or before it).
    history_ : list of dict
        Per round: batch sizes, totals, cumulative ``cost``, ``n_invalid`` LLM answers,
        validation ``accuracy`` and ``macro_f1`` (with ``validation_data``), seconds per step.
    cost_ : float
        ``human_cost * (human labels + rectification labels) + llm_cost * LLM labels``.

    References
    ----------
    Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective
    Adaptation of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153.
    Zrnic & Candes (2024). Active Statistical Inference. ICML. arXiv:2403.03208.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.annotators import OracleAnnotator, SimulatedAnnotator
    >>> from sklearn_llmrect.multifidelity import MultiFidelityClassifier
    >>> from sklearn_llmrect.selection import EEQSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 2))
    >>> truth = np.where(X[:, 0] + 0.3 * rng.normal(size=600) > 0, "pos", "neg")
    >>> model = MultiFidelityClassifier(
    ...     LogisticRegression(),
    ...     human_annotator=OracleAnnotator(truth),
    ...     llm_annotator=SimulatedAnnotator(truth, accuracy=0.8, random_state=0),
    ...     selector=EEQSelector(embedder=None), n_human=30, n_llm=90, n_rounds=3,
    ...     rectification="reserve", n_rectify=60, random_state=0,
    ... ).fit(X)
    >>> len(model.human_indices_), len(model.llm_indices_), len(model.rectify_indices_)
    (30, 90, 60)
    >>> shares = model.rectified_shares(X)
    >>> shares.classes
    ('neg', 'pos')
    """

    def _default_student(self):
        from ..models.estimators import LLMClassifier

        return LLMClassifier(model="minilm-l6")

    def _default_llm_annotator(self):
        from ..annotators import LLMAnnotator

        return LLMAnnotator()

    def _difficulty(self, estimator, X):
        if not hasattr(estimator, "predict_proba"):
            return np.zeros(n_rows(X))
        return uncertainty(estimator, X)

    def _validation_scores(self, estimator, X, y):
        predicted = estimator.predict(X)
        return {
            "accuracy": float(accuracy_score(y, predicted)),
            "macro_f1": float(f1_score(y, predicted, average="macro")),
        }

    def _clean_labels(self, labels):
        return uniform_class_labels(labels)

    def fit(self, X, y=None, *, validation_data=None):
        super().fit(X, y, validation_data=validation_data)
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    fit.__doc__ = MultiFidelityBase.fit.__doc__

    def predict_proba(self, X):
        """Class probabilities of the student, columns in the order of ``classes_``."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def rectified_shares(self, X, *, method="ppi++", confidence_level=0.95, indices=None):
        """Valid confidence intervals for the share of each class in the population.

        Uses only the rectification sample: with ``rectification="reserve"`` the student is
        rectified by :class:`~sklearn_llmrect.RectifiedClassifier` (``allocation=0``, the
        student frozen) on the pool; with ``"ipw"`` by the inverse-probability-weighted
        estimate (:func:`~sklearn_llmrect.selection.ipw_class_shares`), where rows labelled in
        the loop enter with probability 1.

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
        ClassSharesResult
        """
        rows, answers = self._rectification_rows(X, indices)
        if self.rectification == "reserve":
            from ..rectify import RectifiedClassifier

            y = np.full(self.n_samples_fit_, -1, dtype=object)
            y[rows] = answers
            return self._rectify_frozen(RectifiedClassifier, X, y, method, confidence_level)
        known, y = self._ipw_labels()
        return ipw_class_shares(
            self.estimator_.predict_proba(X),
            known,
            y,
            self.inclusion_probabilities_,
            classes=self.classes_,
            confidence_level=confidence_level,
        )
