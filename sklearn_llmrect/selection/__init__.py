"""Query selectors: which unlabelled rows to label next, and by whom.

Every selector has ``query(X, y, estimator=None, batch_size=1, candidates=None,
return_utilities=False) -> indices``: ``y`` marks unlabelled rows with ``NaN`` or ``-1`` (as the
meta-estimators do), the returned indices refer to rows of ``X`` and are never labelled rows.

* :class:`EEQSelector`: IMFL's exploration-exploitation query (uncertainty pre-filter, k-means
  diversity, the most uncertain point per cluster);
* :class:`RandomSelector`, :class:`UncertaintySelector`, :class:`DiversitySelector`: baselines;
* :class:`LowConfidenceSelector`, :func:`confidence`: the bottom quantile of the model's confidence
  in its own answer, then a seeded sample (CoS-Low's selection, Je & Raffel, arXiv:2512.24991);
* :class:`HumanLLMSplit`: which of a round's queries go to humans and which to the LLM;
* :class:`HumanBatchSchedule`: the decaying human batch and the growing LLM batch per round;
* :func:`uncertainty`: least confidence, margin, entropy; ensemble or dropout spread for
  regressors;
* :func:`inclusion_probabilities`, :func:`ipw_class_shares`, :func:`ipw_mean`: draws with known
  probabilities and the inverse-probability-weighted (active inference) estimates, which stay
  valid.

References
----------
Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective Adaptation
of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153.
"""

from ._base import BaseSelector, labeled_mask
from ._baselines import DiversitySelector, RandomSelector, UncertaintySelector
from ._eeq import EEQSelector
from ._low_confidence import LowConfidenceSelector, confidence
from ._probabilistic import inclusion_probabilities, ipw_class_shares, ipw_mean
from ._schedule import HumanBatchSchedule, HumanLLMSplit
from ._uncertainty import uncertainty

__all__ = [
    "BaseSelector",
    "DiversitySelector",
    "EEQSelector",
    "HumanBatchSchedule",
    "HumanLLMSplit",
    "LowConfidenceSelector",
    "RandomSelector",
    "UncertaintySelector",
    "confidence",
    "inclusion_probabilities",
    "ipw_class_shares",
    "ipw_mean",
    "labeled_mask",
    "uncertainty",
]
