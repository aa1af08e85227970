"""Checks of ``llmrect estimate`` and ``llmrect demo`` that need no model, run before any model
loads, with messages that name the command's flags; and the shell-side reading of ``--prompt``.

* :func:`check_model_option`: ``--model`` names an embedded model, a folder or a .gguf file
  (hub names only with ``--allow-download``), in well under a second and without torch;
* :func:`check_design`: enough labels for ``--allocation``, ``--method`` and ``--folds``;
* :func:`unescape`: ``\\n``, ``\\t`` and ``\\\\`` in ``--prompt`` as a shell user means them;
* :func:`cli_words`: a library message with its Python parameters written as the flags.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ._data import CLIError

__all__ = ["check_design", "check_model_option", "cli_words", "unescape"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
# Python parameter (as a library message writes it) -> the flag of the command
_FLAGS = {
    "allocation": "--allocation",
    "method": "--method",
    "n_folds": "--folds",
    "budget": "--budget",
    "confidence_level": "--confidence",
    "max_epochs": "--epochs",
}


def unescape(text: str | None) -> str | None:
    """``--prompt`` with ``\\n`` (new line), ``\\t`` (tab) and ``\\\\`` (a backslash) read as a
    shell user means them; any other backslash stays as it is.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    str or None

    Examples
    --------
    >>> from sklearn_llmrect.cli._checks import unescape
    >>> unescape(r"Review: {text}\\nRating:")
    'Review: {text}\\nRating:'
    >>> print(unescape(r"a\\nb, C:\\\\dir, \\d stays"))
    a
    b, C:\\dir, \\d stays
    """
    if text is None:
        return None
    return re.sub(r"\\([ntr\\])", lambda match: _ESCAPES[match.group(1)], text)


def cli_words(message: str) -> str:
    """A library message with ``allocation='auto'``, ``method='cross'``, ``n_folds=5``... written
    as the flags ``--allocation auto``, ``--method cross``, ``--folds 5``.

    Examples
    --------
    >>> from sklearn_llmrect.cli._checks import cli_words
    >>> cli_words("allocation='auto' needs 24 labels; pass method='cross' or n_folds=3")
    '--allocation auto needs 24 labels; pass --method cross or --folds 3'
    """

    def flag(match: re.Match) -> str:
        value = match.group(2).strip("'\"")
        return f"{_FLAGS[match.group(1)]} {value}"

    names = "|".join(_FLAGS)
    return re.sub(rf"\b({names})=('[^']*'|\"[^\"]*\"|[\w.+-]+)", flag, message)


def check_model_option(model: str, allow_download: bool) -> None:
    """Fail at once, without importing torch, when ``--model`` names nothing that can load.

    Parameters
    ----------
    model : str
        The ``--model`` value.
    allow_download : bool
        ``--allow-download`` (or ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1``).
    """
    from ..models._specs import check_model_spec

    try:
        check_model_spec(
            model,
            allow_download=True if allow_download else None,
            opt_in="--allow-download (or the environment variable "
            "SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1)",
        )
    except ValueError as error:
        raise CLIError(f"--model: {error}") from None


def _count(n: int) -> str:
    return f"{n:,} labelled row{'s' if n != 1 else ''}"


def check_design(settings, y, labeled) -> None:
    """Enough labels (and classes) for what ``--allocation``, ``--method`` and ``--folds`` ask.

    Parameters
    ----------
    settings : EstimateSettings
    y : ndarray
        Labels of every row (unlabelled rows NaN or None).
    labeled : ndarray of bool

    Raises
    ------
    CLIError
        Naming the flags, before any model is loaded.
    """
    from ..rectify._common import MIN_LEARNING_CURVE_LABELS, MIN_RAMP_UP_LABELS

    n = int(np.sum(labeled))
    where = "--label" + (" (after --budget)" if getattr(settings, "budget", None) else "")
    if n < 2:
        raise CLIError(
            f"{where} has {_count(n)}; an interval needs at least 2 (label a few hundred rows "
            "for a useful one)."
        )
    if getattr(settings, "endpoint", None):
        if settings.task == "regression":
            from ._endpoint import endpoint_scale

            endpoint_scale(np.asarray(y, dtype=float)[labeled])  # a scale it can answer on
        return
    allocation, method, folds = settings.allocation, settings.method, settings.n_folds
    if settings.task == "classification":
        counts = Counter(y[labeled].tolist())
        rare = sorted(c for c, k in counts.items() if k < 2)
        if rare:
            raise CLIError(
                f"{where}: class {rare[0]!r} has a single label; fine-tuning and rectifying "
                "both need every class more than once (merge it into another class, label more "
                "rows of it, or empty that cell)."
            )
    if method == "cross" or allocation == "cross":
        if folds < 2:
            raise CLIError(f"--method cross needs --folds 2 or more; got --folds {folds}.")
        if folds > n:
            raise CLIError(
                f"--method cross --folds {folds} needs at least {folds} labelled rows; {where} "
                f"has {_count(n)}. Use fewer --folds."
            )
        return
    ramp_up = allocation == "ramp-up" or (
        allocation == "auto" and getattr(settings, "estimator", "default") == "fine-tune"
    )
    if allocation == "auto" and not ramp_up:
        if n < MIN_LEARNING_CURVE_LABELS:
            raise CLIError(
                f"--allocation auto fits a learning curve on part of the labels, which needs "
                f"at least {MIN_LEARNING_CURVE_LABELS} labelled rows; {where} has {_count(n)}. "
                "Use --allocation cross with fewer --folds, or label more rows."
            )
        return
    if ramp_up:
        if n < MIN_RAMP_UP_LABELS:
            raise CLIError(
                f"--allocation {allocation} runs a ramp-up pilot that needs at least "
                f"{MIN_RAMP_UP_LABELS} labelled rows; {where} has {_count(n)}. Give "
                "--allocation a fraction (e.g. 0.5) or a count of labels, or use --method cross."
            )
        return
    if allocation in (0, 0.0):
        raise CLIError(
            "--allocation 0 means no fine-tuning: that estimate is the 'PPI++ with the "
            "zero-shot model' row already; give a fraction (e.g. 0.3) or a count of labels to "
            "fine-tune on, or --allocation auto."
        )
    n_finetune = (
        int(allocation)
        if isinstance(allocation, int)
        else max(1, int(round(float(allocation) * n)))
    )
    if n - n_finetune < 2:
        raise CLIError(
            f"--allocation {allocation} fine-tunes on {n_finetune:,} of the {_count(n)} of "
            f"{where} and leaves {max(n - n_finetune, 0):,} to rectify; at least 2 are needed, "
            f"so give at most {n - 2:,} (or a smaller fraction)."
        )
