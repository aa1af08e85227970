"""sklearn_llmrect.parallel without a cluster: chunking, caching and argument checks.

The cluster runs are in tests/test_dask.py (and tests/test_ray.py); these need neither.
"""

from __future__ import annotations

import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge

from sklearn_llmrect.caching import CachedEstimator, FitCache
from sklearn_llmrect.parallel import ChunkedPredictor, chunked_predict, scheduler_context


class _Length:
    """A 'model' of texts: the length of each."""

    def predict(self, X):
        return np.array([len(text) for text in X], dtype=float)


@pytest.fixture
def ridge():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3))
    return X, Ridge().fit(X, X @ [1.0, 2.0, 3.0])


@pytest.mark.parametrize("chunk_size", [1, 7, 333, 1000, 5000])
def test_chunks_concatenate_in_order(ridge, chunk_size):
    X, model = ridge
    np.testing.assert_allclose(
        chunked_predict(model, X, chunk_size=chunk_size), model.predict(X), rtol=0, atol=1e-12
    )


def test_threads_and_processes_give_the_serial_array(ridge):
    X, model = ridge
    serial = chunked_predict(model, X, chunk_size=100)
    for backend in ("threading", "loky", "multiprocessing"):
        with joblib.parallel_backend(backend, n_jobs=2):
            np.testing.assert_array_equal(chunked_predict(model, X, chunk_size=100), serial)


def test_texts_frames_and_probabilities():
    texts = [f"text number {i}" * (i % 5 + 1) for i in range(50)]
    np.testing.assert_array_equal(
        chunked_predict(_Length(), texts, chunk_size=8), _Length().predict(texts)
    )
    frame = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) % 3})
    y = (frame["a"] > 14).astype(int)
    clf = LogisticRegression().fit(frame, y)
    proba = chunked_predict(clf, frame, method="predict_proba", chunk_size=7)
    assert proba.shape == (30, 2)
    np.testing.assert_allclose(proba, clf.predict_proba(frame), rtol=0, atol=1e-15)
    assert chunked_predict(_Length(), []).shape == (0,)  # no rows: one call, as the model does


def test_each_chunk_is_cached_and_a_missing_one_recomputed(ridge, tmp_path):
    X, model = ridge
    cache = FitCache(tmp_path)
    first = chunked_predict(model, X, chunk_size=250, memory=cache)
    assert cache.stats["predictions_saved"] == 4
    sorted((tmp_path / "predictions").glob("*.npy"))[0].unlink()
    again = chunked_predict(model, X, chunk_size=250, memory=cache)
    np.testing.assert_array_equal(again, first)
    assert cache.stats["predictions_saved"] == 5
    assert cache.stats["predictions_loaded"] == 3
    # another model, the same rows: other keys
    chunked_predict(Ridge(alpha=10.0).fit(X, X[:, 0]), X, chunk_size=250, memory=cache)
    assert cache.stats["predictions_saved"] == 9


def test_a_cached_estimator_lends_its_memory_and_key(ridge, tmp_path):
    X, _ = ridge
    y = X.sum(axis=1)
    wrapped = CachedEstimator(Ridge(), memory=tmp_path).fit(X, y)
    pred = chunked_predict(wrapped, X, chunk_size=500)
    cache = FitCache(tmp_path)
    assert cache.size()["predictions"] == 2
    np.testing.assert_allclose(pred, wrapped.predict(X), rtol=0, atol=1e-12)


def test_chunked_predictor_is_an_estimator(ridge):
    X, _ = ridge
    y = (X[:, 0] > 0).astype(int)
    model = ChunkedPredictor(DummyClassifier(strategy="prior"), chunk_size=64).fit(X, y)
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert model.predict_proba(X).shape == (1000, 2)
    assert not hasattr(ChunkedPredictor(Ridge()), "predict_proba")
    assert ChunkedPredictor(Ridge())._expensive_fit is False


def test_bad_arguments():
    X, model = np.zeros((4, 1)), Ridge().fit(np.zeros((4, 1)), np.arange(4.0))
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        chunked_predict(model, X, chunk_size=0)
    with pytest.raises(ValueError, match="method must be one of"):
        chunked_predict(model, X, method="fit")
    with pytest.raises(AttributeError, match="no method 'predict_proba'"):
        chunked_predict(model, X, method="predict_proba")
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        with scheduler_context(workers=-1):
            pass
    with pytest.raises(TypeError, match="scheduler must be"):
        with scheduler_context(8786):
            pass


def test_importing_it_imports_neither_dask_nor_torch():
    code = (
        "import sys, sklearn_llmrect.parallel\n"
        "assert 'distributed' not in sys.modules and 'torch' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
