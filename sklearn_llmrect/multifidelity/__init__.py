"""Interactive multi-fidelity learning (IMFL) as meta-estimators: MultiFidelityClassifier and
MultiFidelityRegressor.

Each round asks a selector for the rows to label, sends the hardest to humans and the rest to an
LLM annotator prompted with the nearest human-labelled examples, and retrains the student on
every label so far (per-source weights). A human batch that decays over the rounds fills the
LLM's retrieval pool early. Optionally the loop keeps labels that *can* rectify the student:
a uniform random human sample reserved before the loop, or a final human sample drawn with known
inclusion probabilities (inverse-probability weighting).

References
----------
Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective Adaptation
of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153.
Zrnic & Candes (2024). Active Statistical Inference. ICML. arXiv:2403.03208.
"""

from ._classifier import MultiFidelityClassifier
from ._regressor import MultiFidelityRegressor

__all__ = ["MultiFidelityClassifier", "MultiFidelityRegressor"]
