"""The pipeline behind ``llmrect estimate`` and ``llmrect demo``: the classical estimate, the
frozen-embedding baseline a user would write, PPI++ with the zero-shot model, and the package's
estimate (the default surrogate, or ``--estimator fine-tune``: fine-tune then rectify); every fit
and prediction cached on disk."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from ..caching import CachedEstimator, FitCache
from ._baseline import baseline_name, frozen_embedding_baseline
from ._data import CLIError


@dataclass
class EstimateSettings:
    """What ``llmrect estimate`` was asked to do (the parsed options)."""

    task: str
    estimator: str = "default"  # or "fine-tune"
    model: str = "smollm2-135m-instruct"
    prompt: str | None = None
    allocation: object = "auto"
    method: str = "ppi++"
    confidence: float = 0.95
    seed: int = 0
    epochs: int = 3
    zero_shot: bool = True
    batch_size: int = 16
    max_length: int = 256
    device: str = "auto"
    dtype: str = "auto"
    n_folds: int = 5
    threads: object = "auto"
    budget: int | None = None
    allow_download: bool = False
    endpoint: dict | None = None  # base_url, api_model, api_key_env (never the key itself)
    population: str = "superpopulation"  # or "pool": the mean of the rows given


def say(message: str) -> None:
    """A progress line on stderr (the results go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def _llm(settings: EstimateSettings, max_epochs: int):
    from ..models.estimators import LLMClassifier, LLMRegressor

    cls = LLMClassifier if settings.task == "classification" else LLMRegressor
    return cls(
        model=settings.model,
        prompt=settings.prompt,
        max_epochs=max_epochs,
        batch_size=settings.batch_size,
        max_length=settings.max_length,
        device=settings.device,
        dtype=settings.dtype,
        random_state=settings.seed,
        verbose=1,
    )


def _rectifier(settings: EstimateSettings):
    from ..rectify import RectifiedClassifier, RectifiedRegressor

    return RectifiedClassifier if settings.task == "classification" else RectifiedRegressor


def choose_threads(threads, default: int) -> tuple[int, str]:
    """torch threads for ``--threads``: a number, or ``"auto"``: ``default`` (one per core) on
    an idle machine, fewer when the load average says other jobs keep the cores busy.

    On a shared machine, threads of one process that wait on each other while another process
    holds their core are several times slower than a single thread (measured here: 31 s against
    9 s per SmolLM2 training step at a load average of 6 on 2 cores).
    """
    if threads != "auto":
        return int(threads), ""
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows: no load average
        return default, ""
    cores = os.cpu_count() or default
    free = int(cores - busy + 0.5)
    if free >= default:
        return default, ""
    chosen = max(1, free)
    return chosen, (
        f"threads: {chosen} (the machine is busy: load average {busy:.1f} on {cores} cores; "
        "--threads N overrides)"
    )


def load_model(settings: EstimateSettings) -> None:
    """Load the model once (it stays in memory for the estimators), or fail with one line."""
    import torch

    from ..models.backbones import load_backbone

    threads, why = choose_threads(settings.threads, torch.get_num_threads())
    torch.set_num_threads(threads)
    if why:
        say(why)
    if not (settings.zero_shot or settings.estimator == "fine-tune"):
        return  # the default surrogate loads its own frozen feature models
    started = time.perf_counter()
    say(f"loading model {settings.model!r} ...")
    try:
        load_backbone(
            settings.model,
            dtype=settings.dtype,
            device=settings.device,
            copy_model=False,
            allow_download=True if settings.allow_download else None,
        )
    except ValueError as error:
        raise CLIError(f"--model: {error}") from None
    say(f"  loaded in {time.perf_counter() - started:.1f} s")


def classical(settings: EstimateSettings, labels, n_rows: int):
    """The labels' own interval; ``n_rows`` is the size of the pool (``--population pool``)."""
    from ..inference import classical_class_shares, classical_mean

    pool = settings.population == "pool"
    options = {
        "confidence_level": settings.confidence,
        "population": settings.population,
        "pool_size": n_rows if pool else None,
    }
    if settings.task == "classification":
        return classical_class_shares(np.asarray(labels, dtype=object), **options)
    return classical_mean(np.asarray(labels, dtype=float), **options)


def _ppi_with_fixed_model(model, X, y, settings: EstimateSettings, cache):
    """PPI++ with an already-fitted model's predictions of every row (nothing is trained)."""
    return _rectifier(settings)(
        model,
        allocation=0,
        method="ppi++",
        confidence_level=settings.confidence,
        population=settings.population,
        memory=cache,
    ).fit(X, y)


def endpoint_label(settings: EstimateSettings) -> str:
    """The report's name of the endpoint's estimate."""
    return f"PPI++ with {settings.endpoint['api_model']} (endpoint)"


def run_endpoint(X, y, labeled, settings: EstimateSettings, cache: FitCache | None):
    """Classical, and PPI++ with the endpoint's zero-shot labels of every row."""
    from ._endpoint_model import EndpointModel

    started = time.perf_counter()
    baselines = {"classical (human labels only)": classical(settings, y[labeled], len(y))}
    endpoint = settings.endpoint
    say(f"endpoint {endpoint['base_url']}: labelling all {len(y):,} rows zero-shot ...")
    model = EndpointModel(
        endpoint["base_url"],
        endpoint["api_model"],
        api_key_env=endpoint["api_key_env"],
        task=settings.task,
        prompt=settings.prompt,
    )
    labeled_idx = np.flatnonzero(labeled)
    model = CachedEstimator(model, memory=cache).fit(X.iloc[labeled_idx], y[labeled_idx])
    rectified = _ppi_with_fixed_model(model, X, y, settings, cache)
    return rectified, baselines, None, {"endpoint": time.perf_counter() - started}


def run_estimate(X, y, labeled, settings: EstimateSettings, cache: FitCache | None):
    """Fit the three estimates; return ``(rectified, baselines, zero_shot, seconds)``."""
    if settings.endpoint:
        return run_endpoint(X, y, labeled, settings, cache)
    seconds = {}
    baselines = {"classical (human labels only)": classical(settings, y[labeled], len(y))}
    zero_shot = None
    Rectifier = _rectifier(settings)
    if settings.zero_shot:
        started = time.perf_counter()
        n_rows = len(y)
        say(f"zero-shot model: predicting all {n_rows:,} rows, rectified with PPI++ ...")
        labeled_idx = np.flatnonzero(labeled)
        # "fitting" a zero-shot model only reads the label range / classes (max_epochs=0)
        model = CachedEstimator(_llm(settings, 0), memory=cache)
        model.fit(X.iloc[labeled_idx], y[labeled_idx])
        zero_shot = _ppi_with_fixed_model(model, X, y, settings, cache)
        baselines["PPI++ with the zero-shot model"] = zero_shot.result_
        seconds["zero_shot"] = time.perf_counter() - started
    if settings.estimator == "fine-tune":
        started = time.perf_counter()
        rectified = _fine_tune_and_rectify(X, y, settings, cache, Rectifier)
        seconds["fine_tune_and_rectify"] = time.perf_counter() - started
        return rectified, baselines, zero_shot, seconds
    started = time.perf_counter()
    name = baseline_name(settings.task)
    say(f"{name}: embedding all {len(y):,} rows ...")
    baselines[name] = frozen_embedding_baseline(
        X,
        y,
        labeled,
        task=settings.task,
        confidence=settings.confidence,
        seed=settings.seed,
        cache=cache,
        population=settings.population,
    )
    seconds["baseline"] = time.perf_counter() - started
    started = time.perf_counter()
    say(
        "default estimate: stacked surrogate over frozen MiniLM and SmolLM2 features, "
        f"{_design_words(settings)} ..."
    )
    rectified = configured_rectifier(Rectifier, None, settings, cache).fit(X, y)
    seconds["default"] = time.perf_counter() - started
    return rectified, baselines, zero_shot, seconds


def _design_words(settings: EstimateSettings) -> str:
    if settings.method == "cross" or settings.allocation == "cross":
        return f"{settings.n_folds}-fold cross-fitting"
    if settings.allocation == "auto":
        return "split or cross-fit, chosen by the learning-curve law"
    if settings.allocation == "ramp-up":
        return "ramp-up pilot, then the rest rectifies"
    return f"allocation {settings.allocation}"


def _fine_tune_and_rectify(X, y, settings: EstimateSettings, cache, Rectifier):
    """``--estimator fine-tune``: LoRA-tune ``--model`` on part of the labels, rectify."""
    what = _design_words(settings)
    say(f"fine-tuning then rectifying ({what}, {settings.epochs} epochs per fine-tune) ...")
    model = _llm(settings, settings.epochs)
    return configured_rectifier(Rectifier, model, settings, cache).fit(X, y)


def configured_rectifier(Rectifier, estimator, settings: EstimateSettings, cache):
    """The meta-estimator the options describe (``estimator=None``: the package default)."""
    return Rectifier(
        estimator,
        allocation=settings.allocation,
        method=settings.method,
        n_folds=settings.n_folds,
        confidence_level=settings.confidence,
        population=settings.population,
        memory=cache,
        random_state=settings.seed,
        verbose=1,
    )


def predictions_table(frame, y, labeled, rectified, zero_shot, task, name="default"):
    """Per-row predictions for ``--save-predictions``: the zero-shot model's on every row, the
    rectified model's (column ``name``) where it is held out (rectification and unlabelled
    rows; a cross-fitted label is predicted by the fold model that did not see it)."""
    import pandas as pd

    n = len(y)
    role = np.where(labeled, "unused", "unlabelled").astype(object)
    role[rectified.finetune_indices_] = "finetune"
    role[rectified.validation_indices_] = "validation"
    role[rectified.rectify_indices_] = "rectify"
    cross_fitted = len(rectified.rectify_indices_) and np.array_equal(
        rectified.finetune_indices_, rectified.rectify_indices_
    )
    if cross_fitted:  # each label trained the other folds' models and rectifies its own
        role[rectified.rectify_indices_] = "cross-fit"
    out = pd.DataFrame({"row": np.arange(n), "label": y, "role": role})
    unlabeled = np.flatnonzero(~labeled)

    def columns(prefix, rect_rows, rect_pred, pool_pred):
        if rect_pred is None:
            return
        rect_pred, pool_pred = np.asarray(rect_pred), np.asarray(pool_pred)
        if task == "classification":
            for j, cls in enumerate(rectified.classes_):
                values = np.full(n, np.nan)
                values[rect_rows], values[unlabeled] = rect_pred[:, j], pool_pred[:, j]
                out[f"{prefix}_p_{cls}"] = values
        else:
            values = np.full(n, np.nan)
            values[rect_rows], values[unlabeled] = rect_pred, pool_pred
            out[prefix] = values

    if zero_shot is not None:
        columns(
            "zero_shot",
            zero_shot.rectify_indices_,
            zero_shot.rectify_predictions_,
            zero_shot.unlabeled_predictions_,
        )
    columns(
        name,
        rectified.rectify_indices_,
        rectified.rectify_predictions_,
        rectified.unlabeled_predictions_,
    )
    for column in frame.columns:
        if column not in out:
            out[column] = frame[column].to_numpy()
    return out
