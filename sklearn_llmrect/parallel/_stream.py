"""stream_predict: predictions over a file too large for memory, read, predicted and written one
chunk at a time, a bounded number of chunks in flight on the joblib backend."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from ..caching import FitCache, data_hash
from ._predict import (
    DEFAULT_CHUNK_SIZE,
    METHODS,
    _check_chunk_size,
    _effective_n_jobs,
    _model_and_key,
    _predict_chunk,
    _ship,
    _supports_generator,
)
from ._sinks import Sink, reserved_columns
from ._sources import open_source

__all__ = ["StreamSummary", "stream_predict"]

CHUNKS_PER_WORKER = 4  # chunks read and in flight per worker, at most (a wave)


@dataclass(frozen=True)
class StreamSummary:
    """What :func:`stream_predict` did.

    Attributes
    ----------
    output : pathlib.Path
        The file written.
    n_rows : int
        Rows predicted (and written).
    n_chunks : int
        Chunks the rows were cut into.
    n_loaded : int
        Chunks whose predictions came from the cache (a resumed run) instead of the model.
    """

    output: Path
    n_rows: int
    n_chunks: int
    n_loaded: int


def _chunk_key(model_key: str, method: str, texts: list) -> str:
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return data_hash("stream-predictions", model_key, method, lengths, "".join(texts))


def _cache_and_key(model, memory, output: Path):
    """The model, its chunk cache and its key; with no ``memory``, a cache folder beside the
    output, removed once the output is complete (the last element says so)."""
    model, cache, key = _model_and_key(model, memory, None)
    scratch = None
    if cache is None:
        import joblib

        try:
            key = "fitted-" + joblib.hash(model)
        except Exception:  # an unpicklable model: its chunks are not kept, a rerun starts over
            return model, None, None, None
        scratch = output.with_name(output.name + ".chunks")
        cache = FitCache(scratch)
    return model, cache, key, scratch


def _check_paths(source, output) -> Path:
    if not isinstance(output, (str, os.PathLike)):
        raise TypeError(f"output must be the path of a file; got {type(output).__name__}.")
    output = Path(os.fspath(output))
    if isinstance(source, (str, os.PathLike)) and output.resolve() == Path(source).resolve():
        raise ValueError(f"output {os.fspath(output)!r} is the source itself; name another file.")
    return output


def _check_length(model, method: str, chunk, predictions) -> None:
    if len(predictions) != len(chunk):
        raise ValueError(
            f"{type(model).__name__}.{method} returned {len(predictions)} predictions for the "
            f"{len(chunk)} texts of rows {chunk.start}-{chunk.start + len(chunk) - 1}."
        )


def _save(cache, chunk_key, predictions) -> None:
    if chunk_key is not None:
        cache.save_predictions(chunk_key, predictions)


def _looked_up(cache, key: str, method: str, chunk):
    """A chunk's cache key and its cached predictions (None if it has none)."""
    chunk_key = _chunk_key(key, method, chunk.texts)
    return chunk_key, cache.load_predictions(chunk_key)


def _serially(chunks, model, method: str, cache):
    """``(chunk, loaded, predictions)`` in file order, predicted here, one chunk at a time."""
    for chunk, chunk_key, cached in chunks:
        if cached is not None:
            yield chunk, True, cached
            continue
        _, predictions = _predict_chunk(model, method, chunk.index, chunk.texts)
        _check_length(model, method, chunk, predictions)
        _save(cache, chunk_key, predictions)
        yield chunk, False, predictions


def _as_array(texts: list) -> np.ndarray:
    """The texts as an object array: joblib's Dask backend then scatters them to a worker as
    data (released after the wave) instead of writing them into the task, which the scheduler
    keeps after the task is done (measured: every chunk's texts, the driver's RSS growing with
    the file)."""
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    return array


def _predict_texts(model, method: str, index: int, texts: np.ndarray):
    """One task: the model's ``method`` on the chunk's texts, as a list (as serially)."""
    return _predict_chunk(model, method, index, texts.tolist())


def _in_waves(chunks, shipped, method: str, n_jobs, n_workers: int, cache, model):
    """``(chunk, loaded, predictions)`` in file order, predicted on the joblib backend in waves
    of ``CHUNKS_PER_WORKER`` chunks per worker: a wave is read, its new chunks run as tasks
    (each cached as it comes back), and it is handed on in order before the next wave is read,
    so no more than a wave is ever held."""
    from sklearn.utils.parallel import Parallel, delayed

    window = CHUNKS_PER_WORKER * n_workers
    streams = _supports_generator(n_jobs)
    with Parallel(
        n_jobs=n_jobs, batch_size=1, return_as="generator_unordered" if streams else "list"
    ) as parallel:
        while wave := list(islice(chunks, window)):
            todo = [(chunk, chunk_key) for chunk, chunk_key, cached in wave if cached is None]
            keys = {chunk.index: (chunk, chunk_key) for chunk, chunk_key in todo}
            new = {}
            if todo:
                for index, predictions in parallel(
                    delayed(_predict_texts)(shipped, method, chunk.index, _as_array(chunk.texts))
                    for chunk, _ in todo
                ):
                    chunk, chunk_key = keys[index]
                    _check_length(model, method, chunk, predictions)
                    _save(cache, chunk_key, predictions)
                    new[index] = predictions
            for chunk, _, cached in wave:
                loaded = cached is not None
                yield chunk, loaded, cached if loaded else new.pop(chunk.index)


def stream_predict(
    model,
    source: str | os.PathLike,
    *,
    text_column: str,
    output: str | os.PathLike,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    id_columns: Sequence[str] = (),
    method: str = "predict",
    n_jobs: int | None = None,
    memory=None,
    progress: bool = True,
) -> StreamSummary:
    """Predict every text of a CSV or Parquet file into another file, one chunk at a time.

    The file is read ``chunk_size`` rows at a time (pandas ``read_csv(chunksize=...)``, pyarrow
    ``iter_batches``); each chunk's texts go to the model's ``method`` as a list of strings and
    its predictions are appended to ``output`` with the rows' positions and ``id_columns``, so
    that memory holds a few chunks of texts, tokens and predictions, never the file. The chunks
    run on the active joblib backend, like :func:`chunked_predict`'s: serially by default, on
    a Dask cluster's workers inside :func:`scheduler_context`, in waves of at most four chunks
    per worker (read, predicted and written before the next wave is read), the model sent to
    each worker once.

    Each chunk's predictions are cached as they come back (in ``memory``, or with none in a
    folder ``<output>.chunks`` beside the output, removed when the output is complete), keyed by
    the model and the chunk's texts. A run that is interrupted, killed or fails on a bad chunk
    leaves no output; rerun it and the chunks already predicted are read from the cache, only
    the rest go to the model.

    Parameters
    ----------
    model : fitted estimator or fitted CachedEstimator
        Anything with ``method`` taking a list of texts (a text pipeline, an
        :class:`~sklearn_llmrect.LLMRegressor`); a
        :class:`~sklearn_llmrect.caching.CachedEstimator` lends its ``memory`` and fit key.
    source : str or path-like
        A ``.csv``, ``.tsv`` (either possibly compressed: ``.csv.gz``) or ``.parquet`` file
        with a header. CSV cells are read as text, as they are (an empty cell is ``""``).
    text_column : str
        The column of texts.
    output : str or path-like
        The ``.csv``, ``.tsv`` or ``.parquet`` file to write (replaced if it exists). Its
        columns: ``row`` (the row's 0-based position in ``source``), the ``id_columns``, then
        ``prediction`` (``predict`` giving one value per row) or ``prediction_0``,
        ``prediction_1``, ... (several); other methods name theirs after themselves
        (``predict_proba_0``, ``predict_proba_1``, ...). It is written as ``<output>.partial``
        and renamed when complete.
    chunk_size : int, default=4096
        Rows per chunk: per task, per cache entry, per write.
    id_columns : sequence of str, default=()
        Columns of ``source`` copied to the output beside each row's predictions (as text from
        a CSV, with their types from Parquet).
    method : str, default="predict"
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"``, ``"decision_function"`` or
        ``"transform"``.
    n_jobs : int or None, default=None
        Chunks predicted at once. ``None``: one, unless a joblib backend context says otherwise
        (inside :func:`scheduler_context`: every worker of the cluster).
    memory : None, str, path-like, FitCache or joblib.Memory, default=None
        Where the chunks' predictions are cached; None: in ``<output>.chunks``, removed after a
        complete run.
    progress : bool, default=True
        Show a progress bar of rows written (on standard error).

    Returns
    -------
    StreamSummary
        The output's path, the rows and chunks written, and the chunks read from the cache.

    Raises
    ------
    FileNotFoundError
        ``source`` does not exist.
    ValueError
        ``source`` or ``output`` is not a ``.csv`` / ``.tsv`` / ``.parquet`` name, the output is
        the source, ``text_column`` or ``id_columns`` name no column of it (or an id column is
        named ``row`` or like the predictions), ``chunk_size`` is not a positive integer,
        ``method`` is unknown, the source has no rows, a Parquet text is missing, or the model
        returns another number of predictions than it was given texts.
    AttributeError
        The model has no ``method``.

    See Also
    --------
    chunked_predict : the same for rows already in memory, returned as one array.
    scheduler_context : opens a Dask cluster and makes it the joblib backend.

    Notes
    -----
    The output equals ``model.predict(texts)`` on the whole column for a model whose prediction
    of a text does not depend on the other texts of its batch. Written to CSV, floats keep every
    digit. Memory stays flat if the model keeps nothing per text beyond a bound:
    :class:`~sklearn_llmrect.features.FrozenFeatures` (so the default surrogate) and
    :class:`~sklearn_llmrect.models.TextEmbedder` keep text vectors in one process-wide memory
    of at most :func:`~sklearn_llmrect.caching.set_vector_memory_limit` bytes (1 GiB by default;
    lower it for a smaller footprint: past chunks' vectors are not needed again).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sklearn.feature_extraction.text import HashingVectorizer
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_llmrect.parallel import stream_predict
    >>> folder = Path(tempfile.mkdtemp())
    >>> texts = [f"review {i}: " + "good " * (i % 4) + "bad " * (i % 3) for i in range(1000)]
    >>> frame = pd.DataFrame({"id": [f"r{i}" for i in range(1000)], "text": texts})
    >>> frame.to_parquet(folder / "pool.parquet")
    >>> model = make_pipeline(HashingVectorizer(n_features=2**10), Ridge())
    >>> model = model.fit(texts[:200], [t.count("good") - t.count("bad") for t in texts[:200]])
    >>> summary = stream_predict(model, folder / "pool.parquet", text_column="text",
    ...                          id_columns=["id"], output=folder / "predictions.parquet",
    ...                          chunk_size=300, progress=False)
    >>> summary.n_rows, summary.n_chunks, summary.n_loaded
    (1000, 4, 0)
    >>> written = pd.read_parquet(summary.output)
    >>> list(written.columns)
    ['row', 'id', 'prediction']
    >>> bool((written["prediction"].to_numpy() == model.predict(texts)).all())
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    chunk_size = _check_chunk_size(chunk_size)
    output = _check_paths(source, output)
    table = open_source(source, text_column, id_columns)
    sink = Sink(output, method)  # checks the output's name
    clashes = [name for name in table.id_columns if name in reserved_columns(method)]
    if clashes:
        raise ValueError(
            f"id_columns {clashes} would collide with the output's own columns "
            f"{list(reserved_columns(method))}; rename them in the source."
        )
    model, cache, key, scratch = _cache_and_key(model, memory, output)
    if not hasattr(model, method):
        raise AttributeError(f"{type(model).__name__} has no method {method!r}.")

    from tqdm.auto import tqdm

    n_workers = _effective_n_jobs(n_jobs)
    # without a key, a fresh one: a reused id() must never find another model in a memo
    shipped = _ship(model, key or f"call-{uuid.uuid4().hex}", n_jobs) if n_workers > 1 else model

    keyed = cache is not None and key is not None
    chunks = (
        (chunk, *(_looked_up(cache, key, method, chunk) if keyed else (None, None)))
        for chunk in table.chunks(chunk_size)
    )
    if n_workers == 1:
        predicted = _serially(chunks, model, method, cache)
    else:
        predicted = _in_waves(chunks, shipped, method, n_jobs, n_workers, cache, model)

    n_rows = n_chunks = n_loaded = 0
    bar = tqdm(total=table.n_rows, unit="row", desc="predicting", disable=not progress)
    try:
        with bar:
            for chunk, loaded, predictions in predicted:
                sink.write(chunk.start, chunk.ids, predictions)
                n_rows, n_chunks, n_loaded = n_rows + len(chunk), n_chunks + 1, n_loaded + loaded
                bar.update(len(chunk))
        if n_rows == 0:
            raise ValueError(f"source {os.fspath(source)!r} has no rows; nothing to predict.")
        sink.close()
    except BaseException:
        sink.abort()
        raise
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    return StreamSummary(output, n_rows, n_chunks, n_loaded)
