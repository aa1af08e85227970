"""Writing predictions chunk by chunk: a CSV or Parquet file that appears only when complete.

A :class:`Sink` writes each chunk (its rows' positions, id columns and predictions) to
``<output>.partial`` as it comes and renames that file to ``output`` when :meth:`Sink.close`
is called after the last chunk; :meth:`Sink.abort` removes it. So a file under the output's
name is always a whole one, and memory holds one chunk's rows at most.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from ._sources import table_kind

__all__ = ["ROW_COLUMN", "Sink", "prediction_columns"]

ROW_COLUMN = "row"  # the row's position in the source (0-based), the first column written


def _base_name(method: str) -> str:
    return "prediction" if method == "predict" else method


def prediction_columns(method: str, predictions: np.ndarray) -> list[str]:
    """``prediction`` (one value per row) or ``prediction_0, prediction_1, ...`` (several);
    for other methods their name: ``predict_proba_0``, ``predict_proba_1``, ..."""
    base = _base_name(method)
    if predictions.ndim == 1:
        return [base]
    return [f"{base}_{j}" for j in range(int(np.prod(predictions.shape[1:])))]


def reserved_columns(method: str) -> tuple[str, str]:
    """The names an id column may not take: the row column and the predictions' prefix."""
    return ROW_COLUMN, _base_name(method)


class Sink:
    """Append chunks to ``<output>.partial``; :meth:`close` renames it to ``output``."""

    def __init__(self, output: Path, method: str):
        self.output = output
        self.kind = table_kind(output, argument="output", compressed=False)
        self.method = method
        self.partial = output.with_name(output.name + ".partial")
        self._file = None
        self._writer = None
        self._columns = None

    def write(self, start: int, ids, predictions: np.ndarray) -> None:
        """Append the rows ``start, start + 1, ...``: their ids and predictions."""
        frame = self._frame(start, ids, predictions)
        if self.kind == "parquet":
            self._write_parquet(frame)
        else:
            if self._file is None:
                self.output.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.partial, "w", newline="", encoding="utf-8")  # noqa: SIM115
            sep = "," if self.kind == "csv" else "\t"
            frame.to_csv(self._file, sep=sep, header=self._columns is None, index=False)
            self._columns = list(frame.columns)

    def _frame(self, start: int, ids, predictions: np.ndarray):
        import pandas as pd

        n = len(predictions)
        frame = ids.copy() if len(ids.columns) else pd.DataFrame(index=pd.RangeIndex(n))
        frame.insert(0, ROW_COLUMN, np.arange(start, start + n, dtype=np.int64))
        names = prediction_columns(self.method, predictions)
        values = predictions.reshape(n, -1) if predictions.ndim > 1 else predictions[:, None]
        for j, name in enumerate(names):
            frame[name] = values[:, j]
        return frame

    def _write_parquet(self, frame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.partial, table.schema)
        elif not table.schema.equals(self._writer.schema, check_metadata=False):
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the file and move it to ``output`` (replacing a file there)."""
        if self._writer is not None:
            self._writer.close()
        if self._file is not None:
            self._file.close()
        os.replace(self.partial, self.output)

    def abort(self) -> None:
        """Close and remove the partial file (the output is left as it was)."""
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
            if self._file is not None:
                self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.partial)
