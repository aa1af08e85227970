"""The on-disk store of fitted estimators and prediction arrays, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from ._keys import FORMAT_VERSION, class_path

_CACHEABLE_KINDS = "fiubU"  # dtypes whose .npy files load without pickle
_COUNTED = ("fits_loaded", "fits_saved", "predictions_loaded", "predictions_saved")


# -------------------------------------------------------------------------------- the store
class FitCache:
    """A folder of fitted estimators and prediction vectors, written atomically.

    Parameters
    ----------
    location : str or path-like
        The folder (created when needed).

    Attributes
    ----------
    stats : dict
        Counts of ``fits_loaded``, ``fits_saved``, ``predictions_loaded`` and
        ``predictions_saved`` by this object and its copies: those made by
        :func:`sklearn.base.clone` share it, and pickled ones (sent to joblib or Dask workers)
        count into the same small ledger file (``<location>/.counts/``), so the counts include
        what the workers did.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_llmrect.caching import FitCache
    >>> cache = FitCache(tempfile.mkdtemp())
    >>> cache.save_predictions("k" * 64, np.arange(3.0))
    >>> cache.load_predictions("k" * 64).tolist()
    [0.0, 1.0, 2.0]
    >>> cache.load_predictions("x" * 64) is None
    True
    """

    def __init__(self, location):
        self.location = Path(os.fspath(location)).expanduser()
        self._counts = dict.fromkeys(_COUNTED, 0)  # this process's, if the ledger cannot be written
        self._session = uuid.uuid4().hex  # travels with pickled copies: one ledger for all

    @property
    def stats(self) -> dict:
        ledger = self._ledger()
        try:
            lines = ledger.read_text().split()
        except OSError:
            return dict(self._counts)
        return {name: lines.count(name) for name in _COUNTED}

    def _ledger(self) -> Path:
        return self.location / ".counts" / f"{self._session}.log"

    def _count(self, name: str) -> None:
        self._counts[name] += 1
        ledger = self._ledger()
        with contextlib.suppress(OSError):
            ledger.parent.mkdir(parents=True, exist_ok=True)
            with open(ledger, "a") as file:  # one short append: atomic beside other workers'
                file.write(name + "\n")

    def __repr__(self) -> str:
        return f"FitCache({os.fspath(self.location)!r})"

    def __setstate__(self, state):  # a FitCache pickled before the ledger: a session of its own
        state.pop("stats", None)
        self.__dict__.update(state)
        self.__dict__.setdefault("_counts", dict.fromkeys(_COUNTED, 0))
        self.__dict__.setdefault("_session", uuid.uuid4().hex)

    def __deepcopy__(self, memo):  # a handle on a folder: clones share it (and its stats)
        return self

    def _folder(self, kind: str) -> Path:
        folder = self.location / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # -- fitted estimators --------------------------------------------------------------------
    def load_fitted(self, key: str, template=None):
        """The estimator stored under ``key``, or None (also when the entry cannot be read)."""
        folder = self.location / "fits" / key
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            if meta["format"] == "save":
                cls = type(template) if template is not None else None
                if cls is None or class_path(cls) != meta["class"]:
                    return None
                estimator = cls.load(folder / "model")
            else:
                import joblib

                estimator = joblib.load(folder / "model.joblib")
        except Exception as error:  # an unreadable entry is refitted, never trusted
            warnings.warn(
                f"ignoring the unreadable cache entry {folder} ({error}); refitting.",
                UserWarning,
                stacklevel=2,
            )
            return None
        self._count("fits_loaded")
        return estimator

    def save_fitted(self, key: str, estimator) -> None:
        """Store a fitted estimator under ``key`` (atomically; an existing entry is kept)."""
        parent = self._folder("fits")
        final = parent / key
        if (final / "meta.json").is_file():
            return
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{key[:16]}-", dir=parent))
        try:
            cls = type(estimator)
            written = False
            if hasattr(estimator, "save") and hasattr(cls, "load"):
                try:
                    estimator.save(staging / "model")
                    written, fmt = True, "save"
                except (ValueError, TypeError):  # e.g. parameters JSON cannot hold
                    shutil.rmtree(staging / "model", ignore_errors=True)
            if not written:
                import joblib

                joblib.dump(estimator, staging / "model.joblib")
                fmt = "joblib"
            meta = {
                "format": fmt,
                "class": class_path(cls),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "cache_format": FORMAT_VERSION,
            }
            (staging / "meta.json").write_text(json.dumps(meta, indent=2))
            if final.exists():  # a broken leftover without meta.json
                shutil.rmtree(final, ignore_errors=True)
            try:
                os.rename(staging, final)
            except OSError:  # another process stored it meanwhile
                shutil.rmtree(staging, ignore_errors=True)
                return
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._count("fits_saved")

    # -- predictions --------------------------------------------------------------------------
    def load_predictions(self, key: str) -> np.ndarray | None:
        """The array stored under ``key``, or None."""
        path = self.location / "predictions" / f"{key}.npy"
        if not path.is_file():
            return None
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            warnings.warn(
                f"ignoring the unreadable cache entry {path} ({error}); recomputing.",
                UserWarning,
                stacklevel=2,
            )
            return None
        self._count("predictions_loaded")
        return array

    def save_predictions(self, key: str, array) -> None:
        """Store an array of numbers or strings under ``key`` (atomically)."""
        array = np.asarray(array)
        if array.dtype.kind not in _CACHEABLE_KINDS:
            return
        folder = self._folder("predictions")
        handle, temporary = tempfile.mkstemp(prefix=f".tmp-{key[:16]}-", suffix=".npy", dir=folder)
        try:
            with os.fdopen(handle, "wb") as file:
                np.save(file, array, allow_pickle=False)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, folder / f"{key}.npy")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._count("predictions_saved")

    # -- housekeeping -------------------------------------------------------------------------
    def size(self) -> dict:
        """Number of complete ``fits`` and ``predictions`` entries in the folder."""
        fits = self.location / "fits"
        predictions = self.location / "predictions"
        return {
            "fits": sum(1 for p in fits.glob("*/meta.json")) if fits.is_dir() else 0,
            "predictions": (
                sum(1 for p in predictions.glob("*.npy") if not p.name.startswith(".tmp-"))
                if predictions.is_dir()
                else 0
            ),
        }

    def clear(self) -> None:
        """Delete every entry (and leftovers of killed writes)."""
        for kind in ("fits", "predictions", ".counts"):
            shutil.rmtree(self.location / kind, ignore_errors=True)


def check_memory(memory) -> FitCache | None:
    """Turn a ``memory`` parameter into a :class:`FitCache` (or None: no caching).

    Parameters
    ----------
    memory : None, str, path-like, FitCache or object with a ``location`` attribute
        None disables caching; a path names the cache folder; a :class:`joblib.Memory` (or
        anything with ``location``) uses its folder.

    Returns
    -------
    FitCache or None

    Examples
    --------
    >>> from sklearn_llmrect.caching import check_memory
    >>> check_memory(None) is None
    True
    >>> check_memory("/tmp/llmrect-cache")
    FitCache('/tmp/llmrect-cache')
    """
    if memory is None or isinstance(memory, FitCache):
        return memory
    if isinstance(memory, (str, os.PathLike)):
        return FitCache(memory)
    location = getattr(memory, "location", None)
    if location is None and hasattr(memory, "location"):
        return None  # joblib.Memory(None): caching disabled
    if isinstance(location, (str, os.PathLike)):
        return FitCache(Path(os.fspath(location)) / "sklearn-llmrect")
    raise TypeError(
        "memory must be None, a folder path, a FitCache or a joblib.Memory; got "
        f"{type(memory).__name__}."
    )
