"""RevisedLabelClassifier / RevisedLabelRegressor: teacher -> audit -> revise -> student (ARF)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from .._validation import is_missing, n_rows, numeric_labels, take_rows, uniform_class_labels
from ._audit import ErrorAudit
from ._reviser import TargetedReviser
from ._targets import audited_mask

__all__ = ["RevisedLabelClassifier", "RevisedLabelRegressor"]


class _RevisedLabelBase(MetaEstimatorMixin, BaseEstimator):
    _task = "classification"

    def __init__(
        self,
        estimator=None,
        *,
        teacher=None,
        editor=None,
        audit=None,
        categories="auto",
        threshold=0.2,
        criterion="estimate",
        max_revisions=None,
        recheck=True,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.teacher = teacher
        self.editor = editor
        self.audit = audit
        self.categories = categories
        self.threshold = threshold
        self.criterion = criterion
        self.max_revisions = max_revisions
        self.recheck = recheck
        self.random_state = random_state
        self.verbose = verbose

    def _student(self):
        raise NotImplementedError

    def _check_params(self):
        for name in ("teacher", "editor"):
            value = getattr(self, name)
            if value is None or not hasattr(value, "annotate"):
                raise ValueError(
                    f"{name} must be an annotator with annotate(X, indices) (e.g. "
                    f"LLMAnnotator, CallableAnnotator, OracleAnnotator); got {value!r}."
                )
        if self.audit is not None and not isinstance(self.audit, ErrorAudit):
            raise TypeError(f"audit must be None or an ErrorAudit; got {self.audit!r}.")
        if self.audit is not None and self.audit.task not in ("auto", self._task):
            raise ValueError(
                f"audit has task={self.audit.task!r}; {type(self).__name__} needs "
                f"{self._task!r} (or 'auto')."
            )
        if isinstance(self.verbose, bool) or not isinstance(self.verbose, numbers.Integral):
            raise ValueError(f"verbose must be an integer; got {self.verbose!r}.")

    def fit(self, X, y):
        """Teacher-label every row, audit, revise the flagged rows, fit the student.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
            Every row to train on.
        y : array-like of shape (n_samples,)
            Human audit labels; ``-1`` (classifier) or ``NaN`` (regressor) on the other rows.
            The audited rows should be a uniform random sample (see :class:`ErrorAudit`).

        Returns
        -------
        self
        """
        self._check_params()
        n = n_rows(X)
        audited = audited_mask(y, n, self._task, "y")
        if not audited.any():
            raise ValueError(
                "y has no human label (all -1 / NaN): the audit needs human labels on a random "
                "sample of the rows."
            )
        human = np.asarray(y, dtype=object)
        rows = np.arange(n)
        teacher = np.asarray(self.teacher.annotate(X, indices=rows), dtype=object)
        if teacher.shape != (n,):
            raise ValueError(f"the teacher returned {teacher.shape} labels for {n} rows.")
        audit = ErrorAudit() if self.audit is None else clone(self.audit)
        params = {"task": self._task}
        if audit.random_state is None and self.random_state is not None:
            params["random_state"] = self.random_state
        audit.set_params(**params).fit(X, teacher, np.where(audited, human, None))
        audit_rows = np.flatnonzero(audited)
        editor = clone(self.editor).fit(
            take_rows(X, audit_rows), self._clean(human[audit_rows]).tolist()
        )
        reviser = TargetedReviser(
            editor,
            categories=self.categories,
            threshold=self.threshold,
            criterion=self.criterion,
            max_revisions=self.max_revisions,
            recheck=self.recheck,
            random_state=self.random_state,
        )
        revised = reviser.revise(
            X, teacher, audit, exclude=audit_rows, membership=audit.membership_
        )
        training = revised.copy()
        training[audited] = human[audited]
        usable = ~np.array([is_missing(v) for v in training], dtype=bool)
        self.untrained_indices_ = np.flatnonzero(~usable)
        if len(self.untrained_indices_):
            warnings.warn(
                f"{len(self.untrained_indices_)} row(s) have no label (the teacher gave no "
                "answer and no revision was kept); the student is not trained on them "
                "(untrained_indices_).",
                UserWarning,
                stacklevel=2,
            )
        keep = np.flatnonzero(usable)
        student = clone(self._student())
        self.estimator_ = student.fit(take_rows(X, keep), self._clean(training[keep]))
        self.teacher_labels_ = teacher
        self.training_labels_ = training
        self.audit_ = audit
        self.reviser_ = reviser
        self.revisions_ = _frame(reviser.decisions_)
        self.n_editor_calls_ = reviser.n_editor_calls_
        self.n_teacher_calls_ = n
        self.n_audit_ = int(audited.sum())
        if self.verbose > 0:
            print(audit.summary())
            print(f"[{type(self).__name__}] flagged {reviser.flagged_}; {reviser.counts_}")
        return self

    def predict(self, X):
        """Predictions of the student."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is None:
            tags.input_tags.string = True
        else:
            tags.input_tags.string = get_tags(self.estimator).input_tags.string
        tags.target_tags.required = True
        return tags


def _frame(decisions):
    import pandas as pd

    columns = ["index", "categories", "instruction", "teacher", "editor", "decision", "reason"]
    return pd.DataFrame(decisions, columns=columns)


# the settings that learnt on Financial PhraseBank in benchmarks/bench_revision.py
_DEFAULT_STUDENT = dict(
    model="minilm-l6",
    head="linear",
    learning_rate=3e-3,
    head_learning_rate=3e-3,
    max_epochs=3,
    max_length=64,
)

_SHARED_DOC = """
    Parameters
    ----------
    estimator : estimator, default=None
        The student, fitted on the training labels. None: {default}.
    teacher : annotator
        Labels every row (``annotate(X, indices)``), used as given: fit it beforehand (e.g.
        a zero-shot :class:`~sklearn_llmrect.annotators.LLMAnnotator` fitted with
        ``classes=``). It is never shown the audit labels, which would bias the audit.
    editor : annotator
        Revises the flagged rows: a stronger LLM, an endpoint or a person. A clone is fitted
        on the audited rows first (few-shot editors retrieve their examples from them) and
        is asked only about rows without a human label.
    audit : ErrorAudit, default=None
        The audit's options (cloned; its ``task`` is set); None: ``ErrorAudit()``.
    categories, threshold, criterion, max_revisions, recheck
        As in :class:`TargetedReviser`.
    random_state : int or None, default=None
        Seeds the audit's clustering (unless it has its own) and the sending order.
    verbose : int, default=0
        Print the audit table and the revision counts when > 0.

    Attributes
    ----------
    estimator_ : estimator
        The fitted student.
    audit_ : ErrorAudit
        The fitted audit; ``audit_.summary()`` and ``audit_.to_frame()`` show the table.
    reviser_ : TargetedReviser
        With ``flagged_``, ``counts_`` and ``decisions_``.
    revisions_ : pandas.DataFrame
        One row per flagged row: what the editor answered, the decision and why.
    teacher_labels_ : ndarray of shape (n_samples,)
    training_labels_ : ndarray of shape (n_samples,)
        What the student was trained on: the human label on audited rows, the kept revision
        on revised rows, the teacher's label elsewhere.
    untrained_indices_ : ndarray of int
        Rows left without any label (the teacher's and the editor's answers missing).
    n_editor_calls_, n_teacher_calls_, n_audit_ : int
        Rows sent to the editor (its cost), to the teacher, and human-audited.

    References
    ----------
    Lee, Guo, Jin & Moazami Goudarzi (2025). Targeted Error Correction in Knowledge
    Distillation: Small Language Models Surpass GPT. arXiv:2511.03005.
"""


class RevisedLabelClassifier(ClassifierMixin, _RevisedLabelBase):
    __doc__ = (
        """Train a student classifier on a teacher's labels after a targeted revision (ARF).

    ``fit(X, y)``: the teacher labels every row; :class:`ErrorAudit` compares its labels with
    the human labels in ``y`` (``-1`` elsewhere) and finds the error categories;
    :class:`TargetedReviser` sends the unaudited rows of error-prone categories to the
    editor; the student is trained on the result, human labels winning where present.
"""
        + _SHARED_DOC.format(
            default='``LLMClassifier(model="minilm-l6", head="linear", learning_rate=3e-3, '
            "head_learning_rate=3e-3, max_epochs=3, max_length=64)``, the settings that learnt "
            "on Financial PhraseBank in ``benchmarks/bench_revision.py``"
        )
        + """
    classes_ : ndarray
        The student's classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.annotators import OracleAnnotator
    >>> from sklearn_llmrect.revision import RevisedLabelClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2))
    >>> truth = np.where(X[:, 0] > 0, "pos", "neg")
    >>> teacher = np.where(X[:, 1] > 1, "pos", truth)       # wrong where X[:, 1] > 1
    >>> y = np.full(400, "-1", dtype=object)
    >>> y[:80] = truth[:80]                                # 80 audited rows
    >>> model = RevisedLabelClassifier(
    ...     LogisticRegression(), teacher=OracleAnnotator(teacher),
    ...     editor=OracleAnnotator(truth), threshold=0.05,
    ... ).fit(X, y)
    >>> model.reviser_.flagged_
    ['teacher=pos']
    >>> int((model.training_labels_ != truth).sum()), int((teacher != truth).sum())
    (0, 41)
    >>> model.n_editor_calls_, model.reviser_.counts_["revised"]
    (179, 34)
    """
    )

    _task = "classification"

    def _student(self):
        if self.estimator is not None:
            return self.estimator
        from ..models.estimators import LLMClassifier

        return LLMClassifier(**_DEFAULT_STUDENT)

    @staticmethod
    def _clean(labels):
        return uniform_class_labels(labels)

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    fit.__doc__ = _RevisedLabelBase.fit.__doc__

    def predict_proba(self, X):
        """Class probabilities of the student, columns in the order of ``classes_``."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)


class RevisedLabelRegressor(RegressorMixin, _RevisedLabelBase):
    __doc__ = (
        """Train a student regressor on a teacher's values after a targeted revision (ARF).

    As :class:`RevisedLabelClassifier`, for numbers: ``y`` holds the human values (``NaN``
    elsewhere); the audit's categories are bins of the teacher's value and clusters of the
    embedded rows, each with its bias; with ``recheck`` a revision must move the value
    against its category's bias.
"""
        + _SHARED_DOC.format(
            default='``LLMRegressor(model="minilm-l6", head="linear", loss="mse", '
            "learning_rate=3e-3, head_learning_rate=3e-3, max_epochs=3, max_length=64)``"
        )
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.annotators import OracleAnnotator
    >>> from sklearn_llmrect.revision import ErrorAudit, RevisedLabelRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 1))
    >>> truth = 2 * X[:, 0]
    >>> teacher = np.where(truth > 1, truth + 2.0, truth)   # too high for large values
    >>> y = np.full(400, np.nan)
    >>> y[:100] = truth[:100]
    >>> model = RevisedLabelRegressor(
    ...     Ridge(), teacher=OracleAnnotator(teacher), editor=OracleAnnotator(truth),
    ...     audit=ErrorAudit(n_clusters=0), threshold=0.1,
    ... ).fit(X, y)
    >>> model.reviser_.flagged_
    ['teacher in [3.28, 8.13]', 'teacher in [-0.1, 3.28)']
    >>> round(model.audit_.category("teacher in [3.28, 8.13]").bias, 2)
    2.0
    >>> round(float(np.abs(model.training_labels_ - truth).max()), 3)
    0.0
    """
    )

    _task = "regression"

    def _student(self):
        if self.estimator is not None:
            return self.estimator
        from ..models.estimators import LLMRegressor

        return LLMRegressor(loss="mse", **_DEFAULT_STUDENT)

    @staticmethod
    def _clean(labels):
        return numeric_labels(labels, "training labels")
