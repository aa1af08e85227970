"""Cache keys: stable hashes of data, estimator parameters and the model files they name."""

from __future__ import annotations

import hashlib
import numbers
import os
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from .._legacy import legacy_name

FORMAT_VERSION = 1
# Parameters that change how a fit is reported or scheduled, not what it computes.
_IGNORED_PARAMS = frozenset({"verbose", "memory", "n_jobs", "predict_batch_size"})


def class_path(cls: type) -> str:
    """``module.QualName`` of a class, with modules moved in 0.2 under their 0.1 (flat) names.

    Keys hash this rather than ``cls.__module__``, so a cache written before the subpackages
    existed still hits.
    """
    return f"{legacy_name(cls.__module__)}.{cls.__qualname__}"


# ------------------------------------------------------------------------------------ hashing
def _update(h, value) -> None:
    """Feed a canonical encoding of ``value`` to the hash ``h`` (stable across processes)."""
    if value is None or isinstance(value, (bool, str, numbers.Integral)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, numbers.Real):
        h.update(f"float:{float(value)!r};".encode())
    elif isinstance(value, os.PathLike):
        h.update(f"path:{os.fspath(value)!r};".encode())
    elif hasattr(value, "columns") and hasattr(value, "iloc"):  # DataFrame
        h.update(f"frame{value.shape};".encode())
        for name in value.columns:
            _update(h, str(name))
            _update(h, value[name].to_numpy())
    elif hasattr(value, "to_numpy") and hasattr(value, "dtype"):  # Series
        _update(h, value.to_numpy())
    elif isinstance(value, np.ndarray):
        h.update(f"array{value.shape}{value.dtype.str};".encode())
        if value.dtype.kind in "biufcmM":
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            for item in value.ravel():
                _update(h, item.item() if isinstance(item, np.generic) else item)
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}[{len(value)}];".encode())
        for item in value:
            _update(h, item)
    elif isinstance(value, dict):
        h.update(f"dict[{len(value)}];".encode())
        for key in sorted(value, key=repr):
            _update(h, key)
            _update(h, value[key])
    elif isinstance(value, np.random.RandomState):
        _update(h, value.get_state(legacy=False)["state"]["key"])
        _update(h, value.get_state(legacy=False)["state"]["pos"])
    elif isinstance(value, np.generic):
        _update(h, value.item())
    elif isinstance(value, BaseEstimator):
        h.update(f"estimator:{class_path(type(value))};".encode())
        _update(h, _relevant_params(value, deep=False))
    else:
        import joblib

        h.update(f"joblib:{joblib.hash(value)};".encode())


def data_hash(*values) -> str:
    """A stable SHA-256 hex digest of arrays, DataFrames, lists and plain values.

    Strings are hashed by value (not by object identity, as pickle-based hashes do), so the
    same file read twice gives the same digest.

    Parameters
    ----------
    *values : object
        Arrays, DataFrames, Series, lists, dicts, numbers, strings, estimators.

    Returns
    -------
    str
        64 hexadecimal characters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_llmrect.caching import data_hash
    >>> words = np.array(["good", "bad"], dtype=object)
    >>> data_hash(words) == data_hash(np.array(["go" + "od", "bad"], dtype=object))
    True
    >>> data_hash(words) == data_hash(words[::-1])
    False
    """
    h = hashlib.sha256()
    for value in values:
        _update(h, value)
    return h.hexdigest()


def _relevant_params(estimator, deep: bool = True) -> dict:
    params = {}
    for name, value in estimator.get_params(deep=deep).items():
        if name.split("__")[-1] in _IGNORED_PARAMS:
            continue
        if isinstance(value, BaseEstimator):  # its parameters are listed separately
            value = class_path(type(value))
        params[name] = value
    return params


def _file_fingerprints(params: dict) -> list:
    """Size and modification time of local files named by string parameters (model paths)."""
    prints = []
    for name, value in sorted(params.items()):
        if not isinstance(value, (str, os.PathLike)) or len(os.fspath(value)) > 4096:
            continue
        path = Path(os.fspath(value)).expanduser()
        try:
            if path.is_file():
                files = [path]
            elif path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file())
            else:
                continue
        except (OSError, ValueError):  # not a path (e.g. a prompt with odd characters)
            continue
        for file in files:
            stat = file.stat()
            prints.append((name, file.name, stat.st_size, int(stat.st_mtime)))
    return prints


def estimator_key(estimator, X, y=None, **fit_params) -> str:
    """Cache key of ``clone(estimator).fit(X, y, **fit_params)``.

    It hashes the package version, the estimator's class and parameters (without ``verbose``,
    ``memory``, ``n_jobs`` and ``predict_batch_size``), the size and date of local files its
    parameters name (a model folder), and the data.

    Parameters
    ----------
    estimator : estimator
        Unfitted template.
    X, y : array-like
        Training data.
    **fit_params : dict
        Further arguments of ``fit`` (e.g. ``sample_weight``).

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    from .. import __version__

    params = _relevant_params(estimator)
    return data_hash(
        FORMAT_VERSION,
        __version__,
        class_path(type(estimator)),
        params,
        _file_fingerprints(params),
        X,
        y,
        fit_params,
    )
