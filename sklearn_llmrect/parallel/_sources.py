"""Reading a table of texts chunk by chunk: CSV / TSV (pandas) and Parquet (pyarrow).

:func:`open_source` checks the file and its columns before anything is read, and returns a
:class:`Source` whose :meth:`~Source.chunks` yields one :class:`Chunk` at a time: the texts
of ``chunk_size`` rows, the id columns asked for and the rows' positions in the file. Only
the chunk being read is held, and by pyarrow the pages of the row group it comes from (so a
Parquet file's row-group size, not its length, sets that part); pandas and pyarrow are imported
when a file is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chunk", "Source", "open_source", "table_kind"]

_KINDS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet"}
_COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip", ".zst")  # pandas reads these CSVs as they are
_SEPARATORS = {"csv": ",", "tsv": "\t"}


def table_kind(path, *, argument: str, compressed: bool = True) -> str:
    """``"csv"``, ``"tsv"`` or ``"parquet"`` from the name of ``path`` (``argument`` names the
    parameter in the error for any other name)."""
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    if compressed and len(suffixes) > 1 and suffixes[-1] in _COMPRESSIONS:
        suffixes = suffixes[:-1]
        if suffixes[-1] in (".parquet", ".pq"):
            suffixes = []
    kind = _KINDS.get(suffixes[-1]) if suffixes else None
    if kind is None:
        names = "'.csv', '.tsv' or '.parquet'" + (
            " (a CSV may be compressed: '.csv.gz')" * compressed
        )
        raise ValueError(f"{argument} must be a file ending in {names}; got {os.fspath(path)!r}.")
    return kind


@dataclass(frozen=True)
class Chunk:
    """One chunk: its position among the chunks, its first row's position in the file, the
    texts and the id columns (a DataFrame, possibly without columns) of its rows."""

    index: int
    start: int
    texts: list
    ids: object  # pandas.DataFrame

    def __len__(self) -> int:
        return len(self.texts)


class Source:
    """A checked table of texts; :meth:`chunks` reads it ``chunk_size`` rows at a time."""

    def __init__(self, path: Path, kind: str, text_column: str, id_columns: list[str]):
        self.path = path
        self.kind = kind
        self.text_column = text_column
        self.id_columns = id_columns
        self.n_rows = _parquet_rows(path) if kind == "parquet" else None  # CSV: unknown

    def _columns(self) -> list[str]:
        return list(dict.fromkeys([self.text_column, *self.id_columns]))

    def chunks(self, chunk_size: int) -> Iterator[Chunk]:
        """The chunks in file order; every one has ``chunk_size`` rows but the last."""
        frames = self._csv(chunk_size) if self.kind != "parquet" else self._parquet(chunk_size)
        start = index = 0
        for texts, ids in frames:
            if texts:  # pandas reads a header-only CSV as one empty chunk
                yield Chunk(index, start, texts, ids)
                start, index = start + len(texts), index + 1

    def _csv(self, chunk_size: int):
        import pandas as pd

        # every cell as its text, an empty one as "": nothing is parsed, so nothing is lost
        reader = pd.read_csv(
            self.path,
            sep=_SEPARATORS[self.kind],
            usecols=self._columns(),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            chunksize=chunk_size,
        )
        with reader:
            for frame in reader:
                yield frame[self.text_column].tolist(), _ids(frame, self.id_columns)

    def _parquet(self, chunk_size: int):
        import pyarrow as pa
        import pyarrow.parquet as pq

        # no pre-buffering: with it, pyarrow reads ahead every row group that iter_batches will
        # ask for, the whole file (measured: 35 MB held for a 38 MB file, 2 MB without)
        file = pq.ParquetFile(self.path, pre_buffer=False)
        pending, n_pending = [], 0
        try:
            # one thread: decoding columns in parallel holds more at once, and the texts go
            # through the interpreter anyway; what pyarrow holds is one row group's pages
            batches = file.iter_batches(
                batch_size=chunk_size, columns=self._columns(), use_threads=False
            )
            for batch in batches:
                pending.append(batch)
                n_pending += batch.num_rows
                while n_pending >= chunk_size:  # batches stop at row groups: cut exact chunks
                    table = pa.Table.from_batches(pending)
                    yield self._from_arrow(table.slice(0, chunk_size))
                    rest = table.slice(chunk_size)
                    pending, n_pending = rest.to_batches(), rest.num_rows
            if n_pending:
                yield self._from_arrow(pa.Table.from_batches(pending))
        finally:
            file.close()

    def _from_arrow(self, table):
        texts = table.column(self.text_column)
        if texts.null_count:
            raise ValueError(
                f"text_column {self.text_column!r} of {os.fspath(self.path)!r} has "
                f"{texts.null_count} missing value(s) in a chunk of {table.num_rows} rows; fill "
                "them (with '' for an empty text) before predicting."
            )
        ids = table.select(self.id_columns).to_pandas() if self.id_columns else None
        return texts.to_pylist(), _ids(ids, self.id_columns, n_rows=table.num_rows)


def _ids(frame, id_columns: list[str], *, n_rows: int | None = None):
    import pandas as pd

    if frame is None or not id_columns:
        return pd.DataFrame(index=pd.RangeIndex(len(frame) if n_rows is None else n_rows))
    return frame[id_columns].reset_index(drop=True)


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _header(path: Path, kind: str) -> list[str]:
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    import pandas as pd

    try:
        return [str(name) for name in pd.read_csv(path, sep=_SEPARATORS[kind], nrows=0).columns]
    except pd.errors.EmptyDataError:
        return []


def open_source(source, text_column: str, id_columns: Sequence[str] = ()) -> Source:
    """Check ``source`` (its name, that it exists, its columns) and return it as a Source.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        An unknown file type, or ``text_column`` / ``id_columns`` naming no column of it.
    TypeError
        ``text_column`` not a string, or ``id_columns`` not a list of strings.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be the path of a file; got {type(source).__name__}.")
    path = Path(os.fspath(source))
    kind = table_kind(path, argument="source")
    if not path.is_file():
        raise FileNotFoundError(f"source: no such file {os.fspath(path)!r}.")
    if not isinstance(text_column, str):
        raise TypeError(f"text_column must be a column name (a string); got {text_column!r}.")
    if isinstance(id_columns, str):
        id_columns = [id_columns]
    id_columns = list(id_columns)
    if not all(isinstance(name, str) for name in id_columns):
        raise TypeError(f"id_columns must be a list of column names; got {id_columns!r}.")
    header = _header(path, kind)
    shown = ", ".join(map(repr, header[:20])) + (", ..." if len(header) > 20 else "")
    if text_column not in header:
        raise ValueError(
            f"text_column {text_column!r} is not a column of {os.fspath(path)!r} "
            f"(its columns: {shown or 'none'})."
        )
    missing = [name for name in id_columns if name not in header]
    if missing:
        raise ValueError(
            f"id_columns {missing} are not columns of {os.fspath(path)!r} (its columns: {shown})."
        )
    return Source(path, kind, text_column, list(dict.fromkeys(id_columns)))
