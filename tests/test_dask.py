"""Same answer everywhere: seeded work on a 2-worker Dask cluster equals the serial run exactly.

The cluster is a real one (``LocalCluster(processes=True)``: two worker processes, one thread
each), started once for this file and closed after it. Each check runs the same seeded work
serially and inside ``joblib.parallel_backend("dask")`` and compares with
``np.testing.assert_array_equal``; the task stream shows that the work did reach the workers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import joblib
import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed",
    reason="Dask's distributed scheduler is not installed (pip install 'sklearn-llmrect[dask]'; "
    "the dev extra has it, so CI runs these tests)",
)

import dask  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures, StandardScaler  # noqa: E402

from sklearn_llmrect.caching import FitCache  # noqa: E402
from sklearn_llmrect.inference import crossfit_predict  # noqa: E402
from sklearn_llmrect.parallel import (  # noqa: E402
    ChunkedPredictor,
    chunked_predict,
    scheduler_context,
    stream_predict,
)
from sklearn_llmrect.parallel._predict import _ship  # noqa: E402
from sklearn_llmrect.rectify import (  # noqa: E402
    RectifiedRegressor,
    SurrogateRegressor,
    rectified_grid_search,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        client.wait_for_workers(2, timeout=60)
        yield client
    finally:
        client.close()
        cluster.close()


def _surrogate():
    """The default surrogate class, over cheap feature sets instead of LLM embeddings."""
    return SurrogateRegressor(
        features=[("raw", StandardScaler()), ("poly", PolynomialFeatures(2))], random_state=0
    )


def _data(n=900, n_labeled=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = X @ [1.0, -0.5, 0.3, 0.0] + 0.5 * X[:, 0] ** 2 + rng.normal(0, 0.5, n)
    y[n_labeled:] = np.nan
    return X, y


def _on_cluster(client, run):
    """``run()`` inside the Dask backend; also the number of tasks the workers ran."""
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        result = run()
    return result, len(stream.data)


# ------------------------------------------------------------------------------ grid search
@pytest.mark.parametrize("estimator", [None, Ridge()], ids=["surrogate", "ridge"])
def test_grid_search_over_budgets_equals_serial(client, estimator):
    X, y = _data()
    base = RectifiedRegressor(_surrogate() if estimator is None else estimator, random_state=0)
    grid = {"allocation": [0.3, "auto"], "budget": [100, 200]}

    def search():
        return rectified_grid_search(base, grid, cv=3).fit(X, y)

    serial = search()
    parallel, n_tasks = _on_cluster(client, search)
    assert n_tasks > 0  # the fits ran on the workers
    for name in ("mean_test_score", "std_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(parallel.cv_results_[name], serial.cv_results_[name])
    assert parallel.best_params_ == serial.best_params_
    best, best_serial = parallel.best_estimator_, serial.best_estimator_
    np.testing.assert_array_equal(
        [best.estimate_, *best.confidence_interval_],
        [best_serial.estimate_, *best_serial.confidence_interval_],
    )
    np.testing.assert_array_equal(best.unlabeled_predictions_, best_serial.unlabeled_predictions_)


def test_cross_method_runs_its_folds_on_the_cluster(client):
    """method="cross" calls crossfit_predict with n_jobs=None: the backend's workers fit it."""
    X, y = _data()
    model = RectifiedRegressor(_surrogate(), method="cross", n_folds=4, random_state=0)
    serial = model.fit(X, y)
    serial_numbers = [serial.estimate_, serial.stderr_, *serial.rectify_predictions_]
    parallel, n_tasks = _on_cluster(client, lambda: clone(model).fit(X, y))
    assert n_tasks >= 4
    np.testing.assert_array_equal(
        [parallel.estimate_, parallel.stderr_, *parallel.rectify_predictions_], serial_numbers
    )


# -------------------------------------------------------------------------------- cross-fit
@pytest.mark.parametrize("response_method", ["predict", "predict_proba"])
def test_crossfit_predict_n_jobs_2_equals_serial(client, response_method):
    rng = np.random.default_rng(1)
    X, X_unlabeled = rng.normal(size=(400, 5)), rng.normal(size=(3000, 5))
    score = X @ [1.0, 0.5, -0.5, 0.0, 0.2] + rng.normal(size=400)
    if response_method == "predict":
        estimator, y = _surrogate(), score
    else:
        estimator, y = LogisticRegression(), np.where(score > 0, "pos", "neg")

    def crossfit(n_jobs):
        return crossfit_predict(
            estimator,
            X,
            y,
            X_unlabeled,
            n_folds=5,
            response_method=response_method,
            random_state=0,
            return_estimators=True,
            n_jobs=n_jobs,
        )

    serial = crossfit(None)
    parallel, n_tasks = _on_cluster(client, lambda: crossfit(2))
    assert n_tasks >= 5
    np.testing.assert_array_equal(parallel.labeled, serial.labeled)
    np.testing.assert_array_equal(parallel.unlabeled, serial.unlabeled)
    np.testing.assert_array_equal(parallel.folds, serial.folds)
    assert len(parallel.estimators) == 5
    if response_method == "predict_proba":
        np.testing.assert_array_equal(parallel.classes, serial.classes)


# ------------------------------------------------------------------------ pool prediction
def test_chunked_predict_equals_serial_and_caches_each_chunk(client, tmp_path):
    X, y = _data(n=5000, n_labeled=5000)
    model = _surrogate().fit(X[:500], y[:500])
    serial = chunked_predict(model, X, chunk_size=700)
    np.testing.assert_allclose(serial, model.predict(X), rtol=1e-12, atol=1e-12)

    cache = FitCache(tmp_path)
    parallel, n_tasks = _on_cluster(
        client, lambda: chunked_predict(model, X, chunk_size=700, memory=cache)
    )
    assert n_tasks >= 8  # one task per chunk (8 chunks), the scatter of the model not counted
    np.testing.assert_array_equal(parallel, serial)
    assert cache.stats["predictions_saved"] == 8

    # a lost chunk (its file gone, as if its worker died before it came back) is the only
    # one predicted again
    next((tmp_path / "predictions").glob("*.npy")).unlink()
    again, _ = _on_cluster(client, lambda: chunked_predict(model, X, chunk_size=700, memory=cache))
    np.testing.assert_array_equal(again, serial)
    assert cache.stats["predictions_saved"] == 9
    assert cache.stats["predictions_loaded"] == 7


def test_cache_counts_include_the_fits_the_workers_made(client, tmp_path):
    from sklearn_llmrect.caching import CachedEstimator

    X, y = _data(n=400, n_labeled=400)
    cache = FitCache(tmp_path)
    models = [CachedEstimator(Ridge(alpha=alpha), memory=cache) for alpha in (0.1, 1.0, 10.0)]

    def fit_all():
        return joblib.Parallel(n_jobs=2)(joblib.delayed(clone(m).fit)(X, y) for m in models)

    _, n_tasks = _on_cluster(client, fit_all)
    assert n_tasks >= 3  # the fits ran on the workers, with pickled copies of the cache
    assert cache.stats == {
        "fits_loaded": 0,
        "fits_saved": 3,
        "predictions_loaded": 0,
        "predictions_saved": 0,
    }
    _on_cluster(client, fit_all)
    assert cache.stats["fits_loaded"] == 3 and cache.stats["fits_saved"] == 3


def test_the_model_is_scattered_once_not_sent_with_each_task(client):
    X, y = _data(n=200, n_labeled=200)
    model = Ridge().fit(X, y)
    with joblib.parallel_backend("dask"):
        shipped = _ship(model, "key", None)
    assert isinstance(shipped, distributed.Future)
    assert len(client.who_has([shipped])[shipped.key]) == 2  # on both workers
    assert _ship(model, "key", None) is model  # no backend: the object itself


def test_chunked_predictor_in_a_rectified_fit_equals_serial(client):
    X, y = _data()
    model = RectifiedRegressor(
        ChunkedPredictor(Ridge(), chunk_size=100), allocation=0.3, random_state=0
    )
    serial = model.fit(X, y)
    serial_numbers = [serial.estimate_, *serial.unlabeled_predictions_]
    parallel, n_tasks = _on_cluster(client, lambda: clone(model).fit(X, y))
    assert n_tasks >= 6  # the 600 pool rows in 6 chunks
    np.testing.assert_array_equal(
        [parallel.estimate_, *parallel.unlabeled_predictions_], serial_numbers
    )


def test_chunks_nested_in_a_grid_search_task_equal_serial(client):
    """A grid-search task predicts its pool in chunks: tasks (and a scatter) from a worker."""
    X, y = _data()
    base = RectifiedRegressor(ChunkedPredictor(Ridge(), chunk_size=100), random_state=0)

    def search():
        return rectified_grid_search(base, {"allocation": [0.2, 0.5]}, cv=2).fit(X, y)

    serial = search()
    parallel, n_tasks = _on_cluster(client, search)
    assert n_tasks > 4 + 1  # more than the 4 (candidate, fold) fits and the refit
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(
        parallel.best_estimator_.unlabeled_predictions_,
        serial.best_estimator_.unlabeled_predictions_,
    )


def test_stream_predict_on_the_cluster_equals_predict_on_the_whole_frame(client, tmp_path):
    import pandas as pd
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(2)
    words = np.array("good bad fine awful great dull superb poor".split())
    texts = [" ".join(rng.choice(words, size=k)) for k in rng.integers(1, 10, size=3000)]
    frame = pd.DataFrame({"id": np.arange(3000) * 7, "text": texts})
    frame.to_parquet(tmp_path / "pool.parquet", row_group_size=1000)
    score = [t.count("good") - t.count("bad") for t in texts[:500]]
    model = make_pipeline(HashingVectorizer(n_features=2**12), Ridge()).fit(texts[:500], score)
    expected = model.predict(frame["text"])

    def stream(name):
        return stream_predict(
            model,
            tmp_path / "pool.parquet",
            text_column="text",
            id_columns=["id"],
            output=tmp_path / name,
            chunk_size=250,
            progress=False,
        )

    summary, n_tasks = _on_cluster(client, lambda: stream("cluster.parquet"))
    assert (summary.n_rows, summary.n_chunks) == (3000, 12)
    assert n_tasks >= 12  # one task per chunk
    written = pd.read_parquet(tmp_path / "cluster.parquet")
    np.testing.assert_array_equal(written["prediction"], expected)
    np.testing.assert_array_equal(written["id"], frame["id"])
    stream("serial.parquet")
    np.testing.assert_array_equal(
        pd.read_parquet(tmp_path / "serial.parquet")["prediction"], expected
    )


# ------------------------------------------------------------------- benchmark replications
def _benchmarks_common():
    spec = importlib.util.spec_from_file_location(
        "_bench_common", ROOT / "benchmarks" / "_common.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_replications_equal_serial(client):
    common = _benchmarks_common()
    draw = lambda r, seed: np.random.default_rng(seed).normal(size=3) + r  # noqa: E731
    serial = common.replicate(draw, 6, seed=3)
    parallel, n_tasks = _on_cluster(client, lambda: common.replicate(draw, 6, seed=3, n_jobs=2))
    assert n_tasks > 0
    np.testing.assert_array_equal(np.array(parallel), np.array(serial))


# ------------------------------------------------------------------------ scheduler_context
def test_scheduler_context_connects_to_a_running_scheduler(client):
    X, y = _data(n=3000, n_labeled=3000)
    model = Ridge().fit(X, y)
    serial = chunked_predict(model, X, chunk_size=500)
    with scheduler_context(client.scheduler.address) as connected:
        assert connected.scheduler_info()["address"] == client.scheduler.address
        assert joblib.effective_n_jobs(None) == 2  # the two workers' threads
        pred = chunked_predict(model, X, chunk_size=500)
    np.testing.assert_array_equal(pred, serial)
    assert joblib.effective_n_jobs(None) == 1  # the serial default is back on leaving


def test_scheduler_context_starts_and_stops_a_local_cluster():
    X, y = _data(n=2000, n_labeled=2000)
    model = Ridge().fit(X, y)
    serial = chunked_predict(model, X, chunk_size=250)
    with scheduler_context(workers=2) as local:
        workers = local.scheduler_info()["workers"]
        assert len(workers) == 2
        assert {w["nthreads"] for w in workers.values()} == {1}
        pred = chunked_predict(model, X, chunk_size=250)
    np.testing.assert_array_equal(pred, serial)
    assert local.status == "closed"


def test_scheduler_context_refuses_bad_arguments(client):
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        with scheduler_context(workers=0):
            pass
    with pytest.raises(ValueError, match="names a running one"):
        with scheduler_context(client.scheduler.address, workers=2):
            pass
    with pytest.raises(ValueError, match="an address such as"):
        with scheduler_context("my-cluster"):
            pass
    with pytest.raises(FileNotFoundError, match="no scheduler file"):
        with scheduler_context("no-such-scheduler.json"):
            pass
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(OSError, match="could not connect to the Dask scheduler"):
            with scheduler_context("tcp://127.0.0.1:1"):
                pass


def test_scheduler_context_reads_a_scheduler_file(client, tmp_path):
    path = tmp_path / "scheduler.json"
    client.write_scheduler_file(str(path))
    with scheduler_context(path) as connected:
        assert connected.scheduler_info()["address"] == client.scheduler.address
