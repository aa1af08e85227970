"""The on-disk cache of fitted estimators and predictions (sklearn_llmrect.caching)."""

import json
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge

from sklearn_llmrect.caching import (
    CachedEstimator,
    FitCache,
    check_memory,
    data_hash,
    estimator_key,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, -1.0, 0.5] + rng.normal(0, 0.1, n)


class CountingRidge(Ridge):
    """A Ridge that counts its fits (class attribute: clones share it)."""

    fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


def test_second_fit_and_predict_come_from_the_cache(tmp_path):
    X, y = _data()
    CountingRidge.fits = 0
    first = CachedEstimator(CountingRidge(alpha=2.0), memory=tmp_path).fit(X, y)
    p1 = first.predict(X)
    again = CachedEstimator(CountingRidge(alpha=2.0), memory=tmp_path).fit(X, y)
    assert (first.from_cache_, again.from_cache_) == (False, True)
    assert CountingRidge.fits == 1 and first.fit_key_ == again.fit_key_
    np.testing.assert_array_equal(again.predict(X), p1)
    assert FitCache(tmp_path).size() == {"fits": 1, "predictions": 1}
    # a different parameter or different data is a different entry
    assert not CachedEstimator(CountingRidge(alpha=3.0), memory=tmp_path).fit(X, y).from_cache_
    assert not CachedEstimator(CountingRidge(alpha=2.0), memory=tmp_path).fit(X, y + 1).from_cache_
    assert CountingRidge.fits == 3


def test_keys_ignore_verbose_and_string_identity_but_not_order():
    X, y = _data()
    assert estimator_key(Ridge(), X, y) == estimator_key(Ridge(), X.copy(), y.copy())
    texts = np.array(["good", "bad"] * 3, dtype=object)
    rebuilt = np.array(["go" + "od", "b" + "ad"] * 3, dtype=object)
    assert data_hash(texts) == data_hash(rebuilt)
    assert data_hash(texts) != data_hash(texts[::-1])
    from sklearn.neural_network import MLPRegressor

    quiet, chatty = MLPRegressor(verbose=False), MLPRegressor(verbose=True)
    assert estimator_key(quiet, X, y) == estimator_key(chatty, X, y)
    assert estimator_key(MLPRegressor(alpha=1.0), X, y) != estimator_key(quiet, X, y)


def test_classifier_wrapper_exposes_classes_and_proba(tmp_path):
    X, _ = _data()
    y = np.where(X[:, 0] > 0, "pos", "neg")
    model = CachedEstimator(LogisticRegression(), memory=tmp_path).fit(X, y)
    assert model.classes_.tolist() == ["neg", "pos"]
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert model.predict(X).dtype.kind == "U"  # strings are cached as a unicode array
    assert not hasattr(CachedEstimator(Ridge()).fit(X, X[:, 0]), "predict_proba")
    assert clone(model).memory == model.memory


def test_without_memory_nothing_is_written(tmp_path):
    X, y = _data()
    model = CachedEstimator(Ridge()).fit(X, y)
    assert model.fit_key_ is None and model.predict(X).shape == (60,)
    assert not any(tmp_path.iterdir())


def test_check_memory_accepts_paths_caches_and_joblib_memory(tmp_path):
    assert check_memory(None) is None
    cache = FitCache(tmp_path)
    assert check_memory(cache) is cache
    assert check_memory(str(tmp_path)).location == tmp_path
    assert check_memory(joblib.Memory(tmp_path, verbose=0)).location == tmp_path / "sklearn-llmrect"
    assert check_memory(joblib.Memory(None)) is None
    with pytest.raises(TypeError, match="memory must be None, a folder path"):
        check_memory(42)


def test_a_corrupt_entry_is_refitted_with_a_warning(tmp_path):
    X, y = _data()
    key = CachedEstimator(Ridge(), memory=tmp_path).fit(X, y).fit_key_
    (tmp_path / "fits" / key / "model.joblib").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="unreadable cache entry"):
        model = CachedEstimator(Ridge(), memory=tmp_path).fit(X, y)
    assert not model.from_cache_ and model.predict(X).shape == (60,)
    prediction_file = next((tmp_path / "predictions").glob("*.npy"))
    prediction_file.write_bytes(b"not numpy")
    with pytest.warns(UserWarning, match="unreadable cache entry"):
        model.predict(X)


def test_writes_are_atomic_and_leave_nothing_on_failure(tmp_path, monkeypatch):
    cache = FitCache(tmp_path)

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(joblib, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        cache.save_fitted("a" * 64, Ridge().fit(*_data()))
    assert list((tmp_path / "fits").iterdir()) == []  # no half-written entry or staging folder
    monkeypatch.undo()

    def broken_save(file, array, allow_pickle=False):
        file.write(b"\x93NUMPY partial")
        raise OSError("killed mid-write")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(OSError, match="killed mid-write"):
        cache.save_predictions("b" * 64, np.arange(5.0))
    assert list((tmp_path / "predictions").iterdir()) == []
    assert cache.load_predictions("b" * 64) is None


class InterruptedRegressor(RegressorMixin, BaseEstimator):
    """Fits like the LLM estimators do when Ctrl-C stops their training."""

    def fit(self, X, y):
        self.history_ = [{"epoch": 1}, {"epoch": 2, "interrupted": True}]
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def test_an_interrupted_fit_is_not_cached_and_stops_the_run(tmp_path):
    X, y = _data()
    with pytest.raises(KeyboardInterrupt):
        CachedEstimator(InterruptedRegressor(), memory=tmp_path).fit(X, y)
    assert FitCache(tmp_path).size()["fits"] == 0


def test_llm_estimators_are_stored_with_save_and_load(tmp_path, tiny_paths, fast):
    from sklearn_llmrect import LLMRegressor

    X = ["good", "bad", "nice", "awful", "great", "poor"] * 3
    y = [2.0, -2.0, 1.0, -3.0, 3.0, -1.0] * 3
    template = LLMRegressor(model=tiny_paths["llama"], **{**fast, "max_epochs": 1})
    first = CachedEstimator(template, memory=tmp_path).fit(X, y)
    meta = json.loads((tmp_path / "fits" / first.fit_key_ / "meta.json").read_text())
    assert meta["format"] == "save" and meta["class"].endswith("LLMRegressor")
    assert (tmp_path / "fits" / first.fit_key_ / "model" / "adapter.safetensors").exists()
    loaded = CachedEstimator(clone(template), memory=tmp_path).fit(X, y)
    assert loaded.from_cache_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(
            loaded.estimator_.predict(X), first.estimator_.predict(X), rtol=1e-6
        )
