"""Resumable work: an on-disk cache of fitted estimators and of their predictions.

Fine-tuning an LLM takes minutes and predicting a large pool takes longer, so a run that is
stopped (Ctrl-C, a killed job, a closed laptop) should resume where it was. :class:`FitCache`
stores

* every fitted estimator under ``<location>/fits/<key>/``, keyed by a hash of the estimator's
  class and parameters (less ``verbose``-like ones), the model files it names and the data it was
  fitted on; estimators with ``save(path)`` / ``load(path)`` (the LLM estimators: a JSON file and
  the LoRA adapter in safetensors, no pickle) are written with them, others with joblib;
* every prediction vector under ``<location>/predictions/<key>.npy``, keyed by the fitted
  model's key, the method (``predict`` / ``predict_proba``) and a hash of the rows.

Each entry is written to a temporary name in the same folder and renamed into place at the end
(an atomic rename), so a run killed part-way leaves either a complete entry or none.

:class:`CachedEstimator` wraps any scikit-learn estimator so that its ``fit`` and ``predict``
go through the cache; the rectified meta-estimators and
:func:`~sklearn_llmrect.rectify.rampup.ramp_up` take a ``memory`` parameter (as
:class:`sklearn.pipeline.Pipeline` does) that does this for every model they fit. This module
imports neither torch nor transformers.

Computed text vectors (of :class:`~sklearn_llmrect.features.FrozenFeatures` and
:class:`~sklearn_llmrect.models.TextEmbedder`) are also kept in process memory, in one
:class:`VectorMemory` bounded in bytes (:func:`set_vector_memory_limit`; 1 GiB by default).

Notes
-----
A cached fit is reused whenever the key matches, also for an estimator with
``random_state=None``, whose refit would differ: seed it (an int) for reproducible runs. The
package version is part of the key, so an upgrade starts a fresh cache.

Layer: the bottom, beside :mod:`sklearn_llmrect.inference`; imports only numpy, scikit-learn and
joblib (never torch, never another part of the package but ``__version__``).
"""

from ._cached_estimator import CachedEstimator, unwrap
from ._keys import data_hash, estimator_key
from ._memory import VectorMemory, set_vector_memory_limit
from ._store import FitCache, check_memory

__all__ = [
    "CachedEstimator",
    "FitCache",
    "VectorMemory",
    "check_memory",
    "data_hash",
    "estimator_key",
    "set_vector_memory_limit",
    "unwrap",
]

FitCache.__module__ = __name__  # its public home (pickles and API pages name this module)
VectorMemory.__module__ = __name__
