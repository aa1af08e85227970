"""Fine-tune then rectify: meta-estimators turning a few human labels into a valid, tight estimate.

:class:`RectifiedRegressor` estimates the population mean of a numeric label and
:class:`RectifiedClassifier` the share of each class, from ``n`` human labels and ``N`` unlabelled
rows, following Wang, Ye & Zhao (arXiv 2511.19486): part of the labels fine-tune a model, the
other part rectify its predictions on the unlabelled rows with PPI or PPI++, so that the estimate
is unbiased whatever the model and its interval is valid. The split is chosen by the ramp-up pilot
and the scaling law (``allocation="auto"``), given as a fraction or a count, or replaced by
cross-fitting (``method="cross"``), where every label both trains and rectifies. With
``estimand="ols"``, ``"logistic"`` or ``"poisson"`` and ``covariates`` (DataFrame columns) the
same split or cross-fit rectifies the regression of the label on the covariates instead (one
interval per coefficient), and ``estimand="quantile"`` a quantile of the label.

What lives here, one concept per module: ``_common`` (parameter checks, the split of the labels,
the fold ensemble, the unlabelled markers), ``_base`` (the shared ``fit`` and ``score``),
``_regressor`` and ``_classifier``, ``_estimands`` (what is estimated: the mean, a regression
on covariates or a quantile, and the inference call of each), ``_covariates`` (the regression's
design matrix from DataFrame columns), ``_docs`` (shared docstring parts), :mod:`.allocation` (the
fitted scaling law and Theorem 1's split), :mod:`.rampup` (the ramp-up pilot) and
``_power_law_fit``.

Layer: above :mod:`sklearn_llmrect.inference`, :mod:`sklearn_llmrect.caching` and
:mod:`sklearn_llmrect.models`; imports nothing above it. Importing it needs only numpy, scipy and
scikit-learn: the default LLM estimators of :mod:`sklearn_llmrect.models` are imported lazily in
``fit`` when no estimator is given.
"""

from ._classifier import RectifiedClassifier
from ._model_selection import LabeledUnlabeledKFold, rectified_grid_search
from ._regressor import RectifiedRegressor
from ._surrogate import SurrogateClassifier, SurrogateRegressor

# Public home of both classes: their pickles, reprs and API pages name this module.
RectifiedRegressor.__module__ = __name__
RectifiedClassifier.__module__ = __name__

__all__ = [
    "LabeledUnlabeledKFold",
    "RectifiedRegressor",
    "RectifiedClassifier",
    "SurrogateClassifier",
    "SurrogateRegressor",
    "rectified_grid_search",
]
