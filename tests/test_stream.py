"""stream_predict without a cluster: file to file, chunk by chunk, resumable, in flat memory.

The run on a two-worker Dask cluster is in tests/test_dask.py.
"""

from __future__ import annotations

import sys
import tracemalloc

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sklearn_llmrect.caching import FitCache
from sklearn_llmrect.parallel import StreamSummary, _sources, _stream, stream_predict

WORDS = np.array("good bad fine awful great dull superb poor lovely grim".split())


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 12, size=n)
    return [" ".join(rng.choice(WORDS, size=k)) for k in lengths]


def _score(texts) -> np.ndarray:
    return np.array([t.count("good") + t.count("great") - t.count("bad") for t in texts], float)


@pytest.fixture(scope="module")
def texts():
    return _texts(1500)


@pytest.fixture(scope="module")
def regressor(texts):
    return make_pipeline(HashingVectorizer(n_features=2**12), Ridge()).fit(
        texts[:300], _score(texts[:300])
    )


def _write(frame: pd.DataFrame, path):
    if path.suffix == ".parquet":
        frame.to_parquet(path, row_group_size=250)  # row groups that are not whole chunks
    else:
        frame.to_csv(path, index=False, sep="\t" if path.suffix == ".tsv" else ",")
    return path


def _read(path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    sep = "\t" if path.suffix == ".tsv" else ","
    return pd.read_csv(path, sep=sep, keep_default_na=False)


def _frame(texts) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [f"doc-{i}" for i in range(len(texts))], "year": 2000 + np.arange(len(texts)) % 20}
        | {"text": texts}
    )


class _Flaky:
    """The regressor, failing on its ``budget``-th call (a class attribute: not in its hash)."""

    budget = None

    def __init__(self, model):
        self.model = model

    def predict(self, texts):
        if _Flaky.budget is not None:
            if _Flaky.budget == 0:
                raise RuntimeError("worker lost")
            _Flaky.budget -= 1
        return self.model.predict(texts)


# ------------------------------------------------------------------------------- results
@pytest.mark.parametrize("source_suffix", [".csv", ".tsv", ".parquet"])
@pytest.mark.parametrize("output_suffix", [".csv", ".parquet"])
def test_the_file_equals_predict_on_the_whole_frame(
    regressor, texts, tmp_path, source_suffix, output_suffix
):
    frame = _frame(texts)
    source = _write(frame, tmp_path / f"pool{source_suffix}")
    summary = stream_predict(
        regressor,
        source,
        text_column="text",
        id_columns=["id", "year"],
        output=tmp_path / f"out{output_suffix}",
        chunk_size=400,
        progress=False,
    )
    assert summary == StreamSummary(tmp_path / f"out{output_suffix}", 1500, 4, 0)
    written = _read(summary.output)
    assert list(written.columns) == ["row", "id", "year", "prediction"]
    np.testing.assert_array_equal(written["prediction"], regressor.predict(frame["text"]))
    np.testing.assert_array_equal(written["row"], np.arange(1500))
    assert written["id"].tolist() == frame["id"].tolist()
    assert written["year"].astype(int).tolist() == frame["year"].tolist()  # text from a CSV
    assert not (tmp_path / f"out{output_suffix}.chunks").exists()  # the scratch cache is gone
    assert not (tmp_path / f"out{output_suffix}.partial").exists()


@pytest.mark.parametrize("chunk_size", [1, 333, 1500, 5000])
def test_any_chunk_size_gives_the_same_predictions(regressor, texts, tmp_path, chunk_size):
    source = _write(_frame(texts[:200]), tmp_path / "pool.parquet")
    summary = stream_predict(
        regressor,
        source,
        text_column="text",
        output=tmp_path / "out.parquet",
        chunk_size=chunk_size,
        progress=False,
    )
    assert summary.n_chunks == -(-200 // chunk_size)
    written = pd.read_parquet(summary.output)
    assert list(written.columns) == ["row", "prediction"]
    np.testing.assert_array_equal(written["prediction"], regressor.predict(texts[:200]))


def test_probabilities_get_a_column_per_class(texts, tmp_path):
    labels = np.where(_score(texts) > 0, "pos", "neg")
    clf = make_pipeline(HashingVectorizer(n_features=2**12), LogisticRegression()).fit(
        texts, labels
    )
    source = _write(_frame(texts), tmp_path / "pool.csv")
    out = tmp_path / "proba.csv"
    stream_predict(
        clf, source, text_column="text", output=out, method="predict_proba", progress=False
    )
    written = _read(out)
    assert list(written.columns) == ["row", "predict_proba_0", "predict_proba_1"]
    np.testing.assert_array_equal(written.iloc[:, 1:].to_numpy(), clf.predict_proba(texts))
    stream_predict(clf, source, text_column="text", output=out, progress=False)
    assert _read(out)["prediction"].tolist() == clf.predict(texts).tolist()  # labels as text


def test_threads_and_processes_give_the_serial_file(regressor, texts, tmp_path):
    source = _write(_frame(texts), tmp_path / "pool.parquet")
    expected = regressor.predict(texts)
    for backend in ("threading", "loky"):
        with joblib.parallel_backend(backend, n_jobs=2):
            stream_predict(
                regressor,
                source,
                text_column="text",
                output=tmp_path / f"{backend}.parquet",
                chunk_size=200,
                progress=False,
            )
        written = pd.read_parquet(tmp_path / f"{backend}.parquet")
        np.testing.assert_array_equal(written["prediction"], expected)


# ---------------------------------------------------------------------- resuming a run
def test_an_interrupted_run_leaves_no_output_and_resumes(regressor, texts, tmp_path):
    source = _write(_frame(texts), tmp_path / "pool.csv")
    out = tmp_path / "out.parquet"
    flaky = _Flaky(regressor)
    _Flaky.budget = 2
    try:
        with pytest.raises(RuntimeError, match="worker lost"):
            stream_predict(
                flaky, source, text_column="text", output=out, chunk_size=300, progress=False
            )
        assert not out.exists() and not (tmp_path / "out.parquet.partial").exists()
        assert len(list((tmp_path / "out.parquet.chunks").rglob("*.npy"))) == 2
        _Flaky.budget = None
        summary = stream_predict(
            flaky, source, text_column="text", output=out, chunk_size=300, progress=False
        )
    finally:
        _Flaky.budget = None
    assert (summary.n_chunks, summary.n_loaded) == (5, 2)  # the 2 chunks done before
    np.testing.assert_array_equal(pd.read_parquet(out)["prediction"], regressor.predict(texts))
    assert not (tmp_path / "out.parquet.chunks").exists()


def test_a_given_cache_is_kept_and_read_back(regressor, texts, tmp_path):
    source = _write(_frame(texts), tmp_path / "pool.parquet")
    cache = FitCache(tmp_path / "cache")
    first = stream_predict(
        regressor,
        source,
        text_column="text",
        output=tmp_path / "a.csv",
        chunk_size=500,
        memory=cache,
        progress=False,
    )
    assert first.n_loaded == 0 and cache.stats["predictions_saved"] == 3
    again = stream_predict(
        regressor,
        source,
        text_column="text",
        output=tmp_path / "b.csv",
        chunk_size=500,
        memory=cache,
        progress=False,
    )
    assert again.n_loaded == 3 and cache.stats["predictions_saved"] == 3
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    # another model: other keys, nothing read from the cache
    other = make_pipeline(HashingVectorizer(n_features=2**8), Ridge()).fit(texts, _score(texts))
    third = stream_predict(
        other,
        source,
        text_column="text",
        output=tmp_path / "c.csv",
        chunk_size=500,
        memory=cache,
        progress=False,
    )
    assert third.n_loaded == 0


# ---------------------------------------------------------------------------- flat memory
def test_chunks_in_flight_are_bounded(regressor, texts, tmp_path, monkeypatch):
    """On 2 threads, at most a wave of chunks is read ahead of the ones written."""
    source = _write(_frame(texts), tmp_path / "pool.parquet")
    read, written, ahead = [0], [0], []
    chunks = _sources.Source.chunks

    def counted(self, chunk_size):
        for chunk in chunks(self, chunk_size):
            read[0] += 1
            ahead.append(read[0] - written[0])
            yield chunk

    write = _stream.Sink.write

    def counted_write(self, *args):
        written[0] += 1
        write(self, *args)

    monkeypatch.setattr(_sources.Source, "chunks", counted)
    monkeypatch.setattr(_stream.Sink, "write", counted_write)
    with joblib.parallel_backend("threading", n_jobs=2):
        summary = stream_predict(
            regressor,
            source,
            text_column="text",
            output=tmp_path / "out.csv",
            chunk_size=50,
            progress=False,
        )
    assert summary.n_chunks == 30
    assert max(ahead) == _stream.CHUNKS_PER_WORKER * 2  # one wave: 4 chunks per worker


def test_memory_does_not_grow_with_the_file(regressor, tmp_path):
    def peak(n: int) -> tuple[int, int]:
        texts = _texts(n, seed=n)
        source = _write(_frame(texts), tmp_path / f"pool-{n}.csv")
        held = sum(sys.getsizeof(text) for text in texts)  # the texts alone, in memory
        del texts
        tracemalloc.start()
        try:
            stream_predict(
                regressor,
                source,
                text_column="text",
                id_columns=["id"],
                output=tmp_path / f"out-{n}.parquet",
                chunk_size=500,
                progress=False,
            )
            return tracemalloc.get_traced_memory()[1], held
        finally:
            tracemalloc.stop()

    (small, _), (large, held) = peak(2_000), peak(40_000)
    # 20 times the rows: about the same peak (what varies is garbage awaiting collection),
    # a small part of what holding the file's texts would take
    assert large < 2 * small, (small, large)
    assert large < held / 5, (large, held)


# --------------------------------------------------------------------------------- errors
def test_bad_arguments_are_named(regressor, texts, tmp_path):
    source = _write(_frame(texts[:20]), tmp_path / "pool.csv")
    out = tmp_path / "out.csv"

    def run(**changes):
        options = dict(text_column="text", output=out, progress=False) | changes
        return stream_predict(regressor, options.pop("source", source), **options)

    with pytest.raises(ValueError, match="text_column 'review' is not a column of .*'id'"):
        run(text_column="review")
    with pytest.raises(ValueError, match=r"id_columns \['doc'\] are not columns"):
        run(id_columns=["id", "doc"])
    with pytest.raises(ValueError, match=r"id_columns \['row'\] would collide"):
        _write(_frame(texts[:20]).rename(columns={"id": "row"}), tmp_path / "rows.csv")
        run(source=tmp_path / "rows.csv", id_columns=["row"])
    with pytest.raises(ValueError, match="source must be a file ending in '.csv'"):
        run(source=tmp_path / "pool.json")
    with pytest.raises(ValueError, match="output must be a file ending in '.csv'"):
        run(output=tmp_path / "out.xlsx")
    with pytest.raises(ValueError, match="is the source itself"):
        run(output=source)
    with pytest.raises(FileNotFoundError, match="source: no such file"):
        run(source=tmp_path / "missing.parquet")
    for bad in (0, -3, 2.5, True, "100"):
        with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
            run(chunk_size=bad)
    with pytest.raises(ValueError, match="method must be one of"):
        run(method="fit")
    with pytest.raises(AttributeError, match="no method 'predict_proba'"):
        run(method="predict_proba")
    with pytest.raises(TypeError, match="text_column must be a column name"):
        run(text_column=3)
    assert not out.exists()


def test_bad_data_is_named_and_leaves_no_output(regressor, texts, tmp_path):
    out = tmp_path / "out.parquet"
    empty = tmp_path / "empty.csv"
    empty.write_text("id,text\n")
    with pytest.raises(ValueError, match="has no rows"):
        stream_predict(regressor, empty, text_column="text", output=out, progress=False)
    holes = pd.DataFrame({"text": [*texts[:30], None, *texts[30:60]]})
    holes.to_parquet(tmp_path / "holes.parquet")
    with pytest.raises(ValueError, match="text_column 'text' .* has 1 missing value"):
        stream_predict(
            regressor,
            tmp_path / "holes.parquet",
            text_column="text",
            output=out,
            chunk_size=10,
            progress=False,
        )

    class _Short:
        def predict(self, texts):
            return np.zeros(len(texts) - 1)

    source = _write(_frame(texts[:20]), tmp_path / "pool.parquet")
    with pytest.raises(ValueError, match="returned 19 predictions for the 20 texts of rows 0-19"):
        stream_predict(_Short(), source, text_column="text", output=out, progress=False)
    assert not out.exists() and not (tmp_path / "out.parquet.partial").exists()
