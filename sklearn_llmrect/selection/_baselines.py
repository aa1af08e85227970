"""Baseline selectors in the same API: random, uncertainty only, diversity only."""

from __future__ import annotations

import numpy as np

from .._validation import take_rows
from ._base import BaseSelector, check_max_candidates, embed, subsample
from ._eeq import cluster_representatives
from ._uncertainty import uncertainty

__all__ = ["RandomSelector", "UncertaintySelector", "DiversitySelector"]


class RandomSelector(BaseSelector):
    """Uniformly random unlabelled rows (passive learning; the human baseline).

    Parameters
    ----------
    random_state : int, RandomState or None, default=None

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (the random human-annotation baselines).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import RandomSelector
    >>> y = np.array([0, 1, -1, -1, -1, -1])
    >>> sorted(RandomSelector(random_state=0).query(np.zeros((6, 1)), y, batch_size=4).tolist())
    [2, 3, 4, 5]
    """

    def __init__(self, *, random_state=None):
        self.random_state = random_state

    def _select(self, X, candidates, estimator, batch_size, rng):
        chosen = rng.choice(candidates, size=batch_size, replace=False)
        return chosen, np.zeros(len(candidates))


class UncertaintySelector(BaseSelector):
    """The rows the current model is least sure about (exploitation only).

    Parameters
    ----------
    uncertainty : {"auto", "least_confidence", "margin", "entropy", "std"}, default="auto"
        See :func:`~sklearn_llmrect.selection.uncertainty`.
    max_candidates : int or None, default=None
        Score a random subset of at most this many candidates.
    n_dropout_passes : int, default=0
    random_state : int, RandomState or None, default=None
        Seeds the sub-sampling and the tie-breaking.

    References
    ----------
    Lewis & Gale (1994), A Sequential Algorithm for Training Text Classifiers, SIGIR;
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (the "uncertainty only" ablation).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.selection import UncertaintySelector
    >>> X = np.array([[-3.0], [3.0], [-2.0], [0.1], [2.5]])
    >>> y = np.array([0, 1, -1, -1, -1])
    >>> model = LogisticRegression().fit(X[:2], y[:2])
    >>> UncertaintySelector().query(X, y, estimator=model, batch_size=1).tolist()
    [3]
    """

    def __init__(
        self, *, uncertainty="auto", max_candidates=None, n_dropout_passes=0, random_state=None
    ):
        self.uncertainty = uncertainty
        self.max_candidates = max_candidates
        self.n_dropout_passes = n_dropout_passes
        self.random_state = random_state

    def _select(self, X, candidates, estimator, batch_size, rng):
        if estimator is None:
            raise ValueError(
                "UncertaintySelector needs a fitted estimator to score the candidates; got "
                "estimator=None (use DiversitySelector or RandomSelector for the first round)."
            )
        pool = subsample(candidates, check_max_candidates(self.max_candidates, batch_size), rng)
        scores = uncertainty(
            estimator,
            take_rows(X, pool),
            self.uncertainty,
            n_dropout_passes=self.n_dropout_passes,
            random_state=rng.randint(2**31 - 1),
        )
        order = np.lexsort((rng.permutation(len(pool)), -scores))[:batch_size]
        utilities = np.full(len(candidates), np.nan)
        utilities[np.searchsorted(candidates, pool)] = scores
        return pool[order], utilities


class DiversitySelector(BaseSelector):
    """k-means the (embedded) candidates into ``batch_size`` clusters; the row nearest each
    centroid (exploration only).

    Parameters
    ----------
    embedder : "auto", str, transformer, callable or None, default="auto"
        As in :class:`~sklearn_llmrect.selection.EEQSelector`.
    max_candidates : int or None, default=5000
        Random sub-sampling of large pools.
    random_state : int, RandomState or None, default=None

    References
    ----------
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (the "diversity only" ablation).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.selection import DiversitySelector
    >>> X = np.array([[0.0], [0.1], [10.0], [10.1]])
    >>> rows = DiversitySelector(embedder=None, random_state=0).query(X, None, batch_size=2)
    >>> sorted(int(X[r, 0] > 5) for r in rows)
    [0, 1]
    """

    def __init__(self, embedder="auto", *, max_candidates=5000, random_state=None):
        self.embedder = embedder
        self.max_candidates = max_candidates
        self.random_state = random_state

    def _select(self, X, candidates, estimator, batch_size, rng):
        pool = subsample(candidates, check_max_candidates(self.max_candidates, batch_size), rng)
        features = embed(self.embedder, take_rows(X, pool))
        chosen = cluster_representatives(features, np.zeros(len(pool)), batch_size, rng)
        utilities = np.full(len(candidates), np.nan)
        utilities[np.searchsorted(candidates, pool)] = 0.0
        return pool[chosen], utilities
