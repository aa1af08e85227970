"""The linear map from CoS-Low to the learning-curve AUC, fitted per model family.

``AUC' = c * CoS-Low + I`` (ordinary least squares over tasks whose curves were measured, as in
Je & Raffel's code, checked leave-one-task-out). The coefficients depend on the model family, the
head and the budgets of the curves (the AUC's log axis ends at the largest budget), so a
calibration records all three. Built in: the paper's three 7-14B models (budgets up to 5,000)
and the ones this package measured with ``benchmarks/bench_efficiency.py``. Calibrations a user
fits are saved under the package's cache folder, one JSON file per family, and found again by
``calibration="auto"``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["Calibration", "get_calibration", "available_calibrations", "calibration_folder"]


@dataclass(frozen=True)
class Calibration:
    """``predicted AUC = slope * CoS-Low + intercept`` for one model family.

    Parameters
    ----------
    slope, intercept : float
        ``c`` and ``I``.
    family : str
        Which model (and head) the coefficients belong to, e.g.
        ``"smollm2-135m-instruct/verbalizer"``.
    max_budget : float, default=5000
        Largest budget of the learning curves it was fitted on (the end of the AUC's log axis);
        :meth:`DataEfficiencyEstimator.labels_needed` reads budgets on this axis.
    n_tasks : int or None
        Number of tasks fitted on (None when unknown).
    loo_mae : float or None
        Leave-one-task-out mean absolute error of the predicted AUC.
    source : str
        Where the coefficients come from.

    Examples
    --------
    >>> from sklearn_llmrect.efficiency import Calibration
    >>> cal = Calibration.fit([0.1, 0.3, 0.5, 0.7], [0.35, 0.45, 0.55, 0.65], family="demo")
    >>> round(cal.slope, 3), round(cal.intercept, 3), round(cal.predict(0.4), 3)
    (0.5, 0.3, 0.5)
    """

    slope: float
    intercept: float
    family: str
    max_budget: float = 5000.0
    n_tasks: int | None = None
    loo_mae: float | None = None
    source: str = ""

    @classmethod
    def fit(
        cls, cos_values, aucs, *, family: str = "custom", max_budget: float = 5000.0, source=""
    ) -> Calibration:
        """Least-squares fit of ``aucs ~ cos_values`` over tasks (at least 3)."""
        cos_values = np.asarray(cos_values, dtype=float)
        aucs = np.asarray(aucs, dtype=float)
        if cos_values.ndim != 1 or cos_values.shape != aucs.shape:
            raise ValueError(
                "cos_values and aucs must be 1-D and of the same length; got shapes "
                f"{cos_values.shape} and {aucs.shape}."
            )
        if cos_values.size < 3:
            raise ValueError(
                f"calibrating needs at least 3 tasks (cos_values, aucs); got {cos_values.size}."
            )
        if not (np.all(np.isfinite(cos_values)) and np.all(np.isfinite(aucs))):
            raise ValueError("cos_values and aucs must be finite (drop tasks with a NaN AUC).")
        if np.ptp(cos_values) == 0:
            raise ValueError("cos_values are all equal; a slope cannot be fitted.")
        slope, intercept = np.polyfit(cos_values, aucs, 1)
        return cls(
            slope=float(slope),
            intercept=float(intercept),
            family=str(family),
            max_budget=float(max_budget),
            n_tasks=int(cos_values.size),
            loo_mae=float(np.mean(np.abs(leave_one_out_predictions(cos_values, aucs) - aucs))),
            source=source or f"fitted on {cos_values.size} tasks",
        )

    def predict(self, cos_low) -> np.ndarray | float:
        """The predicted AUC, clipped to [0, 1]."""
        value = np.clip(self.slope * np.asarray(cos_low, dtype=float) + self.intercept, 0.0, 1.0)
        return float(value) if value.ndim == 0 else value

    def describe(self) -> str:
        extra = f", {self.n_tasks} tasks" if self.n_tasks else ""
        if self.loo_mae is not None:
            extra += f", leave-one-task-out MAE {self.loo_mae:.3f}"
        return (
            f"'{self.family}' (AUC = {self.slope:.3f} * CoS-Low + {self.intercept:.3f}; budgets up "
            f"to {self.max_budget:,.0f}{extra}; {self.source})"
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path=None) -> Path:
        """Write to ``path`` (default: the user calibration folder, one file per family)."""
        path = Path(path) if path is not None else calibration_folder() / _file_name(self.family)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path

    @classmethod
    def load(cls, path) -> Calibration:
        """Read a calibration written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text())
            return cls(**data)
        except (OSError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a calibration file: {exc}") from None


def leave_one_out_predictions(cos_values, aucs) -> np.ndarray:
    """Each task's AUC predicted by the line fitted on the other tasks."""
    cos_values = np.asarray(cos_values, dtype=float)
    aucs = np.asarray(aucs, dtype=float)
    out = np.empty_like(aucs)
    for i in range(len(aucs)):
        keep = np.arange(len(aucs)) != i
        slope, intercept = np.polyfit(cos_values[keep], aucs[keep], 1)
        out[i] = slope * cos_values[i] + intercept
    return out


def calibration_folder() -> Path:
    """Where user calibrations live: ``$LLMRECT_CALIBRATIONS`` or the package cache folder."""
    if os.environ.get("LLMRECT_CALIBRATIONS"):
        return Path(os.environ["LLMRECT_CALIBRATIONS"])
    from ..models.backbones import cache_dir

    return cache_dir() / "calibrations"


def _file_name(family: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", family) + ".json"


_PAPER = "Je & Raffel (2025), README coefficients (30 tasks, full fine-tuning)"
_BUILT_IN = {
    "llama-3.1-8b-instruct": Calibration(
        0.545, 0.310, "llama-3.1-8b-instruct", 5000, 30, None, _PAPER
    ),
    "mistral-7b-instruct-v0.3": Calibration(
        0.797, 0.357, "mistral-7b-instruct-v0.3", 5000, 30, None, _PAPER
    ),
    "qwen-2.5-14b-instruct": Calibration(
        0.526, 0.305, "qwen-2.5-14b-instruct", 5000, 30, None, _PAPER
    ),
}


def available_calibrations() -> dict[str, Calibration]:
    """Built-in calibrations and the user's saved ones (these win), by family.

    Examples
    --------
    >>> from sklearn_llmrect.efficiency import available_calibrations
    >>> round(available_calibrations()["llama-3.1-8b-instruct"].slope, 3)
    0.545
    """
    found = dict(_BUILT_IN)
    folder = calibration_folder()
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                calibration = Calibration.load(path)
            except ValueError:
                continue
            found[calibration.family] = calibration
    return found


def get_calibration(family: str) -> Calibration | None:
    """The calibration stored for ``family`` (None if there is none)."""
    return available_calibrations().get(family)
