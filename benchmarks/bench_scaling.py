"""Does streaming a pool from a file keep memory flat, and where does the time go?

Predicts N = 10k, 100k and 1M unlabelled synthetic short texts (5-20 words from a list of 200
English words, seeded) from a Parquet file (and, for the scikit-learn model, a CSV) into a
Parquet file with :func:`sklearn_llmrect.parallel.stream_predict` (chunks of 4,096 rows, the
default scratch chunk cache beside the output; the Parquet sources in row groups of 10,000
rows, since pyarrow holds a row group's pages while reading it), serially (1 worker: this
process) and on a 2-worker :func:`~sklearn_llmrect.parallel.scheduler_context`
``LocalCluster``, with two tiny models:

* ``hashing-ridge``: a fitted ``HashingVectorizer(2**18) + Ridge`` pipeline, the cost-free case
  (what remains is reading, hashing, caching and writing);
* ``tiny-llm``: :class:`~sklearn_llmrect.LLMRegressor` on the random 2-layer BERT of the tests
  (``tests/_tiny_models.py``: hidden size 16, the MiniLM WordPiece tokenizer), fitted for one
  epoch on 256 texts, so that every chunk is tokenized and goes through a real forward pass;
* ``tiny-features``: the default surrogate's shape, a
  :class:`~sklearn_llmrect.features.FrozenFeatures` (the same tiny BERT) + ``Ridge`` pipeline,
  which keeps every text's vector in the process-wide memory of text vectors, with its default
  bound (1 GiB) and, as ``tiny-features-32MiB``, with
  :func:`~sklearn_llmrect.caching.set_vector_memory_limit` at 32 MiB (in every worker too).

Every run is a fresh subprocess, so its peak resident set (``VmHWM`` of ``/proc/self/status``,
the driver's; the largest worker's through ``client.run``) is its own; the table gives the
driver's peak over the 10k run's, and its growth over the RSS measured just before streaming
(imports done, model loaded). The workers' imports are done before the clock starts; the
model's unpickling on each worker (for the LLM: loading the base model) is inside it. At 100k
rows each serial configuration is also timed by stage (reading, hashing the chunks for the
cache, the model, the rest: caching and writing), in a separate subprocess. One torch / BLAS
thread per process.

Usage::

    python benchmarks/bench_scaling.py                 # the benchmark (~10 min on 2 cores)
    python benchmarks/bench_scaling.py --quick         # 10k and 100k only (~2 min)
    python benchmarks/bench_scaling.py --report-only   # table and plot from results/scaling.json

Results: ``benchmarks/results/scaling.{json,md,png}``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np

ROOT = _common.ROOT
sys.path.insert(0, str(ROOT))

STEM = "scaling"
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
CHUNK_SIZE = 4096
TORCH_MODELS = ("tiny-llm", "tiny-features", "tiny-features-32MiB")
VECTOR_MEMORY_BOUND = {"tiny-features-32MiB": 32 * 1024**2}  # the others: the default
BREAKDOWN_SIZE = 100_000
ROW_GROUP = 10_000  # rows per Parquet row group, in every file
WORDS = (
    "the a of and to in is it that was for on are with as his they be at one have this from "
    "or had by hot word but what some we can out other were all there when up use your how said "
    "an each she which do their time if will way about many then them write would like so these "
    "her long make thing see him two has look more day could go come did number sound no most "
    "people my over know water than call first who may down side been now find any new work "
    "part take get place made live where after back little only round man year came show every "
    "good me give our under name very through just form great think say help low line differ "
    "turn cause much mean before move right boy old too same tell does set three want air well "
    "also play small end put home read hand port large spell add even land here must big high "
    "such follow act why ask men change went light kind off need house picture try us again "
    "animal point mother world near build self earth father head stand own page should country "
    "found answer school grow study still learn plant cover food sun four thought bad awful"
).split()


# ------------------------------------------------------------------------------- the data
def _texts(n: int, rng: np.random.Generator) -> list[str]:
    words = np.array(WORDS)
    picks = words[rng.integers(0, len(words), size=(n, 20))]
    lengths = rng.integers(5, 21, size=n)
    return [" ".join(row[:k]) for row, k in zip(picks, lengths, strict=True)]


def _score(texts: list[str]) -> np.ndarray:
    return np.array([t.count("good") + t.count("great") - t.count("bad") for t in texts], float)


def write_pool(path: Path, n: int, *, seed: int = 0, batch: int = ROW_GROUP) -> None:
    """N synthetic texts and an id column, written ``batch`` rows at a time (a Parquet row
    group each: pyarrow reads a row group at a time, so its size, not N, sets that memory)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        frame = pd.DataFrame(
            {"id": [f"doc-{i}" for i in range(start, stop)], "text": _texts(stop - start, rng)}
        )
        if path.suffix == ".csv":
            frame.to_csv(path, mode="w" if start == 0 else "a", header=start == 0, index=False)
            continue
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def fit_models(folder: Path) -> dict[str, str]:
    """The two fitted models, pickled into ``folder``: name -> file."""
    import joblib
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from sklearn_llmrect import LLMRegressor
    from sklearn_llmrect.features import FrozenFeatures
    from tests._tiny_models import tiny_model_paths

    texts = _texts(2000, np.random.default_rng(1))
    ridge = make_pipeline(HashingVectorizer(n_features=2**18), Ridge()).fit(texts, _score(texts))
    llm = LLMRegressor(
        model=tiny_model_paths()["bert"],
        max_epochs=1,
        batch_size=32,
        predict_batch_size=256,
        max_length=32,
        validation_fraction=0,
        dtype="float32",
        device="cpu",
        random_state=0,
    ).fit(texts[:256], _score(texts[:256]))
    features = FrozenFeatures(
        tiny_model_paths()["bert"], max_length=32, batch_size=256, dtype="float32", device="cpu"
    )
    frozen = make_pipeline(features, Ridge()).fit(texts[:256], _score(texts[:256]))
    files = {}
    for name, model in {"hashing-ridge": ridge, "tiny-llm": llm, "tiny-features": frozen}.items():
        files[name] = str(folder / f"{name}.joblib")
        joblib.dump(model, files[name])
    files["tiny-features-32MiB"] = files["tiny-features"]
    return files


# --------------------------------------------------------------------- one run, in a child
def _status_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (the peak) of this process, from ``/proc/self/status``.

    Not ``getrusage``: on Linux its ``ru_maxrss`` survives ``exec``, so a child started from a
    large parent reports the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_one(config: dict) -> dict:
    """Stream one file with one model on 1 or 2 workers; wall time and peak RSS."""
    _limit_threads(config)
    import joblib

    from sklearn_llmrect.caching import set_vector_memory_limit
    from sklearn_llmrect.parallel import scheduler_context, stream_predict

    bound = VECTOR_MEMORY_BOUND.get(config["model"])
    if bound is not None:
        set_vector_memory_limit(bound)
    model = joblib.load(config["model_file"])
    if config["model"] in TORCH_MODELS:
        model.predict(["warm up"])  # load the network here, not in the timed run
    baseline = _status_mb("VmRSS")
    started = time.perf_counter()
    with scheduler_context(workers=None if config["workers"] == 1 else config["workers"]) as client:
        if client is not None:  # the workers' imports done before the clock starts
            client.run(_warm_up, config["model"])
            if bound is not None:
                client.run(set_vector_memory_limit, bound)
        ready = time.perf_counter()
        summary = stream_predict(
            model,
            config["source"],
            text_column="text",
            id_columns=["id"],
            output=config["output"],
            chunk_size=CHUNK_SIZE,
            progress=False,
        )
        done = time.perf_counter()
        workers = None if client is None else client.run(_status_mb, "VmHWM")
    assert summary.n_rows == config["n"], summary
    return {
        **{k: config[k] for k in ("model", "format", "n", "workers")},
        "cluster_start_s": ready - started,
        "wall_s": done - ready,
        "rows_per_s": config["n"] / (done - ready),
        "rss_before_mb": baseline,
        "peak_rss_mb": _status_mb("VmHWM"),
        "worker_peak_rss_mb": None if workers is None else max(workers.values()),
        "n_chunks": summary.n_chunks,
    }


def _warm_up(model: str) -> None:
    """A worker's imports (torch and the package's models for the LLM)."""
    import sklearn.pipeline  # noqa: F401

    if model in TORCH_MODELS:
        import sklearn_llmrect.features  # noqa: F401
        import sklearn_llmrect.models.estimators  # noqa: F401


def _limit_threads(config: dict) -> None:
    """One thread: torch's too for the LLM (the scikit-learn run never imports torch)."""
    if config["model"] in TORCH_MODELS:
        _common.limit_threads(1)
    else:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)


def breakdown_one(config: dict) -> dict:
    """The serial run's stages, each timed over all chunks: reading, hashing, the model."""
    _limit_threads(config)
    import joblib

    from sklearn_llmrect.caching import set_vector_memory_limit
    from sklearn_llmrect.caching._memory import VECTOR_MEMORY
    from sklearn_llmrect.parallel import stream_predict
    from sklearn_llmrect.parallel._sources import open_source
    from sklearn_llmrect.parallel._stream import _chunk_key

    if config["model"] in VECTOR_MEMORY_BOUND:
        set_vector_memory_limit(VECTOR_MEMORY_BOUND[config["model"]])
    model = joblib.load(config["model_file"])
    model.predict(["warm up"])
    clock = time.perf_counter
    stages = dict.fromkeys(("read", "hash", "model"), 0.0)
    started = clock()
    chunks = open_source(config["source"], "text", ["id"]).chunks(CHUNK_SIZE)
    while True:
        t0 = clock()
        chunk = next(chunks, None)
        t1 = clock()
        stages["read"] += t1 - t0
        if chunk is None:
            break
        _chunk_key("model-key", "predict", chunk.texts)
        t2 = clock()
        model.predict(chunk.texts)
        stages["hash"] += t2 - t1
        stages["model"] += clock() - t2
    parts = clock() - started
    VECTOR_MEMORY.clear()  # the loop above filled it: the timed run computes every vector again
    t0 = clock()
    stream_predict(
        model,
        config["source"],
        text_column="text",
        id_columns=["id"],
        output=config["output"],
        chunk_size=CHUNK_SIZE,
        progress=False,
    )
    total = clock() - t0
    return {
        **{k: config[k] for k in ("model", "format", "n")},
        "total_s": total,
        **{f"{stage}_s": value for stage, value in stages.items()},
        "rest_s": max(total - parts, 0.0),  # caching the chunks and writing the output
    }


def _child(config: dict) -> dict:
    command = [sys.executable, __file__, "--child", json.dumps(config)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"{config}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ the report
def _table(results: list[dict]) -> str:
    base = {
        (r["model"], r["format"], r["workers"]): r["peak_rss_mb"] for r in results if r["n"] == 1e4
    }
    lines = [
        "| model | file | N | workers | wall s | rows/s | peak RSS MB | RSS / RSS(10k) | "
        "growth while streaming MB | largest worker's peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["peak_rss_mb"] / base.get((r["model"], r["format"], r["workers"]), np.nan)
        worker = r["worker_peak_rss_mb"]
        lines.append(
            f"| {r['model']} | {r['format']} | {r['n']:,} | {r['workers']} | {r['wall_s']:.1f} | "
            f"{r['rows_per_s']:,.0f} | {r['peak_rss_mb']:.0f} | {ratio:.3f} | "
            f"{r['peak_rss_mb'] - r['rss_before_mb']:.0f} | "
            f"{'-' if worker is None else f'{worker:.0f}'} |"
        )
    return "\n".join(lines)


def _breakdown_table(rows: list[dict]) -> str:
    lines = [
        "| model | file | N | total s | reading | hashing (cache keys) | model "
        "| caching + writing |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        share = {k: r[f"{k}_s"] / r["total_s"] for k in ("read", "hash", "model", "rest")}
        lines.append(
            f"| {r['model']} | {r['format']} | {r['n']:,} | {r['total_s']:.1f} | "
            + " | ".join(f"{r[f'{k}_s']:.2f} s ({share[k]:.0%})" for k in share)
            + " |"
        )
    return "\n".join(lines)


def markdown(payload: dict) -> str:
    machine = payload["machine"]
    return f"""# Streaming a pool from a file: time and memory

`{payload["command"]}`, {payload["date"]}, on {machine["platform"]} ({machine["cpu_count"]}
cores, shared: load average {machine["load_average_at_start"]:.1f} at the start,
{payload["load_average_at_end"]:.1f} at the end, so times are indicative). `stream_predict` with
chunks of {payload["chunk_size"]:,} rows into Parquet, the default scratch chunk cache; Parquet
sources in row groups of {payload["parquet_row_group"]:,} rows. 1 worker is the driver process
itself; 2 workers a `LocalCluster` of two one-thread processes (its start,
{payload["cluster_start_s"]:.1f} s on average, is not included).

{_table(payload["results"])}

Peak RSS is the driver's (`VmHWM` of `/proc/self/status`, each run a fresh process): it
includes the interpreter, the libraries and the model, which is why "growth while streaming"
(peak minus the RSS just before streaming) is given too. The largest worker's peak is its
`VmHWM`, read through `client.run` at the end. The workers' imports are done before the clock
starts; their unpickling of the model (for the LLM: loading the base model) is inside it.
`tiny-features` keeps every text's vector in the process-wide memory of text vectors, up to its
default bound of 1 GiB; `tiny-features-32MiB` is the same model with
`set_vector_memory_limit(32 * 1024**2)` in the driver and in every worker.

## Where the time goes (serial, {BREAKDOWN_SIZE:,} rows, each stage timed over every chunk)

{_breakdown_table(payload["breakdown"])}

Reading, hashing and the model are timed in a loop over the chunks; "caching + writing" is the
rest of a `stream_predict` run of the same file (so it also absorbs that run's noise).
"""


def plot(payload: dict, path: Path) -> None:
    plt = _common.pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    keys = sorted({(r["model"], r["format"], r["workers"]) for r in payload["results"]})
    for key in keys:
        rows = [r for r in payload["results"] if (r["model"], r["format"], r["workers"]) == key]
        label = f"{key[0]}, {key[1]}, {key[2]} worker{'s' * (key[2] > 1)}"
        n = [r["n"] for r in rows]
        style = "-" if key[2] == 1 else "--"
        left.plot(n, [r["wall_s"] for r in rows], style, marker="o", label=label)
        right.plot(n, [r["peak_rss_mb"] for r in rows], style, marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="texts (N)", ylabel="wall time (s)")
    right.set(xscale="log", xlabel="texts (N)", ylabel="driver's peak RSS (MB)", ylim=(0, None))
    left.set_title("time grows with N")
    right.set_title("memory does not (vectors: up to their bound)")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    right.legend(fontsize=7)
    _common.save_figure(figure, path)


# ------------------------------------------------------------------------------------ main
def _configs(sizes, files: dict, folder: Path) -> list[dict]:
    configs = []
    for model in ("hashing-ridge", *TORCH_MODELS):
        for fmt in ("parquet", "csv") if model == "hashing-ridge" else ("parquet",):
            both = fmt == "parquet" and model != "tiny-features"  # its 1 GiB bound: serial only
            for workers in (1, 2) if both else (1,):
                for n in sizes:
                    configs.append(
                        {
                            "model": model,
                            "model_file": files[model],
                            "format": fmt,
                            "n": n,
                            "workers": workers,
                            "source": str(folder / f"pool-{n}.{fmt}"),
                            "output": str(folder / f"out-{model}-{fmt}-{n}-{workers}.parquet"),
                        }
                    )
    return configs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--breakdown", help=argparse.SUPPRESS)
    _common.add_flags(parser, "--out", "--report-only")
    args = parser.parse_args(argv)
    args.out = _common.results_folder(args.out, args.quick)
    if args.child or args.breakdown:
        result = run_one(json.loads(args.child)) if args.child else None
        result = result or breakdown_one(json.loads(args.breakdown))
        print(json.dumps(result))
        return
    if args.report_only:
        _common.redraw(args.out, STEM, markdown, plot)
        return

    load_average = _common.load_average()
    sizes = QUICK_SIZES if args.quick else SIZES
    with tempfile.TemporaryDirectory(prefix="llmrect-scaling-") as scratch:
        folder = Path(scratch)
        files = fit_models(folder)
        for n in sizes:
            for fmt in ("parquet", "csv"):
                write_pool(folder / f"pool-{n}.{fmt}", n)
        results = []
        for config in _configs(sizes, files, folder):
            results.append(_child(config))
            Path(config["output"]).unlink()
            r = results[-1]
            print(
                f"{r['model']:>13} {r['format']:>7} N={r['n']:>9,} workers={r['workers']}: "
                f"{r['wall_s']:7.1f} s, {r['rows_per_s']:9,.0f} rows/s, "
                f"peak RSS {r['peak_rss_mb']:6.0f} MB",
                flush=True,
            )
        breakdown = []
        for config in _configs((BREAKDOWN_SIZE,), files, folder):
            if config["workers"] == 1:
                command = [sys.executable, __file__, "--breakdown", json.dumps(config)]
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                if done.returncode:
                    raise RuntimeError(done.stderr[-3000:])
                breakdown.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(breakdown[-1], flush=True)
    starts = [r["cluster_start_s"] for r in results if r["workers"] > 1]
    payload = {
        "command": _common.command_line(),
        "date": _common.utc_timestamp(),
        "machine": _common.machine(threads=1, load_average_at_start=load_average),
        "load_average_at_end": _common.load_average(),
        "chunk_size": CHUNK_SIZE,
        "parquet_row_group": ROW_GROUP,
        "cluster_start_s": float(np.mean(starts)) if starts else 0.0,
        "results": results,
        "breakdown": breakdown,
    }
    _common.write_results(args.out, STEM, payload, markdown(payload), lambda p: plot(payload, p))
    print(markdown(payload))


if __name__ == "__main__":
    main()
