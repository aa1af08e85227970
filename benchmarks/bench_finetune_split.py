"""Fine-tune then rectify on real human ratings: is the interval valid, and how much tighter?

Why: the rectified estimate is only worth its fine-tuning if its interval is valid (coverage at
the nominal level) and tighter than the classical interval from the same labels. This script
measures both on four real datasets, side by side with every baseline a user would otherwise run,
and the allocation rule's regret against the best split in hindsight.

Design (DESIGN.md "benchmark economy"). For each dataset the mean rating over the whole file is
the truth. A fixed random *pool* of ``--pool`` rows (default 3,000) is the data a user has: ``n``
of its rows are labelled, the rest unlabelled. Models are MiniLM-L6 with LoRA and a linear head
(``LLMRegressor(model="minilm-l6")``), fine-tuned once per (loss, size, seed) on nested training
sets (the first ``s`` rows of a seeded permutation of the pool); each predicts the whole pool once,
and adapters-free predictions are cached in ``benchmarks/cache/rectify`` so a rerun resumes.
Replications are then *resampled*: each draws ``n - s`` rectification rows uniformly from the
pool rows the model never saw; the remaining pool rows are the unlabelled set. PPI's validity is
conditional on the model, so this measures (conditional) coverage honestly; the randomness of
fine-tuning itself enters only through ``--seeds`` seeds. Compared, at n in {200, 500, 1000}:

- ``classical``: mean of n random labels with the t-free normal interval.
- ``zero-shot PPI++``: SmolLM2-135M-Instruct, no training (verbalizer over 1-9), rectified.
- ``fine-tune only (MSE)``: the plug-in mean of an MSE fine-tune's predictions with the naive
  interval a user might report (biased; at the best grid split of FT+PPI (MSE)).
- ``FT+PPI (MSE, best grid s)``: MSE fine-tune, PPI (lambda = 1) at the split with the smallest
  mean width in hindsight.
- ``FT+PPI (variance, rule s)``: variance-loss fine-tune, PPI at the split chosen by the ramp-up
  rule, run exactly as :func:`sklearn_llmrect.rectify.rampup.ramp_up` runs it on the cached
  nested models
  (the package's default stage sizes 16, 32, 64, ...; validation labels charged to the budget;
  the law refitted after each stage; an estimate s* between two stages becomes the next stage,
  snapped to the grid 16 * 2^(k/4) so its model is cached once; stop once s* is no larger than
  the current stage; when the kept model's validation residual variance predicts a wider
  interval than the classical mean of all non-validation labels, that classical mean, as the
  package falls back to it, with fresh unseen rows standing in for the cached models' fixed
  training rows). The regret compares with the best of the default sizes, so it can be
  negative when the rule's capped stage beats them.
- ``FT+PPI++ (variance, rule s)``: the same with power tuning (the package default).
- ``cross-fit (variance, K=2)`` at n = 500 only: a bank of ``--cross-blocks`` disjoint blocks of
  250 labels with one model per block; every pair of blocks is a replication (fold models are
  trained on the other block). Fewer, dependent replications; reported separately.
- ppi_py's interval (``ppi_py.ppi_mean_ci``) on the same predictions as the two variance rows.

Reported per (dataset, n, method): RMSE against the truth, mean interval width, coverage of the
file mean (and of the pool mean), effective sample size (n * classical variance / variance),
the chosen s/n against the best grid s/n and the regret (relative extra width).

Usage::

    python benchmarks/bench_finetune_split.py                  # everything (resumes from the cache)
    python benchmarks/bench_finetune_split.py --quick          # smoke run: one dataset, tiny pool
    python benchmarks/bench_finetune_split.py --datasets vader_movie vader_amazon
    python benchmarks/bench_finetune_split.py --report-only    # table and plot from the JSON
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import time
import warnings

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np

from sklearn_llmrect.inference import classical_mean, crossfit_ppi_mean, ppi_mean
from sklearn_llmrect.rectify.allocation import ScalingLaw
from sklearn_llmrect.rectify.rampup import default_ramp_sizes, rectification_pays

CACHE = _common.CACHE / "rectify"
BUDGETS = (200, 500, 1000)
CONFIDENCE = 0.95
TARGETS = {
    "ess_ratio_at_500": 1.5,
    "datasets_meeting_ess": 2,
    "coverage_slack": 0.02,
    "regret": 0.10,
}
MINILM = {
    "model": "minilm-l6",
    "head": "linear",
    "prompt": "{0}",
    "learning_rate": 3e-3,
    "max_epochs": 4,
    "batch_size": 8,
    "max_length": 96,
}
ZERO_SHOT_PROMPTS = {
    "vader_movie": "Movie review snippet: {0}\nHow positive is it? Answer with one digit from 1 "
    "(very negative) to 9 (very positive).",
    "vader_amazon": "Product review snippet: {0}\nHow positive is it? Answer with one digit from "
    "1 (very negative) to 9 (very positive).",
    "emobank": "Sentence: {0}\nHow positive is the feeling it expresses? Answer with one digit "
    "from 1 (very negative) to 9 (very positive).",
    "politeness": "Request: {0}\nHow polite is this request? Answer with one digit from 1 "
    "(very rude) to 9 (very polite).",
}


# -- data --------------------------------------------------------------------------------------
def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(texts, human ratings) of the whole dataset (shipped with the package; see
    ``_common.load_dataset``), rows without text or rating dropped."""
    if name in ZERO_SHOT_PROMPTS:
        return _common.load_dataset(name)
    raise ValueError(f"unknown dataset {name!r}; known: {sorted(ZERO_SHOT_PROMPTS)}")


# -- cached model predictions ------------------------------------------------------------------
def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cached_predictions(tag: str, key_parts, compute) -> np.ndarray:
    """Load ``tag``'s prediction vector from the cache, or compute and store it atomically."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{tag}-{_key(*key_parts)}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    predictions = np.asarray(compute(), dtype=float)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, predictions)
    os.replace(temporary, path)
    print(f"  {tag}: {time.perf_counter() - started:.0f} s", flush=True)
    return predictions


def finetuned_predictions(name, texts, ratings, train_rows, loss, seed, pool_texts):
    from sklearn_llmrect import LLMRegressor

    def compute():
        # one rate for the adapters and the head, as the cached fits were trained
        model = LLMRegressor(
            loss=loss, random_state=seed, head_learning_rate=MINILM["learning_rate"], **MINILM
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(texts[train_rows], ratings[train_rows])
            return model.predict(pool_texts)

    tag = f"{name}-{loss}-s{len(train_rows)}-seed{seed}"
    return cached_predictions(tag, (name, MINILM, loss, seed, train_rows.tolist()), compute)


def zero_shot_predictions(name, texts, ratings, pool, pool_texts):
    from sklearn_llmrect import LLMRegressor

    def compute():
        # max_epochs=0: no training; fit only maps the digits 1-9 onto the rating range.
        model = LLMRegressor(prompt=ZERO_SHOT_PROMPTS[name], max_epochs=0, random_state=0)
        model.fit(texts[pool[:50]], ratings[pool[:50]])
        return model.predict(pool_texts)

    return cached_predictions(
        f"{name}-zeroshot", (name, ZERO_SHOT_PROMPTS[name], pool.tolist()), compute
    )


# -- one replication's estimates ---------------------------------------------------------------
def _row(estimate, low, high, truth, pool_truth) -> dict:
    return {
        "estimate": float(estimate),
        "width": float(high - low),
        "covered": bool(low <= truth <= high),
        "covered_pool": bool(low <= pool_truth <= high),
    }


def _interval_row(result, truth, pool_truth) -> dict:
    return _row(result.estimate, *result.confidence_interval, truth, pool_truth)


def _ppi_row(y, f, rectify, rest, method, truth, pool_truth) -> dict:
    result = ppi_mean(y[rectify], f[rectify], f[rest], method=method, confidence_level=CONFIDENCE)
    return _interval_row(result, truth, pool_truth)


def _ppi_py_row(y, f, rectify, rest, method, truth, pool_truth) -> dict:
    import ppi_py

    lam = 1.0 if method == "ppi" else None  # None: ppi_py tunes lambda (PPI++)
    low, high = ppi_py.ppi_mean_ci(y[rectify], f[rectify], f[rest], alpha=1 - CONFIDENCE, lam=lam)
    low, high = float(np.ravel(low)[0]), float(np.ravel(high)[0])
    return _row((low + high) / 2, low, high, truth, pool_truth)


def snap(size: float) -> int:
    """The nearest size of the fine grid 16 * 2^(k/4), so capped stages reuse cached models."""
    k = max(0, round(4 * np.log2(max(size, 16) / 16)))
    return int(round(16 * 2 ** (k / 4)))


def _ppi_py_classical_row(labels, truth, pool_truth) -> dict:
    import ppi_py

    low, high = ppi_py.classical_mean_ci(labels, alpha=1 - CONFIDENCE)
    return _row((low + high) / 2, float(low), float(high), truth, pool_truth)


def rule_split(sizes, residual_for, var_y, n_available, n_unlabeled) -> tuple[int, int, list[int]]:
    """The ramp-up rule as ``ramp_up`` runs it -> (s*, the stage it stopped at, stages run).

    ``residual_for(size)`` is the validation residual variance of the model fine-tuned on the
    first ``size`` rows. As in ``ramp_up(cap_at_estimate=True)``, an estimate ``s*`` between two
    stages makes ``s*`` the next stage, here snapped to the fine grid (at most 9% away).
    """
    sizes, run, residuals = list(sizes), [], []
    for stage, size in enumerate(sizes):
        run.append(size)
        residuals.append(residual_for(size))
        if stage < 2:
            continue
        law = ScalingLaw().fit(run, residuals, var_y=var_y)
        s_star = int(law.optimal_split(n_available, n_unlabeled=n_unlabeled))
        if s_star <= size:
            return s_star, size, run
        if stage + 1 < len(sizes) and s_star < sizes[stage + 1]:
            sizes[stage + 1] = min(max(snap(s_star), size + 1), sizes[stage + 1])
    return s_star, sizes[-1], run


# -- the benchmark -----------------------------------------------------------------------------
def run_dataset(name, args) -> dict:
    texts, ratings = load_dataset(name)
    truth = float(ratings.mean())
    rng = np.random.default_rng(args.seed)
    pool = rng.permutation(len(ratings))[: min(args.pool, len(ratings))]
    y, pool_texts = ratings[pool], texts[pool]
    pool_truth = float(y.mean())
    print(
        f"{name}: {len(ratings)} rows, truth {truth:.4f}, pool {len(pool)} (mean {pool_truth:.4f})",
        flush=True,
    )
    grid = sorted({s for n in args.budgets for s in default_ramp_sizes(n - max(20, n // 10))})
    seeds = list(range(args.seeds))
    orders = {seed: np.random.default_rng(1000 + seed).permutation(len(pool)) for seed in seeds}
    predictions = {}
    for loss, loss_seeds in (("variance", seeds), ("mse", seeds[:1])):
        for seed in loss_seeds:
            for size in grid:
                rows = pool[orders[seed][:size]]
                predictions[loss, size, seed] = finetuned_predictions(
                    name, texts, ratings, rows, loss, seed, pool_texts
                )

    def variance_model(size, seed):
        """Predictions of the variance-loss model on the first ``size`` rows (fitted lazily:
        the rule's capped stages are off the grid)."""
        if ("variance", size, seed) not in predictions:
            rows = pool[orders[seed][:size]]
            predictions["variance", size, seed] = finetuned_predictions(
                name, texts, ratings, rows, "variance", seed, pool_texts
            )
        return predictions["variance", size, seed]

    unseen = orders[seeds[0]][max(grid) :]
    residual_by_size = {
        str(size): float(np.var(y[unseen] - predictions["variance", size, seeds[0]][unseen]))
        for size in grid
    }
    zero_shot = (
        None if args.no_zero_shot else zero_shot_predictions(name, texts, ratings, pool, pool_texts)
    )

    replications = np.random.default_rng(args.seed + 1)
    records = []
    for n in args.budgets:
        n_validation = max(20, n // 10)
        sizes = default_ramp_sizes(n - n_validation)
        for rep in range(args.replications):
            seed = seeds[rep % len(seeds)]
            order = orders[seed]
            record = {"n": n, "rep": rep, "seed": seed}
            labelled = replications.choice(len(pool), n, replace=False)
            unlabelled = np.setdiff1d(np.arange(len(pool)), labelled)
            record["classical"] = _interval_row(
                classical_mean(y[labelled], confidence_level=CONFIDENCE), truth, pool_truth
            )
            if zero_shot is not None:
                result = ppi_mean(
                    y[labelled],
                    zero_shot[labelled],
                    zero_shot[unlabelled],
                    confidence_level=CONFIDENCE,
                )
                record["zero-shot PPI++"] = _interval_row(result, truth, pool_truth)
            # Fine-tuned rows: the model's training rows are the first s of `order`; the other
            # n - s labels are a uniform draw from the rows it never saw.
            unseen = order[max(sizes) :]
            draw = replications.permutation(unseen)
            record["splits"] = {}
            for size in sizes:
                rectify = np.concatenate([order[size : max(sizes)], draw])
                rectify = replications.choice(rectify, n - size, replace=False)
                rest = np.setdiff1d(np.arange(len(pool)), np.concatenate([order[:size], rectify]))
                per_split = {}
                for loss, method, label in (
                    ("variance", "ppi", "ppi var"),
                    ("variance", "ppi++", "ppi++ var"),
                    ("mse", "ppi", "ppi mse"),
                ):
                    f = predictions[loss, size, seed if loss == "variance" else seeds[0]]
                    per_split[label] = _ppi_row(y, f, rectify, rest, method, truth, pool_truth)
                # the plug-in mean of the MSE model's predictions with the naive interval
                plug_in = classical_mean(predictions["mse", size, seeds[0]][rest])
                per_split["ft only mse"] = _interval_row(plug_in, truth, pool_truth)
                record["splits"][size] = per_split
            # The rule, exactly as ramp_up runs it: validation labels (charged to the budget) from
            # rows no model saw, the nested models' residual variance on them, the law refitted
            # after each stage, stop once s* <= the current size; that stage's model is used and
            # the labels left after fine-tuning and validation rectify it.
            validation = draw[:n_validation]

            def residual_for(size, seed=seed, validation=validation):
                f = variance_model(size, seed)
                return float(np.var(y[validation] - f[validation]))

            s_star, chosen, stages = rule_split(
                sizes, residual_for, float(np.var(y[labelled])), n - n_validation, len(pool) - n
            )
            rectify = np.concatenate([order[chosen : max(sizes)], draw[n_validation:]])
            rectify = replications.choice(rectify, n - n_validation - chosen, replace=False)
            used = np.concatenate([order[:chosen], validation, rectify])
            rest = np.setdiff1d(np.arange(len(pool)), used)
            f = variance_model(chosen, seed)
            pays = rectification_pays(
                residual_for(chosen),
                float(np.var(y[validation])),
                n - n_validation,
                chosen,
                len(pool) - n,
            )
            record["rule"] = {
                "s_star": s_star, "chosen": chosen if pays else 0, "stages": stages, "pays": pays
            }  # fmt: skip
            for method, label in (("ppi", "ppi var"), ("ppi++", "ppi++ var")):
                if pays:
                    row = _ppi_row(y, f, rectify, rest, method, truth, pool_truth)
                    row_ppi_py = _ppi_py_row(y, f, rectify, rest, method, truth, pool_truth)
                else:  # the package's fallback: the classical mean of the non-validation labels.
                    # A real run's training rows are a fresh uniform sample, but the cached
                    # models' are the same rows in every replication (a fixed bias of the mean):
                    # fresh rows that no model saw stand in for them.
                    spare = np.setdiff1d(draw, np.concatenate([validation, rectify]))
                    kept = np.concatenate(
                        [replications.choice(spare, chosen, replace=False), rectify]
                    )
                    row = _interval_row(classical_mean(y[kept]), truth, pool_truth)
                    row_ppi_py = _ppi_py_classical_row(y[kept], truth, pool_truth)
                record["rule"][label], record["rule"][label + " (ppi_py)"] = row, row_ppi_py
            records.append(record)
    cross = (
        None
        if args.cross_blocks < 2
        else cross_fit(name, texts, ratings, pool, y, pool_texts, truth, pool_truth, args)
    )
    return {
        "name": name,
        "rows": len(ratings),
        "truth": truth,
        "pool": len(pool),
        "pool_mean": pool_truth,
        "grid": grid,
        "var_y": float(np.var(y)),
        "residual_by_size": residual_by_size,
        "records": records,
        "cross": cross,
    }


def cross_fit(name, texts, ratings, pool, y, pool_texts, truth, pool_truth, args) -> dict:
    """K=2 cross-fitted PPI at n = 500 from a bank of disjoint 250-label blocks."""
    n, block = 500, 250
    if args.cross_blocks * block > len(pool) - 200:
        return None
    order = np.random.default_rng(2000).permutation(len(pool))
    blocks = [order[i * block : (i + 1) * block] for i in range(args.cross_blocks)]
    models = [
        finetuned_predictions(name, texts, ratings, pool[b], "variance", 0, pool_texts)
        for b in blocks
    ]
    rows = []
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            labelled = np.concatenate([blocks[i], blocks[j]])
            out_of_fold = np.concatenate([models[j][blocks[i]], models[i][blocks[j]]])
            unlabelled = np.setdiff1d(np.arange(len(pool)), labelled)
            fold_models = np.column_stack([models[i][unlabelled], models[j][unlabelled]])
            result = crossfit_ppi_mean(
                y[labelled], out_of_fold, fold_models, confidence_level=CONFIDENCE
            )
            rows.append(_interval_row(result, truth, pool_truth))
    return {"n": n, "blocks": len(blocks), "replications": rows}


# -- summaries ---------------------------------------------------------------------------------
def _summarise(rows, truth, classical_variance, n) -> dict:
    estimates = np.array([r["estimate"] for r in rows])
    widths = np.array([r["width"] for r in rows])
    variance = float(np.mean((widths / (2 * 1.959964)) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean((estimates - truth) ** 2))),
        "width": float(widths.mean()),
        "coverage": float(np.mean([r["covered"] for r in rows])),
        "coverage_pool": float(np.mean([r["covered_pool"] for r in rows])),
        "ess": n * classical_variance / variance,
        "replications": len(rows),
    }


def summarise(dataset) -> list[dict]:
    truth, rows = dataset["truth"], []
    for n in sorted({r["n"] for r in dataset["records"]}):
        records = [r for r in dataset["records"] if r["n"] == n]
        classical_rows = [r["classical"] for r in records]
        classical_variance = float(
            np.mean([(r["width"] / (2 * 1.959964)) ** 2 for r in classical_rows])
        )

        def add(method, method_rows, n=n, classical_variance=classical_variance, **extra):
            row = {"dataset": dataset["name"], "n": n, "method": method}
            row.update(_summarise(method_rows, truth, classical_variance, n), **extra)
            rows.append(row)

        add("classical", classical_rows)
        if "zero-shot PPI++" in records[0]:
            add("zero-shot PPI++", [r["zero-shot PPI++"] for r in records])
        sizes = sorted(records[0]["splits"])

        def mean_width(label, size, records=records):
            return np.mean([r["splits"][size][label]["width"] for r in records])

        best_mse = min(sizes, key=lambda s: mean_width("ppi mse", s))
        add(
            "fine-tune only (MSE, naive interval)",
            [r["splits"][best_mse]["ft only mse"] for r in records],
            s_over_n=best_mse / n,
        )
        add(
            "FT+PPI (MSE, best grid s)",
            [r["splits"][best_mse]["ppi mse"] for r in records],
            s_over_n=best_mse / n,
        )
        for label, method in (
            ("ppi var", "FT+PPI (variance, rule s)"),
            ("ppi++ var", "FT+PPI++ (variance, rule s)"),
        ):
            best = min(sizes, key=lambda s, label=label: mean_width(label, s))
            chosen = [r["rule"][label] for r in records]
            at_best = [r["splits"][best][label] for r in records]
            s_chosen = float(np.mean([r["rule"]["chosen"] for r in records]))
            width_best = float(np.mean([x["width"] for x in at_best]))
            regret = float(np.mean([x["width"] for x in chosen])) / width_best - 1
            add(
                method,
                chosen,
                s_over_n=s_chosen / n,
                best_s_over_n=best / n,
                regret=regret,
                s_star_mean=float(np.mean([r["rule"]["s_star"] for r in records])),
            )
            add(
                method + " [ppi_py]",
                [r["rule"][label + " (ppi_py)"] for r in records],
                s_over_n=s_chosen / n,
            )
        for size in sizes:  # the width-vs-split curves for the plot
            for label in ("ppi var", "ppi++ var", "ppi mse"):
                rows.append(
                    {
                        "dataset": dataset["name"],
                        "n": n,
                        "method": f"grid {label}",
                        "s": size,
                        "width": float(mean_width(label, size)),
                        "coverage": float(
                            np.mean([r["splits"][size][label]["covered"] for r in records])
                        ),
                    }
                )
    cross = dataset.get("cross")
    if cross:
        n = cross["n"]
        classical = [r for r in rows if r["n"] == n and r["method"] == "classical"]
        classical_variance = (classical[0]["width"] / (2 * 1.959964)) ** 2 if classical else 1.0
        row = {"dataset": dataset["name"], "n": n, "method": "cross-fit (variance, K=2)"}
        row.update(_summarise(cross["replications"], truth, classical_variance, n))
        rows.append(row)
    return rows


# -- output ------------------------------------------------------------------------------------
def markdown(summary, datasets, meta) -> str:
    lines = [
        "# Fine-tune then rectify on real ratings",
        "",
        f"Command: `{meta['command']}` ({meta['minutes']:.0f} min on "
        f"{_common.describe_machine(meta['machine'])}).",
        "",
        "Truth: the mean rating over the whole file. Each dataset's pool is a fixed random sample "
        "of the file; `n` of its rows are labelled, the rest unlabelled. Replications are "
        "resampled (see the script's docstring): models are fine-tuned once per (loss, size, "
        f"seed), {meta['seeds']} seed(s) for the variance loss and 1 for MSE; each replication "
        "draws fresh rectification labels from rows the model never saw. Coverage is of the file "
        "mean (and, in brackets, of the pool mean). ESS = n x classical variance / variance. "
        "Regret = mean width at the rule's split / mean width at the best grid split - 1.",
        "",
        "| dataset | n | method | RMSE | width | coverage | ESS | ESS / n | s/n (best) | regret |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary:
        if row["method"].startswith("grid "):
            continue
        s = f"{row['s_over_n']:.2f}" if "s_over_n" in row else ""
        if "best_s_over_n" in row:
            s += f" ({row['best_s_over_n']:.2f})"
        regret = f"{row['regret']:+.1%}" if "regret" in row else ""
        lines.append(
            f"| {row['dataset']} | {row['n']} | {row['method']} | {row['rmse']:.4f} | "
            f"{row['width']:.4f} | {row['coverage']:.3f} ({row['coverage_pool']:.3f}) | "
            f"{row['ess']:.0f} | {row['ess'] / row['n']:.2f} | {s} | {regret} |"
        )
    lines += ["", "## Targets", ""]
    for line in meta["targets"]:
        lines.append(f"- {line}")
    lines += ["", "## Datasets", ""]
    for d in datasets:
        lines.append(
            f"- {d['name']}: {d['rows']} rows, truth {d['truth']:.4f}; pool {d['pool']} "
            f"rows, pool mean {d['pool_mean']:.4f}."
        )
    return "\n".join(lines) + "\n"


def check_targets(summary, args) -> list[str]:
    out, meeting = [], []
    nominal = CONFIDENCE - TARGETS["coverage_slack"]
    for name in args.datasets:
        rows = {(r["n"], r["method"]): r for r in summary if r["dataset"] == name}
        main = rows.get((500, "FT+PPI (variance, rule s)"))
        if main is None:
            continue
        ratio = main["ess"] / 500
        if ratio >= TARGETS["ess_ratio_at_500"]:
            meeting.append(name)
        out.append(
            f"{name}, n = 500, FT+PPI (variance, rule s): ESS {main['ess']:.0f} = "
            f"{ratio:.2f}x the classical (target 1.5x), coverage {main['coverage']:.3f} "
            f"(target >= {nominal:.2f}), regret {main['regret']:+.1%} (target <= 10%)."
        )
    out.insert(
        0,
        f"ESS >= 1.5x classical at n = 500 on {len(meeting)} dataset(s) "
        f"({', '.join(meeting) or 'none'}); target: at least 2.",
    )
    low = [
        r
        for r in summary
        if not r["method"].startswith(("grid ", "fine-tune only"))
        and r.get("replications", 0) >= 100
        and r["coverage"] < nominal
    ]
    out.append(
        "Rows below nominal - 2 points (valid methods, >= 100 replications): "
        + (
            ", ".join(f"{r['dataset']} n={r['n']} {r['method']} {r['coverage']:.3f}" for r in low)
            or "none"
        )
        + "."
    )
    return out


def plot(summary, datasets, path):
    plt = _common.pyplot()
    names = [d["name"] for d in datasets]
    fig, axes = plt.subplots(2, len(names), figsize=(4.2 * len(names), 7.5), squeeze=False)
    for col, name in enumerate(names):
        ax = axes[0, col]
        for n, colour in zip(BUDGETS, ("C0", "C1", "C2"), strict=True):
            grid = [
                r
                for r in summary
                if r["dataset"] == name and r["n"] == n and r["method"] == "grid ppi var"
            ]
            if not grid:
                continue
            ax.plot(
                [r["s"] / n for r in grid],
                [r["width"] for r in grid],
                "o-",
                color=colour,
                label=f"n = {n}",
            )
            chosen = [
                r
                for r in summary
                if r["dataset"] == name
                and r["n"] == n
                and r["method"] == "FT+PPI (variance, rule s)"
            ][0]
            ax.axvline(chosen["s_over_n"], color=colour, ls=":", lw=1)
            classical = [
                r
                for r in summary
                if r["dataset"] == name and r["n"] == n and r["method"] == "classical"
            ][0]
            ax.axhline(classical["width"], color=colour, ls="--", lw=0.8)
        ax.set_title(f"{name}: width vs s/n")
        ax.set_xlabel("fine-tuning share s/n (dotted: the rule's mean choice)")
        ax.set_ylabel("mean 95% interval width (dashed: classical)")
        ax.legend(fontsize=8)
        ax = axes[1, col]
        dataset = next(d for d in datasets if d["name"] == name)
        grid = dataset["grid"]
        residual = [dataset["residual_by_size"][str(s)] for s in grid]
        ax.plot(grid, residual, "ko", label="measured (pool, seed 0)")
        law = ScalingLaw().fit(grid, residual, var_y=dataset["var_y"])
        sizes = np.geomspace(grid[0], grid[-1] * 2, 100)
        ax.plot(
            sizes,
            law.predict(sizes),
            "C3-",
            label=(f"a s^-alpha + b: a={law.a_:.3g}, alpha={law.alpha_:.2f}, b={law.b_:.3g}"),
        )
        ax.set_xscale("log")
        ax.set_xticks(grid, [str(size) for size in grid])
        ax.minorticks_off()
        ax.set_xlabel("fine-tuning size s")
        ax.set_ylabel("residual variance Var(Y - f_s(X))")
        ax.set_title(f"{name}: scaling law (variance loss)")
        ax.legend(fontsize=7)
    _common.save_figure(fig, path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["vader_movie", "vader_amazon", "emobank", "politeness"]
    )
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--replications", type=int, default=500)
    parser.add_argument("--cross-blocks", type=int, default=5)
    parser.add_argument("--no-zero-shot", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    _common.add_flags(parser, "--out")
    parser.add_argument("--quick", action="store_true", help="one dataset, small pool, smoke run")
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    stem, args.out = "finetune_split", _common.results_folder(args.out, args.quick)
    if args.report_only:
        _common.redraw(
            args.out,
            stem,
            lambda saved: markdown(saved["summary"], saved["datasets"], saved["meta"]),
            lambda saved, path: plot(saved["summary"], saved["datasets"], path),
        )
        return
    if args.quick:
        args.datasets, args.budgets, args.pool = args.datasets[:1], [200], 600
        args.replications, args.seeds, args.cross_blocks = 40, 1, 0
    started, load_average = time.perf_counter(), _common.load_average()
    datasets = []
    for name in args.datasets:
        dataset = run_dataset(name, args)
        datasets.append(dataset)
    summary = [row for dataset in datasets for row in summarise(dataset)]
    meta = {
        "command": _common.command_line(),
        "minutes": (time.perf_counter() - started) / 60,
        "machine": _common.machine(load_average_at_start=load_average),
        "date": _common.utc_timestamp(),
        "seeds": args.seeds,
        "replications": args.replications,
        "pool": args.pool,
        "minilm": MINILM,
        "grid": datasets[0]["grid"] if datasets else [],
    }
    meta["targets"] = check_targets(summary, args)
    for dataset in datasets:
        dataset.pop("records")
    _common.write_results(
        args.out,
        stem,
        {"meta": meta, "datasets": datasets, "summary": summary},
        markdown(summary, datasets, meta),
        functools.partial(plot, summary, datasets),
        indent=1,
    )
    print("\n".join(meta["targets"]))
    print((args.out / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
