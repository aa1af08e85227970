"""Vectors in process memory, bounded in bytes: the least recently used are dropped first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

DEFAULT_MAX_BYTES = 1024**3
# Python's bookkeeping per entry beside the vector's data (the array object, its key, the
# ordered dict's node), measured with tracemalloc for 20-byte digest keys: about 400 bytes.
ENTRY_OVERHEAD = 400


def entry_bytes(vector: np.ndarray) -> int:
    """What one stored vector costs in memory: its data and the bookkeeping beside it."""
    return int(vector.nbytes) + ENTRY_OVERHEAD


class VectorMemory:
    """Vectors by key, kept while they fit in ``max_bytes`` (the least recently used go first).

    The feature transformers share one (``VECTOR_MEMORY``), so the K fold models of a cross-fit,
    the clones of a grid search and a benchmark's replications never compute a text's vector
    twice, while streaming a file of a million texts through them keeps memory bounded. A
    dropped vector is read back from the on-disk cache where there is one, else recomputed.
    Safe to use from several threads (a Dask worker runs tasks on threads).

    Parameters
    ----------
    max_bytes : int, default=1 GiB
        The most memory the vectors may take, counting each one's data and about 400 bytes of
        bookkeeping (:func:`entry_bytes`). A vector larger than this alone is not kept.

    Attributes
    ----------
    nbytes : int
        The memory the stored vectors take, counted the same way.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.caching import VectorMemory
    >>> from sklearn_llmrect.caching._memory import entry_bytes
    >>> vector = np.zeros(3, dtype=np.float32)
    >>> memory = VectorMemory(max_bytes=2 * entry_bytes(vector))  # room for two vectors
    >>> for key in "abc":
    ...     memory.put(key, np.zeros(3, dtype=np.float32))
    >>> sorted(key for key in "abc" if key in memory)  # "a" was the least recently used
    ['b', 'c']
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = _check_max_bytes(max_bytes)
        self._vectors: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._vectors

    def get(self, key: Hashable) -> np.ndarray | None:
        """The vector stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
            return vector

    def put(self, key: Hashable, vector: np.ndarray) -> None:
        """Store ``vector`` under ``key``, dropping the least recently used beyond the bound."""
        with self._lock:
            old = self._vectors.pop(key, None)
            if old is not None:
                self.nbytes -= entry_bytes(old)
            if entry_bytes(vector) > self.max_bytes:
                return
            self._vectors[key] = vector
            self.nbytes += entry_bytes(vector)
            self._shrink()

    def clear(self) -> None:
        """Drop every vector."""
        with self._lock:
            self._vectors.clear()
            self.nbytes = 0

    def resize(self, max_bytes: int) -> int:
        """Set the bound (dropping vectors beyond it); returns the bound before."""
        with self._lock:
            previous, self.max_bytes = self.max_bytes, _check_max_bytes(max_bytes)
            self._shrink()
            return previous

    def _shrink(self) -> None:
        while self.nbytes > self.max_bytes:
            _, dropped = self._vectors.popitem(last=False)
            self.nbytes -= entry_bytes(dropped)


def _check_max_bytes(max_bytes) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 0:
        raise ValueError(f"max_bytes must be an integer >= 0; got {max_bytes!r}.")
    return int(max_bytes)


VECTOR_MEMORY = VectorMemory()


def set_vector_memory_limit(max_bytes: int) -> int:
    """Bound the process memory that cached text vectors may take; returns the bound before.

    :class:`~sklearn_llmrect.features.FrozenFeatures` and
    :class:`~sklearn_llmrect.models.TextEmbedder` keep the vectors they compute in one
    process-wide :class:`VectorMemory` (1 GiB by default: about 400,000 vectors of SmolLM2's 576
    dimensions, or the three feature sets of the default stacked surrogate for about 150,000
    texts). Beyond the bound the least recently used are dropped, and read back from the
    estimator's on-disk cache (``memory=``) or recomputed when asked for again. Each process
    (each Dask or joblib worker) has its own. Streaming a file through such a model
    (:func:`~sklearn_llmrect.parallel.stream_predict`) keeps its memory within the bound.

    Parameters
    ----------
    max_bytes : int
        The new bound in bytes; 0 keeps nothing in memory.

    Returns
    -------
    int
        The bound before the call (to restore it).

    Examples
    --------
    >>> from sklearn_llmrect.caching import set_vector_memory_limit
    >>> previous = set_vector_memory_limit(512 * 1024**2)  # 512 MiB
    >>> _ = set_vector_memory_limit(previous)
    """
    return VECTOR_MEMORY.resize(max_bytes)
