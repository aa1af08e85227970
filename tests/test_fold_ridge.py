"""FoldRidge: K-fold ridge predictions from one eigendecomposition equal explicit refits."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

from sklearn_llmrect.rectify._ridge import FeatureBlock, FoldRidge

ALPHAS = [0.1, 1.0, 10.0, 100.0]


def _data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 5.0, p) + rng.normal(0, 3, p)
    X[:, 1] = 2.0  # a constant column, left unscaled
    Y = np.c_[X[:, 0] + rng.normal(size=n), rng.normal(size=n)]
    return X, Y


def _refit_oof(Z, y, alpha, folds):
    oof = np.empty(len(y))
    for train, test in folds:
        oof[test] = Ridge(alpha=alpha).fit(Z[train], y[train]).predict(Z[test])
    return oof


@pytest.mark.parametrize("n, p", [(90, 20), (60, 150)])  # more rows than features, and fewer
def test_out_of_fold_predictions_and_penalties_equal_explicit_refits(n, p):
    X, Y = _data(n, p)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    head = FoldRidge([FeatureBlock.of(X)], Y, ALPHAS, folds)
    scale = X.std(axis=0)
    scale[1] = 1.0
    Z = (X - X.mean(axis=0)) / scale
    for j in range(Y.shape[1]):
        errors = [np.sum((Y[:, j] - _refit_oof(Z, Y[:, j], a, folds)) ** 2) for a in ALPHAS]
        assert head.alpha_[j] == ALPHAS[int(np.argmin(errors))]
        alpha = head.alpha_[j]
        np.testing.assert_allclose(
            head.oof_[:, j], _refit_oof(Z, Y[:, j], alpha, folds), rtol=0, atol=1e-10
        )
        full = Ridge(alpha=alpha).fit(Z, Y[:, j])
        np.testing.assert_allclose(head.predict([X])[:, j], full.predict(Z), atol=1e-10)


def test_blocks_side_by_side_equal_one_concatenated_block():
    X, Y = _data(70, 40, seed=1)
    folds = list(KFold(4, shuffle=True, random_state=1).split(X))
    split = FoldRidge([FeatureBlock.of(X[:, :15]), FeatureBlock.of(X[:, 15:])], Y, ALPHAS, folds)
    whole = FoldRidge([FeatureBlock.of(X)], Y, ALPHAS, folds)
    np.testing.assert_allclose(split.oof_, whole.oof_, atol=1e-10)
    new = _data(5, 40, seed=2)[0]
    np.testing.assert_allclose(
        split.predict([new[:, :15], new[:, 15:]]), whole.predict([new]), atol=1e-10
    )
