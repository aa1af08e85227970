"""A safe folder format for fitted estimators: ``estimator.json`` + ``adapter.safetensors``.

Loading runs no code (unlike pickle): the JSON holds the constructor parameters and the small
fitted attributes, safetensors holds the trained tensors (LoRA matrices and head), and the base
model is reloaded from the ``model`` spec.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
_ARRAY_ATTRIBUTES = ("classes_", "feature_names_in_", "verbalizer_values_")
_SCALAR_ATTRIBUTES = (
    "n_features_in_",
    "history_",
    "head_",
    "use_chat_",
    "verbalizer_tokens_",
    "verbalizer_ids_",
    "lora_config_",
    "lora_applied_",
    "y_mean_",
    "y_scale_",
    "offset_",
)


def _json_param(name, value):
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    try:
        json.dumps(value)
    except TypeError:
        raise ValueError(
            f"parameter {name}={value!r} cannot be written to JSON; use save() with plain "
            "values (e.g. an int random_state) or use pickle/joblib instead."
        ) from None
    return value


def _encode_array(array: np.ndarray) -> dict:
    return {
        "dtype": array.dtype.str if array.dtype != object else "object",
        "values": array.tolist(),
    }


def _decode_array(encoded: dict) -> np.ndarray:
    return np.asarray(encoded["values"], dtype=encoded["dtype"])


def save_estimator(estimator, path) -> None:
    from safetensors.torch import save_file

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    estimator._ensure_network()
    params = {
        name: _json_param(name, value) for name, value in estimator.get_params(deep=False).items()
    }
    verbalizer = params.get("verbalizer")
    if isinstance(verbalizer, dict):  # JSON keys must be strings: keep the pairs instead
        params["verbalizer"] = {"__pairs__": [[k, v] for k, v in verbalizer.items()]}
    fitted = {
        name: getattr(estimator, name) for name in _SCALAR_ATTRIBUTES if hasattr(estimator, name)
    }
    arrays = {
        name: _encode_array(np.asarray(getattr(estimator, name)))
        for name in _ARRAY_ATTRIBUTES
        if getattr(estimator, name, None) is not None
    }
    document = {
        "format_version": FORMAT_VERSION,
        "class": type(estimator).__name__,
        "params": params,
        "fitted": fitted,
        "arrays": arrays,
    }
    (folder / "estimator.json").write_text(json.dumps(document, indent=2))
    tensors = {name: t.contiguous() for name, t in estimator._network.trainable_state().items()}
    save_file(tensors, str(folder / "adapter.safetensors"))


def load_estimator(path, classes):
    """Rebuild the estimator in ``path``; ``classes``: name -> class of those it may hold."""
    from safetensors.torch import load_file

    folder = Path(path)
    document_path = folder / "estimator.json"
    if not document_path.exists():
        raise ValueError(
            f"path={os.fspath(path)!r} holds no estimator.json; was it written by save()?"
        )
    document = json.loads(document_path.read_text())
    if document.get("class") not in classes:
        raise ValueError(f"{document_path} describes an unknown class {document.get('class')!r}.")
    params = document["params"]
    verbalizer = params.get("verbalizer")
    if isinstance(verbalizer, dict) and "__pairs__" in verbalizer:
        params["verbalizer"] = {k: v for k, v in verbalizer["__pairs__"]}
    estimator = classes[document["class"]](**params)
    for name, value in document["fitted"].items():
        setattr(estimator, name, value)
    for name, encoded in document["arrays"].items():
        setattr(estimator, name, _decode_array(encoded))
    estimator._trainable_state = load_file(str(folder / "adapter.safetensors"))
    estimator._network = None
    estimator._ensure_network()
    return estimator
