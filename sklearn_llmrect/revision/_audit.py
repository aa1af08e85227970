"""ErrorAudit: where does the teacher go wrong, how often, and how many wrong labels in all?"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import is_missing, n_rows, numeric_labels
from ..inference._checks import check_confidence_level
from ._builders import CategoryBuilders
from ._categories import build_category, check_judgements, check_taxonomy
from ._intervals import INTERVAL_METHODS
from ._targets import audited_mask

__all__ = ["ErrorAudit"]

_TASKS = ("auto", "classification", "regression", "text")


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


class ErrorAudit(CategoryBuilders, BaseEstimator):
    """Categorise a teacher's errors on a human-audited sample (the *Analyze* step of ARF).

    ``fit(X, teacher_labels, human_labels)`` takes every teacher-labelled row; the rows with a
    human label (others ``-1`` / ``NaN`` / None) are the audit. Categories:

    * **classes**: one per teacher label ``t`` (rows the teacher labelled ``t``; error = the
      human label differs), the confusion cells ``teacher=t, human=h`` seen in the audit, and
      ``n_clusters`` k-means clusters of the text embeddings;
    * **numbers**: ``n_bins`` quantile bins of the teacher's value and ``n_clusters`` clusters,
      each with its **bias** (mean of ``teacher - human``) and error rate (error =
      ``|teacher - human| > tolerance``);
    * **free text** (``taxonomy`` and ``judge``): one category per taxonomy entry; the judge
      names the errors of each output.

    Teacher rows with no answer (None / NaN) form a ``"no answer"`` category. Each category
    gets its error rate on the audit, a binomial confidence interval (``method``), and the
    estimated number of wrong teacher labels in the whole set: ``n_teacher * rate``, with the
    interval scaled the same way. **Validity**: the intervals assume that the audited rows
    are a uniform random sample of the teacher-labelled rows (so that, within a category,
    they are a uniform sample of its rows); rows picked by hand or by uncertainty bias them.

    Parameters
    ----------
    task : {"auto", "classification", "regression", "text"}, default="auto"
        ``"auto"``: ``"text"`` with a ``judge``; ``"regression"`` when ``human_labels`` is a
        float array (unlabelled rows NaN); else ``"classification"``.
    n_bins : int, default=4
        Quantile bins of the teacher's value (regression).
    n_clusters : int or "auto", default="auto"
        k-means clusters of the embedded rows; ``"auto"`` is 4 for regression and 0 (none)
        otherwise.
    embedder : "auto", str, transformer, callable or None, default="auto"
        How rows are embedded for the clusters (see
        :func:`~sklearn_llmrect.models.embeddings.resolve_embedder`; ``"auto"``: numeric X as is,
        texts with MiniLM).
    tolerance : float or "auto", default="auto"
        Regression: a teacher value is an error when it is more than ``tolerance`` from the
        human value; ``"auto"`` is half the standard deviation of the human audit labels.
    taxonomy : list of str or dict, optional
        Free text: the error categories (``{name: description}``; the description goes into
        the editor's instruction).
    judge : callable, optional
        Free text: ``judge(rows, outputs, references) -> one collection of taxonomy names per
        row``; ``references`` holds the human reference outputs on audited rows and None
        elsewhere (then the judge must decide without one).
    method : {"wilson", "clopper-pearson"}, default="wilson"
        Interval for the error rates (:func:`binomial_interval`).
    confidence_level : float, default=0.95
    random_state : int or None, default=None
        Seeds k-means.

    Attributes
    ----------
    task_ : str
    categories_ : list of ErrorCategory
        The audit table, ``"all"`` first.
    targetable_ : list of str
        Names of the categories whose membership needs no human label, in the column order of
        :meth:`membership`.
    membership_ : ndarray of shape (n_samples, len(targetable_)) of bool
        Membership of the fitted rows.
    classes_ : ndarray
        Classification: the classes seen in teacher or human labels.
    audit_indices_ : ndarray of int
        The audited rows.
    tolerance_ : float or None
    bin_edges_ : ndarray or None
    kmeans_ : KMeans or None

    References
    ----------
    Lee, Guo, Jin & Moazami Goudarzi (2025). Targeted Error Correction in Knowledge
    Distillation: Small Language Models Surpass GPT. arXiv:2511.03005 (Analyze step).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.revision import ErrorAudit
    >>> truth = np.array(["neg", "neu", "pos"] * 200)
    >>> teacher = truth.copy()
    >>> teacher[(truth == "neu") & (np.arange(600) % 2 == 0)] = "pos"   # neutral -> positive
    >>> human = np.where(np.arange(600) < 150, truth, "-1")            # 150 audited rows
    >>> audit = ErrorAudit().fit(None, teacher, human)
    >>> row = audit.category("teacher=pos")
    >>> row.n_audit, row.n_errors, round(row.error_rate, 2)
    (75, 25, 0.33)
    >>> round(row.estimated_errors)
    100
    >>> audit.category("teacher=pos, human=neu").n_errors
    25
    """

    def __init__(
        self,
        *,
        task="auto",
        n_bins=4,
        n_clusters="auto",
        embedder="auto",
        tolerance="auto",
        taxonomy=None,
        judge=None,
        method="wilson",
        confidence_level=0.95,
        random_state=None,
    ):
        self.task = task
        self.n_bins = n_bins
        self.n_clusters = n_clusters
        self.embedder = embedder
        self.tolerance = tolerance
        self.taxonomy = taxonomy
        self.judge = judge
        self.method = method
        self.confidence_level = confidence_level
        self.random_state = random_state

    # --------------------------------------------------------------------------- checks
    def _check_params(self, human_labels) -> str:
        if self.task not in _TASKS:
            raise ValueError(f"task must be one of {_TASKS}; got {self.task!r}.")
        if self.method not in INTERVAL_METHODS:
            raise ValueError(f"method must be one of {INTERVAL_METHODS}; got {self.method!r}.")
        check_confidence_level(self.confidence_level)
        _check_int(self.n_bins, "n_bins", 1)
        if self.n_clusters != "auto":
            _check_int(self.n_clusters, "n_clusters", 0)
        if self.tolerance != "auto" and (
            isinstance(self.tolerance, bool)
            or not isinstance(self.tolerance, numbers.Real)
            or self.tolerance < 0
        ):
            raise ValueError(f"tolerance must be 'auto' or a number >= 0; got {self.tolerance!r}.")
        task = self.task
        if task == "auto":
            array = np.asarray(human_labels)
            task = (
                "text"
                if self.judge is not None
                else ("regression" if array.dtype.kind == "f" else "classification")
            )
        if task == "text":
            if self.judge is None or not callable(self.judge):
                raise ValueError(f"task='text' needs a callable judge; got {self.judge!r}.")
            check_taxonomy(self.taxonomy)
        elif self.judge is not None:
            raise ValueError(f"judge is only used with task='text'; task is {task!r}.")
        return task

    # ------------------------------------------------------------------------------ fit
    def fit(self, X, teacher_labels, human_labels):
        """Build the audit table.

        Parameters
        ----------
        X : list of str, array-like, DataFrame or None
            Every teacher-labelled row (None is allowed when no clusters and no judge are
            used).
        teacher_labels : array-like of shape (n_samples,)
            The teacher's label of every row (None / NaN: no answer).
        human_labels : array-like of shape (n_samples,)
            Human labels on the audited rows; ``-1`` (classes), NaN (numbers) or None
            elsewhere.

        Returns
        -------
        self
        """
        task = self._check_params(human_labels)
        teacher = np.asarray(teacher_labels, dtype=object)
        if teacher.ndim != 1:
            raise ValueError(f"teacher_labels must be 1-D; got shape {teacher.shape}.")
        n = len(teacher)
        if X is not None and n_rows(X) != n:
            raise ValueError(f"X has {n_rows(X)} rows but teacher_labels has {n}.")
        audited = audited_mask(human_labels, n, task, "human_labels")
        if not audited.any():
            raise ValueError(
                "human_labels has no audited row (all -1 / NaN / None): the audit needs human "
                "labels on a sample of the teacher-labelled rows."
            )
        human = np.asarray(human_labels, dtype=object)
        level = float(self.confidence_level)
        self.task_ = task
        self.audit_indices_ = np.flatnonzero(audited)
        self.tolerance_ = self.bin_edges_ = self.kmeans_ = None
        missing = np.array([is_missing(v) for v in teacher], dtype=bool)
        residuals = vectors = None
        if task == "text":
            errors, members, names = self._text(X, teacher, human, audited)
        elif task == "regression":
            errors, members, names, residuals = self._numeric(teacher, human, audited, missing)
        else:
            errors, members, names = self._classes(teacher, human, audited, missing)
        n_clusters = self.n_clusters
        if n_clusters == "auto":
            n_clusters = 4 if task == "regression" else 0
        if n_clusters and task != "text":
            cluster_members, vectors = self._clusters(X, int(n_clusters))
            members = np.hstack([members, cluster_members])
            names += [f"cluster {k}" for k in range(cluster_members.shape[1])]
        self.membership_ = members
        self.targetable_ = names
        overall = None if residuals is None else residuals[audited & ~missing]
        rows = [
            build_category(
                "all", "overall", False, errors[audited], n, level, self.method, residuals=overall
            )
        ]
        for j, name in enumerate(names):
            inside = members[:, j]
            audit_in = inside & audited
            kind = self._kind(name)
            res = None if residuals is None else residuals[audit_in & ~missing]
            if kind == "taxonomy":  # the share of audited outputs with this error, of all n
                row = build_category(name, kind, True, inside[audited], n, level, self.method)
            else:
                row = build_category(
                    name,
                    kind,
                    True,
                    errors[audit_in],
                    inside.sum(),
                    level,
                    self.method,
                    residuals=res,
                )
            cells = []
            if kind == "teacher_label":
                cells = self._confusions(name, human, audited, inside, level)
            rows.append(self._annotate_row(row, X, inside, cells, vectors))
            rows += cells
        self.categories_ = rows
        return self

    # ---------------------------------------------------------------------------- use
    def membership(self, X, teacher_labels) -> np.ndarray:
        """Which targetable categories each row falls in (columns in ``targetable_`` order).

        Parameters
        ----------
        X : rows (as given to :meth:`fit`; needed for clusters and the judge)
        teacher_labels : array-like of shape (n_samples,)

        Returns
        -------
        ndarray of shape (n_samples, len(targetable_)) of bool
        """
        check_is_fitted(self, "categories_")
        teacher = np.asarray(teacher_labels, dtype=object)
        missing = np.array([is_missing(v) for v in teacher], dtype=bool)
        if self.task_ == "text":
            taxonomy = check_taxonomy(self.taxonomy)
            judged = check_judgements(
                self.judge(X, teacher, np.full(len(teacher), None)), len(teacher), taxonomy
            )
            return np.array([[n in row for n in self.targetable_] for row in judged], dtype=bool)
        columns = []
        for name in self.targetable_:
            kind = self._kind(name)
            if kind == "no_answer":
                columns.append(missing)
            elif kind == "teacher_label":
                columns.append((~missing) & (teacher == self._label_values[name]))
        if self.task_ == "regression":
            values = numeric_labels(teacher, "teacher_labels", allow_missing=True)
            bins, _ = self._bin_columns(values, missing)
            columns = bins + columns
        if self.kmeans_ is not None:
            from ..models.embeddings import resolve_embedder

            labels = self.kmeans_.predict(resolve_embedder(self.embedder)(X))
            columns += [labels == c for c in range(self.kmeans_.n_clusters)]
        return np.column_stack(columns).astype(bool)

    def category(self, name: str):
        """The :class:`ErrorCategory` called ``name``."""
        check_is_fitted(self, "categories_")
        for row in self.categories_:
            if row.name == name:
                return row
        raise KeyError(f"no category {name!r}; the audit has {[r.name for r in self.categories_]}.")

    def to_frame(self):
        """The audit table as a pandas DataFrame, one row per category."""
        import pandas as pd

        check_is_fitted(self, "categories_")
        return pd.DataFrame([row.as_dict() for row in self.categories_])

    def summary(self) -> str:
        """A readable table: category, audited rows, errors, rate and interval, estimated count."""
        check_is_fitted(self, "categories_")
        level = f"{float(self.confidence_level):.0%}"
        lines = [
            f"{'category':<38} {'audit':>5} {'err':>4} {'rate':>6} {level + ' CI':>15} "
            f"{'est. errors':>12}"
        ]
        for row in self.categories_:
            rate = "n/a" if np.isnan(row.error_rate) else f"{row.error_rate:.3f}"
            est = "n/a" if np.isnan(row.estimated_errors) else f"{row.estimated_errors:.0f}"
            lines.append(
                f"{row.name[:38]:<38} {row.n_audit:>5} {row.n_errors:>4} {rate:>6} "
                f"[{row.ci_low:.3f}, {row.ci_high:.3f}] {est:>12}"
            )
        return "\n".join(lines)
