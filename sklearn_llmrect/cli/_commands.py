"""The ``estimate`` and ``plan`` commands of ``llmrect`` (the parser and ``main`` are in
:mod:`sklearn_llmrect.cli`)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path

from ._checks import check_design, check_model_option, cli_words, unescape
from ._data import (
    CLIError,
    check_columns,
    data_name,
    parse_sep,
    read_table,
    row_name,
    text_frame,
)
from ._endpoint import check_endpoint_options
from ._labels import read_labels


def open_cache(args):
    """The cache of --cache-dir (default: the user cache folder), or None with --no-cache."""
    from ..caching import FitCache

    if args.no_cache:
        return None
    if args.cache_dir:
        return FitCache(args.cache_dir)
    from ..models.backbones import cache_dir

    return FitCache(cache_dir() / "runs")


@contextlib.contextmanager
def downloads_allowed(allow: bool):
    """``--allow-download``: every model load of this run may fetch from the hub (the
    estimators read ``SKLEARN_LLMRECT_ALLOW_DOWNLOAD``); the variable is restored after."""
    from ..models._specs import ALLOW_DOWNLOAD_ENV

    if not allow:
        yield
        return
    before = os.environ.get(ALLOW_DOWNLOAD_ENV)
    os.environ[ALLOW_DOWNLOAD_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ALLOW_DOWNLOAD_ENV, None)
        else:
            os.environ[ALLOW_DOWNLOAD_ENV] = before


def check_options(args) -> dict | None:
    """Every check of the options that reads no data: the outputs, the endpoint or the model.

    Returns the endpoint settings of ``--endpoint`` (None without one).
    """
    check_outputs(args)
    endpoint = check_endpoint_options(args)
    if endpoint is None:
        check_model_option(args.model, getattr(args, "allow_download", False))
    return endpoint


def check_outputs(args) -> None:
    """Fail before the long run, not after it."""
    if args.report:
        from ..reporting import require_matplotlib

        try:
            require_matplotlib("--report (the HTML report)")
        except ImportError as error:
            raise CLIError(str(error)) from None
    for option in ("report", "json", "save_predictions"):
        path = getattr(args, option, None)
        if path and not Path(path).expanduser().resolve().parent.is_dir():
            flag = "--" + option.replace("_", "-")
            raise CLIError(f"{flag}: the folder of {path} does not exist.")


def settings_from(args, task: str, prompt, endpoint=None):
    """The parsed options as an EstimateSettings."""
    from ._estimate import EstimateSettings

    return EstimateSettings(
        endpoint=endpoint,
        budget=getattr(args, "budget", None),
        allow_download=getattr(args, "allow_download", False),
        task=task,
        estimator=getattr(args, "estimator", "default"),
        model=args.model,
        prompt=prompt,
        allocation=args.allocation,
        method=args.method,
        confidence=args.confidence,
        seed=args.seed,
        epochs=args.epochs,
        zero_shot=args.zero_shot,
        batch_size=args.batch_size,
        max_length=args.max_length,
        device=args.device,
        dtype=args.dtype,
        n_folds=args.folds,
        threads=args.threads,
        population=getattr(args, "population", "superpopulation"),
    )


def run_and_report(args, frame, X, y, labeled, settings, *, title, context, truth=None, notes=()):
    """Shared by ``estimate`` and ``demo``: fit, print the table, write the outputs."""
    from ..reporting import estimate_report, format_table
    from ._estimate import endpoint_label, load_model, predictions_table, run_estimate, say

    check_design(settings, y, labeled)
    cache = open_cache(args)
    started = time.perf_counter()
    try:
        with downloads_allowed(settings.allow_download):
            if not settings.endpoint:
                load_model(settings)
            if cache is not None:
                resume = "rerun the same command to resume an interrupted run"
                say(f"cache: {cache.location} ({resume})")
            with _cluster(args):
                rectified, baselines, zero_shot, seconds = run_estimate(
                    X, y, labeled, settings, cache
                )
    except ValueError as error:  # a check of the library, in the words of the flags
        raise CLIError(cli_words(str(error))) from None
    except KeyboardInterrupt:
        if cache is not None:
            stored = cache.size()
            raise KeyboardInterrupt(
                f"interrupted; finished steps are cached in {cache.location} ({stored['fits']} "
                f"fitted models, {stored['predictions']} prediction sets): run the same command "
                "again to resume."
            ) from None
        raise
    seconds["total"] = time.perf_counter() - started
    notes = list(notes) + cache_notes(cache)
    if settings.endpoint:
        notes.append(_endpoint_note(rectified))
    context = dict(context, **{"seconds (this run)": round(seconds["total"], 1)})
    report = estimate_report(
        rectified,
        y,
        baselines=baselines,
        truth=truth,
        title=title,
        context=context,
        notes=notes,
        label=endpoint_label(settings) if settings.endpoint else None,
    )
    in_cli_words(report)
    if settings.endpoint:
        report["split"]["reason"] = (
            f"--endpoint: the endpoint's zero-shot labels are the predictions; nothing is "
            f"fine-tuned, and all {report['split']['n_rectify']:,} human labels rectify them."
        )
    print()
    print(format_table(report))
    for note in report["notes"]:
        print(note)
    print(f"done in {seconds['total']:.0f} s")
    name = (
        "endpoint"
        if settings.endpoint
        else {"fine-tune": "fine_tuned"}.get(settings.estimator, "default")
    )
    write_outputs(
        args,
        report,
        lambda: predictions_table(frame, y, labeled, rectified, zero_shot, settings.task, name),
    )
    return report


def cache_notes(cache) -> list[str]:
    """The report's note on what the cache reused and stored (none with --no-cache)."""
    if cache is None:
        return []
    stats = cache.stats
    return [
        f"cache {cache.location}: reused {stats['fits_loaded']} fitted models and "
        f"{stats['predictions_loaded']} prediction sets; computed and stored "
        f"{stats['fits_saved']} models and {stats['predictions_saved']} prediction sets."
    ]


def in_cli_words(report: dict) -> None:
    """The library's parameter names in a report's reason and flags, as this command's flags."""
    report["split"]["reason"] = cli_words(report["split"]["reason"])
    for flag in report["flags"]:
        flag["message"] = cli_words(flag["message"])


def write_outputs(args, report: dict, predictions) -> None:
    """``--json``, ``--report`` and ``--save-predictions`` of a run (a mean or a regression).

    ``predictions`` is called for the table of ``--save-predictions`` only when it is asked for.
    """
    from ..reporting import write_html, write_json

    if args.json:
        write_json(report, args.json)
        print(f"wrote {args.json}")
    if args.report:
        write_html(report, args.report)
        print(f"wrote {args.report}")
    if args.save_predictions:
        predictions().to_csv(args.save_predictions, index=False)
        print(f"wrote {args.save_predictions}")


def _cluster(args) -> contextlib.ExitStack:
    """The Dask cluster of ``--scheduler`` / ``--workers`` (none without them), opened here so
    that only a failure to start it is reported in those flags' words."""
    from ..parallel import scheduler_context

    stack = contextlib.ExitStack()
    try:
        stack.enter_context(
            scheduler_context(getattr(args, "scheduler", None), getattr(args, "workers", None))
        )
    except (ImportError, OSError, ValueError) as error:
        raise CLIError(f"--scheduler/--workers: {error}") from None
    return stack


def _endpoint_note(rectified) -> str:
    from ..caching import unwrap

    model = unwrap(rectified.estimator_)
    note = (
        "the endpoint labelled every row zero-shot (its prompts show no human label), so each "
        "human label rectifies it; PPI++ weights its labels by how well they track the human ones."
    )
    invalid, replies = getattr(model, "n_invalid_", 0), getattr(model, "n_replies_", 0)
    if invalid:
        note += (
            f" {invalid:,} of its {replies:,} replies named no label and were scored as the "
            "middle of the scale (or equal class probabilities)."
        )
    return note


def estimate(args) -> int:
    """The ``estimate`` command."""
    import numpy as np

    if args.estimand is not None and not args.regress_on:
        raise CLIError(
            f"--estimand {args.estimand} is the regression of --regress-on COLUMNS; give the "
            "covariate columns, or leave --estimand out for the mean."
        )
    endpoint = check_options(args)
    frame = read_table(args.data, sep=parse_sep(args.sep), encoding=args.encoding)
    check_columns(frame, args.text, args.data, "--text")
    check_columns(frame, [args.label], args.data, "--label")
    prompt = unescape(args.prompt)
    if prompt is not None:
        from .._validation import prompt_fields

        try:
            fields = prompt_fields(prompt)
        except ValueError as error:
            raise CLIError(f"--prompt: {error}") from None
        unknown = [f for f in fields if f not in args.text and not f.isdigit()]
        if unknown:
            raise CLIError(
                f"--prompt names {{{unknown[0]}}}, which is not a --text column "
                f"({', '.join(args.text)})."
            )
    if args.population == "pool" and args.regress_on:
        raise CLIError(
            "--population pool is the interval for the mean or class shares of the rows in "
            "DATA; --regress-on estimates regression coefficients, whose intervals are for the "
            "superpopulation. Leave out one of the two."
        )
    y, labeled, task = read_labels(frame, args.label, args.task, args.data)
    notes = []
    if args.budget is not None:
        n_labeled = int(labeled.sum())
        if args.budget > n_labeled:
            raise CLIError(f"--budget {args.budget} is more than the {n_labeled:,} labelled rows.")
        rng = np.random.default_rng(args.seed)
        keep = np.sort(rng.choice(np.flatnonzero(labeled), args.budget, replace=False))
        dropped = np.setdiff1d(np.flatnonzero(labeled), keep)
        if args.population == "pool":  # the pool is every row: the others stay, labels unread
            y = y.copy()
            y[dropped] = np.nan if y.dtype.kind == "f" else None
            labeled = labeled.copy()
            labeled[dropped] = False
            fate = "stay in the pool with their labels unread"
        else:
            rows = np.setdiff1d(np.arange(len(y)), dropped)
            frame, y, labeled = frame.iloc[rows].reset_index(drop=True), y[rows], labeled[rows]
            fate = "were left out entirely"
        notes.append(
            f"--budget {args.budget}: a seeded random subset of the {n_labeled:,} labelled rows "
            f"was used; the other {len(dropped):,} labelled rows {fate}."
        )
    name = data_name(args.data)
    if labeled.all():
        raise CLIError(
            f"every row of {name} has a label in {args.label!r}: there is no unlabelled "
            "pool to estimate with (leave the label empty on the rows to predict)."
        )
    X = text_frame(frame, args.text, args.data)
    print(
        f"{name}: {len(y):,} rows, {int(labeled.sum()):,} labelled, "
        f"{int((~labeled).sum()):,} unlabelled; task: {task}",
        file=sys.stderr,
    )
    if args.population == "pool":
        what = "mean label" if task == "regression" else "class shares"
        notes.append(
            f"--population pool: every interval is for the {what} of the "
            f"{len(y):,} rows of {name} themselves (the labels a uniform sample of them, drawn "
            "without replacement), not of the population they come from."
        )
    settings = settings_from(args, task, prompt, endpoint)
    if args.regress_on:
        return _regress(args, frame, X, y, labeled, task, settings)
    context = {
        "data": name,
        "text columns": ", ".join(args.text),
        "label column": args.label,
        "task": task,
        "model": args.model,
        "prompt": prompt or "(the text itself, with an answer instruction)",
        "estimator": args.estimator,
        "fine-tuning epochs": args.epochs,
        "allocation": args.allocation,
        "method": args.method,
        "seed": args.seed,
        "population": (
            f"the {len(y):,} rows of {name} (finite-pool interval)"
            if args.population == "pool"
            else "superpopulation (the rows are a sample of it)"
        ),
    }
    if args.estimator != "fine-tune":
        del context["fine-tuning epochs"]
    if endpoint:
        key = endpoint["api_key_env"]
        for unused in ("estimator", "fine-tuning epochs", "allocation", "method"):
            context.pop(unused, None)
        context["model"] = f"{endpoint['api_model']} at {endpoint['base_url']} (zero-shot)"
        context["API key"] = f"from ${key}" if key else "none"
    target = f"mean of {args.label!r}" if task == "regression" else f"shares of {args.label!r}"
    file_name = "standard input" if name == "standard input" else Path(args.data).name
    run_and_report(
        args,
        frame,
        X,
        y,
        labeled,
        settings,
        title=f"Estimate of the {target} in {file_name}",
        context=context,
        notes=notes,
    )
    return 0


def _regress(args, frame, X, y, labeled, task, settings) -> int:
    """``estimate --regress-on``: the coefficient table, ``--json``, ``--report`` and
    ``--save-predictions``."""
    from ..reporting import format_regression, regression_report
    from ._estimate import predictions_table
    from ._regress import covariate_columns, run_regression

    covariates = covariate_columns(args.regress_on, frame, args.text, args.data)
    if settings.endpoint or task != "regression":
        raise CLIError(
            "--regress-on needs numeric labels (0/1 for --estimand logistic, counts for "
            "poisson) and a local model, not --endpoint."
        )
    estimand = args.estimand or "ols"
    check_design(settings, y, labeled)
    cache = open_cache(args)
    started = time.perf_counter()
    with downloads_allowed(settings.allow_download):
        rectified, X_fit = run_regression(frame, X, y, settings, covariates, estimand, cache)
    seconds = time.perf_counter() - started
    name = data_name(args.data)
    context = {
        "data": name,
        "text columns": ", ".join(args.text),
        "label column": args.label,
        "covariates (--regress-on)": ", ".join(covariates),
        "estimand": estimand,
        "estimator": args.estimator,
        "allocation": args.allocation,
        "method": args.method,
        "seed": args.seed,
        "seconds (this run)": round(seconds, 1),
    }
    file_name = "standard input" if name == "standard input" else Path(args.data).name
    report = regression_report(
        rectified,
        X_fit,
        y,
        title=f"Regression of {args.label!r} on {', '.join(covariates)} in {file_name}",
        context=context,
        notes=cache_notes(cache),
    )
    in_cli_words(report)
    print()
    print(format_regression(report))
    for note in report["notes"]:
        print(note)
    print(f"done in {seconds:.0f} s")
    write_outputs(
        args,
        report,
        lambda: predictions_table(frame, y, labeled, rectified, None, task),
    )
    return 0


def plan(args) -> int:
    """The ``plan`` command."""
    import numpy as np
    import pandas as pd

    from ._plan import format_plan
    from ._plan import plan as make_plan

    frame = read_table(args.data, sep=parse_sep(args.sep), encoding=args.encoding)
    check_columns(frame, [args.label], args.data, "--label")
    check_columns(frame, [args.prediction], args.data, "--prediction")
    labels = pd.to_numeric(frame[args.label], errors="coerce").to_numpy(dtype=float)
    predictions = pd.to_numeric(frame[args.prediction], errors="coerce").to_numpy(dtype=float)
    bad = frame[args.label].notna().to_numpy() & ~np.isfinite(labels)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise CLIError(
            f"--label: plan needs numeric labels, but column {args.label!r} holds "
            f"{frame[args.label].iloc[row]!r} ({row_name(frame, row)}); for a class share code the "
            "class as 0/1 and give its predicted probability."
        )
    both = np.isfinite(labels) & np.isfinite(predictions)
    if not np.isfinite(labels).any():
        raise CLIError(
            f"no labelled rows: column {args.label!r} of {data_name(args.data)} is empty."
        )
    pool = args.pool
    if pool is None:
        n_pool = int((np.isfinite(predictions) & ~np.isfinite(labels)).sum())
        pool = float(n_pool) if n_pool else math.inf
    half_width = args.half_width if args.half_width is not None else args.width / 2
    result = make_plan(
        labels[both],
        predictions[both],
        half_width=half_width,
        pool=pool,
        confidence=args.confidence,
        label_cost=args.label_cost,
        prediction_cost=args.prediction_cost,
    )
    print(format_plan(result))
    if args.json:
        from ..reporting._summary import _jsonable

        Path(args.json).write_text(json.dumps(_jsonable(result), indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0
