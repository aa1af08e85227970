"""sklearn-llmrect: valid, tight estimates and strong small models from few human labels + an LLM.

Public names are imported lazily, so ``import sklearn_llmrect.inference`` (pure statistics) does
not pay for importing torch and transformers. The layers, bottom up: ``inference`` and
``caching`` (no torch); ``models``; ``rectify``, ``selection``, ``annotators``; ``multifidelity``,
``efficiency``, ``revision``; ``reporting``; ``cli`` (see the architecture page of the docs).
"""

from importlib import import_module

from . import _legacy

__version__ = "0.2.0"

_PUBLIC = {
    "LLMRegressor": "models",
    "LLMClassifier": "models",
    "load_backbone": "models",
    "RectifiedRegressor": "rectify",
    "RectifiedClassifier": "rectify",
    "MultiFidelityClassifier": "multifidelity",
    "MultiFidelityRegressor": "multifidelity",
    "EEQSelector": "selection",
    "HumanBatchSchedule": "selection",
    "LLMAnnotator": "annotators",
    "OpenAICompatibleAnnotator": "annotators",
    "TextEmbedder": "models",
    "RevisedLabelClassifier": "revision",
    "RevisedLabelRegressor": "revision",
    "ErrorAudit": "revision",
    "TargetedReviser": "revision",
    "DataEfficiencyEstimator": "efficiency",
    "LowConfidenceSelector": "selection",
    "learning_curve_auc": "efficiency",
}

__all__ = sorted(_PUBLIC)

_legacy.install()


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    if name in _legacy.MOVED:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
