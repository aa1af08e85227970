"""Scaling out on an existing engine: Dask's (or Ray's) joblib backend, no scheduler of our own.

Everything in the package that runs many independent fits or predictions does it through
:class:`joblib.Parallel` with ``n_jobs=None``: serial by default, on whatever backend a
``joblib.parallel_backend`` / ``joblib.parallel_config`` context names otherwise. This
subpackage adds the two pieces that make a cluster convenient:

* :func:`scheduler_context` opens a :class:`distributed.Client` (a running cluster's, by
  address or scheduler file, or a :class:`distributed.LocalCluster` of worker processes) and
  makes Dask the joblib backend inside the block, so that ``GridSearchCV`` over the rectified
  estimators, the cross-fit folds of :func:`~sklearn_llmrect.inference.crossfit_predict` and
  benchmark replications run on its workers;
* :func:`chunked_predict` (and the :class:`ChunkedPredictor` estimator) predicts a large pool
  chunk by chunk, one chunk per task, the model sent to each worker once, each chunk's
  predictions cached in the :class:`~sklearn_llmrect.caching.FitCache` as it comes back;
* :func:`stream_predict` predicts the texts of a CSV or Parquet file too large for memory into
  another file, reading, predicting and writing one chunk at a time, a bounded number in flight,
  and resumes an interrupted run from the chunks it cached.

Seeds are fixed before any task is dispatched, so a cluster gives the numbers a serial run
gives. Dask is the optional ``dask`` extra (``pip install 'sklearn-llmrect[dask]'``), imported
only when a context opens a cluster.

Layer: the bottom, beside :mod:`sklearn_llmrect.caching` (which it uses); imports numpy,
scikit-learn and joblib (pandas and pyarrow when a file is streamed), never torch.
"""

from ._predict import ChunkedPredictor, chunked_predict
from ._scheduler import scheduler_context
from ._stream import StreamSummary, stream_predict

__all__ = [
    "ChunkedPredictor",
    "StreamSummary",
    "chunked_predict",
    "scheduler_context",
    "stream_predict",
]
