"""Data efficiency: how many labels will a task need? (CoS-Low, learning-curve AUC.)

* :func:`learning_curve_auc`: the paper's data-efficiency metric of a measured curve;
* :func:`measure_learning_curve`: fine-tune on nested subsets of growing size and score each;
* :class:`DataEfficiencyEstimator`: CoS-Low, the median pairwise cosine of per-example gradients
  of fresh LoRA adapters on a few labelled low-confidence examples, mapped to a predicted AUC
  and to the labels needed for a target;
* :class:`Calibration`: the per-model-family map from CoS-Low to the AUC;
* :func:`random_cosine`, :func:`gradient_norm`, :func:`average_confidence`: the paper's
  baselines;
* :func:`ramp_sizes_from_labels_needed`: seed the fine-tune-then-rectify ramp-up with the
  estimate.

References
----------
G. H. Je & C. Raffel (2025). Efficiently Estimating Data Efficiency for Language Model
Fine-tuning. arXiv:2512.24991. Code: github.com/r-three/dataefficiency.
"""

from ._auc import labels_needed_from_auc, learning_curve_auc, log_budget_axis
from ._baselines import average_confidence, gradient_norm, random_cosine
from ._calibration import Calibration, available_calibrations, get_calibration
from ._curve import LearningCurve, measure_learning_curve
from ._estimator import DataEfficiencyEstimator, model_family
from ._rampup import ramp_sizes_from_labels_needed
from ._similarity import median_pairwise_cosine, pairwise_cosines

__all__ = [
    "Calibration",
    "DataEfficiencyEstimator",
    "LearningCurve",
    "available_calibrations",
    "average_confidence",
    "get_calibration",
    "gradient_norm",
    "labels_needed_from_auc",
    "learning_curve_auc",
    "log_budget_axis",
    "median_pairwise_cosine",
    "pairwise_cosines",
    "measure_learning_curve",
    "model_family",
    "ramp_sizes_from_labels_needed",
    "random_cosine",
]
