"""The baseline a competent user writes in about 20 lines, run beside the package's estimate.

Frozen MiniLM embeddings of every text, a ``RidgeCV`` head (``LogisticRegression`` for class
shares) in 5-fold ``crossfit_predict``, and plain cross-PPI (``lambda = 1``, Zrnic & Candes).
The CLI shows it as a row of the table so the default must beat it in front of the user
(``benchmarks/bench_rectify.py`` measures the same comparison over replications).
"""

from __future__ import annotations

import numpy as np

RIDGE_BASELINE = "MiniLM ridge baseline (5-fold)"
LOGISTIC_BASELINE = "MiniLM logistic baseline (5-fold)"


def baseline_name(task: str) -> str:
    """The table's name of the baseline row for ``task``."""
    return LOGISTIC_BASELINE if task == "classification" else RIDGE_BASELINE


def frozen_embedding_baseline(
    X, y, labeled, *, task, confidence, seed, cache=None, population="superpopulation"
):
    """Cross-PPI with a linear head over frozen MiniLM embeddings.

    Parameters
    ----------
    X : DataFrame or list of str
        Every row's text.
    y : ndarray
        Labels (NaN or None where unlabelled).
    labeled : ndarray of bool
    task : {"regression", "classification"}
    confidence : float
    seed : int
        Seed of the fold assignment.
    cache : FitCache or None
        Where the embeddings are kept (shared with the default surrogate's MiniLM features).
    population : {"superpopulation", "pool"}, default="superpopulation"
        ``"pool"``: the interval for the mean of the rows given (finite-pool correction).

    Returns
    -------
    InferenceResult or ClassSharesResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.cli._baseline import frozen_embedding_baseline
    >>> texts = [f"a {w} film" for w in ("great", "bad", "fine", "dull")] * 10
    >>> y = np.array([2.0, -2.0, 1.0, -1.0] * 10)
    >>> labeled = np.arange(40) < 20
    >>> y[~labeled] = np.nan
    >>> result = frozen_embedding_baseline(
    ...     texts, y, labeled, task="regression", confidence=0.95, seed=0
    ... )
    >>> bool(result.confidence_interval[0] < result.estimate < result.confidence_interval[1])
    True
    """
    from sklearn.linear_model import LogisticRegression, RidgeCV

    from .._validation import take_rows
    from ..features import FrozenFeatures
    from ..inference import crossfit_ppi_class_shares, crossfit_ppi_mean, crossfit_predict

    features = FrozenFeatures("minilm-l6", memory=cache).transform(X)
    labeled_idx, unlabeled_idx = np.flatnonzero(labeled), np.flatnonzero(~labeled)
    Z_labeled = take_rows(features, labeled_idx)
    Z_unlabeled = take_rows(features, unlabeled_idx)
    y_labeled = np.asarray(y)[labeled_idx]
    if task == "classification":
        preds = crossfit_predict(
            LogisticRegression(max_iter=1000),
            Z_labeled,
            y_labeled,
            Z_unlabeled,
            n_folds=5,
            response_method="predict_proba",
            random_state=seed,
        )
        return crossfit_ppi_class_shares(
            y_labeled,
            preds.labeled,
            preds.unlabeled,
            classes=preds.classes,
            confidence_level=confidence,
            population=population,
        )
    preds = crossfit_predict(
        RidgeCV(alphas=np.logspace(-3, 3, 13)),
        Z_labeled,
        y_labeled.astype(float),
        Z_unlabeled,
        n_folds=5,
        random_state=seed,
    )
    return crossfit_ppi_mean(
        y_labeled.astype(float),
        preds.labeled,
        preds.unlabeled,
        confidence_level=confidence,
        population=population,
    )
