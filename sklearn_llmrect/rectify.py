"""Fine-tune then rectify: meta-estimators turning a few human labels into a valid, tight estimate.

:class:`RectifiedRegressor` estimates the population mean of a numeric label and
:class:`RectifiedClassifier` the share of each class, from ``n`` human labels and ``N`` unlabelled
rows, following Wang, Ye & Zhao (arXiv 2511.19486): part of the labels fine-tune a model, the
other part rectify its predictions on the unlabelled rows with PPI or PPI++, so that the estimate
is unbiased whatever the model and its interval is valid. The split is chosen by the ramp-up pilot
and the scaling law (``allocation="auto"``), given as a fraction or a count, or replaced by
cross-fitting (``method="cross"``), where every label both trains and rectifies.

The code lives in small private modules, one concept each: ``_rectify_common`` (parameter checks,
the split of the labels, the fold ensemble, the unlabelled markers), ``_rectify_base`` (the
shared ``fit`` and ``score``), ``_rectify_regressor`` and ``_rectify_classifier``. This module
needs only numpy, scipy and scikit-learn: the default LLM estimators are imported lazily in
``fit`` when no estimator is given.
"""

from ._rectify_classifier import RectifiedClassifier
from ._rectify_regressor import RectifiedRegressor

# Public home of both classes: their pickles, reprs and API pages name this module.
RectifiedRegressor.__module__ = __name__
RectifiedClassifier.__module__ = __name__

__all__ = ["RectifiedRegressor", "RectifiedClassifier"]
