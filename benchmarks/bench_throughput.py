"""Throughput of LLMRegressor against the code a user would otherwise write, side by side.

Why: the estimators are only worth using if they are at least as fast as hand-written
transformers code. This script measures, in one run on one machine:

1. **The machine's compute limit.** Square-matmul throughput in float32 and bfloat16 (best of a
   few), and from it the tokens/s a forward pass can reach at best in the dtype the estimator
   actually uses (``resolve_dtype("auto")``): peak FLOP/s / (2 x non-embedding parameters).
2. **Zero-shot inference** over VADER movie snippets (``--n-texts``, default 2,000) with
   SmolLM2-135M-Instruct: ``LLMRegressor(max_epochs=0).predict`` (length-sorted batches, last
   position only, autocast) against plain transformers in float32, fixed batches of 32 in data
   order, padding to the longest, full logits, reading the digit distribution at the last position.
   Both get the same prompt strings, so both predictions must agree; their difference is reported.
   Tokens are the real (non-padding) prompt tokens, identical for both.
3. **LoRA fine-tuning** (one epoch, batch 16, r=8, alpha=16 on q_proj/v_proj): ``LLMRegressor.fit``
   against a ``transformers.Trainer`` + ``peft`` recipe on the same model and data. Model loading is
   excluded from both timings.
4. **On a CUDA GPU only**, the inference comparison again with a ~1.5B-parameter Llama-style model
   built from a config (random weights), with its model FLOPs utilisation. Without a GPU this part
   is recorded as skipped.

Results go to ``<out>/throughput.json``, ``throughput.md`` and ``throughput.png``.

Usage::

    python benchmarks/bench_throughput.py            # the full benchmark
    python benchmarks/bench_throughput.py --quick    # a small smoke run (64 texts, 32 rows)
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shlex
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = None  # the VADER movie snippets shipped with the package (_common.load_dataset)
MODEL = "smollm2-135m-instruct"
BASELINE_BATCH = 32
TRAIN_BATCH = 16
LORA = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]}
LEARNING_RATE = 5e-4
WARMUP_ROWS = 8
TARGETS = {"inference_ratio": 4.0, "inference_fraction_of_limit": 0.5, "finetune_ratio": 2.0}
# A Qwen2-1.5B-shaped Llama: about 1.54e9 parameters, 1.31e9 outside the embeddings.
LARGE_CONFIG = {
    "hidden_size": 1536,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "intermediate_size": 8960,
    "vocab_size": 151936,
    "max_position_embeddings": 4096,
    "tie_word_embeddings": True,
}


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


def load_average() -> float | None:
    """The 1-minute load average; taken before the run's own work, it shows competing load."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


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
        "load_average_at_start": load_average(),
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


def non_embedding_parameters(model) -> int:
    """Parameters outside the token embeddings and an untied output head."""
    unique = {id(p): p.numel() for p in model.parameters()}
    embedding = model.get_input_embeddings().weight
    excluded = {id(embedding)}
    output = model.get_output_embeddings()
    if output is not None:
        excluded.add(id(output.weight))
    return int(sum(n for key, n in unique.items() if key not in excluded))


def best_matmul(runs: list[dict]) -> dict:
    """Per dtype, the best of several measurements (the machine may be shared)."""
    return {name: max((run[name] for run in runs), key=lambda e: e["gflops"]) for name in runs[0]}


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
    for record in (part["ours"], part["baseline"]):
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
        import _common  # benchmarks/_common.py: this script's folder is on sys.path

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


def estimator_token_count(estimator, prompts: list[str]) -> int:
    from sklearn_llmrect import _network

    ids, _ = _network.encode_prompts(
        estimator._tokenizer,
        prompts,
        max_length=estimator.max_length,
        is_causal=True,
        chat=estimator.use_chat_,
    )
    return int(sum(len(row) for row in ids))


# -- inference ------------------------------------------------------------------------------------
def ours_inference(spec, texts, fit_texts, fit_y, device) -> tuple[object, np.ndarray, dict]:
    """Zero-shot ``LLMRegressor``: time ``fit`` (loading) and ``predict`` separately."""
    from sklearn_llmrect import LLMRegressor

    started = time.perf_counter()
    estimator = LLMRegressor(model=spec, max_epochs=0, random_state=0, device=str(device))
    estimator.fit(fit_texts, fit_y)
    load_s = time.perf_counter() - started
    estimator.predict(texts[:WARMUP_ROWS])
    started = time.perf_counter()
    prediction = estimator.predict(texts)
    seconds = time.perf_counter() - started
    return estimator, prediction, {"load_s": load_s, "seconds": seconds}


def _baseline_predict(prompts, model, tokenizer, digit_ids, values, device, use_chat):
    """Template, tokenize and run fixed batches in data order; (predictions, real tokens)."""
    texts = chat_texts(tokenizer, prompts, use_chat)
    predictions, n_tokens = [], 0
    for start in range(0, len(texts), BASELINE_BATCH):
        batch = tokenizer(
            texts[start : start + BASELINE_BATCH],
            return_tensors="pt",
            padding=True,
            add_special_tokens=not use_chat,
        ).to(device)
        with torch.no_grad():
            logits = model(**batch).logits
        probabilities = torch.softmax(logits[:, -1, digit_ids].float(), dim=-1)
        predictions.append((probabilities @ values).cpu())
        n_tokens += int(batch["attention_mask"].sum())
    return torch.cat(predictions).double().numpy(), n_tokens


def baseline_inference(folder, prompts, digit_tokens, digit_values, use_chat, device):
    """Plain transformers, float32, fixed batches of 32 in data order, full logits."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(device).eval()
    load_s = time.perf_counter() - started
    digit_ids = [tokenizer.encode(token, add_special_tokens=False)[0] for token in digit_tokens]
    values = torch.as_tensor(digit_values, dtype=torch.float32, device=device)

    run = (model, tokenizer, digit_ids, values, device, use_chat)
    _baseline_predict(prompts[:WARMUP_ROWS], *run)
    synchronize(device)
    started = time.perf_counter()
    prediction, n_tokens = _baseline_predict(prompts, *run)
    seconds = time.perf_counter() - started
    del model
    free_memory()
    return prediction, {"load_s": load_s, "seconds": seconds, "tokens": n_tokens}, digit_ids


def inference_comparison(spec, folder, texts, fit_texts, fit_y, device) -> dict:
    """Ours and the baseline on the same prompts: tokens/s, ratio, agreement."""
    from sklearn_llmrect.models.backbones import load_backbone

    log(f"inference, ours: LLMRegressor zero-shot predict over {len(texts)} texts")
    estimator, ours_prediction, ours = ours_inference(spec, texts, fit_texts, fit_y, device)
    prompts = estimator_prompts(estimator, texts)
    ours["tokens"] = estimator_token_count(estimator, prompts)
    ours["dtype"] = str(estimator.dtype_).replace("torch.", "")
    backbone = load_backbone(spec, dtype=estimator.dtype_, device=device, copy_model=False)
    n_parameters = sum(p.numel() for p in backbone.model.parameters())
    n_non_embedding = non_embedding_parameters(backbone.model)
    log(f"inference, baseline: transformers float32, batch {BASELINE_BATCH}, full logits")
    base_prediction, base, digit_ids = baseline_inference(
        folder,
        prompts,
        estimator.verbalizer_tokens_,
        estimator.verbalizer_values_,
        estimator.use_chat_,
        device,
    )
    base["dtype"] = "float32"
    for record in (ours, base):
        record["tokens_per_s"] = record["tokens"] / record["seconds"]
    same_digits = [int(i) for i in digit_ids] == [int(i) for i in estimator.verbalizer_ids_]
    del estimator, backbone
    free_memory()
    return {
        "n_texts": len(texts),
        "parameters": int(n_parameters),
        "non_embedding_parameters": n_non_embedding,
        "ours": ours,
        "baseline": base,
        "ratio": ours["tokens_per_s"] / base["tokens_per_s"],
        "same_tokens": ours["tokens"] == base["tokens"],
        "same_digit_token_ids": same_digits,
        "max_abs_prediction_difference": float(np.max(np.abs(ours_prediction - base_prediction))),
        "prediction_correlation": float(np.corrcoef(ours_prediction, base_prediction)[0, 1]),
        "_prediction": ours_prediction,
    }


# -- fine-tuning ----------------------------------------------------------------------------------
def ours_finetune(spec, texts, y, device) -> tuple[object, dict]:
    """``LLMRegressor.fit`` for one epoch, with the base model already loaded in memory."""
    from sklearn_llmrect import LLMRegressor
    from sklearn_llmrect.models.backbones import load_backbone, resolve_dtype

    started = time.perf_counter()
    load_backbone(spec, dtype=resolve_dtype("auto", device), device=device, copy_model=False)
    load_s = time.perf_counter() - started
    estimator = LLMRegressor(
        model=spec,
        max_epochs=1,
        validation_fraction=0,
        loss="mse",  # the Trainer recipe's loss, so both do the same work
        batch_size=TRAIN_BATCH,
        lora_r=LORA["r"],
        lora_alpha=LORA["alpha"],
        lora_dropout=LORA["dropout"],
        target_modules=LORA["target_modules"],
        learning_rate=LEARNING_RATE,
        random_state=0,
        device=str(device),
    )
    started = time.perf_counter()
    estimator.fit(texts, y)
    seconds = time.perf_counter() - started
    epoch = estimator.history_[0]
    return estimator, {
        "load_s": load_s,
        "seconds": seconds,
        "epoch_seconds": epoch["seconds"],
        "examples_per_s": len(texts) / seconds,
        "epoch_examples_per_s": len(texts) / epoch["seconds"],
        "steps": math.ceil(len(texts) / TRAIN_BATCH),
        "train_loss": epoch["train_loss"],
        "loss": estimator.loss,
        "dtype": str(estimator.dtype_).replace("torch.", ""),
    }


def _trainer_model(folder, tokenizer):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=1, problem_type="regression", dtype=torch.float32
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    config = LoraConfig(
        task_type="SEQ_CLS",
        r=LORA["r"],
        lora_alpha=LORA["alpha"],
        lora_dropout=LORA["dropout"],
        target_modules=LORA["target_modules"],
    )
    return get_peft_model(model, config)


def trainer_finetune(folder, prompts, y, use_chat, device) -> dict:
    """The plain recipe: ``Trainer`` + peft LoRA, regression head, float32, one epoch."""
    from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = _trainer_model(folder, tokenizer)
    load_s = time.perf_counter() - started
    encoded = tokenizer(
        chat_texts(tokenizer, prompts, use_chat),
        truncation=True,
        max_length=256,
        add_special_tokens=not use_chat,
    )
    dataset = [
        {"input_ids": ids, "attention_mask": mask, "labels": float(label)}
        for ids, mask, label in zip(encoded["input_ids"], encoded["attention_mask"], y, strict=True)
    ]
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            per_device_train_batch_size=TRAIN_BATCH,
            num_train_epochs=1,
            learning_rate=LEARNING_RATE,
            report_to=[],
            save_strategy="no",
            logging_strategy="no",
            use_cpu=device.type != "cuda",
            dataloader_num_workers=0,
            disable_tqdm=True,
            seed=0,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=dataset,
            data_collator=DataCollatorWithPadding(tokenizer),
        )
        started = time.perf_counter()
        output = trainer.train()
        seconds = time.perf_counter() - started
    lora_b_norm = sum(
        float(p.detach().float().norm()) for name, p in model.named_parameters() if "lora_B" in name
    )
    del trainer, model
    free_memory()
    return {
        "load_s": load_s,
        "seconds": seconds,
        "examples_per_s": len(prompts) / seconds,
        "steps": int(output.global_step),
        "train_loss": float(output.training_loss),
        "lora_B_norm_after": lora_b_norm,
        "loss": "mse",
        "dtype": "float32",
    }


def finetune_comparison(spec, folder, texts, y, device) -> dict:
    log(f"fine-tuning, ours: LLMRegressor.fit, 1 epoch over {len(texts)} rows")
    estimator, ours = ours_finetune(spec, texts, y, device)
    prompts = estimator_prompts(estimator, texts)
    use_chat = estimator.use_chat_
    del estimator
    free_memory()
    log("fine-tuning, baseline: transformers Trainer + peft, 1 epoch")
    base = trainer_finetune(folder, prompts, y, use_chat, device)
    return {
        "n_train": len(texts),
        "batch_size": TRAIN_BATCH,
        "lora": LORA,
        "learning_rate": LEARNING_RATE,
        "ours": ours,
        "baseline": base,
        "ratio": ours["examples_per_s"] / base["examples_per_s"],
        "epoch_only_ratio": ours["epoch_examples_per_s"] / base["examples_per_s"],
    }


# -- a 1.5B model on a GPU ------------------------------------------------------------------------
def build_random_llama(folder, tokenizer_source, config_kwargs, device) -> None:
    """Save a randomly initialised Llama of the given shape, with the SmolLM2 tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    config = LlamaConfig(
        **config_kwargs,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config)
    model.to(torch.bfloat16).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    free_memory()


def large_model_inference(tokenizer_source, texts, fit_texts, fit_y, device, config):
    """The inference comparison with a randomly initialised model of ``config``'s shape."""
    from sklearn_llmrect.models.backbones import clear_memory_cache

    with tempfile.TemporaryDirectory() as folder:
        log(f"large model: building a random Llama ({config['num_hidden_layers']} layers)")
        build_random_llama(folder, tokenizer_source, config, device)
        result = inference_comparison(folder, folder, texts, fit_texts, fit_y, device)
        clear_memory_cache()
    result.pop("_prediction")
    result["config"] = config
    free_memory()
    return result


# -- verdicts and reports -------------------------------------------------------------------------
def verdicts(results: dict) -> dict:
    inference, finetune = results["inference"], results["finetune"]
    checks = {
        "inference_ratio": inference["ratio"],
        "inference_fraction_of_limit": inference["ours"]["fraction_of_limit"],
        "finetune_ratio": finetune["ratio"],
    }
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


def _machine_lines(results: dict) -> list[str]:
    machine, matmul = results["machine"], results["matmul"]
    limit = results["inference"]["compute_limit"]
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
        f'- The estimator\'s `dtype="auto"` resolves to **{machine["estimator_dtype"]}** here, so '
        f"the SmolLM2 compute limit is {limit['peak_gflops']:,.1f} GFLOP/s / (2 x "
        f"{results['inference']['non_embedding_parameters'] / 1e6:.1f}e6 non-embedding "
        f"parameters) = **{limit['tokens_per_s']:,.0f} tokens/s**",
        f"- torch {machine['torch']}, transformers {machine['transformers']}, "
        f"peft {machine['peft']}, Python {machine['python']}",
    ]


def _inference_rows(label: str, part: dict) -> list[str]:
    ours, base, limit = part["ours"], part["baseline"], part["compute_limit"]
    return [
        f"| {label} | `LLMRegressor.predict` ({ours['dtype']}) | "
        f"{ours['tokens_per_s']:,.0f} tokens/s | {part['ratio']:.2f}x | "
        f"{ours['fraction_of_limit']:.0%} |",
        f"| {label} | transformers float32, batch {BASELINE_BATCH}, full logits | "
        f"{base['tokens_per_s']:,.0f} tokens/s | 1x | {base['fraction_of_limit']:.0%} |",
        f"| {label} | compute limit ({limit['dtype']} matmul peak / 2N) | "
        f"{limit['tokens_per_s']:,.0f} tokens/s | | 100% |",
    ]


def _finetune_rows(part: dict) -> list[str]:
    ours, base = part["ours"], part["baseline"]
    return [
        f"| fine-tuning, SmolLM2-135M | `LLMRegressor.fit`, 1 epoch ({ours['dtype']}) | "
        f"{ours['examples_per_s']:.2f} examples/s | {part['ratio']:.2f}x | |",
        f"| fine-tuning, SmolLM2-135M | `Trainer` + peft, 1 epoch (float32) | "
        f"{base['examples_per_s']:.2f} examples/s | 1x | |",
    ]


def _check_lines(results: dict) -> list[str]:
    inference, finetune = results["inference"], results["finetune"]
    ceiling = inference["compute_limit"]["tokens_per_s"] / inference["baseline"]["tokens_per_s"]
    lines = [
        f"- Both inference runs read the same prompts: {inference['ours']['tokens']:,} real "
        f"prompt tokens (ours) and {inference['baseline']['tokens']:,} (baseline); "
        f"identical: {'yes' if inference['same_tokens'] else 'NO'}.",
        f"- Predictions agree: max |ours - baseline| = "
        f"{inference['max_abs_prediction_difference']:.2e}, correlation "
        f"{inference['prediction_correlation']:.6f}.",
        f"- Zero-shot correlation with the human ratings (context, not a target): "
        f"{inference['zero_shot_correlation_with_ratings']:.3f}.",
        f"- At this machine's compute limit the best possible inference ratio against this "
        f"baseline is {ceiling:.2f}x.",
        f"- Our fit time (MSE loss, as the Trainer's) includes copying the base model and adding "
        f"the LoRA adapters; the epoch alone ran at "
        f"{finetune['ours']['epoch_examples_per_s']:.2f} examples/s "
        f"({finetune['epoch_only_ratio']:.2f}x the Trainer).",
        f"- The Trainer really trained: optimizer steps {finetune['baseline']['steps']}, LoRA B "
        f"norm {finetune['baseline']['lora_B_norm_after']:.3g} (initialised to 0), training "
        f"loss {finetune['baseline']['train_loss']:.3g}.",
        f"- Model loading, excluded from all timings: ours {inference['ours']['load_s']:.1f} s "
        f"(zero-shot fit), baseline {inference['baseline']['load_s']:.1f} s, Trainer model "
        f"{finetune['baseline']['load_s']:.1f} s.",
    ]
    return lines


def markdown_report(results: dict) -> str:
    settings = results["settings"]
    lines = ["# Throughput: sklearn_llmrect against plain transformers", ""]
    if results["quick"]:
        lines += ["**Quick smoke run (`--quick`): too few texts for the numbers to be final.**", ""]
    lines += [
        f"Run {results['date']} with `{results['command']}`: {settings['n_texts']:,} VADER movie "
        f"snippets for inference, {settings['n_train']} for fine-tuning (seed "
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
        *_inference_rows("inference, SmolLM2-135M", results["inference"]),
        *_finetune_rows(results["finetune"]),
    ]
    large = results["large_model_inference"]
    if large.get("skipped"):
        lines.append(f"| inference, 1.5B random Llama | skipped: {large['reason']} | | | |")
    else:
        lines += _inference_rows("inference, 1.5B random Llama (GPU)", large)
    lines += ["", "## Targets (issue 2)", ""]
    names = {
        "inference_ratio": "inference tokens/s, ours / baseline",
        "inference_fraction_of_limit": "inference, ours as a fraction of the compute limit",
        "finetune_ratio": "fine-tuning examples/s, ours / Trainer",
    }
    for name, verdict in results["targets"].items():
        shown = (
            f"{verdict['value']:.0%} (target {verdict['target']:.0%})"
            if name.endswith("limit")
            else f"{verdict['value']:.2f}x (target {verdict['target']:.0f}x)"
        )
        state = "met" if verdict["met"] else "**not met**"
        lines.append(f"- {names[name]}: {shown}: {state}")
    lines.append(f"- dtype of the estimator in this run: {results['machine']['estimator_dtype']}")
    lines += ["", "## Checks", "", *_check_lines(results), ""]
    if not large.get("skipped"):
        lines.insert(
            -1,
            f"- 1.5B model FLOPs utilisation: ours {large['model_flops_utilisation']:.1%} "
            f"({large['ours']['dtype']}), baseline "
            f"{large['baseline_model_flops_utilisation_float32']:.1%} of the float32 peak.",
        )
    return "\n".join(lines)


def _bars(axis, labels, values, unit, limit=None):
    bars = axis.bar(labels, values, color=["tab:blue", "tab:gray"][: len(values)])
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    large = results["large_model_inference"]
    inference_panels = [("SmolLM2-135M inference", results["inference"])]
    if not large.get("skipped"):
        inference_panels.append(("1.5B random Llama inference", large))
    figure, axes = plt.subplots(
        1, 1 + len(inference_panels), figsize=(5 * (1 + len(inference_panels)), 4.2)
    )
    for axis, (title, part) in zip([axes[0], *axes[2:]], inference_panels, strict=True):
        _bars(
            axis,
            [f"ours ({part['ours']['dtype']})", "transformers\nfloat32"],
            [part["ours"]["tokens_per_s"], part["baseline"]["tokens_per_s"]],
            "prompt tokens / s",
            limit=part["compute_limit"]["tokens_per_s"],
        )
        axis.set_title(
            f"{title}: {part['ratio']:.2f}x,\n"
            f"{part['ours']['fraction_of_limit']:.0%} of the compute limit"
        )
    finetune = results["finetune"]
    _bars(
        axes[1],
        [f"ours ({finetune['ours']['dtype']})", "Trainer + peft\nfloat32"],
        [finetune["ours"]["examples_per_s"], finetune["baseline"]["examples_per_s"]],
        "training examples / s",
    )
    axes[1].set_title(f"SmolLM2-135M LoRA fine-tuning,\n1 epoch: {finetune['ratio']:.2f}x")
    machine = results["machine"]
    suptitle = (
        f"{machine['gpu'] or machine['cpu_model']}, {machine['torch_threads']} threads, "
        f"estimator dtype {machine['estimator_dtype']}"
    )
    figure.suptitle(suptitle + (" (quick smoke run)" if results["quick"] else ""))
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.json").write_text(json.dumps(to_jsonable(results), indent=2) + "\n")
    (out / "throughput.md").write_text(markdown_report(results))
    plot(results, out / "throughput.png")
    log(f"wrote {out / 'throughput.json'}, throughput.md and throughput.png")


# -- main -----------------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 64 texts, 32 rows")
    parser.add_argument("--n-texts", type=int, help="inference texts (default 2000; quick 64)")
    parser.add_argument("--n-train", type=int, help="fine-tuning rows (default 128; quick 32)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data sample")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="VADER movie snippets (default: shipped)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results", help="results folder"
    )
    parser.add_argument("--device", default="auto", help="'auto', 'cpu', 'cuda', ...")
    args = parser.parse_args(argv)
    args.n_texts = args.n_texts or (64 if args.quick else 2000)
    args.n_train = args.n_train or (32 if args.quick else 128)
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


def measure_matmul(device, watch, name) -> dict:
    with watch(name):
        log("measuring matmul throughput")
        return {
            key: matmul_gflops(dtype, device)
            for key, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16))
        }


def main(argv=None) -> dict:
    args = parse_args(argv)
    from transformers.utils import logging as hf_logging

    from sklearn_llmrect.models.backbones import _resolve_source, resolve_device, resolve_dtype

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    device = resolve_device(args.device)
    dtype = resolve_dtype("auto", device)
    watch = Stopwatch()
    results = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "settings": {"n_texts": args.n_texts, "n_train": args.n_train, "seed": args.seed},
        "data": args.data or "sklearn_llmrect.datasets.load_vader_snippets('movie')",
        "machine": machine_info(device, dtype),
    }
    texts, ratings = load_snippets(args.data, args.n_texts + args.n_train, args.seed)
    infer_x, infer_y = texts[: args.n_texts], ratings[: args.n_texts]
    train_x, train_y = texts[args.n_texts :], ratings[args.n_texts :]
    matmul_runs = [measure_matmul(device, watch, "matmul_start")]
    folder = _resolve_source(MODEL)[0]
    with watch("inference"):
        inference = inference_comparison(MODEL, folder, infer_x, train_x, train_y, device)
        prediction = inference.pop("_prediction")
        inference["zero_shot_correlation_with_ratings"] = float(
            np.corrcoef(prediction, infer_y)[0, 1]
        )
        results["inference"] = inference
    with watch("finetune"):
        results["finetune"] = finetune_comparison(MODEL, folder, train_x, train_y, device)
    with watch("large_model_inference"):
        if device.type == "cuda":
            results["large_model_inference"] = large_model_inference(
                folder, infer_x, train_x, train_y, device, LARGE_CONFIG
            )
        else:
            results["large_model_inference"] = {
                "skipped": True,
                "reason": f"no CUDA GPU (benchmark device is {device})",
            }
    matmul_runs.append(measure_matmul(device, watch, "matmul_end"))
    results["matmul_runs"] = matmul_runs
    results["matmul"] = best_matmul(matmul_runs)
    for part in (results["inference"], results["large_model_inference"]):
        if not part.get("skipped"):
            add_compute_limit(part, results["matmul"])
    results["targets"] = verdicts(results)
    results["section_seconds"] = watch.seconds
    write_outputs(results, args.out)
    print(markdown_report(results))
    return results


if __name__ == "__main__":
    main()
