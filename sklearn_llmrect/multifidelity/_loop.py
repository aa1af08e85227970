"""The IMFL round loop shared by :class:`MultiFidelityClassifier` and
:class:`MultiFidelityRegressor`: query, split, annotate, retrain; plus the rectification sample.

Subclasses say what differs between classes and values: the default student and selector, how
hard a row is for the student, the validation scores, how labels from several sources become
one target array, and how the rectification sample gives an interval.
"""

from __future__ import annotations

import numbers
import time

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._validation import is_missing, n_rows, take_rows
from ..selection import (
    EEQSelector,
    HumanBatchSchedule,
    HumanLLMSplit,
    inclusion_probabilities,
    labeled_mask,
)

_RECTIFICATION = (None, "reserve", "ipw")


def _fit_with_weights(estimator, X, y, weights):
    if weights is None:
        return estimator.fit(X, y)
    steps = getattr(estimator, "steps", None)
    key = f"{steps[-1][0]}__sample_weight" if steps else "sample_weight"
    try:
        return estimator.fit(X, y, **{key: weights})
    except TypeError as exc:
        if "sample_weight" not in str(exc):
            raise
        raise ValueError(
            f"human_weight != llm_weight needs an estimator whose fit takes sample_weight; "
            f"{type(estimator).__name__}.fit does not ({exc})."
        ) from None


class MultiFidelityBase(MetaEstimatorMixin, BaseEstimator):
    """Base class of the IMFL meta-estimators; not for direct use."""

    def __init__(
        self,
        estimator=None,
        *,
        human_annotator=None,
        llm_annotator=None,
        selector=None,
        schedule=None,
        split=None,
        n_human=200,
        n_llm=800,
        n_rounds=5,
        human_weight=1.0,
        llm_weight=1.0,
        rectification=None,
        n_rectify=0,
        human_cost=1.0,
        llm_cost=0.01,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.human_annotator = human_annotator
        self.llm_annotator = llm_annotator
        self.selector = selector
        self.schedule = schedule
        self.split = split
        self.n_human = n_human
        self.n_llm = n_llm
        self.n_rounds = n_rounds
        self.human_weight = human_weight
        self.llm_weight = llm_weight
        self.rectification = rectification
        self.n_rectify = n_rectify
        self.human_cost = human_cost
        self.llm_cost = llm_cost
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ subclass hooks
    def _default_student(self):
        raise NotImplementedError

    def _default_selector(self):
        return EEQSelector()

    def _default_llm_annotator(self):
        raise NotImplementedError

    def _difficulty(self, estimator, X) -> np.ndarray:  # larger is harder
        raise NotImplementedError

    def _validation_scores(self, estimator, X, y) -> dict:
        raise NotImplementedError

    def _clean_labels(self, labels) -> np.ndarray:
        raise NotImplementedError

    # ------------------------------------------------------------------------------ checks
    def _check_params(self):
        if self.human_annotator is None or not hasattr(self.human_annotator, "annotate"):
            raise ValueError(
                "human_annotator is required and must have annotate(X, indices): e.g. "
                "CallableAnnotator(ask_a_person) or, in a simulation, OracleAnnotator(y_true); "
                f"got {self.human_annotator!r}."
            )
        if self.llm_annotator is not None and not hasattr(self.llm_annotator, "annotate"):
            raise ValueError(f"llm_annotator must have annotate(X); got {self.llm_annotator!r}.")
        for name in ("human_weight", "llm_weight", "human_cost", "llm_cost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"{name} must be a number >= 0; got {value!r}.")
        if self.rectification not in _RECTIFICATION:
            raise ValueError(
                f"rectification must be None, 'reserve' or 'ipw'; got {self.rectification!r}."
            )
        n_rectify = self.n_rectify
        if (
            isinstance(n_rectify, bool)
            or not isinstance(n_rectify, numbers.Integral)
            or (n_rectify < 0)
        ):
            raise ValueError(f"n_rectify must be an integer >= 0; got {n_rectify!r}.")
        if self.rectification is not None and n_rectify < 2:
            raise ValueError(
                f"rectification={self.rectification!r} needs n_rectify >= 2 human labels; got "
                f"{n_rectify}."
            )

    def _component(self, value, default, rng):
        component = clone(default if value is None else value)
        params = component.get_params()
        if "random_state" in params and params["random_state"] is None:
            component.set_params(random_state=int(rng.randint(2**31 - 1)))
        return component

    def _student(self):
        return self.estimator if self.estimator is not None else self._default_student()

    # --------------------------------------------------------------------------------- fit
    def fit(self, X, y=None, *, validation_data=None):
        """Run the rounds: query, annotate, retrain.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
            The unlabelled pool (and any already labelled rows).
        y : array-like of shape (n_samples,), optional
            Labels already known, ``-1`` (or NaN) for unlabelled rows; None: none known.
            Known rows train the student from the start and count as human labels for
            retrieval, not for the budget.
        validation_data : tuple (X_val, y_val), optional
            Held-out rows scored after every round (``history_``).

        Returns
        -------
        self
        """
        self._check_params()
        n = n_rows(X)
        known = labeled_mask(y, n)
        labels = np.empty(n, dtype=object)
        if known.any():
            labels[known] = np.asarray(y, dtype=object)[known]
        source = np.where(known, "initial", "").astype(object)
        rng = check_random_state(self.random_state)
        selector = self._component(self.selector, self._default_selector(), rng)
        split = self._component(self.split, HumanLLMSplit(), rng)
        schedule = self.schedule if self.schedule is not None else HumanBatchSchedule()
        batches = schedule.batch_sizes(self.n_human, self.n_llm, self.n_rounds)
        human_annotator = self.human_annotator
        llm_annotator = self.llm_annotator
        if llm_annotator is None and self.n_llm > 0:
            llm_annotator = self._default_llm_annotator()

        reserved = np.zeros(n, dtype=bool)
        self.rectify_indices_ = np.zeros(0, dtype=np.intp)
        self.rectify_labels_ = np.zeros(0, dtype=object)
        self.inclusion_probabilities_ = None
        needed = int(batches.sum()) + (self.n_rectify if self.rectification == "reserve" else 0)
        if needed > int((~known).sum()):
            raise ValueError(
                f"the budgets need {needed} unlabelled rows (n_human + n_llm"
                + (" + n_rectify" if self.rectification == "reserve" else "")
                + f") but X has only {int((~known).sum())}."
            )
        if self.rectification == "reserve":
            rows = np.sort(rng.choice(np.flatnonzero(~known), self.n_rectify, replace=False))
            self.rectify_labels_ = np.asarray(
                human_annotator.annotate(take_rows(X, rows), indices=rows), dtype=object
            )
            self.rectify_indices_ = rows
            reserved[rows] = True

        student = self._student()
        fitted = None
        if known.any() and len(np.unique(labels[known].astype(str))) >= 2:
            fitted = self._train(student, X, labels, source, None)
        self.history_ = []
        for round_, (n_h, n_l) in enumerate(batches, start=1):
            started = time.perf_counter()
            free = np.flatnonzero(source == "")
            free = free[~reserved[free]]
            if n_h + n_l == 0:
                continue
            chosen = selector.query(
                X, None, estimator=fitted, batch_size=int(n_h + n_l), candidates=free
            )
            difficulty = (
                self._difficulty(fitted, take_rows(X, chosen))
                if fitted is not None and getattr(split, "strategy", None) != "random"
                else np.zeros(len(chosen))
            )
            to_human, to_llm = split.split(chosen, difficulty, int(n_h))
            selected_at = time.perf_counter()
            n_invalid = self._annotate(human_annotator, X, to_human, labels, source, "human")
            if len(to_llm):
                pool = np.flatnonzero(np.isin(source, ("human", "initial")))
                llm_annotator.fit(take_rows(X, pool), labels[pool].tolist())
                n_invalid += self._annotate(llm_annotator, X, to_llm, labels, source, "llm")
            annotated_at = time.perf_counter()
            fitted = self._train(student, X, labels, source, fitted)
            trained_at = time.perf_counter()
            record = {
                "round": round_,
                "n_human": int(n_h),
                "n_llm": int(n_l),
                "n_human_total": int(np.sum(source == "human")),
                "n_llm_total": int(np.sum(source == "llm")),
                "n_invalid": int(n_invalid),
                "cost": self._cost(source),
                "seconds_select": selected_at - started,
                "seconds_annotate": annotated_at - selected_at,
                "seconds_train": trained_at - annotated_at,
            }
            if validation_data is not None:
                record.update(self._validation_scores(fitted, *validation_data))
            self.history_.append(record)
            if self.verbose > 0:
                shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in record.items()}
                print(f"[{type(self).__name__}] {shown}")
        if fitted is None:
            raise ValueError("no labels were collected: n_human + n_llm is 0 and y is empty.")
        self.estimator_ = fitted
        self.n_samples_fit_ = n
        human = np.flatnonzero(source == "human")
        llm = np.flatnonzero(source == "llm")
        self.human_indices_, self.human_labels_ = human, labels[human]
        self.llm_indices_, self.llm_labels_ = llm, labels[llm]
        self.initial_indices_ = np.flatnonzero(known)
        self.initial_labels_ = labels[known]
        if self.rectification == "ipw":
            self._draw_ipw_sample(X, source, rng)
        self.cost_ = self._cost(source) + self.human_cost * len(self.rectify_indices_)
        return self

    def _annotate(self, annotator, X, rows, labels, source, name) -> int:
        if len(rows) == 0:
            return 0
        answers = np.asarray(annotator.annotate(take_rows(X, rows), indices=rows), dtype=object)
        if answers.shape != (len(rows),):
            raise ValueError(
                f"the {name} annotator returned {answers.shape} labels for {len(rows)} rows."
            )
        valid = np.array([not is_missing(a) for a in answers], dtype=bool)
        labels[rows[valid]] = answers[valid]
        source[rows[valid]] = name
        source[rows[~valid]] = "invalid"  # asked once; not asked again, not trained on
        return int((~valid).sum())

    def _train(self, student, X, labels, source, previous):
        rows = np.flatnonzero(np.isin(source, ("initial", "human", "llm")))
        weights = np.where(source[rows] == "llm", self.llm_weight, self.human_weight)
        if np.all(weights == weights[0]):
            weights = None
        model = previous if (self.warm_start and previous is not None) else clone(student)
        y_rows = self._clean_labels(labels[rows])
        return _fit_with_weights(model, take_rows(X, rows), y_rows, weights)

    def _cost(self, source) -> float:
        return float(
            self.human_cost * np.sum(source == "human") + self.llm_cost * np.sum(source == "llm")
        )

    def _draw_ipw_sample(self, X, source, rng):
        certain = np.isin(source, ("initial", "human"))
        rest = np.flatnonzero(~certain)
        if self.n_rectify > len(rest):
            raise ValueError(
                f"n_rectify={self.n_rectify} is more than the {len(rest)} rows left to draw from."
            )
        scores = self._difficulty(self.estimator_, take_rows(X, rest))
        pi = np.ones(len(source))
        pi[rest] = inclusion_probabilities(scores, float(self.n_rectify))
        drawn = rest[rng.random_sample(len(rest)) < pi[rest]]
        self.rectify_labels_ = np.asarray(
            self.human_annotator.annotate(take_rows(X, drawn), indices=drawn), dtype=object
        )
        self.rectify_indices_ = drawn
        self.inclusion_probabilities_ = pi

    # ---------------------------------------------------------------------------- predict
    def predict(self, X):
        """Predictions of the student."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    # -------------------------------------------------------------------------- rectify
    def _rectification_rows(self, X, indices):
        """The rectification sample's (rows, labels), after refusing what cannot rectify."""
        check_is_fitted(self, "estimator_")
        if n_rows(X) != self.n_samples_fit_:
            raise ValueError(
                f"X must be the pool given to fit ({self.n_samples_fit_} rows); got {n_rows(X)}."
            )
        selected = np.concatenate([self.human_indices_, self.llm_indices_])
        selector_name = type(self.selector).__name__ if self.selector is not None else "EEQSelector"
        if indices is not None:
            indices = np.unique(np.asarray(indices, dtype=np.intp))
            bad = np.intersect1d(indices, selected)
            if bad.size:
                raise ValueError(
                    f"rows {bad[:5].tolist()} were chosen by the {selector_name} (uncertainty "
                    "and diversity), not at random, so their labels cannot rectify the student: "
                    "the estimate would be biased and its interval invalid. Rectify with the "
                    "reserved random sample (rectify_indices_)."
                )
        if self.rectification is None or len(self.rectify_indices_) < 2:
            raise ValueError(
                f"this loop kept no random rectification sample (rectification="
                f"{self.rectification!r}); its {len(self.human_indices_)} human labels were "
                f"chosen by the {selector_name} (uncertainty and diversity), so they cannot "
                "rectify the student: the estimate would be biased and its interval invalid. "
                "Refit with rectification='reserve' and n_rectify=... (a uniform random human "
                "sample) or rectification='ipw' (draws with known probabilities)."
            )
        rows, answers = self.rectify_indices_, self.rectify_labels_
        if indices is None:
            return rows, answers
        missing = np.setdiff1d(indices, rows)
        if missing.size:
            raise ValueError(
                f"rows {missing[:5].tolist()} are not in the rectification sample "
                "(rectify_indices_)."
            )
        if self.rectification == "ipw":
            raise ValueError(
                "indices cannot pick a subset of an IPW sample: the inclusion "
                "probabilities hold for the whole draw."
            )
        keep = np.isin(rows, indices)
        return rows[keep], answers[keep]

    def _rectify_frozen(self, rectifier, X, y, method, confidence_level):
        """PPI on the pool with the student frozen (``allocation=0``): ``y`` holds the reserve."""
        from sklearn.frozen import FrozenEstimator

        return (
            rectifier(
                FrozenEstimator(self.estimator_),
                allocation=0,
                method=method,
                confidence_level=confidence_level,
            )
            .fit(X, y)
            .result_
        )

    def _ipw_labels(self):
        """(known mask, labels) over the pool: every row labelled with certainty or drawn."""
        n = self.n_samples_fit_
        known = np.zeros(n, dtype=bool)
        y = np.empty(n, dtype=object)
        for rows, answers in (
            (self.initial_indices_, self.initial_labels_),
            (self.human_indices_, self.human_labels_),
            (self.rectify_indices_, self.rectify_labels_),
        ):
            known[rows] = True
            y[rows] = answers
        return known, y
