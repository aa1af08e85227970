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
3. **LoRA fine-tuning** (``--epochs``, default 3, batch 16, r=8, alpha=16 on q_proj/v_proj):
   ``LLMRegressor.fit`` against a ``transformers.Trainer`` + ``peft`` recipe on the same model and
   data, in float32 and (where the hardware runs bfloat16 natively) with ``bf16=True``; every fit
   scored on 256 held-out snippets. Model loading is excluded from every timing.
4. **On a CUDA GPU only**, the inference comparison again with a ~1.5B-parameter Llama-style model
   built from a config (random weights), with its model FLOPs utilisation. Without a GPU this part
   is recorded as skipped.

Each question is its own script, which this one runs together, in one run on one machine, and
checks against the targets of issue 2 (inference >= 4x the baseline and >= 50% of the compute
limit; fine-tuning >= 2x the Trainer): parts 1, 2 and 4 are ``bench_throughput_predict.py``,
part 3 is ``bench_throughput_fit.py``; what they share (the machine, the compute limit, the data,
the report) is ``_throughput.py``. Results go to ``<out>/throughput.json``, ``throughput.md``
and ``throughput.png``.

Usage::

    python benchmarks/bench_throughput.py            # the full benchmark
    python benchmarks/bench_throughput.py --quick    # a small smoke run (64 texts, 32 rows)
    python benchmarks/bench_throughput.py --report-only    # table and plot from the JSON
"""

from __future__ import annotations

import bench_throughput_fit
import bench_throughput_predict
from _throughput import main as run_sections

SECTIONS = {**bench_throughput_predict.SECTIONS, **bench_throughput_fit.SECTIONS}


def main(argv=None) -> dict:
    return run_sections(argv, SECTIONS, "throughput", __doc__)


if __name__ == "__main__":
    main()
