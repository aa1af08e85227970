"""The annotator interface and the annotators that need no model."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from .._validation import n_rows

__all__ = ["BaseAnnotator", "CallableAnnotator", "OracleAnnotator", "SimulatedAnnotator"]


def check_indices(
    indices, n: int, n_labels: int | None = None, who: str = "annotate"
) -> np.ndarray:
    """``indices`` as a 1-D int array with one entry per row of X, each within the labels."""
    array = np.asarray(indices)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValueError(f"{who}: indices must be a 1-D array of integers; got {indices!r}.")
    if len(array) != n:
        raise ValueError(f"{who}: indices has {len(array)} entries but X has {n} rows.")
    if n_labels is not None and array.size and (array.min() < 0 or array.max() >= n_labels):
        raise ValueError(
            f"{who}: indices must lie in [0, {n_labels}) (positions in labels); got values from "
            f"{int(array.min())} to {int(array.max())}."
        )
    return array.astype(np.intp)


class BaseAnnotator(BaseEstimator):
    """Base class of the annotators: ``fit(X, y)`` (optional) and ``annotate(X, indices)``.

    ``fit`` receives the human-labelled rows available so far (few-shot annotators retrieve
    their examples from them); the default ``fit`` ignores them. ``annotate`` returns one label
    per row of X; an annotator that cannot label a row returns None for it.
    """

    def fit(self, X=None, y=None):
        """Learn from human-labelled rows (ignored by this annotator).

        Returns
        -------
        self
        """
        return self

    def annotate(self, X, indices=None) -> np.ndarray:  # pragma: no cover - interface
        """Label each row of X; ``indices`` are the rows' positions in the pool."""
        raise NotImplementedError

    def __sklearn_is_fitted__(self) -> bool:
        return True


class CallableAnnotator(BaseAnnotator):
    """Labels from a user function, e.g. a labelling interface or a rule.

    Parameters
    ----------
    func : callable
        ``func(rows)`` (or ``func(rows, indices)`` with ``pass_indices=True``) returning one label
        per row; ``rows`` is X as given to :meth:`annotate`.
    pass_indices : bool, default=False
        Pass the rows' pool positions as a second argument.

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (the human annotator of the loop).

    Examples
    --------
    >>> from sklearn_llmrect.annotators import CallableAnnotator
    >>> annotator = CallableAnnotator(lambda rows: ["pos" if "good" in r else "neg" for r in rows])
    >>> annotator.annotate(["good day", "bad day"]).tolist()
    ['pos', 'neg']
    """

    def __init__(self, func, *, pass_indices=False):
        self.func = func
        self.pass_indices = pass_indices

    def annotate(self, X, indices=None) -> np.ndarray:
        """Call ``func`` on the rows of X.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        indices : array-like of int, optional
            Pool positions, passed on when ``pass_indices=True``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        if not callable(self.func):
            raise TypeError(f"func must be callable; got {type(self.func).__name__}.")
        if self.pass_indices:
            if indices is None:
                raise ValueError("pass_indices=True but annotate() was called without indices.")
            labels = self.func(X, check_indices(indices, n_rows(X)))
        else:
            labels = self.func(X)
        labels = np.asarray(labels, dtype=object) if labels is not None else None
        if labels is None or labels.ndim != 1 or len(labels) != n_rows(X):
            raise ValueError(
                f"func must return one label per row ({n_rows(X)}); got "
                f"{None if labels is None else labels.shape}."
            )
        return labels


class OracleAnnotator(BaseAnnotator):
    """Reveal known labels: the human annotator of simulations and benchmarks.

    Parameters
    ----------
    labels : array-like of shape (n_pool,)
        The true label of every pool row.
    texts : sequence of str, optional
        The pool's texts, so that :meth:`annotate` can look rows up by text when it is called
        without ``indices``.

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (simulated human annotation from gold labels).

    Examples
    --------
    >>> from sklearn_llmrect.annotators import OracleAnnotator
    >>> oracle = OracleAnnotator(["neg", "pos", "pos"])
    >>> oracle.annotate(["b", "c"], indices=[1, 2]).tolist()
    ['pos', 'pos']
    """

    def __init__(self, labels, *, texts=None):
        self.labels = labels
        self.texts = texts

    def _labels(self) -> np.ndarray:
        labels = np.asarray(self.labels)
        if labels.ndim != 1:
            raise ValueError(f"labels must be 1-D; got shape {labels.shape}.")
        return labels

    def annotate(self, X, indices=None) -> np.ndarray:
        """The known labels of the rows ``indices`` (or of the texts of X).

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        indices : array-like of int, optional
            Positions in ``labels``; without them the rows are looked up by text in ``texts``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        labels = self._labels()
        if indices is not None:
            return labels[check_indices(indices, n_rows(X), len(labels))]
        if self.texts is None:
            raise ValueError(
                f"{type(self).__name__} needs indices= (positions in labels) or texts= (to look "
                "rows up by text)."
            )
        if len(self.texts) != len(labels):
            raise ValueError(f"texts has {len(self.texts)} entries but labels has {len(labels)}.")
        lookup = {str(t): i for i, t in enumerate(self.texts)}
        rows = [str(r) if isinstance(r, str) else str(np.asarray(r).ravel()[0]) for r in X]
        unknown = [r for r in rows if r not in lookup]
        if unknown:
            raise ValueError(f"{len(unknown)} text(s) are not in texts, e.g. {unknown[0]!r}.")
        return labels[[lookup[r] for r in rows]]


class SimulatedAnnotator(OracleAnnotator):
    """Known labels, each wrong with probability ``1 - accuracy``: a synthetic LLM for sweeps.

    Every pool row gets one fixed draw (seeded by ``random_state``): with probability
    ``accuracy`` its true label, otherwise a class drawn uniformly from the *other* classes. So
    asking twice about a row gives the same answer, as a deterministic LLM would.

    Parameters
    ----------
    labels : array-like of shape (n_pool,)
        The true label of every pool row.
    accuracy : float, default=0.8
        Probability that a row's answer is its true label, in [0, 1].
    classes : array-like, optional
        The label set (default: the distinct values of ``labels``).
    texts : sequence of str, optional
        As in :class:`OracleAnnotator`.
    random_state : int or None, default=None

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (IMFL's gain depends on the LLM annotator's
    quality, which this annotator sweeps).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.annotators import SimulatedAnnotator
    >>> truth = np.array(["a", "b", "c"] * 1000)
    >>> noisy = SimulatedAnnotator(truth, accuracy=0.7, random_state=0)
    >>> answers = noisy.annotate(truth, indices=np.arange(3000))
    >>> round(float(np.mean(answers == truth)), 2)
    0.7
    """

    def __init__(self, labels, *, accuracy=0.8, classes=None, texts=None, random_state=None):
        super().__init__(labels, texts=texts)
        self.accuracy = accuracy
        self.classes = classes
        self.random_state = random_state

    def _labels(self) -> np.ndarray:
        truth = super()._labels()
        accuracy = self.accuracy
        if (
            isinstance(accuracy, bool)
            or not isinstance(accuracy, numbers.Real)
            or not 0.0 <= float(accuracy) <= 1.0
        ):
            raise ValueError(f"accuracy must be a number in [0, 1]; got {accuracy!r}.")
        classes = np.unique(truth) if self.classes is None else np.asarray(self.classes)
        if len(classes) < 2:
            raise ValueError(f"a simulated annotator needs at least two classes; got {classes}.")
        rng = np.random.default_rng(self.random_state)
        wrong = rng.random(len(truth)) >= float(accuracy)
        lookup = {value: i for i, value in enumerate(classes.tolist())}
        unknown = [value for value in np.unique(truth).tolist() if value not in lookup]
        if unknown:
            raise ValueError(f"labels holds values {unknown} that are not in classes.")
        position = np.array([lookup[value] for value in truth.tolist()], dtype=np.intp)
        shift = rng.integers(1, len(classes), size=len(truth))  # a different class, uniformly
        noisy = classes[(position + shift) % len(classes)]
        return np.where(wrong, noisy, truth)
