"""Which learning rates train a linear head on MiniLM? The sweep behind the defaults.

A linear head starts at zero, and at the adapters' learning rate (5e-4) a MiniLM classifier
learnt nothing but the class prior: on 200 Financial PhraseBank sentences it predicted only
"neutral". This sweep fits ``LLMClassifier`` / ``LLMRegressor(model="minilm-l6",
head="linear", batch_size=16, max_length=64, validation_fraction=0)`` (3 epochs) over a grid of
(``learning_rate``, ``head_learning_rate``) pairs on two tasks, 3 seeds each:

* ``fpb``: Financial PhraseBank (50Agree, deduplicated), 200 random training sentences from the
  pool of ``bench_multifidelity.py``'s split, macro-F1 and accuracy on 400 of its test rows;
* ``vader_movie``: VADER movie snippets, 200 random training rows, residual variance over the
  rating variance (lower is better) and Pearson r on 400 other rows.

The seed draws the training rows and seeds the estimator, so each seed is a full replication.
Every finished fit is cached in ``benchmarks/cache/head_learning_rate/runs.jsonl`` and the
script resumes from it.

Usage::

    python benchmarks/bench_head_learning_rate.py      # about 35 s per fit, 1 thread: ~35 min

Results: ``benchmarks/results/head_learning_rate.{json,md,png}``.
"""

from __future__ import annotations

import argparse
import functools
import json
import time

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np

CACHE = _common.CACHE / "head_learning_rate" / "runs.jsonl"
GRID = [  # (learning_rate, head_learning_rate)
    (5e-4, 5e-4),
    (5e-4, 3e-3),
    (5e-4, 1e-2),
    (5e-4, 3e-2),
    (5e-4, 1e-1),
    (1e-3, 1e-2),
    (2e-3, 1e-2),
    (3e-3, 3e-3),
    (3e-3, 1e-2),
]
TASKS = {"fpb": ("macro_f1", "higher"), "vader_movie": ("resvar_ratio", "lower")}
N_TRAIN, N_TEST = 200, 400


def fit_and_score(task: str, learning_rate: float, head_learning_rate: float, seed: int) -> dict:
    from sklearn.metrics import f1_score

    from sklearn_llmrect import LLMClassifier, LLMRegressor

    rng = np.random.default_rng(seed)
    params = dict(
        model="minilm-l6",
        head="linear",
        batch_size=16,
        max_length=64,
        validation_fraction=0,
        random_state=seed,
        learning_rate=learning_rate,
        head_learning_rate=head_learning_rate,
    )
    if task == "fpb":
        from bench_multifidelity import load_fpb, split

        texts, labels = load_fpb()
        pool, test = split(labels, 1000, seed=0)
        train, test = rng.choice(pool, N_TRAIN, replace=False), test[:N_TEST]
        model = LLMClassifier(**params).fit(texts[train], labels[train])
        predicted = model.predict(texts[test])
        return {
            "macro_f1": float(f1_score(labels[test], predicted, average="macro")),
            "accuracy": float(np.mean(predicted == labels[test])),
        }
    from bench_rectify import load_dataset

    texts, ratings = load_dataset(task)
    order = rng.permutation(len(ratings))
    train, test = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_TEST]
    model = LLMRegressor(**params).fit(texts[train], ratings[train])
    predicted = model.predict(texts[test])
    return {
        "resvar_ratio": float(np.var(ratings[test] - predicted) / np.var(ratings[test])),
        "pearson": float(np.corrcoef(predicted, ratings[test])[0, 1]),
    }


def key(task, learning_rate, head_learning_rate, seed) -> str:
    return f"{task}|{learning_rate:g}|{head_learning_rate:g}|{seed}"


def load_cache() -> dict:
    if not CACHE.exists():
        return {}
    records = [json.loads(line) for line in CACHE.read_text().splitlines() if line.strip()]
    return {record["key"]: record["value"] for record in records}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    _common.add_flags(parser, "--threads", "--out", threads={"help": "torch threads"})
    args = parser.parse_args(argv)
    _common.limit_threads(args.threads, blas=False)
    load_average = _common.load_average()
    started = time.perf_counter()
    cache = load_cache()
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    for task in TASKS:
        for learning_rate, head_learning_rate in GRID:
            for seed in range(args.seeds):
                name = key(task, learning_rate, head_learning_rate, seed)
                if name in cache:
                    continue
                t = time.perf_counter()
                value = fit_and_score(task, learning_rate, head_learning_rate, seed)
                value["seconds"] = time.perf_counter() - t
                cache[name] = value
                with CACHE.open("a") as handle:
                    handle.write(json.dumps({"key": name, "value": value}) + "\n")
                print(name, json.dumps({k: round(v, 4) for k, v in value.items()}), flush=True)
    report(cache, args, load_average, time.perf_counter() - started)


def report(cache, args, load_average, seconds):
    rows = []
    for task, (metric, better) in TASKS.items():
        for learning_rate, head_learning_rate in GRID:
            values = [
                cache[key(task, learning_rate, head_learning_rate, s)][metric]
                for s in range(args.seeds)
            ]
            rows.append(
                {
                    "task": task,
                    "metric": metric,
                    "better": better,
                    "learning_rate": learning_rate,
                    "head_learning_rate": head_learning_rate,
                    "mean": float(np.mean(values)),
                    "sd": float(np.std(values, ddof=1)),
                    "per_seed": values,
                }
            )
    payload = {
        "question": "Which (learning_rate, head_learning_rate) trains a MiniLM linear head?",
        "command": _common.command_line(),
        "date": _common.utc_timestamp(),
        "machine": _common.machine(threads=args.threads, load_average_at_start=load_average),
        "seconds_this_invocation": seconds,
        "setup": {
            "estimator": "minilm-l6, head='linear', batch_size=16, max_length=64, max_epochs=3, "
            "validation_fraction=0",
            "n_train": N_TRAIN,
            "n_test": N_TEST,
            "seeds": list(range(args.seeds)),
        },
        "results": rows,
    }
    drawn = functools.partial(plot, payload)
    args.out = _common.results_folder(args.out)
    _common.write_results(args.out, "head_learning_rate", payload, markdown(payload), drawn)
    print(f"wrote {args.out}/head_learning_rate.{{json,md,png}}")


def markdown(payload) -> str:
    by_pair = {}
    for row in payload["results"]:
        by_pair.setdefault((row["learning_rate"], row["head_learning_rate"]), {})[row["task"]] = row
    lines = [
        "# Learning rates of a linear head on MiniLM",
        "",
        f"Command: `{payload['command']}`; {payload['date']}; "
        f"{payload['machine']['cpu_count']} CPU cores, torch limited to "
        f"{payload['machine']['threads']} thread (runs resume from the cache). Estimator: "
        f"{payload['setup']['estimator']}; {payload['setup']['n_train']} training rows, "
        f"{payload['setup']['n_test']} test rows; mean ± sd over seeds "
        f"{payload['setup']['seeds']} (each seed draws its own training rows).",
        "",
        "| learning_rate (LoRA) | head_learning_rate | FPB macro-F1 (higher is better) | "
        "VADER movie residual var. / var. (lower is better) |",
        "|---|---|---|---|",
    ]
    for (learning_rate, head_learning_rate), tasks in by_pair.items():
        cells = [f"{tasks[t]['mean']:.3f} ± {tasks[t]['sd']:.3f}" for t in TASKS]
        default = " (default)" if (learning_rate, head_learning_rate) == (5e-4, 1e-2) else ""
        lines.append(
            f"| {learning_rate:g} | {head_learning_rate:g}{default} | " + " | ".join(cells) + " |"
        )
    lines.append("")
    return "\n".join(lines)


def plot(payload, path):
    plt = _common.pyplot()
    fig, axes = plt.subplots(1, len(TASKS), figsize=(12, 4.5))
    for ax, (task, (metric, better)) in zip(axes, TASKS.items(), strict=True):
        rows = [r for r in payload["results"] if r["task"] == task]
        names = [f"{r['learning_rate']:g}\n{r['head_learning_rate']:g}" for r in rows]
        ax.bar(range(len(rows)), [r["mean"] for r in rows], yerr=[r["sd"] for r in rows], capsize=3)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(names, fontsize=7)
        ax.set_xlabel("learning_rate (top) / head_learning_rate (bottom)")
        ax.set_ylabel(f"{metric} ({better} is better)")
        ax.set_title(task)
    _common.save_figure(fig, path)


if __name__ == "__main__":
    main()
