"""What the benchmarks share: their data (``load_dataset``), their replication loop
(``replicate``: serial, or on any joblib backend such as a Dask cluster), and what every
benchmark records about its run: the command, the time and the machine."""

from __future__ import annotations

import gzip
import json
import os
import platform
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

# Data without an open licence: kept in the repository beside the benchmarks, not in the wheel.
DATA = Path(__file__).resolve().parent / "data"
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
