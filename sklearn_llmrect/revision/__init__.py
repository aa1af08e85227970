"""Targeted revision (ARF): audit a teacher's labels, revise the error-prone ones, train a student.

* :class:`ErrorAudit` (*Analyze*): error categories of a teacher on a human-audited sample,
  each with an error rate, a binomial interval and an estimated count in the whole set;
* :class:`TargetedReviser` (*Revise*): only rows in error-prone categories go to an editor,
  with a category-specific instruction; a verification pass keeps only fixes; every decision
  is recorded;
* :class:`RevisedLabelClassifier`, :class:`RevisedLabelRegressor` (*Finetune*): the whole
  pipeline as scikit-learn meta-estimators around a student;
* :func:`binomial_interval`: Wilson and Clopper-Pearson intervals for error rates.

References
----------
Lee, Guo, Jin & Moazami Goudarzi (2025). Targeted Error Correction in Knowledge Distillation:
Small Language Models Surpass GPT (v2: Error-Aware Knowledge Distillation via Targeted
Revision for Customer-Service Summarization). arXiv:2511.03005.
"""

from ._audit import ErrorAudit
from ._categories import ErrorCategory
from ._estimators import RevisedLabelClassifier, RevisedLabelRegressor
from ._intervals import binomial_interval
from ._reviser import TargetedReviser, annotate_with_instruction

__all__ = [
    "ErrorAudit",
    "ErrorCategory",
    "RevisedLabelClassifier",
    "RevisedLabelRegressor",
    "TargetedReviser",
    "annotate_with_instruction",
    "binomial_interval",
]
