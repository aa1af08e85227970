"""Reading the tables of the ``llmrect`` command: CSV, TSV, JSON lines and Parquet, with the
checks a shell user needs (missing file, missing column, labels that are not numbers)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["CLIError", "read_table", "check_columns", "read_labels", "text_frame"]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class CLIError(Exception):
    """An error with a one-line message for the shell user (exit status 1)."""


def _format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _FORMATS:
        return _FORMATS[suffixes[-1]]
    raise CLIError(
        f"cannot tell the format of {path} from its extension; use .csv, .tsv, .jsonl or "
        ".parquet (optionally compressed, e.g. .csv.gz)."
    )


def read_table(path):
    """Read a data file into a DataFrame (needs pandas; Parquet needs pyarrow)."""
    path = Path(os.fspath(path)).expanduser()
    if not path.exists():
        raise CLIError(f"no such file: {path}")
    if path.is_dir():
        raise CLIError(f"{path} is a folder, not a data file.")
    kind = _format_of(path)
    try:
        import pandas as pd
    except ImportError:
        raise CLIError("reading data files needs pandas: pip install pandas") from None
    try:
        if kind == "csv":
            frame = pd.read_csv(path)
        elif kind == "tsv":
            frame = pd.read_csv(path, sep="\t")
        elif kind == "jsonl":
            try:
                frame = pd.read_json(path, lines=True)
            except ValueError:  # a .json file holding one array of records
                frame = pd.read_json(path)
        else:
            try:
                frame = pd.read_parquet(path)
            except ImportError:
                raise CLIError(
                    f"reading Parquet ({path.name}) needs pyarrow: pip install pyarrow"
                ) from None
    except CLIError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise CLIError(f"could not read {path} as {kind.upper()}: {first_line}") from None
    if len(frame) == 0:
        raise CLIError(f"{path} has no data rows.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def check_columns(frame, columns, path, option: str) -> None:
    """Raise a one-line error naming ``option`` for columns the table does not have."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(c) for c in frame.columns[:20])
        more = f" (and {len(frame.columns) - 20} more)" if len(frame.columns) > 20 else ""
        raise CLIError(
            f"{option}: column {missing[0]!r} not found in {path}; its columns are {shown}{more}."
        )


def _is_empty(values) -> np.ndarray:
    """Missing or blank cells."""
    import pandas as pd

    empty = pd.isna(values).to_numpy()
    as_text = values.astype(str).str.strip()
    return empty | (as_text == "").to_numpy()


def read_labels(frame, column: str, task: str, path) -> tuple[np.ndarray, np.ndarray, str]:
    """Labels of ``column``: ``(y, labeled_mask, task)``.

    Empty cells are unlabelled rows. ``task="auto"`` is regression when every label is a number,
    else classification. Regression labels are floats with NaN for unlabelled rows;
    classification labels are strings with None for unlabelled rows.
    """
    import pandas as pd

    values = frame[column]
    empty = _is_empty(values)
    labeled = ~empty
    if not labeled.any():
        raise CLIError(
            f"no labelled rows: column {column!r} of {path} is empty in all {len(frame):,} "
            "rows; give human labels for a few hundred rows and leave the rest empty."
        )
    numbers = pd.to_numeric(values.where(labeled), errors="coerce").to_numpy(dtype=float)
    not_numeric = labeled & ~np.isfinite(numbers)
    if task == "auto":
        task = "classification" if not_numeric.any() else "regression"
    if task == "regression":
        if not_numeric.any():
            row = int(np.flatnonzero(not_numeric)[0])
            raise CLIError(
                f"--task regression needs numeric labels, but column {column!r} holds "
                f"{values.iloc[row]!r} (row {row + 2} of {path}); use --task classification for "
                "class labels."
            )
        return np.where(labeled, numbers, np.nan), labeled, task
    labels = np.empty(len(values), dtype=object)
    for i, (value, number) in enumerate(zip(values, numbers, strict=True)):
        if not labeled[i]:
            labels[i] = None
        elif np.isfinite(number) and float(number).is_integer():
            labels[i] = str(int(number))  # 1.0 read from a CSV is the class "1"
        else:
            labels[i] = str(value).strip()
    if len(set(labels[labeled])) < 2:
        raise CLIError(
            f"--task classification needs at least two classes in column {column!r}; found only "
            f"{labels[labeled][0]!r}."
        )
    return labels, labeled, task


def text_frame(frame, columns, path):
    """The text columns as strings; missing cells become empty texts (counted in a warning)."""
    import warnings

    texts = frame[list(columns)].copy()
    for column in columns:
        missing = texts[column].isna()
        if missing.any():
            warnings.warn(
                f"column {column!r} of {path} has {int(missing.sum()):,} empty cell(s); they are "
                "read as empty texts.",
                UserWarning,
                stacklevel=2,
            )
        texts[column] = texts[column].where(~missing, "").astype(str)
    return texts.reset_index(drop=True)
