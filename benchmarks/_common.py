"""What the benchmarks share.

* Their data: ``load_dataset`` (the package's loaders, or ``benchmarks/data/`` for the datasets
  without an open licence).
* Their replication loop: ``replicate`` (serial, or on any joblib backend such as a Dask cluster).
* How they run: the flags that mean the same in every script that takes them (``add_flags``:
  ``--out``, ``--threads``, ``--jobs``, ``--report-only``) and ``limit_threads``.
* What every benchmark records about its run: the command, the time and the machine
  (``command_line``, ``utc_timestamp``, ``machine``, ``load_average``, ``describe_machine``).
* Where and how they write their results: ``<out>/<stem>.json``, ``.md`` and ``.png``
  (``results_folder``: ``benchmarks/results``, or ``benchmarks/cache/quick`` for a ``--quick``
  smoke run; ``write_results``, ``read_results``, and ``redraw``: a ``--report-only`` rewrite of
  the table and plot from the JSON), the figure on matplotlib's file backend (``pyplot``,
  ``save_figure``).

The scripts import it as ``import _common`` (their folder is on ``sys.path`` when run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Data without an open licence: kept in the repository beside the benchmarks, not in the wheel.
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"  # the committed results
CACHE = ROOT / "benchmarks" / "cache"  # what a rerun resumes from (not committed)
HEADLINE_COLUMNS = {
    "up": "Price Direction Up",
    "down": "Price Direction Down",
    "compare": "Asset Comparision",
}
DATASETS = (
    "vader_movie",
    "vader_amazon",
    "emobank",
    "emobank_v",
    "emobank_a",
    "politeness",
    "fpb",
    *(f"headlines_{key}" for key in HEADLINE_COLUMNS),
    "pubmedqa",
    "medqa",
)


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(texts, labels) of the benchmark dataset ``name``, one of ``DATASETS``.

    Labels are floats (ratings) or strings (classes). The shipped datasets come from the
    package's loaders (``sklearn_llmrect.datasets``), the others from ``benchmarks/data/``:
    ``vader_movie``, ``vader_amazon`` (mean rating), ``emobank`` / ``emobank_v`` (valence),
    ``emobank_a`` (arousal), ``politeness`` (Wikipedia then Stack Exchange, normalised score),
    ``fpb`` (Financial PhraseBank 50Agree, first occurrence of each sentence),
    ``headlines_up`` / ``_down`` / ``_compare`` (gold-news headlines, "yes" / "no"),
    ``pubmedqa`` ("Abstract: ...\nQuestion: ..." texts, yes / no / maybe) and ``medqa`` (the
    question and its lettered options, the answer letter).
    """
    from sklearn_llmrect import datasets

    if name in ("vader_movie", "vader_amazon"):
        return datasets.load_vader_snippets(name.split("_")[1], return_X_y=True)
    if name in ("emobank", "emobank_v", "emobank_a"):
        texts, target = datasets.load_emobank("A" if name == "emobank_a" else "V", return_X_y=True)
        keep = texts != "None"  # the committed results read it with pandas, for which it is NaN
        return texts[keep], target[keep]
    if name == "politeness":
        return datasets.load_politeness(return_X_y=True)
    if name == "fpb":
        texts, labels = datasets.load_financial_phrasebank("50", return_X_y=True)
        _, first = np.unique(texts, return_index=True)
        first.sort()
        return texts[first], labels[first].astype(str)
    if name.startswith("headlines_") and name[len("headlines_") :] in HEADLINE_COLUMNS:
        return load_headlines(HEADLINE_COLUMNS[name[len("headlines_") :]])
    if name == "pubmedqa":
        bunch = datasets.load_pubmedqa()
        texts = [
            f"Abstract: {' '.join(context)}\nQuestion: {question}"
            for context, question in zip(bunch.contexts, bunch.data, strict=True)
        ]
        return np.asarray(texts, dtype=object), bunch.target.astype(str)
    if name == "medqa":
        return load_medqa()
    raise ValueError(f"unknown dataset {name!r}; known: {list(DATASETS)}")


def load_headlines(column: str = "Price Direction Up") -> tuple[np.ndarray, np.ndarray]:
    """The gold-news headlines (Sinha & Khandait; no open licence, so ``benchmarks/data/``),
    first occurrence of each, with "yes" / "no" for the 0/1 ``column``."""
    import pandas as pd

    path = DATA / "gold_news_headlines" / "gold-dataset-sinha-khandait.tsv.gz"
    frame = pd.read_csv(path, sep="\t").drop_duplicates("News")
    texts = frame["News"].astype(str).str.strip().to_numpy(dtype=object)
    return texts, np.where(frame[column].to_numpy() == 1, "yes", "no")


def load_medqa() -> tuple[np.ndarray, np.ndarray]:
    """MedQA USMLE (4 options, test split; not in the wheel, see its ``SOURCE.md``): the
    question with its lettered options, and the answer letter."""
    path = DATA / "medqa_usmle" / "phrases_no_exclude_test.jsonl.gz"
    texts, labels = [], []
    for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
        item = json.loads(line)
        options = "\n".join(f"{k}. {v}" for k, v in sorted(item["options"].items()))
        texts.append(f"Question: {item['question']}\nOptions:\n{options}")
        labels.append(item["answer_idx"])
    return np.asarray(texts, dtype=object), np.asarray(labels)


def replicate(function, n_replications: int, *args, seed=0, n_jobs=None, **kwargs) -> list:
    """``[function(r, seed_r, *args, **kwargs) for r in range(n_replications)]``, on joblib.

    Each replication's seed is drawn before any replication runs (``seed_r`` is the ``r``-th
    child of ``numpy.random.SeedSequence(seed)``, for ``numpy.random.default_rng(seed_r)``), so
    the results are the same whichever backend runs them and in whatever order: serially by
    default (``n_jobs=None`` outside a joblib context), on local processes with ``n_jobs=-1``,
    or on a Dask cluster inside ``sklearn_llmrect.parallel.scheduler_context`` (or
    ``joblib.parallel_backend("dask")``). ``function`` must be picklable for the last two (a
    module-level function; Dask's cloudpickle also sends a lambda).

    Examples
    --------
    >>> import numpy as np
    >>> draws = replicate(lambda r, seed: np.random.default_rng(seed).integers(100), 3, seed=0)
    >>> draws == replicate(lambda r, seed: np.random.default_rng(seed).integers(100), 3, seed=0)
    True
    """
    from joblib import Parallel, delayed

    seeds = np.random.SeedSequence(seed).spawn(int(n_replications))
    return Parallel(n_jobs=n_jobs)(
        delayed(function)(r, seeds[r], *args, **kwargs) for r in range(int(n_replications))
    )


def command_line() -> str:
    """The command that ran this benchmark, quoted so that it can be pasted into a shell."""
    return " ".join(shlex.quote(part) for part in ["python", *sys.argv])


def utc_timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_average() -> float | None:
    """The 1-minute load average; taken before the run's own work, it shows competing load."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def machine(*, threads: int | None = None, load_average_at_start: float | None = None) -> dict:
    """The platform, the processor, the core count, and the run's threads and starting load."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_average_at_start,
        "threads": threads,
    }


def describe_machine(machine: dict | str) -> str:
    """``machine()``'s record in words ("x86_64, 2 cores, load 1.1 at the start"); a string (as
    older results recorded it) is returned as it is."""
    if isinstance(machine, str):
        return machine
    words = f"{machine['processor']}, {machine['cpu_count']} cores"
    if machine.get("load_average_at_start") is not None:
        words += f", load {machine['load_average_at_start']:.1f} at the start"
    return words


# -- how a benchmark runs --------------------------------------------------------------------------
FLAGS = {
    "--out": {
        "type": Path,
        "default": None,
        "help": "results folder (default: benchmarks/results; --quick: benchmarks/cache/quick)",
    },
    "--threads": {"type": int, "default": 1, "help": "torch / BLAS threads"},
    "--jobs": {"type": int, "default": 2, "help": "joblib workers for the replications"},
    "--report-only": {
        "action": "store_true",
        "help": "rewrite the Markdown and PNG from the saved results, run nothing",
    },
}


def add_flags(parser: argparse.ArgumentParser, *flags: str, **changes: dict) -> None:
    """Add the ``FLAGS`` that mean the same in every benchmark taking them, in the given order;
    ``changes`` maps a flag's name (``out``, ``report_only``) to keyword arguments that differ,
    e.g. ``out={"default": None}``."""
    for flag in flags:
        parser.add_argument(flag, **{**FLAGS[flag], **changes.get(flag[2:].replace("-", "_"), {})})


def results_folder(out: Path | None, quick: bool = False) -> Path:
    """Where a run writes its results: ``out`` when the user named one (``--out``); otherwise the
    committed ``benchmarks/results``, or ``benchmarks/cache/quick`` for a ``--quick`` smoke run,
    so that a smoke run never overwrites the committed results. Both runs use the same file
    names."""
    if out is not None:
        return out
    return CACHE / "quick" if quick else RESULTS


def limit_threads(threads: int, *, blas: bool = True) -> None:
    """Run torch on ``threads`` threads (and the BLAS / OpenMP pools too, with ``blas``), with the
    Hugging Face hub offline unless the environment says otherwise."""
    import torch

    torch.set_num_threads(threads)
    if blas:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


# -- what it writes --------------------------------------------------------------------------------
def write_json(path: Path, payload, *, indent: int = 2, end: str = "", **dumps) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=indent, **dumps) + end)


def write_results(out: Path, stem: str, payload, markdown: str, plot, **json_options) -> None:
    """A benchmark's results: ``<out>/<stem>.json`` (``payload``; left as it is when ``None``,
    as in a rewrite from that file), ``<stem>.md`` (the text ``markdown``) and ``<stem>.png``
    (``plot(path)`` draws it). ``json_options`` go to ``write_json``."""
    out.mkdir(parents=True, exist_ok=True)
    if payload is not None:
        write_json(out / f"{stem}.json", payload, **json_options)
    (out / f"{stem}.md").write_text(markdown)
    plot(out / f"{stem}.png")


def read_results(out: Path, stem: str) -> dict:
    """The saved ``<out>/<stem>.json``, for a ``--report-only`` rewrite of its table and plot."""
    return json.loads((out / f"{stem}.json").read_text())


def redraw(out: Path, stem: str, markdown, plot) -> dict:
    """``--report-only``: rewrite ``<out>/<stem>.md`` (``markdown(payload)``) and ``.png``
    (``plot(payload, path)``) from the saved JSON, which stays as it is; returns the payload."""
    payload = read_results(out, stem)
    write_results(out, stem, None, markdown(payload), lambda path: plot(payload, path))
    return payload


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend: the figures go to files only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path: Path, *, dpi: int = 120) -> None:
    """Lay the figure out, write it to ``path`` and close it."""
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    pyplot().close(figure)
