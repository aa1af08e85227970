"""Demo: zero-shot versus LoRA-tuned SmolLM2 on human word-valence ratings.

Run ``python -m sklearn_llmrect.demo``. It uses only embedded data and models (the VADER
lexicon's human ratings, SmolLM2-135M-Instruct) and prints how well each model tracks the human
ratings of held-out words.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .datasets import load_vader_lexicon
from .estimators import LLMRegressor


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=160)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    texts, ratings = load_vader_lexicon()
    rng = np.random.default_rng(args.seed)
    rows = rng.choice(len(texts), args.n_train + args.n_test, replace=False)
    train, test = rows[: args.n_train], rows[args.n_train :]
    prompt = "How positive is the word '{0}'?"
    print(f"{len(texts)} rated words; {args.n_train} for training, {args.n_test} held out.")

    results = {}
    for name, epochs in (("zero-shot", 0), (f"LoRA, {args.epochs} epochs", args.epochs)):
        started = time.perf_counter()
        model = LLMRegressor(
            prompt=prompt + " Answer with one digit from 1 to 9.",
            max_epochs=epochs,
            random_state=args.seed,
            verbose=1,
        )
        model.fit(texts[train], ratings[train])
        predicted = model.predict(texts[test])
        seconds = time.perf_counter() - started
        correlation = float(np.corrcoef(predicted, ratings[test])[0, 1])
        residual_sd = float(np.std(ratings[test] - predicted))
        results[name] = (correlation, residual_sd, seconds)

    print(f"\n{'model':<20} {'correlation':>12} {'residual sd':>12} {'seconds':>9}")
    for name, (correlation, residual_sd, seconds) in results.items():
        print(f"{name:<20} {correlation:>12.3f} {residual_sd:>12.3f} {seconds:>9.1f}")
    print(f"(sd of the held-out ratings: {np.std(ratings[test]):.3f})")


if __name__ == "__main__":
    main()
