"""Statistics core: classical, PPI, PPI++ and cross-PPI estimates with valid intervals.

Importing this subpackage needs only numpy, scipy and scikit-learn (no torch).

Functions
---------
classical_mean, ppi_mean, crossfit_ppi_mean
    Mean of a label from human labels only, or rectified model predictions.
classical_class_shares, ppi_class_shares, crossfit_ppi_class_shares
    Share of each class, one interval per class.
classical_ols, ppi_ols, crossfit_ppi_ols
    Least-squares coefficients (sandwich standard errors), rectified with model predictions.
classical_logistic, ppi_logistic, crossfit_ppi_logistic
    Logistic-regression coefficients of a binary label.
classical_poisson, ppi_poisson, crossfit_ppi_poisson
    Poisson-regression (log link) coefficients of a count.
classical_quantile, ppi_quantile, crossfit_ppi_quantile
    A quantile of the label, by inverting a test of the (rectified) CDF.
crossfit_predict
    Out-of-fold and per-fold predictions of a scikit-learn estimator for cross-PPI.
effective_sample_size, required_labels
    Planning: what PPI++ with a given correlation is worth in labels, and how many it needs.

References
----------
A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan, T. Zrnic, "Prediction-powered
inference", Science 382(6671), 2023. A. N. Angelopoulos, J. C. Duchi, T. Zrnic, "PPI++: Efficient
prediction-powered inference", arXiv:2311.01453, 2023. T. Zrnic, E. J. Candes,
"Cross-prediction-powered inference", PNAS 121(15), 2024.
"""

from ._classical_regression import classical_logistic, classical_ols, classical_poisson
from ._crossfit import (
    CrossFitPredictions,
    crossfit_ppi_class_shares,
    crossfit_ppi_mean,
    crossfit_predict,
)
from ._crossfit_regression import crossfit_ppi_logistic, crossfit_ppi_ols, crossfit_ppi_poisson
from ._power import effective_sample_size, required_labels
from ._ppi import classical_mean, ppi_mean
from ._quantile import classical_quantile, crossfit_ppi_quantile, ppi_quantile
from ._regression import ppi_logistic, ppi_ols, ppi_poisson
from ._regression_result import RegressionResult
from ._result import ClassSharesResult, InferenceResult
from ._shares import classical_class_shares, ppi_class_shares

__all__ = [
    "ClassSharesResult",
    "CrossFitPredictions",
    "InferenceResult",
    "RegressionResult",
    "classical_class_shares",
    "classical_logistic",
    "classical_mean",
    "classical_ols",
    "classical_poisson",
    "classical_quantile",
    "crossfit_ppi_class_shares",
    "crossfit_ppi_logistic",
    "crossfit_ppi_mean",
    "crossfit_ppi_ols",
    "crossfit_ppi_poisson",
    "crossfit_ppi_quantile",
    "crossfit_predict",
    "effective_sample_size",
    "ppi_class_shares",
    "ppi_logistic",
    "ppi_mean",
    "ppi_ols",
    "ppi_poisson",
    "ppi_quantile",
    "required_labels",
]
