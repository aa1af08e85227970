"""Ridge heads whose K-fold predictions, for every penalty, come from one eigendecomposition.

A stacked surrogate needs, for each feature set, out-of-fold predictions of an inner K-fold and
a penalty chosen from them. Refitting a ridge per inner fold and per penalty costs K + 1
decompositions per feature set; the block-deletion identity of penalised least squares gives
the same out-of-fold predictions from the full fit's hat matrix ``H``: for a test fold ``T``,

    y_T - yhat_T^(-T) = (I - H_TT)^-1 (y_T - yhat_T),

exact for ridge with an unpenalised intercept (Hastie, Tibshirani & Friedman, *The Elements of
Statistical Learning*, 2nd ed., 7.10; Allen 1974). ``H = 11'/n + Q diag(s / (s + alpha)) Q'``
from the eigendecomposition ``Q diag(s) Q'`` of the Gram matrix of the standardised features,
so one ``n x n`` decomposition serves every fold and every penalty. The features are
standardised with the mean and deviation of all the rows given (labels are not used, so the
inner folds see the same fixed transformation a refit on fixed features would).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FeatureBlock", "FoldRidge"]


class FeatureBlock(NamedTuple):
    """A feature block standardised once, with its Gram matrix: heads that share a block (one
    set alone and all sets side by side) share this work."""

    Z: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    gram: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray) -> FeatureBlock:
        """Standardise ``X`` (constant columns left unscaled, as StandardScaler does)."""
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 10 * np.finfo(np.float64).eps, scale, 1.0)
        Z = (X - mean) / scale
        return cls(Z, mean, scale, Z @ Z.T)


class FoldRidge:
    """Standardised ridge regression of ``Y`` on feature blocks, K-fold predictions for free.

    Parameters
    ----------
    blocks : list of FeatureBlock
        Standardised feature blocks of the same n rows, regressed on side by side (as if
        concatenated, without the copy).
    Y : ndarray of shape (n, d)
    alphas : sequence of float
        Penalties tried (in units of the standardised features).
    folds : list of (train, test) index arrays
        Inner folds; the penalty of each column of ``Y`` minimises their squared error.

    Attributes
    ----------
    alpha_ : ndarray of shape (d,)
        Chosen penalty of each column.
    oof_ : ndarray of shape (n, d)
        Out-of-fold predictions at the chosen penalty: row ``i`` from the fit without its fold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 8))
    >>> Y = X[:, :1] + rng.normal(0, 0.1, (60, 1))
    >>> block = FeatureBlock.of(X)
    >>> head = FoldRidge([block], Y, np.logspace(-2, 2, 5), list(KFold(5).split(X)))
    >>> bool(np.corrcoef(head.oof_[:, 0], Y[:, 0])[0, 1] > 0.95), head.predict([X[:2]]).shape
    (True, (2, 1))
    """

    def __init__(self, blocks: list[FeatureBlock], Y: np.ndarray, alphas, folds) -> None:
        Y = np.asarray(Y, dtype=np.float64)
        n = len(Y)
        eigenvalues, Q = np.linalg.eigh(sum(block.gram for block in blocks))
        eigenvalues = np.clip(eigenvalues, 0.0, None)
        y_mean = Y.mean(axis=0)
        QtY = Q.T @ (Y - y_mean)
        alphas = np.asarray(alphas, dtype=np.float64)
        errors = np.empty((len(alphas), Y.shape[1]))
        oof = np.empty((len(alphas), *Y.shape))
        for a, alpha in enumerate(alphas):
            shrink = eigenvalues / (eigenvalues + alpha)
            fitted = y_mean + Q @ (shrink[:, None] * QtY)
            for _, test in folds:
                Q_T = Q[test]
                hat = (Q_T * shrink) @ Q_T.T + 1.0 / n
                residual = np.linalg.solve(np.eye(len(test)) - hat, Y[test] - fitted[test])
                oof[a, test] = Y[test] - residual
            errors[a] = ((Y - oof[a]) ** 2).sum(axis=0)
        best = np.argmin(errors, axis=0)
        self.alpha_ = alphas[best]
        self.oof_ = oof[best, :, np.arange(Y.shape[1])].T
        # dual coefficients (G + alpha I)^-1 (Y - mean), column by column at its own penalty,
        # then the primal ones on the raw features: prediction needs no standardised copy
        dual = Q @ (QtY / (eigenvalues[:, None] + self.alpha_[None, :]))
        self._coef = [(block.Z.T @ dual) / block.scale[:, None] for block in blocks]
        self._intercept = y_mean - sum(
            block.mean @ coef for block, coef in zip(blocks, self._coef, strict=True)
        )

    def predict(self, blocks: list[np.ndarray]) -> np.ndarray:
        """Predictions of the fit on every row, at the chosen penalties; shape (n, d)."""
        return self._intercept + sum(
            np.asarray(X, dtype=np.float64) @ coef
            for X, coef in zip(blocks, self._coef, strict=True)
        )
