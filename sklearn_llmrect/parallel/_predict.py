"""chunked_predict and ChunkedPredictor: a pool predicted chunk by chunk on the joblib backend,
the model shipped once per worker, each chunk cached on its own."""

from __future__ import annotations

import numbers
import sys
import uuid
from collections import OrderedDict

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..caching import CachedEstimator, check_memory, data_hash

__all__ = ["ChunkedPredictor", "chunked_predict"]

DEFAULT_CHUNK_SIZE = 4096
METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")
_MEMO_SIZE = 2  # models kept per worker process: the current one and the one before


# ------------------------------------------------------------------- rows and chunk bounds
def _n_rows(X) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _rows(X, start: int, stop: int):
    if hasattr(X, "iloc"):
        return X.iloc[start:stop]
    if isinstance(X, (list, tuple, np.ndarray)) or hasattr(X, "shape"):
        return X[start:stop]
    return list(X)[start:stop]


def _check_chunk_size(chunk_size) -> int:
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, numbers.Integral)
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    return int(chunk_size)


# ------------------------------------------------------------ the model, once per worker
# One memo per worker process: a model that arrives by reference (Ray) is fetched once per
# process and kept under its key for the following chunks.
_MODELS: OrderedDict[str, object] = OrderedDict()


class _RayModel:
    """What a Ray task receives instead of the model: its key and an object reference."""

    def __init__(self, key: str, ref):
        self.key = key
        self.ref = ref

    def get(self):
        model = _MODELS.get(self.key)
        if model is None:
            import ray

            model = ray.get(self.ref)
            _MODELS[self.key] = model
            while len(_MODELS) > _MEMO_SIZE:
                _MODELS.popitem(last=False)
        return model


def _predict_chunk(model, method: str, index: int, rows):
    """One task: the chunk's position and the model's ``method`` on its rows."""
    if isinstance(model, _RayModel):
        model = model.get()
    if isinstance(rows, np.ndarray) and not rows.flags.aligned:
        # Dask hands over arrays in the (unaligned) buffers they arrived in; numpy would sum
        # them in another order than the serial run and differ in the last bit
        rows = rows.copy()
    return index, np.asarray(getattr(model, method)(rows))


def _active_backend(n_jobs):
    """``("dask", client)``, ``("ray", None)`` or ``(None, None)`` for the backend a
    ``Parallel(n_jobs)`` made here would run on."""
    import joblib
    from joblib.parallel import get_active_backend

    if joblib.effective_n_jobs(n_jobs) == 1:
        return None, None
    backend, _ = get_active_backend()
    name = type(backend).__name__
    if name == "DaskDistributedBackend" and "distributed" in sys.modules:
        return "dask", backend.client
    if name == "RayBackend" and "ray" in sys.modules:
        return "ray", None
    return None, None


def _supports_generator(n_jobs) -> bool:
    """Whether ``Parallel(n_jobs, return_as="generator_unordered")`` runs on this backend."""
    from joblib._parallel_backends import SequentialBackend
    from joblib.parallel import get_active_backend

    backend = get_active_backend()[0]
    if _effective_n_jobs(n_jobs) == 1 or isinstance(backend, SequentialBackend):
        return True  # joblib runs the tasks one by one here, as a generator
    return bool(getattr(backend, "supports_return_generator", False))


def _effective_n_jobs(n_jobs) -> int:
    import joblib

    return int(joblib.effective_n_jobs(n_jobs))


def _ship(model, key: str, n_jobs):
    """The model as the tasks should receive it: a Dask future (scattered to every worker
    once), a Ray reference (fetched once per worker process), or the object itself."""
    kind, client = _active_backend(n_jobs)
    if kind == "dask":
        # hash=False: a scatter from inside a worker (nested parallelism) fails with hashing
        [future] = client.scatter([model], broadcast=True, hash=False)
        return future
    if kind == "ray":
        import ray

        return _RayModel(key, ray.put(model))
    return model


def _model_and_key(estimator, memory, fit_key):
    """The fitted model to call, the cache to use and the model's key (or None)."""
    if isinstance(estimator, CachedEstimator):
        check_is_fitted(estimator, "estimator_")
        memory = estimator.memory if memory is None else memory
        fit_key = fit_key if fit_key is not None else getattr(estimator, "fit_key_", None)
        estimator = estimator.estimator_
    cache = check_memory(memory)
    if fit_key is None and cache is not None:
        try:
            import joblib

            fit_key = "fitted-" + joblib.hash(estimator)
        except Exception:  # an unpicklable model: its chunks are not cached
            fit_key = None
    return estimator, cache, fit_key


# ------------------------------------------------------------------------ the function
def chunked_predict(
    estimator,
    X,
    *,
    method: str = "predict",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    memory=None,
    fit_key: str | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> np.ndarray:
    """Predict a large pool chunk by chunk, the chunks mapped over the joblib backend.

    The rows are cut into chunks of ``chunk_size``; each chunk is one task of
    :class:`joblib.Parallel`, so the active backend runs them: serially by default, on the
    workers of a Dask cluster inside :func:`scheduler_context` (or
    ``joblib.parallel_backend("dask")``), on Ray's after ``ray.util.joblib.register_ray()``.
    The fitted model goes to each worker once, not with every task: on Dask it is scattered to
    every worker once per call; on Ray it is put in the object store and fetched once per worker
    process, kept there under its cache key. With ``memory`` each chunk's predictions are stored
    as the chunk comes back (:class:`~sklearn_llmrect.caching.FitCache`), keyed by the model's
    key and the chunk's rows, so a run that is stopped resumes at the missing chunks, and a lost
    worker costs only the chunks it held (Dask reruns them elsewhere).

    Parameters
    ----------
    estimator : fitted estimator or fitted CachedEstimator
        The model; a :class:`~sklearn_llmrect.caching.CachedEstimator` is unwrapped and lends
        its ``memory`` and its fit key.
    X : array-like, DataFrame, sparse matrix or list of texts
        The rows to predict, cut in order.
    method : str, default="predict"
        The method called on each chunk: ``"predict"``, ``"predict_proba"``,
        ``"predict_log_proba"``, ``"decision_function"`` or ``"transform"``.
    chunk_size : int, default=4096
        Rows per task. Smaller chunks lose less to a lost worker and spread better; larger
        ones pay less overhead per task.
    memory : None, str, path-like, FitCache or joblib.Memory, default=None
        Where each chunk's predictions are cached (see
        :func:`~sklearn_llmrect.caching.check_memory`); None: no caching.
    fit_key : str, optional
        The model's cache key. Default: the ``fit_key_`` of a ``CachedEstimator``, else a
        hash of the fitted model (:func:`joblib.hash`), computed only when ``memory`` is set.
    n_jobs : int or None, default=None
        Chunks predicted at once. ``None``: one, unless a joblib backend context says otherwise
        (inside :func:`scheduler_context`: every worker of the cluster).
    verbose : int, default=0
        Verbosity of :class:`joblib.Parallel`.

    Returns
    -------
    ndarray of shape (n_samples,) or (n_samples, ...)
        The chunks' outputs, concatenated in the order of ``X``: the same array whichever
        backend ran them, and equal to one call on all rows for a model whose predictions of a
        row do not depend on the other rows of its batch.

    See Also
    --------
    ChunkedPredictor : an estimator whose predictions go through this function.
    scheduler_context : opens a Dask cluster and makes it the joblib backend.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.caching import FitCache
    >>> from sklearn_llmrect.parallel import chunked_predict
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3))
    >>> model = Ridge().fit(X, X @ [1.0, 2.0, 3.0])
    >>> cache = FitCache(tempfile.mkdtemp())
    >>> pred = chunked_predict(model, X, chunk_size=300, memory=cache)
    >>> pred.shape, cache.stats["predictions_saved"]
    ((1000,), 4)
    >>> again = chunked_predict(model, X, chunk_size=300, memory=cache)  # from the cache
    >>> bool(np.array_equal(pred, again)), cache.stats["predictions_loaded"]
    (True, 4)
    >>> bool(np.allclose(pred, model.predict(X)))
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    chunk_size = _check_chunk_size(chunk_size)
    model, cache, key = _model_and_key(estimator, memory, fit_key)
    if not hasattr(model, method):
        raise AttributeError(f"{type(model).__name__} has no method {method!r}.")
    n = _n_rows(X)
    if n == 0:
        return np.asarray(getattr(model, method)(X))
    bounds = [(start, min(start + chunk_size, n)) for start in range(0, n, chunk_size)]
    keys: list[str | None] = [None] * len(bounds)
    results: list[np.ndarray | None] = [None] * len(bounds)
    if cache is not None and key is not None:
        for i, (start, stop) in enumerate(bounds):
            keys[i] = data_hash("chunk-predictions", key, method, _rows(X, start, stop))
            results[i] = cache.load_predictions(keys[i])
    pending = [i for i, result in enumerate(results) if result is None]
    if pending:
        from sklearn.utils.parallel import Parallel, delayed

        # without a key, a fresh one: a reused id() must never find another model in a memo
        memo_key = key or f"call-{uuid.uuid4().hex}"
        shipped = _ship(model, memo_key, n_jobs) if len(pending) > 1 else model
        # one chunk per task (a lost worker costs only its chunks), each stored as it comes
        # back; a backend that cannot return a generator (Ray's) gets the chunks in waves
        streams = _supports_generator(n_jobs)
        wave = len(pending) if streams else max(1, 4 * _effective_n_jobs(n_jobs))
        for first in range(0, len(pending), wave):
            outputs = Parallel(
                n_jobs=n_jobs,
                verbose=verbose,
                batch_size=1,
                return_as="generator_unordered" if streams else "list",
            )(
                delayed(_predict_chunk)(shipped, method, i, _rows(X, *bounds[i]))
                for i in pending[first : first + wave]
            )
            for i, output in outputs:
                results[i] = output
                if keys[i] is not None:
                    cache.save_predictions(keys[i], output)
    return np.concatenate(results, axis=0) if len(results) > 1 else results[0]


# ------------------------------------------------------------------------ the estimator
def _inner_has(attr):
    def check(self):
        return hasattr(getattr(self, "estimator_", self.estimator), attr)

    return check


class ChunkedPredictor(MetaEstimatorMixin, BaseEstimator):
    """An estimator whose predictions are made chunk by chunk on the joblib backend.

    ``fit`` fits a clone of ``estimator`` (in this process); ``predict``, ``predict_proba`` and
    ``transform`` go through :func:`chunked_predict`, so inside :func:`scheduler_context` they
    run on the cluster's workers, one chunk per task, each chunk cached in ``memory``. Give it
    to :class:`~sklearn_llmrect.rectify.RectifiedRegressor` (or ``RectifiedClassifier``) as
    the estimator, and the rectified fit predicts its pool this way.

    Parameters
    ----------
    estimator : estimator
        The model (cloned in ``fit``).
    chunk_size : int, default=4096
        Rows per task.
    memory : None, str, path-like, FitCache or joblib.Memory, default=None
        Where the chunks' predictions are cached; None: no caching.
    n_jobs : int or None, default=None
        Chunks at once (``None``: as the active joblib backend says).

    Attributes
    ----------
    estimator_ : estimator
        The fitted model.

    See Also
    --------
    chunked_predict : the same for an already fitted model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_llmrect.parallel import ChunkedPredictor
    >>> X = np.arange(40.0).reshape(20, 2)
    >>> model = ChunkedPredictor(Ridge(), chunk_size=8).fit(X, X.sum(axis=1))
    >>> model.predict(X).shape
    (20,)
    >>> wrapped = ChunkedPredictor.from_fitted(model.estimator_)
    >>> bool(np.array_equal(wrapped.predict(X), model.predict(X)))
    True
    """

    def __init__(self, estimator, *, chunk_size=DEFAULT_CHUNK_SIZE, memory=None, n_jobs=None):
        self.estimator = estimator
        self.chunk_size = chunk_size
        self.memory = memory
        self.n_jobs = n_jobs

    @classmethod
    def from_fitted(cls, estimator, **params) -> ChunkedPredictor:
        """Wrap an already fitted model (``params``: ``chunk_size``, ``memory``, ``n_jobs``)."""
        wrapper = cls(estimator, **params)
        wrapper.estimator_ = estimator
        return wrapper

    @property
    def _expensive_fit(self) -> bool:  # the rectified estimators read it to choose a design
        return bool(getattr(self.estimator, "_expensive_fit", False))

    def fit(self, X, y=None, **fit_params):
        """Fit a clone of ``estimator``.

        Parameters
        ----------
        X : array-like, DataFrame or list of texts
        y : array-like, optional
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : ChunkedPredictor
        """
        _check_chunk_size(self.chunk_size)
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        return self

    def _chunked(self, method: str, X):
        check_is_fitted(self, "estimator_")
        return chunked_predict(
            self.estimator_,
            X,
            method=method,
            chunk_size=self.chunk_size,
            memory=self.memory,
            n_jobs=self.n_jobs,
        )

    @available_if(_inner_has("predict"))
    def predict(self, X):
        """``estimator_.predict(X)``, chunk by chunk."""
        return self._chunked("predict", X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """``estimator_.predict_proba(X)``, chunk by chunk."""
        return self._chunked("predict_proba", X)

    @available_if(_inner_has("transform"))
    def transform(self, X):
        """``estimator_.transform(X)``, chunk by chunk."""
        return self._chunked("transform", X)

    @property
    def classes_(self):
        """The classes of the fitted classifier."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def __sklearn_tags__(self):
        import copy

        return copy.deepcopy(get_tags(self.estimator))
