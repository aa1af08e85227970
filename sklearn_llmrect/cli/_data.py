"""Reading the tables of the ``llmrect`` command: CSV, TSV, JSON lines, Excel (.xlsx) and
Parquet, from a file or from standard input (``-``), with the checks a shell user needs (missing
file, missing column, wrong encoding, a missing optional reader)."""

from __future__ import annotations

import codecs
import io
import os
import sys
from pathlib import Path

__all__ = [
    "CLIError",
    "STDIN",
    "check_columns",
    "data_name",
    "parse_sep",
    "read_table",
    "row_name",
    "text_frame",
]

STDIN = "-"

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_TEXT_FORMATS = ("csv", "tsv")
# the first data row's number in an error message: line 1 is a header in CSV, TSV and Excel
_FIRST_ROW = {"csv": 2, "tsv": 2, "excel": 2, "jsonl": 1, "parquet": 1}
_IO_EXTRA = "pip install 'sklearn-llmrect[io]'"


class CLIError(Exception):
    """An error with a one-line message for the shell user (exit status 1)."""


def data_name(path) -> str:
    """How messages name the data: its path, or "standard input" for ``-``."""
    return "standard input" if os.fspath(path) == STDIN else os.fspath(path)


def parse_sep(text: str | None) -> str | None:
    """``--sep`` as a shell user writes it: ``\\t`` or ``tab`` is a tab; one character else."""
    if text is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
    sep = named.get(text.lower(), text)
    if len(sep) != 1:
        raise CLIError(f"--sep {text!r}: give one character, such as ',' ';' '|' or '\\t' (a tab).")
    return sep


def _format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        suffixes = suffixes[:-1]
    kind = _FORMATS.get(suffixes[-1]) if suffixes else None
    if kind is None:
        raise CLIError(
            f"cannot tell the format of {path} from its extension; use .csv, .tsv, .jsonl, "
            ".xlsx or .parquet (text tables optionally compressed, e.g. .csv.gz), or - to read "
            "CSV from standard input."
        )
    return kind


def _check_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CLIError(
            f"--encoding {encoding!r} is not an encoding Python knows; try utf-8, latin-1 or "
            "cp1252."
        ) from None
    return encoding


def _stdin_text(encoding: str | None) -> str:
    stream = sys.stdin
    if stream is None or (hasattr(stream, "isatty") and stream.isatty()):
        raise CLIError(
            "DATA is - (standard input), but nothing is piped in; e.g. "
            "`cat survey.csv | llmrect estimate - --text answer --label rating`."
        )
    raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as error:
        raise CLIError(_decode_hint("standard input", encoding, error)) from None


def _decode_hint(name: str, encoding: str | None, error: UnicodeDecodeError) -> str:
    return (
        f"could not read {name} as {encoding or 'UTF-8'} (it holds the byte "
        f"{error.object[error.start]:#04x}, which is not valid there); give its encoding, e.g. "
        "--encoding latin-1 or --encoding cp1252 (what Excel often writes)."
    )


def _read(source, kind: str, sep: str | None, encoding: str | None):
    import pandas as pd

    if kind in _TEXT_FORMATS:
        return pd.read_csv(source, sep=sep or ("\t" if kind == "tsv" else ","), encoding=encoding)
    if kind == "jsonl":
        text = source.getvalue() if isinstance(source, io.StringIO) else None
        try:
            if text is not None:
                return pd.read_json(io.StringIO(text), lines=True)
            return pd.read_json(source, lines=True, encoding=encoding)
        except ValueError:  # a .json file holding one array of records
            return pd.read_json(io.StringIO(text) if text is not None else source)
    if kind == "excel":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise CLIError(
                f"reading Excel ({Path(source).name}) needs openpyxl: {_IO_EXTRA} (or pip "
                "install openpyxl)"
            ) from None
        return pd.read_excel(source, engine="openpyxl")
    try:
        return pd.read_parquet(source)
    except ImportError:
        raise CLIError(
            f"reading Parquet ({Path(source).name}) needs pyarrow: {_IO_EXTRA} (or pip install "
            "pyarrow)"
        ) from None


def read_table(path, *, sep: str | None = None, encoding: str | None = None):
    """Read a data file (or standard input for ``"-"``) into a DataFrame.

    Parameters
    ----------
    path : str or path-like
        A .csv, .tsv, .jsonl, .xlsx or .parquet file (Excel needs openpyxl, Parquet pyarrow:
        the ``io`` extra), or ``"-"``: CSV from standard input (JSON lines when its first
        character is ``{``).
    sep : str, optional
        Column separator of a CSV or TSV table.
    encoding : str, optional
        Text encoding of a CSV, TSV or JSON lines table (default UTF-8).

    Returns
    -------
    DataFrame
        With ``attrs["first_row"]``, the number messages give its first data row.
    """
    encoding = _check_encoding(encoding)
    try:
        import pandas as pd
    except ImportError:
        raise CLIError("reading data files needs pandas: pip install pandas") from None
    name = data_name(path)
    if os.fspath(path) == STDIN:
        text = _stdin_text(encoding)
        if not text.strip():
            raise CLIError("standard input is empty: pipe a CSV table in.")
        kind = "jsonl" if text.lstrip().startswith(("{", "[")) and sep is None else "csv"
        source, encoding = io.StringIO(text), None
    else:
        source = Path(os.fspath(path)).expanduser()
        if not source.exists():
            raise CLIError(f"no such file: {source}")
        if source.is_dir():
            raise CLIError(f"{source} is a folder, not a data file.")
        kind = _format_of(source)
    if sep is not None and kind not in _TEXT_FORMATS:
        raise CLIError(f"--sep applies to CSV and TSV tables, not to {name} ({kind}).")
    try:
        frame = _read(source, kind, sep, encoding)
    except CLIError:
        raise
    except UnicodeDecodeError as error:
        raise CLIError(_decode_hint(name, encoding, error)) from None
    except (ValueError, OSError, pd.errors.ParserError, KeyError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise CLIError(f"could not read {name} as {kind.upper()}: {first_line}") from None
    if len(frame) == 0:
        raise CLIError(f"{name} has no data rows.")
    frame.columns = [str(c) for c in frame.columns]
    frame.attrs["first_row"] = _FIRST_ROW[kind]
    return frame


def row_name(frame, position: int) -> str:
    """``"row N"``: how the user finds row ``position`` (0-based) in the file they gave."""
    return f"row {position + frame.attrs.get('first_row', 2)}"


def check_columns(frame, columns, path, option: str) -> None:
    """Raise a one-line error naming ``option`` for columns the table does not have."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(c) for c in frame.columns[:20])
        more = f" (and {len(frame.columns) - 20} more)" if len(frame.columns) > 20 else ""
        raise CLIError(
            f"{option}: column {missing[0]!r} not found in {data_name(path)}; its columns are "
            f"{shown}{more}."
        )


def text_frame(frame, columns, path):
    """The text columns as strings; missing cells become empty texts (counted in a warning)."""
    import warnings

    texts = frame[list(columns)].copy()
    for column in columns:
        missing = texts[column].isna()
        if missing.any():
            warnings.warn(
                f"column {column!r} of {data_name(path)} has {int(missing.sum()):,} empty "
                "cell(s); they are read as empty texts.",
                UserWarning,
                stacklevel=2,
            )
        texts[column] = texts[column].where(~missing, "").astype(str)
    return texts.reset_index(drop=True)
