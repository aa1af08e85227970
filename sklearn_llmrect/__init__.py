"""sklearn-llmrect: valid, tight estimates and strong small models from few human labels + an LLM.

Public names are imported lazily, so ``import sklearn_llmrect.inference`` (pure statistics) does
not pay for importing torch and transformers.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    "LLMRegressor": "estimators",
    "LLMClassifier": "estimators",
    "load_backbone": "backbones",
    "RectifiedRegressor": "rectify",
    "RectifiedClassifier": "rectify",
    "MultiFidelityClassifier": "multifidelity",
    "MultiFidelityRegressor": "multifidelity",
    "EEQSelector": "selection",
    "HumanBatchSchedule": "selection",
    "LLMAnnotator": "annotators",
    "OpenAICompatibleAnnotator": "annotators",
    "TextEmbedder": "embeddings",
    "RevisedLabelClassifier": "revision",
    "RevisedLabelRegressor": "revision",
    "ErrorAudit": "revision",
    "TargetedReviser": "revision",
    "DataEfficiencyEstimator": "efficiency",
    "LowConfidenceSelector": "selection",
    "learning_curve_auc": "efficiency",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
