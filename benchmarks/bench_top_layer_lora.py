"""Does LoRA on SmolLM2's top layers, over cached lower-layer states, pay as a surrogate?

Why: issue 15 asks whether tuning pays where frozen features do not (politeness), and, where it
does, to tune only the top layers over cached lower-layer states so that K fold fine-tunes and
the pool prediction never re-run the frozen bottom of the network. This script builds exactly
that and measures it beside the package's default surrogate, on the same labels and folds:

- ``stack``: :class:`~sklearn_llmrect.rectify.SurrogateRegressor` with its default features
  (ridge heads over cached MiniLM and SmolLM2 features, stacked), the default's surrogate;
- ``top-layer LoRA``: SmolLM2-135M-Instruct's layer-``--lower`` token states computed once per
  text; per fold, LoRA (r = 8 on ``q_proj`` and ``v_proj``) on the layers above it, the final
  norm, mean pooling and a zero-initialised linear head, trained with MSE on the standardised
  labels (AdamW, ``--epochs`` epochs, batch 16), predicting its held-out fold and the pool;
- ``stack + LoRA (bound)``: the least-squares combination of the two out-of-fold predictions,
  fitted on the same rows it is scored on: an optimistic bound on what adding the LoRA fold
  predictions to the stack as a candidate could give (a valid stack would choose the weight
  inside each fold and do no better).

Per replication (``--n`` labels of a seeded ``--pool``, the same draws as
``bench_rectify.py``), K-fold cross-fitting gives every label an out-of-fold prediction and the
pool the fold models' average; reported: the out-of-fold R^2, the effective sample size of
cross-fitted PPI++ (``crossfit_ppi_mean``) relative to classical from the same labels, the
bound's R^2, and seconds per fold model.

Usage::

    python benchmarks/bench_top_layer_lora.py                 # politeness, vader_amazon; 3 reps
    python benchmarks/bench_top_layer_lora.py --quick         # one replication, 2 folds, 100 labels
    python benchmarks/bench_top_layer_lora.py --report-only   # redraw table and plot from JSON
"""

from __future__ import annotations

import argparse
import copy
import functools
import sys
import time

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np

CACHE = _common.CACHE / "features"
MODEL = "smollm2-135m-instruct"
METHODS = ("stack", "top-layer LoRA", "stack + LoRA (bound)")


def lower_states(texts, lower: int, max_length: int = 128) -> list:
    """Every text's token states after layer ``lower`` (bfloat16), one forward pass that stops
    there; the layers above are what the fold models tune."""
    import torch

    from sklearn_llmrect.features._forward import (
        _StopForward,
        _transformer_layers,
        prompt_token_ids,
    )
    from sklearn_llmrect.models._network import collate, length_sorted_batches
    from sklearn_llmrect.models.backbones import load_backbone

    backbone = load_backbone(MODEL, dtype="float32", device="cpu", copy_model=False)
    body = backbone.model.get_decoder()
    blocks = _transformer_layers(body, int(backbone.model.config.num_hidden_layers))
    ids = prompt_token_ids(backbone.tokenizer, list(texts), None, max_length)
    states: list = [None] * len(ids)
    captured = {}

    def hook(module, args, output):
        captured["h"] = output[0] if isinstance(output, tuple) else output
        raise _StopForward

    handle = blocks[lower - 1].register_forward_hook(hook)
    try:
        with torch.inference_mode():
            for batch in length_sorted_batches([len(row) for row in ids], 32):
                input_ids, mask = collate([ids[i] for i in batch], 0, left=False, device="cpu")
                try:
                    body(input_ids=input_ids, attention_mask=mask, use_cache=False)
                except _StopForward:
                    pass
                for j, i in enumerate(batch):
                    states[i] = captured["h"][j, : len(ids[i])].to(torch.bfloat16).clone()
    finally:
        handle.remove()
    return states


def top_model(lower: int):
    """SmolLM2's layers above ``lower`` and its final norm as a LlamaModel fed states."""
    from sklearn_llmrect.models.backbones import load_backbone

    backbone = load_backbone(MODEL, dtype="float32", device="cpu", copy_model=False)
    body = backbone.model.get_decoder()
    config = copy.deepcopy(body.config)
    n_layers = config.num_hidden_layers
    config.num_hidden_layers, config.vocab_size = n_layers - lower, 8
    top = type(body)(config)
    top.layers = copy.deepcopy(body.layers[lower:])
    top.norm = copy.deepcopy(body.norm)
    return top


def _pad(states: list):
    import torch

    width = max(len(s) for s in states)
    out = torch.zeros((len(states), width, states[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for i, s in enumerate(states):
        out[i, : len(s)], mask[i, : len(s)] = s.float(), 1
    return out, mask


class TopLayerLoRA:
    """LoRA over the top layers, fed cached lower-layer states; a linear head on the mean."""

    def __init__(self, lower: int, epochs: int, seed: int, lr: float = 5e-4, head_lr=1e-3):
        self.lower, self.epochs, self.seed, self.lr, self.head_lr = lower, epochs, seed, lr, head_lr

    def _encode(self, states):
        hidden, mask = _pad(states)
        out = self.top_(inputs_embeds=hidden, attention_mask=mask, use_cache=False)
        weights = mask.unsqueeze(-1).float()
        pooled = (out.last_hidden_state * weights).sum(1) / weights.sum(1)
        return self.head_(pooled)[:, 0]

    def fit(self, states: list, y: np.ndarray):
        import torch
        from peft import LoraConfig, inject_adapter_in_model

        from sklearn_llmrect.models._network import length_sorted_batches

        torch.manual_seed(self.seed)
        self.mean_, self.scale_ = float(np.mean(y)), float(np.std(y) or 1.0)
        target = torch.as_tensor((y - self.mean_) / self.scale_, dtype=torch.float32)
        config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])
        self.top_ = inject_adapter_in_model(config, top_model(self.lower))
        for name, parameter in self.top_.named_parameters():
            parameter.requires_grad = "lora_" in name
        hidden = self.top_.config.hidden_size
        self.head_ = torch.nn.Linear(hidden, 1)
        torch.nn.init.zeros_(self.head_.weight)
        torch.nn.init.zeros_(self.head_.bias)
        lora = [p for p in self.top_.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            [
                {"params": lora, "lr": self.lr},
                {"params": self.head_.parameters(), "lr": self.head_lr},
            ]
        )
        rng = np.random.default_rng(self.seed)
        lengths = [len(s) for s in states]
        self.top_.train()
        for _ in range(self.epochs):
            for batch in length_sorted_batches(lengths, 16, rng=rng):
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    pred = self._encode([states[i] for i in batch])
                loss = torch.mean((pred.float() - target[batch]) ** 2)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        self.top_.eval()
        return self

    def predict(self, states: list) -> np.ndarray:
        import torch

        from sklearn_llmrect.models._network import length_sorted_batches

        out = np.empty(len(states))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            for batch in length_sorted_batches([len(s) for s in states], 64):
                out[batch] = self._encode([states[i] for i in batch]).float().numpy()
        return self.mean_ + self.scale_ * out


def _r2(y, pred) -> float:
    return float(1 - np.var(y - pred) / np.var(y))


def replicate(texts, y, states, r: int, args) -> dict:
    """Cross-fit both surrogates on the same labels and folds; one replication's numbers."""
    from sklearn.model_selection import KFold

    from sklearn_llmrect.inference import classical_mean, crossfit_ppi_mean
    from sklearn_llmrect.rectify import SurrogateRegressor

    rng = np.random.default_rng(10_000 + r)
    labelled = np.sort(rng.choice(len(y), args.n, replace=False))
    unlabelled = np.setdiff1d(np.arange(len(y)), labelled)
    folds = list(KFold(args.folds, shuffle=True, random_state=r).split(labelled))
    oof = {m: np.empty(args.n) for m in METHODS[:2]}
    pool = {m: np.zeros(len(unlabelled)) for m in METHODS[:2]}
    fold_seconds = []
    rows = texts.reshape(-1, 1)
    for k, (train, test) in enumerate(folds):
        train_rows, test_rows = labelled[train], labelled[test]
        stack = SurrogateRegressor(memory=CACHE, random_state=r).fit(
            rows[train_rows], y[train_rows]
        )
        oof["stack"][test] = stack.predict(rows[test_rows])
        pool["stack"] += stack.predict(rows[unlabelled]) / len(folds)
        started = time.perf_counter()
        lora = TopLayerLoRA(args.lower, args.epochs, seed=1000 * r + k)
        lora.fit([states[i] for i in train_rows], y[train_rows])
        oof["top-layer LoRA"][test] = lora.predict([states[i] for i in test_rows])
        pool["top-layer LoRA"] += lora.predict([states[i] for i in unlabelled]) / len(folds)
        fold_seconds.append(time.perf_counter() - started)
    y_l = y[labelled]
    classical = classical_mean(y_l).stderr ** 2
    out = {"fold_seconds": float(np.median(fold_seconds))}
    for method in METHODS[:2]:
        result = crossfit_ppi_mean(y_l, oof[method], pool[method], method="ppi++")
        out[method] = {"r2": _r2(y_l, oof[method]), "ess_ratio": classical / result.stderr**2}
    both = np.column_stack([oof["stack"], oof["top-layer LoRA"], np.ones(args.n)])
    fitted = both @ np.linalg.lstsq(both, y_l, rcond=None)[0]
    out["stack + LoRA (bound)"] = {"r2": _r2(y_l, fitted), "ess_ratio": float("nan")}
    print(
        f"  rep {r}: R^2 stack {out['stack']['r2']:.3f}, LoRA {out['top-layer LoRA']['r2']:.3f}, "
        f"bound {out['stack + LoRA (bound)']['r2']:.3f}; {out['fold_seconds']:.0f} s per fold",
        flush=True,
    )
    return out


def run_dataset(name: str, args) -> dict:
    texts, labels = _common.load_dataset(name)
    rng = np.random.default_rng(args.seed)
    pool = np.sort(rng.choice(len(texts), min(args.pool, len(texts)), replace=False))
    texts, y = np.asarray(texts, dtype=object)[pool], labels[pool].astype(float)
    started = time.perf_counter()
    states = lower_states(texts, args.lower)
    state_seconds = time.perf_counter() - started
    print(f"{name}: layer-{args.lower} states of {len(texts)} texts in {state_seconds:.0f} s")
    reps = [replicate(texts, y, states, r, args) for r in range(args.replications)]
    summary = {
        method: {
            key: float(np.mean([rep[method][key] for rep in reps])) for key in ("r2", "ess_ratio")
        }
        for method in METHODS
    }
    return {
        "dataset": name,
        "pool": len(texts),
        "n": args.n,
        "replications": args.replications,
        "state_seconds": state_seconds,
        "fold_seconds": float(np.median([rep["fold_seconds"] for rep in reps])),
        "summary": summary,
        "per_replication": reps,
    }


def markdown(results: list[dict], meta: dict) -> str:
    lines = [
        "# LoRA on SmolLM2's top layers over cached lower-layer states, beside the stack",
        "",
        f"Command: `{meta['command']}` ({meta['seconds'] / 60:.0f} min on "
        f"{_common.describe_machine(meta['machine'])}).",
        "",
        f"Each replication: {results[0]['n']} labels of a {results[0]['pool']:,}-text pool, "
        f"{meta['folds']}-fold cross-fitting, the same labels and folds for both surrogates. "
        f"LoRA r = 8 on q_proj/v_proj of layers {meta['lower'] + 1}-30 over cached layer-"
        f"{meta['lower']} token states, {meta['epochs']} epochs. R^2 is out of fold; ESS / "
        "classical is cross-fitted PPI++'s from the same labels (by the estimated stderr); the "
        "bound is the least-squares combination of both out-of-fold predictions fitted where it "
        "is scored (optimistic: what the LoRA fold predictions could add as a stack candidate).",
        "",
        "| dataset | reps | method | out-of-fold R^2 | ESS / classical | s per fold model |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for res in results:
        for method in METHODS:
            row = res["summary"][method]
            ess = "" if np.isnan(row["ess_ratio"]) else f"{row['ess_ratio']:.2f}"
            seconds = f"{res['fold_seconds']:.0f}" if method == "top-layer LoRA" else ""
            lines.append(
                f"| {res['dataset']} | {res['replications']} | {method} | {row['r2']:.3f} | "
                f"{ess} | {seconds} |"
            )
    lines += ["", *meta.get("conclusion", [])]
    return "\n".join(lines) + "\n"


def conclusion(results: list[dict]) -> list[str]:
    out = []
    for res in results:
        s = res["summary"]
        gain = s["stack + LoRA (bound)"]["r2"] - s["stack"]["r2"]
        out.append(
            f"- {res['dataset']}: top-layer LoRA R^2 {s['top-layer LoRA']['r2']:.3f} against the "
            f"stack's {s['stack']['r2']:.3f}; adding it to the stack could raise R^2 by at most "
            f"{gain:.3f}, at {res['fold_seconds']:.0f} s per fold model (the stack: seconds per "
            "estimate)."
        )
    return out


def plot(results: list[dict], path) -> None:
    plt = _common.pyplot()
    figure, axis = plt.subplots(figsize=(6, 3.5))
    width = 0.25
    x = np.arange(len(results))
    for j, method in enumerate(METHODS):
        axis.bar(x + (j - 1) * width, [r["summary"][method]["r2"] for r in results], width,
                 label=method)  # fmt: skip
    axis.set_xticks(x, [r["dataset"] for r in results])
    axis.set_ylabel("out-of-fold R^2")
    axis.set_title("Top-layer LoRA beside the stacked surrogate")
    axis.legend(fontsize=8)
    _common.save_figure(figure, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["politeness", "vader_amazon"])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--lower", type=int, default=24, help="cached layer (of 30)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    _common.add_flags(parser, "--out")
    parser.add_argument("--quick", action="store_true", help="1 dataset, 1 rep, 2 folds")
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    stem, args.out = "top_layer_lora", _common.results_folder(args.out, args.quick)
    if args.quick:
        args.datasets, args.replications, args.folds = ["politeness"], 1, 2
        args.n, args.pool, args.epochs = 100, 300, 1
    if args.report_only:
        _common.redraw(
            args.out,
            stem,
            lambda saved: markdown(saved["results"], saved["meta"]),
            lambda saved, path: plot(saved["results"], path),
        )
        return 0
    load = _common.load_average()
    started = time.perf_counter()
    results = [run_dataset(name, args) for name in args.datasets]
    meta = {
        "command": _common.command_line(),
        "finished": _common.utc_timestamp(),
        "machine": _common.machine(load_average_at_start=load),
        "seconds": time.perf_counter() - started,
        "folds": args.folds,
        "lower": args.lower,
        "epochs": args.epochs,
        "conclusion": conclusion(results),
    }
    _common.write_results(
        args.out,
        stem,
        {"results": results, "meta": meta},
        markdown(results, meta),
        functools.partial(plot, results),
        indent=1,
    )
    print("\n".join(meta["conclusion"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
