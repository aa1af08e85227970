"""What every loader shares: the packaged files, their text, and the returned ``Bunch``."""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils import Bunch

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def data_file(folder: str, name: str) -> Traversable:
    """The packaged file ``data/<folder>/<name>`` (works from a wheel, a zip or a checkout)."""
    return resources.files(__package__).joinpath("data", folder, name)


def read_text(folder: str, name: str, *, encoding: str = "utf-8", errors: str = "strict") -> str:
    """The decoded text of a packaged file; ``*.gz`` files are decompressed first."""
    raw = data_file(folder, name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode(encoding, errors=errors)


def read_csv(folder: str, name: str) -> list[dict[str, str]]:
    """The rows of a packaged CSV file with a header, as ``{column: text}`` dicts."""
    return list(csv.DictReader(io.StringIO(read_text(folder, name), newline="")))


def describe(folder: str) -> str:
    """The dataset's source note (``SOURCE.md``): what it is, where it came from, its licence."""
    return read_text(folder, "SOURCE.md")


def license_text(folder: str) -> str:
    """The dataset's licence file (``LICENSE.txt``), shipped beside its data."""
    return read_text(folder, "LICENSE.txt")


def strings(values) -> np.ndarray:
    """A 1-D object array of Python strings (or other objects), never a fixed-width ``<U``."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _pandas():
    try:
        import pandas
    except ImportError as error:  # pragma: no cover - pandas is a dependency of the package
        raise ImportError("as_frame=True needs pandas: `pip install pandas`.") from error
    return pandas


def finish(
    *,
    folder: str,
    license: str,
    text_column: str,
    target_column: str,
    columns: dict[str, Any],
    target_names: list[str],
    extra: dict[str, Any],
    as_frame: bool,
    return_X_y: bool,
):
    """The loader's answer in scikit-learn's style.

    ``columns`` are the frame's columns in order (the source file's own names), including
    ``text_column`` and ``target_column``; ``extra`` are the other ``Bunch`` keys (arrays).
    """
    frame = None
    data, target = columns[text_column], columns[target_column]
    if as_frame:
        frame = _pandas().DataFrame(columns)
        data, target = frame[text_column], frame[target_column]
    if return_X_y:
        return data, target
    covariates = [name for name in columns if name not in (text_column, target_column)]
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=target_names,
        covariate_names=covariates,
        DESCR=describe(folder),
        license=license,
        **extra,
    )
