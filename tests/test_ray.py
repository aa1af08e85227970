"""Ray's joblib backend gives the serial numbers too (skipped where Ray is not installed).

Ray is not in the dev extra (about 260 MB installed), so CI skips this file; run it after
``pip install ray``. One local Ray instance with two CPUs is started for the file and shut down
after it.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install ray); optional")

from ray.util.joblib import register_ray  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402

from sklearn_llmrect.inference import crossfit_predict  # noqa: E402
from sklearn_llmrect.parallel import chunked_predict  # noqa: E402
from sklearn_llmrect.parallel._predict import _RayModel, _ship  # noqa: E402
from sklearn_llmrect.rectify import RectifiedRegressor, rectified_grid_search  # noqa: E402


@pytest.fixture(scope="module")
def ray_backend():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    register_ray()
    try:
        yield
    finally:
        ray.shutdown()


def _data(n=900, n_labeled=300):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = X @ [1.0, -0.5, 0.3, 0.0] + rng.normal(0, 0.5, n)
    y[n_labeled:] = np.nan
    return X, y


def test_ray_backend_equals_serial(ray_backend):
    X, y = _data()
    search = rectified_grid_search(
        RectifiedRegressor(Ridge(), random_state=0), {"budget": [100, 200]}, cv=3
    )
    labeled = ~np.isnan(y)
    model = Ridge().fit(X[labeled], y[labeled])
    serial = (
        clone(search).fit(X, y).cv_results_["mean_test_score"],
        crossfit_predict(Ridge(), X[labeled], y[labeled], X[~labeled], random_state=0).unlabeled,
        chunked_predict(model, X, chunk_size=100),
    )
    with joblib.parallel_backend("ray", n_jobs=2):
        assert isinstance(_ship(model, "key", None), _RayModel)  # put in the object store once
        parallel = (
            clone(search).fit(X, y).cv_results_["mean_test_score"],
            crossfit_predict(
                Ridge(), X[labeled], y[labeled], X[~labeled], random_state=0, n_jobs=2
            ).unlabeled,
            chunked_predict(model, X, chunk_size=100),
        )
    for got, expected in zip(parallel, serial, strict=True):
        np.testing.assert_array_equal(got, expected)
