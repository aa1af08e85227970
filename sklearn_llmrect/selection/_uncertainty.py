"""Uncertainty of a fitted model on each row: classifiers and regressors."""

from __future__ import annotations

import contextlib
import numbers

import numpy as np

__all__ = ["uncertainty"]

_METHODS = ("auto", "least_confidence", "margin", "entropy", "std")


def uncertainty(estimator, X, method="auto", *, n_dropout_passes=0, random_state=None):
    """How unsure ``estimator`` is about each row of X (larger is less sure).

    Classifiers (``predict_proba``), with ``p`` the predicted class probabilities:

    * ``"least_confidence"``: ``1 - max_c p_c``;
    * ``"margin"``: ``1 - (p_(1) - p_(2))``, the gap between the two largest probabilities;
    * ``"entropy"``: ``-sum_c p_c log p_c``.

    Regressors (``"std"``): the standard deviation of the predictions of an ensemble's members
    (``estimator.estimators_``, e.g. a random forest or a bagging regressor, or a list of
    fitted regressors), or, with ``n_dropout_passes >= 2``, of that many predictions of an
    :class:`~sklearn_llmrect.LLMRegressor` with its dropout layers active (Monte Carlo dropout).

    Parameters
    ----------
    estimator : fitted estimator or list of fitted regressors
    X : array-like
    method : {"auto", "least_confidence", "margin", "entropy", "std"}, default="auto"
        ``"auto"``: least confidence for classifiers, ``"std"`` otherwise.
    n_dropout_passes : int, default=0
        Monte Carlo dropout passes for LLM regressors.
    random_state : int or None
        Seeds the dropout masks.

    Returns
    -------
    ndarray of shape (n_samples,)

    References
    ----------
    Settles (2009), Active Learning Literature Survey (least confidence, margin, entropy);
    Gal & Ghahramani (2016), Dropout as a Bayesian Approximation, ICML (MC dropout).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_llmrect.selection import uncertainty
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> u = uncertainty(model, np.array([[0.0], [3.0]]))
    >>> bool(u[0] > u[1])
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    members = _members(estimator)
    is_classifier = members is None and hasattr(estimator, "predict_proba")
    if method == "auto":
        method = "least_confidence" if is_classifier else "std"
    if method != "std":
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"method={method!r} needs a classifier with predict_proba; "
                f"{type(estimator).__name__} has none (use method='std' for regressors)."
            )
        proba = np.clip(np.asarray(estimator.predict_proba(X), dtype=float), 0.0, 1.0)
        if method == "least_confidence":
            return 1.0 - proba.max(axis=1)
        if method == "margin":
            top = np.sort(proba, axis=1)
            second = top[:, -2] if proba.shape[1] > 1 else 0.0
            return 1.0 - (top[:, -1] - second)
        return -np.sum(np.where(proba > 0, proba * np.log(np.maximum(proba, 1e-300)), 0.0), axis=1)
    if members is not None:
        predictions = np.stack([np.asarray(m.predict(X), dtype=float).ravel() for m in members])
        return predictions.std(axis=0)
    passes = n_dropout_passes
    if isinstance(passes, bool) or not isinstance(passes, numbers.Integral) or passes < 2:
        raise ValueError(
            f"method='std' needs an ensemble (an estimator with estimators_, or a list of fitted "
            f"regressors) or n_dropout_passes >= 2 for an LLM regressor; got "
            f"{type(estimator).__name__} with n_dropout_passes={n_dropout_passes!r}."
        )
    return _dropout_spread(estimator, X, int(passes), random_state)


def _members(estimator):
    if isinstance(estimator, (list, tuple)):
        if not estimator:
            raise ValueError("an ensemble given as a list must hold at least one regressor.")
        return list(estimator)
    members = getattr(estimator, "estimators_", None)
    if members is None or hasattr(estimator, "predict_proba"):
        return None
    members = list(np.ravel(np.asarray(members, dtype=object)))
    return members if members and all(hasattr(m, "predict") for m in members) else None


def _dropout_spread(estimator, X, passes, random_state):
    import torch

    if not hasattr(estimator, "_ensure_network"):
        raise ValueError(
            "n_dropout_passes works with the package's LLM estimators only; got "
            f"{type(estimator).__name__}."
        )
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    estimator._ensure_network()
    network = estimator._network
    seed = 0 if random_state is None else int(random_state)
    with torch.random.fork_rng(devices=[]), _dropout_on(network):
        torch.manual_seed(seed)
        predictions = np.stack(
            [np.asarray(estimator.predict(X), dtype=float) for _ in range(passes)]
        )
    return predictions.std(axis=0)


@contextlib.contextmanager
def _dropout_on(network):
    """Keep the network in training mode (dropout active) while ``predict`` runs."""
    network.train()
    network.eval = lambda *args, **kwargs: network  # predict calls eval(); keep dropout on
    try:
        yield
    finally:
        del network.eval
        network.eval()
