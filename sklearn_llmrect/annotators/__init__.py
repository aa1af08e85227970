"""Annotators: one interface, ``annotate(X, indices=None) -> labels``, for every label source.

* :class:`LLMAnnotator`: a local instruct LLM (default the embedded SmolLM2-135M-Instruct) with
  few-shot prompts whose examples are the ``k`` human-labelled items nearest to each text;
* :class:`OpenAICompatibleAnnotator`: the same prompts sent to a chat-completions endpoint;
* :class:`CallableAnnotator`: a user function (for example a labelling interface);
* :class:`OracleAnnotator`: reveals known labels (simulation and benchmarks);
* :class:`SimulatedAnnotator`: known labels flipped to a random other class with a given
  probability (sweeps over annotator accuracy).

Annotators that learn from human labels (the few-shot ones) take them in ``fit(X, y)``; the
others accept ``fit`` and ignore it. ``indices`` are the rows' positions in the pool, which the
oracle and simulated annotators need and the others ignore.

References
----------
Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective Adaptation
of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153 (LLM annotations with
retrieved human-labelled demonstrations).
"""

from ._base import BaseAnnotator, CallableAnnotator, OracleAnnotator, SimulatedAnnotator
from ._fewshot import parse_label
from ._llm import LLMAnnotator
from ._openai import OpenAICompatibleAnnotator

__all__ = [
    "BaseAnnotator",
    "CallableAnnotator",
    "LLMAnnotator",
    "OpenAICompatibleAnnotator",
    "OracleAnnotator",
    "SimulatedAnnotator",
    "parse_label",
]
