"""Seed the ramp-up pilot of fine-tune-then-rectify with a labels-needed estimate."""

from __future__ import annotations

import numbers

import numpy as np

from ..rectify.rampup import default_ramp_sizes

__all__ = ["ramp_sizes_from_labels_needed"]


def ramp_sizes_from_labels_needed(
    n_needed, n_available: int, *, n_stages: int = 4, growth: float = 2.0
) -> list[int]:
    """Ramp-up stage sizes centred on a predicted number of labels.

    :func:`~sklearn_llmrect.rectify.rampup.ramp_up` fine-tunes on nested sets of growing size and
    stops once the scaling law says more fine-tuning does not pay. Its default stages
    (:func:`~sklearn_llmrect.rectify.rampup.default_ramp_sizes`: 16, 32, 64, ...) know nothing
    about the task; with a CoS-Low estimate ``n_needed`` (for example
    ``DataEfficiencyEstimator.labels_needed(0.9)``) the stages are placed around it instead:
    ``n_needed / growth ** (n_stages - 2), ..., n_needed, n_needed * growth``, keeping the sizes
    below ``n_available``. When fewer than three such sizes fit, the default sizes are returned.

    Parameters
    ----------
    n_needed : float
        Predicted labels needed (>= 1; ``inf`` means "more than there are").
    n_available : int
        Labels available for fine-tuning (after the ramp-up's validation set).
    n_stages : int, default=4
        Stages to plan (at least 3: the scaling law needs three points).
    growth : float, default=2.0
        Ratio between consecutive stages.

    Returns
    -------
    list of int
        Strictly increasing sizes in [1, n_available); pass as
        ``ramp_up(..., sizes=sizes)``, or give the largest size that the ramp-up keeps to
        ``RectifiedRegressor(allocation=...)`` as a count.

    Examples
    --------
    >>> from sklearn_llmrect.efficiency import ramp_sizes_from_labels_needed
    >>> ramp_sizes_from_labels_needed(100, 1000)
    [25, 50, 100, 200]
    >>> ramp_sizes_from_labels_needed(5000, 300)  # more than available: the default stages
    [16, 32, 64, 128, 256]
    """
    if isinstance(n_needed, bool) or not isinstance(n_needed, numbers.Real) or not n_needed >= 1:
        raise ValueError(f"n_needed must be a number >= 1 (or inf); got {n_needed!r}.")
    if isinstance(n_stages, bool) or not isinstance(n_stages, numbers.Integral) or n_stages < 3:
        raise ValueError(f"n_stages must be an integer >= 3; got {n_stages!r}.")
    if isinstance(growth, bool) or not isinstance(growth, numbers.Real) or not growth > 1:
        raise ValueError(f"growth must be a number > 1; got {growth!r}.")
    if isinstance(n_available, bool) or not isinstance(n_available, numbers.Integral):
        raise ValueError(f"n_available must be an integer; got {n_available!r}.")
    if np.isfinite(n_needed):
        sizes = [
            int(round(n_needed * growth ** (k - (n_stages - 2)))) for k in range(int(n_stages))
        ]
        sizes = sorted({s for s in sizes if 1 <= s < n_available})
        if len(sizes) >= 3:
            return sizes
    return default_ramp_sizes(int(n_available))
