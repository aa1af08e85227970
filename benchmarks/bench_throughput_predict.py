"""Is ``LLMRegressor.predict`` faster than the plain transformers loop a user would write?

Zero-shot inference over VADER movie snippets (``--n-texts``, default 2,000) with
SmolLM2-135M-Instruct: ``LLMRegressor(max_epochs=0).predict`` (length-sorted batches, last
position only, autocast) against plain transformers in float32, fixed batches of 32 in data
order, padding to the longest, full logits, reading the digit distribution at the last position;
where the estimator computes in bfloat16 (a CPU with native bf16, or a GPU), the same loop with
the weights in bfloat16 runs too, the baseline a user with that hardware would write. All get
the same prompt strings, so the predictions must agree; their differences are reported.
Tokens are the real (non-padding) prompt tokens, identical for both. Model loading is excluded.
Each is also given as a fraction of the machine's compute limit (``_throughput``: the matmul
peak of the estimator's dtype / (2 x non-embedding parameters)). **On a CUDA GPU only**, the
comparison again with a ~1.5B-parameter Llama-style model built from a config (random weights),
with its model FLOPs utilisation; without a GPU this part is recorded as skipped.

``bench_throughput.py`` runs this and ``bench_throughput_fit.py`` together (the committed
``benchmarks/results/throughput.*``); alone, this script writes
``<out>/throughput_predict.json``, ``.md`` and ``.png``.

Usage::

    python benchmarks/bench_throughput_predict.py --quick    # a small smoke run (64 texts)
"""

from __future__ import annotations

import functools
import tempfile
import time

import numpy as np
import torch
from _throughput import (
    BASELINE_BATCH,
    MODEL,
    WARMUP_ROWS,
    chat_texts,
    estimator_prompts,
    free_memory,
    log,
    synchronize,
)
from _throughput import main as run_sections

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


def non_embedding_parameters(model) -> int:
    """Parameters outside the token embeddings and an untied output head."""
    unique = {id(p): p.numel() for p in model.parameters()}
    embedding = model.get_input_embeddings().weight
    excluded = {id(embedding)}
    output = model.get_output_embeddings()
    if output is not None:
        excluded.add(id(output.weight))
    return int(sum(n for key, n in unique.items() if key not in excluded))


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


def baseline_inference(
    folder, prompts, digit_tokens, digit_values, use_chat, device, dtype=torch.float32
):
    """Plain transformers in ``dtype``, fixed batches of 32 in data order, full logits."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = str(dtype).replace("torch.", "")
    log(f"inference, baseline: transformers {name}, batch {BASELINE_BATCH}, full logits")
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).to(device).eval()
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
    record = {
        "load_s": load_s,
        "seconds": seconds,
        "tokens": n_tokens,
        "tokens_per_s": n_tokens / seconds,
        "dtype": name,
    }
    return prediction, record, digit_ids


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
    ours["tokens_per_s"] = ours["tokens"] / ours["seconds"]
    baseline = functools.partial(
        baseline_inference,
        folder,
        prompts,
        estimator.verbalizer_tokens_,
        estimator.verbalizer_values_,
        estimator.use_chat_,
        device,
    )
    base_prediction, base, digit_ids = baseline()
    bf16_part = {}
    if ours["dtype"] == "bfloat16":
        # the loop a user with native bf16 would write: the same, with the weights in bf16
        bf16_prediction, base_bf16, _ = baseline(dtype=torch.bfloat16)
        base_bf16["max_abs_prediction_difference_to_float32"] = float(
            np.max(np.abs(bf16_prediction - base_prediction))
        )
        bf16_part = {
            "baseline_bfloat16": base_bf16,
            "ratio_bfloat16": ours["tokens_per_s"] / base_bf16["tokens_per_s"],
        }
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
        **bf16_part,
        "same_tokens": ours["tokens"] == base["tokens"],
        "same_digit_token_ids": same_digits,
        "max_abs_prediction_difference": float(np.max(np.abs(ours_prediction - base_prediction))),
        "prediction_correlation": float(np.corrcoef(ours_prediction, base_prediction)[0, 1]),
        "_prediction": ours_prediction,
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


# -- the sections this question measures ----------------------------------------------------------
def measure_inference(run) -> dict:
    """SmolLM2-135M, ours against the baseline, and the zero-shot correlation with the ratings."""
    inference = inference_comparison(
        MODEL, run.folder, run.infer_x, run.train_x, run.train_y, run.device
    )
    prediction = inference.pop("_prediction")
    inference["zero_shot_correlation_with_ratings"] = float(
        np.corrcoef(prediction, run.infer_y)[0, 1]
    )
    return inference


def measure_large_model(run) -> dict:
    if run.device.type != "cuda":
        return {"skipped": True, "reason": f"no CUDA GPU (benchmark device is {run.device})"}
    return large_model_inference(
        run.folder, run.infer_x, run.train_x, run.train_y, run.device, LARGE_CONFIG
    )


SECTIONS = {"inference": measure_inference, "large_model_inference": measure_large_model}


def main(argv=None) -> dict:
    return run_sections(argv, SECTIONS, "throughput_predict", __doc__)


if __name__ == "__main__":
    main()
