"""What the throughput benchmarks share: the machine and its compute limit, the data and the
prompts, the timing, and the one report (JSON, Markdown table, PNG) that every throughput run
writes.

Each question is its own script, which supplies the sections it measures:
``bench_throughput_predict.py`` (is ``LLMRegressor.predict`` faster than a plain transformers
loop?) and ``bench_throughput_fit.py`` (is ``LLMRegressor.fit`` faster than ``Trainer`` + peft?);
``bench_throughput.py`` runs both in one run on one machine and checks the targets of issue 2.
``main`` runs the given sections between two matmul measurements, in the order of ``SECTIONS``,
and writes ``<out>/<stem>.json``, ``.md`` and ``.png``; ``--report-only`` rewrites the last two
from the first.
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np
import torch

DEFAULT_DATA = None  # the VADER movie snippets shipped with the package (_common.load_dataset)
MODEL = "smollm2-135m-instruct"
BASELINE_BATCH = 32
WARMUP_ROWS = 8
TARGETS = {
    "inference_ratio": 4.0,
    "inference_ratio_bfloat16": 1.3,
    "inference_fraction_of_limit": 0.5,
    "finetune_ratio": 2.0,
}
# What a run can measure, in the order it measures them (between the two matmul measurements).
SECTIONS = ("inference", "finetune", "large_model_inference")
INFERENCE_PARTS = ("inference", "large_model_inference")  # parts with a compute limit


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# -- the machine ----------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def machine_info(device: torch.device, dtype: torch.dtype) -> dict:
    import peft
    import transformers

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "logical_cores": os.cpu_count(),
        "cores_available": len(affinity) if affinity is not None else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_native_bf16": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        "load_average_at_start": _common.load_average(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "estimator_dtype": str(dtype).replace("torch.", ""),
    }


def _matmul_seconds(size: int, dtype, device, *, repeats: int, inner: int) -> float:
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    best = math.inf
    for _ in range(repeats):
        synchronize(device)
        started = time.perf_counter()
        for _ in range(inner):
            a @ b
        synchronize(device)
        best = min(best, (time.perf_counter() - started) / inner)
    return best


def matmul_gflops(dtype, device, *, budget_s: float = 1.0, repeats: int = 5) -> dict:
    """Best square-matmul GFLOP/s, growing the size while one product stays within budget.

    Emulated bf16 on a CPU without native support can be a hundred times slower than fp32, so
    the size is chosen by time instead of fixed. On a GPU, large products with several per timing
    keep launch overhead out of the number.
    """
    if device.type == "cuda":
        _matmul_seconds(4096, dtype, device, repeats=1, inner=2)  # warm-up, kernel selection
        size = 8192
        seconds = _matmul_seconds(size, dtype, device, repeats=repeats, inner=10)
    else:
        size = 256
        seconds = _matmul_seconds(size, dtype, device, repeats=1, inner=1)  # warm-up
        seconds = _matmul_seconds(size, dtype, device, repeats=1, inner=1)
        while size < 2048 and seconds * 8 < budget_s:
            size *= 2
            seconds = _matmul_seconds(size, dtype, device, repeats=1, inner=1)
        seconds = min(seconds, _matmul_seconds(size, dtype, device, repeats=repeats, inner=1))
    return {"gflops": 2 * size**3 / seconds / 1e9, "size": size}


def best_matmul(runs: list[dict]) -> dict:
    """Per dtype, the best of several measurements (the machine may be shared)."""
    return {name: max((run[name] for run in runs), key=lambda e: e["gflops"]) for name in runs[0]}


def measure_matmul(device, watch, name) -> dict:
    with watch(name):
        log("measuring matmul throughput")
        return {
            key: matmul_gflops(dtype, device)
            for key, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16))
        }


def add_compute_limit(part: dict, peaks: dict) -> None:
    """Tokens/s at the matmul peak of the estimator's dtype, and each method's share of it.

    A forward pass costs about 2 x (non-embedding parameters) FLOPs per token; the estimator
    computes only a few logits at the last position, so the output head is left out.
    """
    name = part["ours"]["dtype"]
    flops_per_token = 2 * part["non_embedding_parameters"]
    limit = {
        "dtype": name,
        "peak_gflops": peaks[name]["gflops"],
        "flops_per_token": flops_per_token,
        "tokens_per_s": peaks[name]["gflops"] * 1e9 / flops_per_token,
    }
    part["compute_limit"] = limit
    for record in (part[key] for key in ("ours", "baseline", "baseline_bfloat16") if key in part):
        record["fraction_of_limit"] = record["tokens_per_s"] / limit["tokens_per_s"]
    part["model_flops_utilisation"] = part["ours"]["fraction_of_limit"]
    part["baseline_model_flops_utilisation_float32"] = (
        part["baseline"]["tokens_per_s"] * flops_per_token / (peaks["float32"]["gflops"] * 1e9)
    )


# -- data and prompts -----------------------------------------------------------------------------
def load_snippets(path: Path | None, n_rows: int, seed: int) -> tuple[list[str], np.ndarray]:
    """A seeded random sample (without replacement) of VADER movie snippets and mean ratings:
    the shipped ones (``path`` None) or a ``*_GroundTruth.txt`` file."""
    if path is None:
        texts, ratings = _common.load_dataset("vader_movie")
    else:
        import pandas as pd

        frame = pd.read_csv(
            path, sep="\t", header=None, names=["id", "rating", "text"], quoting=3
        ).dropna()
        texts, ratings = frame["text"].astype(str).to_numpy(), frame["rating"].to_numpy()
    if n_rows > len(texts):
        raise ValueError(f"asked for {n_rows} rows but the data have only {len(texts)}.")
    rows = np.random.default_rng(seed).choice(len(texts), size=n_rows, replace=False)
    return [str(text) for text in texts[rows]], np.asarray(ratings[rows], dtype=np.float64)


def estimator_prompts(estimator, texts: list[str]) -> list[str]:
    return estimator._prompts(np.asarray(texts, dtype=object).reshape(-1, 1))


def chat_texts(tokenizer, prompts: list[str], use_chat: bool) -> list[str]:
    """The chat-templated strings, exactly as ``_network.encode_prompts`` builds them."""
    if not use_chat:
        return list(prompts)
    return [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        for prompt in prompts
    ]


# -- verdicts and reports -------------------------------------------------------------------------
def verdicts(results: dict) -> dict:
    checks = {}
    if "inference" in results:
        checks["inference_ratio"] = results["inference"]["ratio"]
        if "ratio_bfloat16" in results["inference"]:
            checks["inference_ratio_bfloat16"] = results["inference"]["ratio_bfloat16"]
        checks["inference_fraction_of_limit"] = results["inference"]["ours"]["fraction_of_limit"]
    if "finetune" in results:
        checks["finetune_ratio"] = results["finetune"]["ratio"]
    return {
        name: {"target": TARGETS[name], "value": value, "met": bool(value >= TARGETS[name])}
        for name, value in checks.items()
    }


def to_jsonable(value):
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _dtype_line(results: dict) -> str:
    dtype = results["machine"]["estimator_dtype"]
    line = f'- The estimator\'s `dtype="auto"` resolves to **{dtype}** here'
    if "inference" not in results:
        return line
    limit = results["inference"]["compute_limit"]
    return (
        f"{line}, so the SmolLM2 compute limit is {limit['peak_gflops']:,.1f} GFLOP/s / (2 x "
        f"{results['inference']['non_embedding_parameters'] / 1e6:.1f}e6 non-embedding "
        f"parameters) = **{limit['tokens_per_s']:,.0f} tokens/s**"
    )


def _machine_lines(results: dict) -> list[str]:
    machine, matmul = results["machine"], results["matmul"]
    native = "yes" if machine["cpu_native_bf16"] else "no (bf16 is emulated, hence slow)"
    flags = ", ".join(machine["cpu_flags"]) or "unknown"
    return [
        f"- CPU: {machine['cpu_model']}, {machine['cores_available']} cores available to this "
        f"process, torch uses {machine['torch_threads']} threads; flags: {flags}; "
        f"native bf16: {native}",
        f"- GPU: {machine['gpu'] or 'none'}; benchmark device: `{machine['device']}`",
        f"- 1-minute load average when the run started: {_number(machine['load_average_at_start'])}"
        f" on {machine['cores_available']} cores (near 0: a quiet machine; otherwise other "
        "processes competed for the CPU and every number here is pessimistic)",
        "- Matmul peak measured in this run: "
        + ", ".join(
            f"{name} {entry['gflops']:,.1f} GFLOP/s ({entry['size']}x{entry['size']})"
            for name, entry in matmul.items()
        ),
        _dtype_line(results),
        f"- torch {machine['torch']}, transformers {machine['transformers']}, "
        f"peft {machine['peft']}, Python {machine['python']}",
    ]


def _inference_rows(label: str, part: dict) -> list[str]:
    ours, base, limit = part["ours"], part["baseline"], part["compute_limit"]
    bf16 = part.get("baseline_bfloat16")
    ratio = f"{part['ratio']:.2f}x"
    if bf16 is not None:
        ratio += f" (bf16 loop: {part['ratio_bfloat16']:.2f}x)"
    rows = [
        f"| {label} | `LLMRegressor.predict` ({ours['dtype']}) | "
        f"{ours['tokens_per_s']:,.0f} tokens/s | {ratio} | "
        f"{ours['fraction_of_limit']:.0%} |",
        f"| {label} | transformers float32, batch {BASELINE_BATCH}, full logits | "
        f"{base['tokens_per_s']:,.0f} tokens/s | 1x | {base['fraction_of_limit']:.0%} |",
    ]
    if bf16 is not None:
        rows.append(
            f"| {label} | transformers bfloat16, batch {BASELINE_BATCH}, full logits | "
            f"{bf16['tokens_per_s']:,.0f} tokens/s | "
            f"{bf16['tokens_per_s'] / base['tokens_per_s']:.2f}x | "
            f"{bf16['fraction_of_limit']:.0%} |"
        )
    return [
        *rows,
        f"| {label} | compute limit ({limit['dtype']} matmul peak / 2N) | "
        f"{limit['tokens_per_s']:,.0f} tokens/s | | 100% |",
    ]


def _epochs(part: dict) -> str:
    epochs = part.get("epochs", 1)  # results from before --epochs ran one
    return f"{epochs} epoch{'s' * (epochs != 1)}"


def _finetune_rows(part: dict) -> list[str]:
    ours, base, epochs = part["ours"], part["baseline"], _epochs(part)
    rows = [
        f"| fine-tuning, SmolLM2-135M | `LLMRegressor.fit`, {epochs} ({ours['dtype']}) | "
        f"{ours['examples_per_s']:.2f} examples/s | {part['ratio']:.2f}x | |",
        f"| fine-tuning, SmolLM2-135M | `Trainer` + peft, {epochs} (float32) | "
        f"{base['examples_per_s']:.2f} examples/s | 1x | |",
    ]
    if "baseline_bfloat16" in part:
        bf16 = part["baseline_bfloat16"]
        rows.append(
            f"| fine-tuning, SmolLM2-135M | `Trainer` + peft, {epochs} (bf16=True) | "
            f"{bf16['examples_per_s']:.2f} examples/s | "
            f"{bf16['examples_per_s'] / base['examples_per_s']:.2f}x | |"
        )
    return rows


def _check_lines(results: dict) -> list[str]:
    lines, loading = [], []
    inference = results.get("inference")
    if inference:
        ceiling = inference["compute_limit"]["tokens_per_s"] / inference["baseline"]["tokens_per_s"]
        lines += [
            f"- Both inference runs read the same prompts: {inference['ours']['tokens']:,} real "
            f"prompt tokens (ours) and {inference['baseline']['tokens']:,} (baseline); "
            f"identical: {'yes' if inference['same_tokens'] else 'NO'}.",
            f"- Predictions agree: max |ours - baseline| = "
            f"{inference['max_abs_prediction_difference']:.2e}, correlation "
            f"{inference['prediction_correlation']:.6f}.",
        ]
        bf16 = inference.get("baseline_bfloat16")
        if bf16 is not None:
            lines.append(
                "- The transformers bf16 loop differs from the float32 one by as much (max "
                f"{bf16['max_abs_prediction_difference_to_float32']:.2e}): the gap is bf16 "
                "rounding, not the estimator."
            )
        lines += [
            f"- Zero-shot correlation with the human ratings (context, not a target): "
            f"{inference['zero_shot_correlation_with_ratings']:.3f}.",
            f"- At this machine's compute limit the best possible inference ratio against this "
            f"baseline is {ceiling:.2f}x.",
        ]
        loading += [
            f"ours {inference['ours']['load_s']:.1f} s (zero-shot fit)",
            f"baseline {inference['baseline']['load_s']:.1f} s",
        ]
    finetune = results.get("finetune")
    if finetune:
        lines += [
            f"- Our fit time (MSE loss, as the Trainer's) includes copying the base model and "
            f"adding the LoRA adapters; the epochs alone ran at "
            f"{finetune['ours']['epoch_examples_per_s']:.2f} examples/s "
            f"({finetune['epoch_only_ratio']:.2f}x the float32 Trainer).",
            f"- The Trainer really trained: optimizer steps {finetune['baseline']['steps']}, LoRA "
            f"B norm {finetune['baseline']['lora_B_norm_after']:.3g} (initialised to 0), training "
            f"loss {finetune['baseline']['train_loss']:.3g}.",
        ]
        if "held_out" in finetune["ours"]:
            fits = {"ours": finetune["ours"], "Trainer float32": finetune["baseline"]}
            if "baseline_bfloat16" in finetune:
                fits["Trainer bf16=True"] = finetune["baseline_bfloat16"]
            scores = "; ".join(
                f"{name} Pearson r {fit['held_out']['pearson_r']:.3f}, RMSE "
                f"{fit['held_out']['rmse']:.3f}"
                for name, fit in fits.items()
            )
            lines.append(
                f"- Quality of the fits ({_epochs(finetune)}) on {finetune['n_held_out']} "
                f"held-out snippets: {scores}."
            )
        loading.append(f"Trainer model {finetune['baseline']['load_s']:.1f} s")
    lines.append(f"- Model loading, excluded from all timings: {', '.join(loading)}.")
    large = results.get("large_model_inference", {"skipped": True})
    if not large.get("skipped"):
        lines.append(
            f"- 1.5B model FLOPs utilisation: ours {large['model_flops_utilisation']:.1%} "
            f"({large['ours']['dtype']}), baseline "
            f"{large['baseline_model_flops_utilisation_float32']:.1%} of the float32 peak."
        )
    return lines


def _data_sentence(results: dict) -> str:
    settings = results["settings"]
    texts = f"{settings['n_texts']:,} VADER movie snippets for inference"
    if "inference" in results and "finetune" in results:
        return f"{texts}, {settings['n_train']} for fine-tuning"
    if "inference" in results:
        return texts
    return f"{settings['n_train']} VADER movie snippets for fine-tuning"


def markdown_report(results: dict) -> str:
    settings = results["settings"]
    lines = ["# Throughput: sklearn_llmrect against plain transformers", ""]
    if results["quick"]:
        lines += ["**Quick smoke run (`--quick`): too few texts for the numbers to be final.**", ""]
    lines += [
        f"Run {results['date']} with `{results['command']}`: {_data_sentence(results)} (seed "
        f"{settings['seed']}), model `{MODEL}`. Total wall time "
        f"{sum(results['section_seconds'].values()) / 60:.1f} min.",
        "",
        "## What this machine is",
        "",
        *_machine_lines(results),
        "",
        "## Results",
        "",
        "| part | method | throughput | ours / baseline | fraction of compute limit |",
        "|---|---|---|---|---|",
    ]
    if "inference" in results:
        lines += _inference_rows("inference, SmolLM2-135M", results["inference"])
    if "finetune" in results:
        lines += _finetune_rows(results["finetune"])
    large = results.get("large_model_inference")
    if large is not None and large.get("skipped"):
        lines.append(f"| inference, 1.5B random Llama | skipped: {large['reason']} | | | |")
    elif large is not None:
        lines += _inference_rows("inference, 1.5B random Llama (GPU)", large)
    lines += ["", "## Targets (issue 2)", ""]
    names = {
        "inference_ratio": "inference tokens/s, ours / baseline",
        "inference_ratio_bfloat16": "inference tokens/s, ours / the transformers bf16 loop",
        "inference_fraction_of_limit": "inference, ours as a fraction of the compute limit",
        "finetune_ratio": "fine-tuning examples/s, ours / Trainer",
    }
    for name, verdict in results["targets"].items():
        shown = (
            f"{verdict['value']:.0%} (target {verdict['target']:.0%})"
            if name.endswith("limit")
            else f"{verdict['value']:.2f}x (target {verdict['target']:g}x)"
        )
        state = "met" if verdict["met"] else "**not met**"
        lines.append(f"- {names[name]}: {shown}: {state}")
    lines.append(f"- dtype of the estimator in this run: {results['machine']['estimator_dtype']}")
    lines += ["", "## Checks", "", *_check_lines(results), ""]
    return "\n".join(lines)


def _bars(axis, labels, values, unit, limit=None):
    bars = axis.bar(labels, values, color=["tab:blue", "tab:gray", "tab:olive"][: len(values)])
    for bar, value in zip(bars, values, strict=True):
        axis.annotate(
            f"{value:,.0f}" if value >= 100 else f"{value:.3g}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
        )
    if limit is not None:
        axis.axhline(limit, color="tab:red", linestyle="--", label=f"compute limit {limit:,.0f}")
        axis.legend(loc="upper right")
    axis.set_ylabel(unit)
    axis.set_ylim(top=1.2 * max([*values, limit or 0]))


def plot(results: dict, path: Path) -> None:
    plt = _common.pyplot()
    panels = []  # (title, part, kind), in the order of the sections
    if "inference" in results:
        panels.append(("SmolLM2-135M inference", results["inference"], "inference"))
    if "finetune" in results:
        panels.append(("SmolLM2-135M LoRA fine-tuning", results["finetune"], "finetune"))
    large = results.get("large_model_inference", {"skipped": True})
    if not large.get("skipped"):
        panels.append(("1.5B random Llama inference", large, "inference"))
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.2), squeeze=False)
    for axis, (title, part, kind) in zip(axes[0], panels, strict=True):
        if kind == "inference":
            labels = [f"ours ({part['ours']['dtype']})", "transformers\nfloat32"]
            values = [part["ours"]["tokens_per_s"], part["baseline"]["tokens_per_s"]]
            if "baseline_bfloat16" in part:
                labels.append("transformers\nbfloat16")
                values.append(part["baseline_bfloat16"]["tokens_per_s"])
            _bars(
                axis,
                labels,
                values,
                "prompt tokens / s",
                limit=part["compute_limit"]["tokens_per_s"],
            )
            axis.set_title(
                f"{title}: {part['ratio']:.2f}x,\n"
                f"{part['ours']['fraction_of_limit']:.0%} of the compute limit"
            )
        else:
            labels = [f"ours ({part['ours']['dtype']})", "Trainer + peft\nfloat32"]
            values = [part["ours"]["examples_per_s"], part["baseline"]["examples_per_s"]]
            if "baseline_bfloat16" in part:
                labels.append("Trainer + peft\nbf16=True")
                values.append(part["baseline_bfloat16"]["examples_per_s"])
            _bars(axis, labels, values, "training examples / s")
            axis.set_title(f"{title},\n{_epochs(part)}: {part['ratio']:.2f}x")
    machine = results["machine"]
    suptitle = (
        f"{machine['gpu'] or machine['cpu_model']}, {machine['torch_threads']} threads, "
        f"estimator dtype {machine['estimator_dtype']}"
    )
    figure.suptitle(suptitle + (" (quick smoke run)" if results["quick"] else ""))
    _common.save_figure(figure, path)


def write_outputs(results: dict, out: Path, stem: str) -> None:
    drawn = functools.partial(plot, results)
    jsonable = to_jsonable(results)
    _common.write_results(out, stem, jsonable, markdown_report(results), drawn, end="\n")
    log(f"wrote {out / (stem + '.json')}, {stem}.md and {stem}.png")


# -- main -----------------------------------------------------------------------------------------
def parse_args(argv=None, doc: str = __doc__) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 64 texts, 32 rows")
    parser.add_argument("--n-texts", type=int, help="inference texts (default 2000; quick 64)")
    parser.add_argument("--n-train", type=int, help="fine-tuning rows (default 128; quick 32)")
    parser.add_argument("--epochs", type=int, help="fine-tuning epochs (default 3; quick 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data sample")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="VADER movie snippets (default: shipped)"
    )
    _common.add_flags(parser, "--out")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu', 'cuda', ...")
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    args.n_texts = args.n_texts or (64 if args.quick else 2000)
    args.n_train = args.n_train or (32 if args.quick else 128)
    args.epochs = args.epochs or (1 if args.quick else 3)
    args.out = _common.results_folder(args.out, args.quick)
    return args


class Stopwatch:
    """Wall time of each named section of the run."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str):
        watch = self

        class _Section:
            def __enter__(self):
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                watch.seconds[name] = time.perf_counter() - self.started

        return _Section()


def main(argv, sections: dict, stem: str, doc: str) -> dict:
    """Measure ``sections`` (name: function of the run's setting, returning that part of the
    results) in the order of ``SECTIONS`` and write ``<out>/<stem>.*``; ``doc`` is the script's
    docstring, for ``--help``."""
    args = parse_args(argv, doc)
    if args.report_only:
        return _common.redraw(args.out, stem, markdown_report, plot)
    from transformers.utils import logging as hf_logging

    from sklearn_llmrect.models.backbones import _resolve_source, resolve_device, resolve_dtype

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    device = resolve_device(args.device)
    dtype = resolve_dtype("auto", device)
    watch = Stopwatch()
    results = {
        "command": _common.command_line(),
        "date": _common.utc_timestamp(),
        "quick": args.quick,
        "settings": {
            "n_texts": args.n_texts,
            "n_train": args.n_train,
            "epochs": args.epochs,
            "seed": args.seed,
        },
        "data": args.data or "sklearn_llmrect.datasets.load_vader_snippets('movie')",
        "machine": machine_info(device, dtype),
    }
    texts, ratings = load_snippets(args.data, args.n_texts + args.n_train, args.seed)
    matmul_runs = [measure_matmul(device, watch, "matmul_start")]
    run = SimpleNamespace(
        device=device,
        folder=_resolve_source(MODEL, None)[0],  # None: as load_backbone decides
        infer_x=texts[: args.n_texts],
        infer_y=ratings[: args.n_texts],
        train_x=texts[args.n_texts :],
        train_y=ratings[args.n_texts :],
        epochs=args.epochs,
    )
    for name in SECTIONS:
        if name in sections:
            with watch(name):
                results[name] = sections[name](run)
    matmul_runs.append(measure_matmul(device, watch, "matmul_end"))
    results["matmul_runs"] = matmul_runs
    results["matmul"] = best_matmul(matmul_runs)
    for name in INFERENCE_PARTS:
        if name in results and not results[name].get("skipped"):
            add_compute_limit(results[name], results["matmul"])
    results["targets"] = verdicts(results)
    results["section_seconds"] = watch.seconds
    write_outputs(results, args.out, stem)
    print(markdown_report(results))
    return results
