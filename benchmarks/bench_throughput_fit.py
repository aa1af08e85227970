"""Is ``LLMRegressor.fit`` faster than the ``transformers.Trainer`` + peft recipe a user would
write?

LoRA fine-tuning of SmolLM2-135M-Instruct on VADER movie snippets (``--n-train``, default 128),
``--epochs`` epochs (default 3; the quick run 1), batch 16, r=8, alpha=16 on q_proj/v_proj, lr
5e-4: ``LLMRegressor.fit`` (MSE loss, the Trainer's, with the base model already in memory)
against ``Trainer`` + peft (``AutoModelForSequenceClassification``, regression) on the same
prompts, in float32 and, where the hardware runs bfloat16 natively, with ``bf16=True`` (the
Trainer's autocast), as a user on such a machine would set it. Model loading is excluded from
every timing; the report also gives our epochs alone (without copying the base model and adding
the adapters), checks that the Trainer really trained, and scores every fit on 256 held-out
snippets (Pearson r and RMSE against the ratings: the quality of equal work).

``bench_throughput.py`` runs this and ``bench_throughput_predict.py`` together (the committed
``benchmarks/results/throughput.*``); alone, this script writes ``<out>/throughput_fit.json``,
``.md`` and ``.png``.

Usage::

    python benchmarks/bench_throughput_fit.py --quick    # a small smoke run (32 rows)
"""

from __future__ import annotations

import functools
import math
import tempfile
import time

import numpy as np
import torch
from _throughput import MODEL, chat_texts, estimator_prompts, free_memory, log
from _throughput import main as run_sections

TRAIN_BATCH = 16
LORA = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]}
LEARNING_RATE = 5e-4
HELD_OUT = 256  # inference snippets on which both fits are scored (quality at equal work)


def quality(prediction, truth) -> dict:
    """Held-out Pearson r and RMSE against the human ratings."""
    prediction, truth = np.asarray(prediction, dtype=float), np.asarray(truth, dtype=float)
    return {
        "pearson_r": float(np.corrcoef(prediction, truth)[0, 1]),
        "rmse": float(np.sqrt(np.mean((prediction - truth) ** 2))),
    }


def ours_finetune(spec, texts, y, device, epochs) -> tuple[object, dict]:
    """``LLMRegressor.fit`` for ``epochs`` epochs, with the base model already in memory."""
    from sklearn_llmrect import LLMRegressor
    from sklearn_llmrect.models.backbones import load_backbone, resolve_dtype

    started = time.perf_counter()
    load_backbone(spec, dtype=resolve_dtype("auto", device), device=device, copy_model=False)
    load_s = time.perf_counter() - started
    estimator = LLMRegressor(
        model=spec,
        max_epochs=epochs,
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
    epoch_seconds = sum(epoch["seconds"] for epoch in estimator.history_)
    return estimator, {
        "load_s": load_s,
        "seconds": seconds,
        "epoch_seconds": epoch_seconds,
        "examples_per_s": epochs * len(texts) / seconds,
        "epoch_examples_per_s": epochs * len(texts) / epoch_seconds,
        "steps": epochs * math.ceil(len(texts) / TRAIN_BATCH),
        "train_loss": estimator.history_[-1]["train_loss"],
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


def trainer_finetune(
    folder, prompts, y, use_chat, device, test_prompts, test_y, *, epochs, bf16=False
) -> dict:
    """The plain recipe: ``Trainer`` + peft LoRA, regression head, float32 weights (with
    ``bf16``: the Trainer's bfloat16 autocast), ``epochs`` epochs."""
    from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = _trainer_model(folder, tokenizer)
    load_s = time.perf_counter() - started

    def dataset(texts, labels):
        encoded = tokenizer(
            chat_texts(tokenizer, texts, use_chat),
            truncation=True,
            max_length=256,
            add_special_tokens=not use_chat,
        )
        rows = zip(encoded["input_ids"], encoded["attention_mask"], labels, strict=True)
        return [
            {"input_ids": ids, "attention_mask": mask, "labels": float(label)}
            for ids, mask, label in rows
        ]

    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            per_device_train_batch_size=TRAIN_BATCH,
            num_train_epochs=epochs,
            bf16=bf16,
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
            train_dataset=dataset(prompts, y),
            data_collator=DataCollatorWithPadding(tokenizer),
        )
        started = time.perf_counter()
        output = trainer.train()
        seconds = time.perf_counter() - started
        held_out = trainer.predict(dataset(test_prompts, test_y)).predictions.reshape(-1)
    lora_b_norm = sum(
        float(p.detach().float().norm()) for name, p in model.named_parameters() if "lora_B" in name
    )
    del trainer, model
    free_memory()
    return {
        "load_s": load_s,
        "seconds": seconds,
        "examples_per_s": epochs * len(prompts) / seconds,
        "steps": int(output.global_step),
        "train_loss": float(output.training_loss),
        "lora_B_norm_after": lora_b_norm,
        "loss": "mse",
        "dtype": "bfloat16 autocast" if bf16 else "float32",
        "held_out": quality(held_out, test_y),
    }


def finetune_comparison(spec, folder, texts, y, device, test_x, test_y, epochs) -> dict:
    from sklearn_llmrect.models.backbones import resolve_dtype

    log(f"fine-tuning, ours: LLMRegressor.fit, {epochs} epoch(s) over {len(texts)} rows")
    estimator, ours = ours_finetune(spec, texts, y, device, epochs)
    ours["held_out"] = quality(estimator.predict(test_x), test_y)
    prompts = estimator_prompts(estimator, texts)
    test_prompts = estimator_prompts(estimator, test_x)
    use_chat = estimator.use_chat_
    del estimator
    free_memory()
    recipe = functools.partial(
        trainer_finetune, folder, prompts, y, use_chat, device, test_prompts, test_y, epochs=epochs
    )
    log(f"fine-tuning, baseline: transformers Trainer + peft, float32, {epochs} epoch(s)")
    result = {
        "n_train": len(texts),
        "epochs": epochs,
        "batch_size": TRAIN_BATCH,
        "lora": LORA,
        "learning_rate": LEARNING_RATE,
        "ours": ours,
        "baseline": recipe(),
        "n_held_out": len(test_x),
    }
    result["ratio"] = ours["examples_per_s"] / result["baseline"]["examples_per_s"]
    result["epoch_only_ratio"] = ours["epoch_examples_per_s"] / result["baseline"]["examples_per_s"]
    if resolve_dtype("auto", device) == torch.bfloat16:  # the hardware runs bf16 natively
        log(f"fine-tuning, baseline: Trainer + peft, bf16=True, {epochs} epoch(s)")
        result["baseline_bfloat16"] = recipe(bf16=True)
        result["ratio_bfloat16"] = (
            ours["examples_per_s"] / result["baseline_bfloat16"]["examples_per_s"]
        )
    return result


def measure_finetune(run) -> dict:
    test_x, test_y = run.infer_x[:HELD_OUT], run.infer_y[:HELD_OUT]
    return finetune_comparison(
        MODEL, run.folder, run.train_x, run.train_y, run.device, test_x, test_y, run.epochs
    )


SECTIONS = {"finetune": measure_finetune}


def main(argv=None) -> dict:
    return run_sections(argv, SECTIONS, "throughput_fit", __doc__)


if __name__ == "__main__":
    main()
