"""CachedEstimator: any scikit-learn estimator whose fit and predict go through a FitCache."""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._keys import data_hash, estimator_key
from ._store import FitCache, check_memory  # noqa: F401  (FitCache: a name the docs link)

__all__ = ["CachedEstimator", "unwrap"]


# ------------------------------------------------------------------------------ the wrapper
def _inner_has(attr):
    def check(self):
        inner = getattr(self, "estimator_", self.estimator)
        return hasattr(inner, attr)

    return check


class CachedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Any scikit-learn estimator whose ``fit`` and predictions are cached on disk.

    ``fit(X, y)`` loads the fitted model from the cache when the same estimator (class and
    parameters) was fitted on the same data before, else fits a clone and stores it;
    ``predict`` and ``predict_proba`` do the same with the predicted arrays. A fit stopped by
    Ctrl-C (which the LLM estimators catch, keeping the best epoch so far) is not stored: the
    ``KeyboardInterrupt`` is raised again, so the run stops and a rerun resumes from the last
    stored step. It clones, so it works inside :func:`~sklearn.model_selection.cross_validate`,
    :func:`~sklearn_llmrect.rectify.rampup.ramp_up` and the rectified meta-estimators.

    Parameters
    ----------
    estimator : estimator
        The model to fit (cloned).
    memory : None, str, path-like, FitCache or joblib.Memory, default=None
        The cache folder (see :func:`check_memory`); None fits and predicts without caching.

    Attributes
    ----------
    estimator_ : estimator
        The fitted (or loaded) model.
    fit_key_ : str or None
        Its cache key (None when it cannot be keyed).
    from_cache_ : bool
        Whether ``estimator_`` was loaded from the cache.

    See Also
    --------
    sklearn.pipeline.Pipeline : whose ``memory`` parameter caches transformers the same way.

    References
    ----------
    .. [1] scikit-learn developers, "Caching transformers: avoid repeated computation",
       scikit-learn user guide, section Pipelines and composite estimators.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.caching import CachedEstimator
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    >>> folder = tempfile.mkdtemp()
    >>> first = CachedEstimator(Ridge(), memory=folder).fit(X, y)
    >>> again = CachedEstimator(Ridge(), memory=folder).fit(X, y)
    >>> first.from_cache_, again.from_cache_
    (False, True)
    >>> bool(np.allclose(first.predict(X), again.predict(X)))
    True
    """

    def __init__(self, estimator, *, memory=None):
        self.estimator = estimator
        self.memory = memory

    @classmethod
    def from_fitted(cls, estimator, memory=None, fit_key: str | None = None) -> CachedEstimator:
        """Wrap an already fitted estimator so that its predictions are cached.

        Without ``fit_key`` the key is a hash of the fitted object (joblib), or None (no
        caching of predictions) when it cannot be hashed.
        """
        if isinstance(estimator, CachedEstimator) and hasattr(estimator, "estimator_"):
            return estimator
        wrapper = cls(estimator, memory=memory)
        wrapper.estimator_ = estimator
        wrapper.from_cache_ = False
        if fit_key is None and check_memory(memory) is not None:
            try:
                import joblib

                fit_key = "fitted-" + joblib.hash(estimator)
            except Exception:  # unpicklable: predictions are not cached
                fit_key = None
        wrapper.fit_key_ = fit_key
        return wrapper

    def fit(self, X, y=None, **fit_params):
        """Load the fitted model from the cache, or fit a clone of ``estimator`` and store it.

        Parameters
        ----------
        X : array-like, DataFrame or list of texts
        y : array-like, optional
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : CachedEstimator
        """
        cache = check_memory(self.memory)
        self.from_cache_ = False
        if cache is None:
            self.fit_key_ = None
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
            return self
        key = estimator_key(self.estimator, X, y, **fit_params)
        self.fit_key_ = key
        loaded = cache.load_fitted(key, template=self.estimator)
        if loaded is not None:
            self.estimator_ = loaded
            self.from_cache_ = True
            return self
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        if _was_interrupted(self.estimator_):
            raise KeyboardInterrupt(
                "fitting was interrupted; the partly trained model is not cached"
            )
        cache.save_fitted(key, self.estimator_)
        return self

    def _cached_call(self, method: str, X):
        check_is_fitted(self, "estimator_")
        cache = check_memory(self.memory)
        call = getattr(self.estimator_, method)
        if cache is None or self.fit_key_ is None:
            return call(X)
        key = data_hash("predictions", self.fit_key_, method, X)
        array = cache.load_predictions(key)
        if array is None:
            array = np.asarray(call(X))
            cache.save_predictions(key, array)
        return array

    @available_if(_inner_has("predict"))
    def predict(self, X):
        """``estimator_.predict(X)``, from the cache when computed before."""
        return self._cached_call("predict", X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """``estimator_.predict_proba(X)``, from the cache when computed before."""
        return self._cached_call("predict_proba", X)

    @property
    def classes_(self):
        """The classes of the fitted classifier."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def __sklearn_tags__(self):
        return copy.deepcopy(get_tags(self.estimator))


def _was_interrupted(estimator) -> bool:
    """The LLM estimators catch Ctrl-C in ``fit``, keep the best epoch so far and mark it in
    ``history_``: such a model must not be cached as if its training had finished."""
    history = getattr(estimator, "history_", None)
    return bool(history) and any(
        isinstance(record, dict) and record.get("interrupted") for record in history
    )


def unwrap(estimator):
    """The fitted model inside a :class:`CachedEstimator` (anything else is returned as is)."""
    if isinstance(estimator, CachedEstimator) and hasattr(estimator, "estimator_"):
        return estimator.estimator_
    return estimator
