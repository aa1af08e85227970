"""EEQSelector: IMFL's exploration-exploitation query (uncertainty + k-means diversity)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

from .._validation import take_rows
from ._base import BaseSelector, check_max_candidates, embed, subsample
from ._uncertainty import uncertainty

__all__ = ["EEQSelector", "cluster_representatives"]

_CONTROLLER: list[ThreadpoolController] = []  # inspecting the thread pools is slow: do it once


def _one_thread():
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1)


def cluster_representatives(features, scores, n_clusters, rng) -> np.ndarray:
    """k-means the rows into ``n_clusters`` groups; from each, the row with the largest score
    (ties: the row nearest its centroid). Returns row positions, one per cluster."""
    features = np.asarray(features, dtype=np.float64)
    if n_clusters >= len(features):
        return np.arange(len(features))
    kmeans = KMeans(n_clusters=n_clusters, n_init=1, random_state=rng.randint(2**31 - 1))
    # one thread: on shared CPUs OpenMP barriers cost far more than k-means of a few thousand
    # rows (measured 15x slower with 2 threads under load); the annotators dominate anyway
    with _one_thread():
        assignment = kmeans.fit_predict(features)
    distance = np.linalg.norm(features - kmeans.cluster_centers_[assignment], axis=1)
    chosen = []
    for cluster in range(n_clusters):
        members = np.flatnonzero(assignment == cluster)
        if members.size == 0:
            continue
        best = members[np.lexsort((distance[members], -scores[members]))[0]]
        chosen.append(best)
    chosen = np.asarray(chosen, dtype=np.intp)
    if len(chosen) < n_clusters:  # k-means left clusters empty (duplicate points): top up
        rest = np.setdiff1d(np.arange(len(features)), chosen)
        extra = rest[np.lexsort((distance[rest], -scores[rest]))][: n_clusters - len(chosen)]
        chosen = np.concatenate([chosen, extra])
    return chosen


class EEQSelector(BaseSelector):
    """Exploration-exploitation query (EEQ) of interactive multi-fidelity learning.

    With ``b = batch_size`` and candidates ``C`` (the unlabelled rows):

    1. random sub-sampling: if ``|C| > max_candidates``, keep ``max_candidates`` of them,
       uniformly at random;
    2. exploitation pre-filter: the ``prefilter * b`` candidates with the largest uncertainty
       ``u(x)`` of the current model (:func:`uncertainty`);
    3. exploration: k-means with ``b`` clusters on their embeddings ``phi(x)``;
    4. from each cluster the most uncertain row (ties: the row nearest the centroid).

    Without a model (``estimator=None``, e.g. the first round) there is no uncertainty: step 2
    is skipped and each cluster gives the row nearest its centroid (pure diversity). The rows
    come back most uncertain first.

    Parameters
    ----------
    embedder : "auto", str, transformer, callable or None, default="auto"
        ``phi``: ``"auto"`` embeds text with the embedded MiniLM (mean-pooled, normalised) and
        uses numeric X as it is; a model spec (str); a scikit-learn transformer; a callable
        ``rows -> array``; None uses X as it is (numeric X).
    uncertainty : {"auto", "least_confidence", "margin", "entropy", "std"}, default="auto"
        See :func:`uncertainty` (``"auto"``: least confidence for classifiers, ensemble or
        dropout spread for regressors).
    prefilter : float, default=10.0
        Keep the ``ceil(prefilter * batch_size)`` most uncertain candidates before clustering
        (``beta`` of diverse mini-batch active learning); None keeps all.
    max_candidates : int or None, default=5000
        Random sub-sampling of large pools (step 1).
    n_dropout_passes : int, default=0
        Monte Carlo dropout passes for LLM regressors (``uncertainty="std"``).
    random_state : int, RandomState or None, default=None
        Seeds the sub-sampling, the tie-breaking and k-means.

    References
    ----------
    Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective
    Adaptation of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153
    (EEQ: k-means diversity plus uncertainty sampling). Zhdanov (2019), Diverse mini-batch
    Active Learning, arXiv:1901.05954 (the pre-filter then k-means recipe).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.selection import EEQSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = np.full(300, -1)
    >>> y[:20] = (X[:20, 0] > 0).astype(int)
    >>> model = LogisticRegression().fit(X[:20], y[:20])
    >>> selector = EEQSelector(embedder=None, random_state=0)
    >>> rows = selector.query(X, y, estimator=model, batch_size=5)
    >>> len(rows), bool(np.all(rows >= 20))
    (5, True)
    """

    def __init__(
        self,
        embedder="auto",
        *,
        uncertainty="auto",
        prefilter=10.0,
        max_candidates=5000,
        n_dropout_passes=0,
        random_state=None,
    ):
        self.embedder = embedder
        self.uncertainty = uncertainty
        self.prefilter = prefilter
        self.max_candidates = max_candidates
        self.n_dropout_passes = n_dropout_passes
        self.random_state = random_state

    def _select(self, X, candidates, estimator, batch_size, rng):
        prefilter = self.prefilter
        if prefilter is not None and (
            isinstance(prefilter, bool) or not isinstance(prefilter, numbers.Real) or prefilter < 1
        ):
            raise ValueError(f"prefilter must be None or a number >= 1; got {prefilter!r}.")
        pool = subsample(candidates, check_max_candidates(self.max_candidates, batch_size), rng)
        rows = take_rows(X, pool)
        if estimator is None:
            scores = np.zeros(len(pool))
        else:
            scores = uncertainty(
                estimator,
                rows,
                self.uncertainty,
                n_dropout_passes=self.n_dropout_passes,
                random_state=rng.randint(2**31 - 1),
            )
        keep = np.arange(len(pool))
        if estimator is not None and prefilter is not None:
            n_keep = min(len(pool), int(np.ceil(prefilter * batch_size)))
            order = np.lexsort((rng.permutation(len(pool)), -scores))  # random tie-break
            keep = np.sort(order[:n_keep])
        features = embed(self.embedder, take_rows(rows, keep))
        chosen = keep[cluster_representatives(features, scores[keep], batch_size, rng)]
        chosen = chosen[np.argsort(-scores[chosen], kind="stable")]
        utilities = np.full(len(candidates), np.nan)
        utilities[np.searchsorted(candidates, pool)] = scores
        return pool[chosen], utilities
