"""TargetedReviser: send only the rows in error-prone categories to an editor (Revise step)."""

from __future__ import annotations

import inspect
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from .._validation import is_missing, n_rows, take_rows
from ._recheck import builtin_recheck, same_label

__all__ = ["TargetedReviser"]

_CRITERIA = ("estimate", "lower")
DECISIONS = ("revised", "unchanged", "rejected", "not_sent")


def annotate_with_instruction(editor, X, rows, instruction: str) -> np.ndarray:
    """Ask ``editor`` about ``rows`` of X with a category-specific ``instruction``.

    An editor whose ``annotate`` takes an ``instruction`` argument (the package's LLM
    annotators append it to their prompt instruction for this call) receives it; any other
    editor (an oracle, a callable) is asked without it.
    """
    subset = take_rows(X, rows)
    if "instruction" in inspect.signature(editor.annotate).parameters:
        return np.asarray(editor.annotate(subset, indices=rows, instruction=instruction), object)
    return np.asarray(editor.annotate(subset, indices=rows), dtype=object)


class TargetedReviser(BaseEstimator):
    """Revise only the teacher labels that fall in error-prone audit categories.

    :meth:`revise` takes a fitted :class:`ErrorAudit` and the teacher's labels. A targetable
    category is **flagged** when its estimated error rate exceeds ``threshold``
    (``criterion="lower"``: when the lower end of its interval does). Rows in a flagged
    category (and not in ``exclude``, e.g. the rows humans audited) go to the ``editor``,
    most error-prone category first, up to ``max_revisions``; rows with the same flagged
    categories are sent together, with an instruction built from those categories' notes
    (see :func:`annotate_with_instruction`). With ``recheck``, an answer that differs from
    the teacher's is kept only if it passes the verification pass: the audit's built-in
    detector (classes: a known class; numbers: a finite value that moves against the
    category's bias; text: the judge no longer finds the flagged errors and no new ones), or a
    callable you pass. Every flagged row's outcome is recorded in ``decisions_``.

    Parameters
    ----------
    editor : annotator
        ``annotate(X, indices)``: a stronger LLM
        (:class:`~sklearn_llmrect.annotators.LLMAnnotator`,
        :class:`~sklearn_llmrect.annotators.OpenAICompatibleAnnotator`), a person behind a
        :class:`~sklearn_llmrect.annotators.CallableAnnotator`, or an
        :class:`~sklearn_llmrect.annotators.OracleAnnotator` in simulations.
    categories : "auto" or list of str, default="auto"
        ``"auto"``: every targetable category above ``threshold``, and the teacher's missing
        answers (``"no answer"``, wrong by definition); a list: these targetable categories,
        whatever their rate.
    threshold : float, default=0.2
        Error rate above which a category is flagged (``categories="auto"``).
    criterion : {"estimate", "lower"}, default="estimate"
        Compare the point estimate or the lower confidence bound with ``threshold``.
    max_revisions : int or None, default=None
        Most rows sent to the editor (its cost); None: every flagged row.
    recheck : bool or callable, default=True
        ``callable(rows, old_labels, new_labels, categories) -> array of bool`` (True keeps),
        where ``categories`` holds each row's flagged category names.
    random_state : int or None, default=None
        Breaks ties in the sending order.

    Attributes
    ----------
    flagged_ : list of str
        The flagged categories, most error-prone first.
    decisions_ : list of dict
        One per flagged, non-excluded row: ``index``, ``categories``, ``instruction``,
        ``teacher``, ``editor`` (None if not sent), ``decision`` (``"revised"``,
        ``"unchanged"``, ``"rejected"`` or ``"not_sent"``) and ``reason``.
    n_flagged_, n_excluded_, n_editor_calls_ : int
        Flagged rows (not excluded), flagged rows skipped by ``exclude``, rows sent to the
        editor.
    counts_ : dict
        Number of rows per decision.

    References
    ----------
    Lee, Guo, Jin & Moazami Goudarzi (2025), arXiv:2511.03005 (Revise step).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.annotators import OracleAnnotator
    >>> from sklearn_llmrect.revision import ErrorAudit, TargetedReviser
    >>> truth = np.array(["neg", "neu", "pos"] * 200)
    >>> teacher = truth.copy()
    >>> teacher[(truth == "neu") & (np.arange(600) % 2 == 0)] = "pos"
    >>> human = np.where(np.arange(600) < 150, truth, "-1")
    >>> audit = ErrorAudit().fit(None, teacher, human)
    >>> X = np.arange(600).reshape(-1, 1)                              # the rows (ids here)
    >>> reviser = TargetedReviser(OracleAnnotator(truth), threshold=0.1)
    >>> revised = reviser.revise(X, teacher, audit, exclude=np.arange(150))
    >>> reviser.flagged_, reviser.n_editor_calls_, reviser.counts_["revised"]
    (['teacher=pos'], 225, 75)
    >>> int((revised != truth).sum()), int((teacher != truth).sum())
    (25, 100)
    """

    def __init__(
        self,
        editor,
        *,
        categories="auto",
        threshold=0.2,
        criterion="estimate",
        max_revisions=None,
        recheck=True,
        random_state=None,
    ):
        self.editor = editor
        self.categories = categories
        self.threshold = threshold
        self.criterion = criterion
        self.max_revisions = max_revisions
        self.recheck = recheck
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.editor is None or not hasattr(self.editor, "annotate"):
            raise ValueError(
                "editor must be an annotator with annotate(X, indices) (e.g. OracleAnnotator, "
                f"CallableAnnotator, LLMAnnotator); got {self.editor!r}."
            )
        threshold = self.threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, numbers.Real)
            or not 0.0 <= threshold <= 1.0
        ):
            raise ValueError(f"threshold must be a number in [0, 1]; got {threshold!r}.")
        if self.criterion not in _CRITERIA:
            raise ValueError(f"criterion must be one of {_CRITERIA}; got {self.criterion!r}.")
        limit = self.max_revisions
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0
        ):
            raise ValueError(f"max_revisions must be None or an integer >= 0; got {limit!r}.")
        if not (isinstance(self.recheck, bool) or callable(self.recheck)):
            raise TypeError(f"recheck must be True, False or a callable; got {self.recheck!r}.")
        if self.categories != "auto" and (
            isinstance(self.categories, str) or not all(isinstance(c, str) for c in self.categories)
        ):
            raise TypeError(
                f"categories must be 'auto' or a list of category names; got {self.categories!r}."
            )

    def _flag(self, audit) -> list:
        rows = {row.name: row for row in audit.categories_ if row.targetable}
        if self.categories == "auto":
            key = "error_rate" if self.criterion == "estimate" else "ci_low"
            chosen = [  # a missing answer is always wrong: flagged without an audit
                r
                for r in rows.values()
                if (r.kind == "no_answer" and r.n_teacher > 0)
                or (r.n_audit > 0 and getattr(r, key) > float(self.threshold))
            ]
        else:
            unknown = [c for c in self.categories if c not in rows]
            if unknown:
                raise ValueError(
                    f"categories {unknown} are not targetable categories of the audit; it has "
                    f"{sorted(rows)}."
                )
            chosen = [rows[c] for c in self.categories]
        chosen.sort(key=lambda r: (-np.nan_to_num(r.error_rate, nan=1.0), r.name))
        return chosen

    def revise(self, X, teacher_labels, audit, *, exclude=None, membership=None) -> np.ndarray:
        """Send the flagged rows to the editor and return the revised labels.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
            The teacher-labelled rows.
        teacher_labels : array-like of shape (n_samples,)
        audit : ErrorAudit
            Fitted on these rows (or on rows like them).
        exclude : array-like of int, optional
            Rows never sent (e.g. those with a human label, which wins anyway).
        membership : ndarray of bool, optional
            ``audit.membership(X, teacher_labels)`` if already computed.

        Returns
        -------
        ndarray of shape (n_samples,), dtype object
            The teacher's labels with the kept revisions.
        """
        self._check_params()
        if not hasattr(audit, "categories_"):
            raise ValueError("audit must be a fitted ErrorAudit: call audit.fit(...) first.")
        teacher = np.asarray(teacher_labels, dtype=object)
        n = len(teacher)
        if X is None or n_rows(X) != n:
            raise ValueError(
                f"X must hold the {n} teacher-labelled rows (the editor reads them); got "
                f"{None if X is None else n_rows(X)} rows."
            )
        if membership is None:
            membership = audit.membership(X, teacher)
        membership = np.asarray(membership, dtype=bool)
        if membership.shape != (n, len(audit.targetable_)):
            raise ValueError(
                f"membership must have shape {(n, len(audit.targetable_))}; got {membership.shape}."
            )
        flagged = self._flag(audit)
        self.flagged_ = [row.name for row in flagged]
        column = {name: j for j, name in enumerate(audit.targetable_)}
        excluded = np.zeros(n, dtype=bool)
        if exclude is not None:
            exclude = np.asarray(exclude, dtype=np.intp).ravel()
            if exclude.size and (exclude.min() < 0 or exclude.max() >= n):
                raise ValueError(f"exclude must hold row positions in [0, {n}).")
            excluded[exclude] = True
        hits = np.zeros((n, len(flagged)), dtype=bool)
        for j, row in enumerate(flagged):
            hits[:, j] = membership[:, column[row.name]]
        in_flagged = hits.any(axis=1)
        self.n_excluded_ = int((in_flagged & excluded).sum())
        rows = np.flatnonzero(in_flagged & ~excluded)
        rng = check_random_state(self.random_state)
        order = rows[rng.permutation(len(rows))]
        if len(order):  # most error-prone flagged category first
            order = order[np.argsort(hits[order].argmax(axis=1), kind="stable")]
        limit = len(order) if self.max_revisions is None else int(self.max_revisions)
        sent, skipped = order[:limit], order[limit:]
        names = {i: tuple(flagged[j].name for j in np.flatnonzero(hits[i])) for i in rows}
        notes = {row.name: row.instruction for row in flagged}
        answers = self._ask(X, sent, names, notes)
        revised = teacher.copy()
        self.decisions_ = self._decide(
            X, audit, teacher, membership, sent, answers, names, notes, revised
        )
        self.decisions_ += [
            {
                "index": int(i),
                "categories": names[i],
                "instruction": "",
                "teacher": teacher[i],
                "editor": None,
                "decision": "not_sent",
                "reason": f"max_revisions={self.max_revisions} reached",
            }
            for i in skipped
        ]
        self.n_flagged_ = len(rows)
        self.n_editor_calls_ = len(sent)
        self.counts_ = {d: sum(r["decision"] == d for r in self.decisions_) for d in DECISIONS}
        return revised

    def _ask(self, X, sent, names, notes) -> dict:
        groups: dict[tuple, list] = {}
        for i in sent:
            groups.setdefault(names[i], []).append(i)
        answers = {}
        for key, members in groups.items():
            members = np.asarray(members, dtype=np.intp)
            out = annotate_with_instruction(
                self.editor, X, members, " ".join(notes[name] for name in key)
            )
            if out.shape != (len(members),):
                raise ValueError(
                    f"the editor returned {out.shape} answers for {len(members)} rows."
                )
            answers.update(zip(members.tolist(), out.tolist(), strict=True))
        return answers

    def _decide(self, X, audit, teacher, membership, sent, answers, names, notes, revised) -> list:
        task = audit.task_
        changed = [i for i in sent if not same_label(teacher[i], answers[i], task)]
        reasons = dict.fromkeys(changed, "")
        if changed and self.recheck is not False:
            idx = np.asarray(changed, dtype=np.intp)
            old = [teacher[i] for i in changed]
            new = [answers[i] for i in changed]
            flagged = [names[i] for i in changed]
            if callable(self.recheck):
                keep = np.asarray(self.recheck(take_rows(X, idx), old, new, flagged))
                if keep.shape != (len(changed),):
                    raise ValueError(
                        f"recheck must return one bool per revision ({len(changed)}); got "
                        f"shape {keep.shape}."
                    )
                found = ["" if k else "rejected by recheck" for k in keep.astype(bool)]
            else:
                found = builtin_recheck(audit, X, idx, old, new, flagged, membership[idx])
            reasons.update(zip(changed, found, strict=True))
        decisions = []
        for i in sent:
            answer = answers[i]
            if i not in reasons:
                decision, reason = "unchanged", "the editor kept the teacher's label"
            elif is_missing(answer):
                decision, reason = "rejected", "the editor gave no answer"
            elif reasons[i]:
                decision, reason = "rejected", reasons[i]
            else:
                decision = "revised"
                reason = "in " + ", ".join(names[i]) + (" (rechecked)" if self.recheck else "")
                revised[i] = answer
            decisions.append(
                {
                    "index": int(i),
                    "categories": names[i],
                    "instruction": " ".join(notes[n] for n in names[i]),
                    "teacher": teacher[i],
                    "editor": answer,
                    "decision": decision,
                    "reason": reason,
                }
            )
        return decisions
