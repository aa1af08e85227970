"""The model side: scikit-learn estimators around a real LLM or encoder (torch + transformers).

What lives here, one concept per module: :mod:`.estimators` (:class:`LLMRegressor`,
:class:`LLMClassifier`), ``_base`` (their shared fit/predict), ``_network`` (the torch module: the
backbone, LoRA adapters and a head), ``_training`` (the training loop), :mod:`.losses` (the
residual-variance loss), ``_persistence`` (save/load without pickle), :mod:`.backbones` (model
spec -> model and tokenizer, offline) and :mod:`.embeddings` (:class:`TextEmbedder`).

Layer: above :mod:`sklearn_llmrect.inference` and :mod:`sklearn_llmrect.caching`; imports
``sklearn_llmrect._validation`` and nothing above it. Names are imported lazily, so importing this
package does not yet import torch.
"""

from importlib import import_module

_PUBLIC = {
    "LLMRegressor": "estimators",
    "LLMClassifier": "estimators",
    "TextEmbedder": "embeddings",
    "load_backbone": "backbones",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
