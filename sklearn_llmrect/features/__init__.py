"""Frozen features of texts, computed once and cached: the inputs of cheap surrogate heads.

What lives here: :class:`FrozenFeatures` (a scikit-learn transformer: mean-pooled hidden states
of chosen layers of an encoder or LLM), ``_forward`` (the forward pass, stopped after the deepest
layer needed) and ``_store`` (vectors per text, in process memory and in shards on disk).

Layer: beside :mod:`sklearn_llmrect.models` (uses its backbones); imports
:mod:`sklearn_llmrect.caching` and nothing above. Importing it does not import torch; computing
features does.
"""

from ._frozen import FrozenFeatures

__all__ = ["FrozenFeatures"]
