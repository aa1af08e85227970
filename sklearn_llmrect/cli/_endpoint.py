"""``llmrect estimate --endpoint URL --api-model NAME``: an OpenAI-compatible chat-completions
endpoint labels every row zero-shot, and those labels are the predictions PPI++ rectifies against
the human labels (no local model, no fine-tuning).

The endpoint sees no human label (the prompts have no few-shot examples), so its labels are a
fixed function of the text and every human label can rectify them. The API key is read from the
environment variable ``--api-key-env`` names at request time; it is never stored, printed or
written to a report. This module checks the options (no scikit-learn import, so a wrong option
fails at once); :mod:`._endpoint_model` holds the model.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._data import CLIError

__all__ = ["check_endpoint_options", "endpoint_scale"]

_MAX_SCALE = 21  # points of an integer rating scale the endpoint answers with one number


def check_endpoint_options(args) -> dict | None:
    """The endpoint settings of ``args``, checked before any data is read (None without one)."""
    endpoint, api_model = getattr(args, "endpoint", None), getattr(args, "api_model", None)
    if endpoint is None:
        if api_model is not None:
            raise CLIError("--api-model names the model of an --endpoint; give --endpoint URL.")
        return None
    if not endpoint.startswith(("http://", "https://")):
        raise CLIError(
            f"--endpoint {endpoint!r}: expected an http(s) URL such as "
            "https://api.openai.com/v1 or http://127.0.0.1:8000/v1."
        )
    if not api_model:
        raise CLIError("--endpoint needs --api-model NAME (the model the endpoint serves).")
    base_url = endpoint.rstrip("/")
    for suffix in ("/chat/completions", "/completions"):
        if base_url.endswith(suffix):
            base_url = base_url[: -len(suffix)]
    key_env = args.api_key_env or None
    if key_env is not None and not os.environ.get(key_env):
        raise CLIError(
            f"--api-key-env: the environment variable {key_env} is not set; export it with the "
            "endpoint's API key, or give --api-key-env '' for a server that needs none."
        )
    changed = [
        flag
        for flag, value, default in (
            ("--allocation", args.allocation, "auto"),
            ("--method", args.method, "ppi++"),
        )
        if value != default
    ]
    if changed:
        raise CLIError(
            f"{changed[0]} does not apply with --endpoint: the endpoint's zero-shot labels are "
            "rectified with PPI++ against every human label (nothing is fine-tuned)."
        )
    return {"base_url": base_url, "api_model": api_model, "api_key_env": key_env}


def endpoint_scale(labels) -> list[int]:
    """The integer scale a regression label is asked for on, e.g. ``[1, 2, 3, 4, 5]``."""
    low, high = math.floor(float(np.min(labels))), math.ceil(float(np.max(labels)))
    if high - low + 1 > _MAX_SCALE:
        raise CLIError(
            f"--endpoint asks for each label as one whole number, but the labels run from "
            f"{low} to {high} ({high - low + 1} values; at most {_MAX_SCALE}); rescale the "
            "column, or use a local --model for such labels."
        )
    return list(range(low, high + 1))
