"""Which extra candidates would tighten the default's class shares on Financial PhraseBank?

Why: the default (``RectifiedClassifier()``) reaches about 1.5x classical on fpb's "positive"
share, the issue's target. This script measures the candidates that could be added to its
stacked surrogate, each beside the default on the same labels and folds:

- ``default``: :class:`~sklearn_llmrect.rectify.SurrogateClassifier` with its default features;
- ``+ one-word verbalizer``: SmolLM2's next-token log-probabilities, after the default's one-word
  prompt, of the class names and of seven sentiment words (the zero-shot verbalizer score);
- ``+ task-prompt states``: the last-token states (layers 16, 24, 30) after a prompt that names
  the task and its classes;
- ``+ task-prompt verbalizer``: the log-probabilities of the class names after that prompt;
- ``+ layers 8 and 24``: SmolLM2's mean-pooled layers 8 and 24 as one more feature set;
- ``per-class stacking``: the default feature sets with stacking weights fitted per class (the
  default shares one set of weights across classes).

Every feature set is cached (``benchmarks/cache/features``). Per replication: ``--n`` labels of
the seeded ``--pool`` (the draws of ``bench_rectify.py``), ``--folds``-fold cross-fitting,
``crossfit_ppi_class_shares`` (PPI++). Reported per class: the ESS relative to classical as the
ratio of mean estimated variances over replications (the candidates see the same labels, so
their differences are far less noisy than each ratio's level), and the zero-shot accuracy of
each verbalizer.

Usage::

    python benchmarks/bench_surrogate_candidates.py              # fpb, 60 replications
    python benchmarks/bench_surrogate_candidates.py --quick      # 4 reps, 100 labels, pool 300
    python benchmarks/bench_surrogate_candidates.py --report-only
"""

from __future__ import annotations

import argparse
import functools
import sys
import time

import _common  # benchmarks/_common.py: this script's folder is on sys.path
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import FunctionTransformer

CACHE = _common.CACHE / "features"
MODEL = "smollm2-135m-instruct"
CLASSES = ("negative", "neutral", "positive")
SENTIMENT_WORDS = ("good", "bad", "growth", "loss", "increase", "decrease", "profit")
TASK_PROMPT = (
    'Text: "{text}"\nQuestion: is the sentiment of this text negative, neutral or positive?\n'
    "Answer:"
)
CANDIDATES = (
    "default",
    "+ one-word verbalizer",
    "+ task-prompt states",
    "+ task-prompt verbalizer",
    "+ layers 8 and 24",
    "per-class stacking",
)


def _frozen(texts, **options) -> np.ndarray:
    from sklearn_llmrect.features import FrozenFeatures

    return FrozenFeatures(MODEL, memory=CACHE, **options).transform(texts.reshape(-1, 1))


def verbalizer_log_probs(last_states: np.ndarray, words) -> np.ndarray:
    """Next-token log-probabilities of ``words`` (their first token) from the last layer's
    state of the last token: SmolLM2's final norm and output layer applied to it."""
    import torch

    from sklearn_llmrect.models.backbones import load_backbone

    backbone = load_backbone(MODEL, dtype="float32", device="cpu", copy_model=False)
    model, tokenizer = backbone.model, backbone.tokenizer
    ids = [tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in words]
    with torch.inference_mode():
        states = torch.as_tensor(last_states, dtype=torch.float32)
        logits = model.lm_head(model.get_decoder().norm(states))
        return torch.log_softmax(logits, dim=-1)[:, ids].numpy()


def feature_sets(texts) -> dict[str, np.ndarray]:
    """Every candidate's feature arrays (cached forward passes)."""
    from sklearn_llmrect.rectify._surrogate import ONE_WORD_PROMPT, default_features

    sets = {name: t.transform(texts.reshape(-1, 1)) for name, t in default_features(CACHE)}
    one_word_last = _frozen(texts, layers=-1, prompt=ONE_WORD_PROMPT, pooling="last")
    sets["one-word verbalizer"] = verbalizer_log_probs(one_word_last, CLASSES + SENTIMENT_WORDS)
    task = _frozen(texts, layers=(16, 24, -1), prompt=TASK_PROMPT, pooling="last")
    sets["task-prompt states"] = task
    hidden = task.shape[1] // 3
    spaced = tuple(f" {c}" for c in CLASSES)  # after "Answer:" the class name follows a space
    sets["task-prompt verbalizer"] = verbalizer_log_probs(task[:, -hidden:], spaced)
    sets["layers 8 and 24"] = _frozen(texts, layers=(8, 24))
    return sets


def _lookup(array):
    return FunctionTransformer(functools.partial(_rows_of, array))


def _rows_of(array, X):
    return array[np.asarray(X)[:, 0].astype(int)]


class PerClassStack(ClassifierMixin, BaseEstimator):
    """One stacked ridge regressor per class indicator: stacking weights per class."""

    def __init__(self, features=None, random_state=0):
        self.features = features
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn_llmrect.rectify import SurrogateRegressor

        self.classes_ = np.unique(y)
        self.models_ = [
            SurrogateRegressor(self.features, random_state=self.random_state).fit(
                X, (y == c).astype(float)
            )
            for c in self.classes_
        ]
        return self

    def predict_proba(self, X):
        proba = np.clip(np.column_stack([m.predict(X) for m in self.models_]), 0.0, 1.0)
        return proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)


def _model(candidate: str, sets: dict, seed: int):
    from sklearn_llmrect.rectify import SurrogateClassifier

    base = ["minilm", "smollm2-l16", "smollm2-one-word"]
    if candidate == "per-class stacking":
        return PerClassStack([(n, _lookup(sets[n])) for n in base], random_state=seed)
    names = base if candidate == "default" else [*base, candidate[2:]]
    return SurrogateClassifier([(n, _lookup(sets[n])) for n in names], random_state=seed)


def replicate(sets, y, r: int, args) -> dict:
    from sklearn_llmrect.inference import (
        classical_class_shares,
        crossfit_ppi_class_shares,
        crossfit_predict,
    )

    rng = np.random.default_rng(10_000 + r)
    labelled = np.sort(rng.choice(len(y), args.n, replace=False))
    unlabelled = np.setdiff1d(np.arange(len(y)), labelled)
    rows = np.arange(len(y)).reshape(-1, 1)
    out = {"classical": [x.stderr**2 for x in classical_class_shares(y[labelled]).results]}
    for candidate in CANDIDATES:
        preds = crossfit_predict(
            _model(candidate, sets, r),
            rows[labelled],
            y[labelled],
            rows[unlabelled],
            n_folds=args.folds,
            response_method="predict_proba",
            random_state=r,
        )
        result = crossfit_ppi_class_shares(
            y[labelled], preds.labeled, preds.unlabeled, classes=preds.classes, method="ppi++"
        )
        out[candidate] = [x.stderr**2 for x in result.results]
    return out


def run(args) -> dict:
    texts, labels = _common.load_dataset("fpb")
    rng = np.random.default_rng(args.seed)
    pool = np.sort(rng.choice(len(texts), min(args.pool, len(texts)), replace=False))
    texts, y = np.asarray(texts, dtype=object)[pool], labels[pool]
    started = time.perf_counter()
    sets = feature_sets(texts)
    feature_seconds = time.perf_counter() - started
    print(f"fpb: every candidate's features in {feature_seconds:.0f} s", flush=True)
    accuracy = {}
    for name, words in (("one-word verbalizer", CLASSES), ("task-prompt verbalizer", CLASSES)):
        guess = np.asarray(words)[np.argmax(sets[name][:, : len(CLASSES)], axis=1)]
        accuracy[name] = float(np.mean(guess == y))
    reps = Parallel(n_jobs=args.jobs)(
        delayed(replicate)(sets, y, r, args) for r in range(args.replications)
    )
    classical = np.mean([rep["classical"] for rep in reps], axis=0)
    ess = {c: (classical / np.mean([rep[c] for rep in reps], axis=0)).tolist() for c in CANDIDATES}
    return {
        "classes": list(CLASSES),
        "pool": len(texts),
        "n": args.n,
        "folds": args.folds,
        "replications": args.replications,
        "feature_seconds": feature_seconds,
        "majority_share": float(max(np.mean(y == c) for c in CLASSES)),
        "zero_shot_accuracy": accuracy,
        "ess_ratio": ess,
    }


def markdown(result: dict, meta: dict) -> str:
    classes = result["classes"]
    lines = [
        "# Candidates for the stacked surrogate on Financial PhraseBank class shares",
        "",
        f"Command: `{meta['command']}` ({meta['seconds'] / 60:.0f} min on "
        f"{_common.describe_machine(meta['machine'])}).",
        "",
        f"{result['replications']} replications of {result['n']} labels from a "
        f"{result['pool']:,}-sentence pool, {result['folds']}-fold cross-fitted PPI++. ESS / "
        "classical per class is the ratio of mean estimated variances over replications (same "
        "labels and folds for every candidate).",
        "",
        "| candidate | " + " | ".join(classes) + " | change on the weakest class |",
        "|---|" + "---:|" * (len(classes) + 1),
    ]
    default = result["ess_ratio"]["default"]
    weakest = int(np.argmin(default))
    for candidate, values in result["ess_ratio"].items():
        change = values[weakest] / default[weakest] - 1
        lines.append(
            f"| {candidate} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {change:+.1%} |"
        )
    accuracy = ", ".join(f"{k} {v:.3f}" for k, v in result["zero_shot_accuracy"].items())
    lines += [
        "",
        f"Zero-shot accuracy of the verbalizers (argmax over the class names): {accuracy}; the "
        f"majority class alone is {result['majority_share']:.3f}.",
    ]
    return "\n".join(lines) + "\n"


def plot(result: dict, path) -> None:
    plt = _common.pyplot()
    figure, axis = plt.subplots(figsize=(7, 3.5))
    classes, candidates = result["classes"], list(result["ess_ratio"])
    width = 0.8 / len(candidates)
    x = np.arange(len(classes))
    for j, candidate in enumerate(candidates):
        axis.bar(x + (j - len(candidates) / 2 + 0.5) * width, result["ess_ratio"][candidate],
                 width, label=candidate)  # fmt: skip
    axis.axhline(1.5, color="grey", linestyle="--", linewidth=1)
    axis.set_xticks(x, classes)
    axis.set_ylabel("ESS / classical")
    axis.set_ylim(1.0, None)
    axis.set_title("fpb class shares: candidates beside the default surrogate")
    axis.legend(fontsize=7, ncol=2)
    _common.save_figure(figure, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    _common.add_flags(parser, "--jobs", "--out")
    parser.add_argument(
        "--quick", action="store_true", help="4 replications of 100 labels, pool 300"
    )
    _common.add_flags(parser, "--report-only")
    args = parser.parse_args(argv)
    stem, args.out = "surrogate_candidates", _common.results_folder(args.out, args.quick)
    if args.quick:
        args.replications, args.n, args.folds, args.pool = 4, 100, 5, 300
    if args.report_only:
        _common.redraw(
            args.out,
            stem,
            lambda saved: markdown(saved["result"], saved["meta"]),
            lambda saved, path: plot(saved["result"], path),
        )
        return 0
    load = _common.load_average()
    started = time.perf_counter()
    result = run(args)
    meta = {
        "command": _common.command_line(),
        "finished": _common.utc_timestamp(),
        "machine": _common.machine(threads=args.jobs, load_average_at_start=load),
        "seconds": time.perf_counter() - started,
    }
    _common.write_results(
        args.out,
        stem,
        {"result": result, "meta": meta},
        markdown(result, meta),
        functools.partial(plot, result),
        indent=1,
    )
    print(markdown(result, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
