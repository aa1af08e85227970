"""``llmrect demo``: the package's rectified estimate on embedded data that needs no download.

The data are the word-level human valence ratings of the VADER sentiment lexicon (Hutto &
Gilbert 2014; the mean of ten people's ratings on -4..+4, shipped in the ``vaderSentiment``
wheel): a seeded random sample of ``--labels`` words keeps its rating as the "human labels", a
second random sample of ``--pool`` words is the unlabelled pool, and the mean rating over the
whole lexicon (7,217 words) is the truth the intervals should cover. Both samples are uniform
draws from the lexicon, so the estimand is the lexicon mean. The table shows the classical
interval, the frozen-embedding ridge baseline, PPI++ with the zero-shot model and the default
estimate (a stacked surrogate over frozen features, cross-fitted); ``--estimator fine-tune``
LoRA-tunes the model instead (minutes rather than seconds on a laptop CPU).

Run ``llmrect demo`` (or ``python -m sklearn_llmrect.cli demo``); ``llmrect demo --help`` lists the
options (``--report demo.html`` writes the HTML report).

References
----------
.. [1] C. J. Hutto, E. Gilbert, "VADER: a parsimonious rule-based model for sentiment analysis
   of social media text", ICWSM 2014.
.. [2] L. Wang, Z. Ye, J. Zhao, "Efficient inference using large language models with limited
   human data: fine-tuning then rectification", arXiv:2511.19486, 2025.

Examples
--------
>>> from sklearn_llmrect.cli.demo import demo_data
>>> frame, y, labeled, truth = demo_data(n_labels=30, n_pool=50, seed=0)
>>> len(frame), int(labeled.sum()), round(truth, 3)
(80, 30, -0.195)
"""

from __future__ import annotations

import sys

import numpy as np

# The word comes last, so every prompt shares a long prefix that is computed once (about three
# times faster than a prompt with the word in the middle, in training and in prediction).
PROMPT = (
    "Rate how positive a word is, with one digit from 1 (very negative) to 9 (very positive).\n"
    "Word: {word}"
)


def demo_data(n_labels: int = 250, n_pool: int = 750, seed: int = 0):
    """The demo's rows: ``(frame, y, labeled, truth)``.

    Parameters
    ----------
    n_labels, n_pool : int
        Words with a human rating kept, and words in the unlabelled pool (a disjoint seeded
        random sample of the lexicon).
    seed : int

    Returns
    -------
    frame : DataFrame with columns ``word`` and ``rating`` (empty in the pool)
    y : ndarray of float (NaN in the pool)
    labeled : ndarray of bool
    truth : float
        Mean rating over the whole lexicon.
    """
    import pandas as pd

    from ..datasets import load_vader_lexicon
    from ._data import CLIError

    try:
        words, ratings = load_vader_lexicon()
    except ImportError as error:
        raise CLIError(str(error)) from None
    if n_labels + n_pool > len(words):
        raise CLIError(
            f"--labels {n_labels} plus --pool {n_pool} is more than the {len(words):,} words of "
            "the lexicon."
        )
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(words), n_labels + n_pool, replace=False)
    y = ratings[rows].astype(float)
    labeled = np.arange(len(rows)) < n_labels
    y[~labeled] = np.nan
    frame = pd.DataFrame({"word": words[rows].astype(str), "rating": y})
    return frame, y, labeled, float(np.mean(ratings))


def run_demo(args) -> int:
    """The ``demo`` command (``args`` from :func:`sklearn_llmrect.cli.build_parser`)."""
    from ._commands import check_options, run_and_report, settings_from

    check_options(args)
    frame, y, labeled, truth = demo_data(args.labels, args.pool, args.seed)
    n_words = len(frame)
    print(
        f"VADER lexicon: {args.labels:,} words with their human valence rating (-4..+4), "
        f"{args.pool:,} more as the unlabelled pool; the truth is the mean over all words: "
        f"{truth:.4f}",
        file=sys.stderr,
    )
    report = run_and_report(
        args,
        frame,
        frame[["word"]],
        y,
        labeled,
        settings_from(args, "regression", PROMPT),
        title="llmrect demo: mean human valence of the VADER lexicon's words",
        context={
            "data": "VADER lexicon (vaderSentiment wheel), human word valence, -4..+4",
            "rows": f"{n_words:,} random words: {args.labels:,} labelled, {args.pool:,} pool",
            "model": args.model,
            "prompt": PROMPT,
            "estimator": args.estimator,
            **({"fine-tuning epochs": args.epochs} if args.estimator == "fine-tune" else {}),
            "allocation": args.allocation,
            "method": args.method,
            "seed": args.seed,
        },
        truth=truth,
        notes=[
            f"truth: the mean rating over all words of the lexicon, {truth:.4f}; the labelled "
            "words and the pool are uniform random samples of it."
        ],
    )
    final = report["estimates"][-1]
    covered = final["lower"] <= truth <= final["upper"]
    print(
        f"the {report['confidence_level']:.0%} interval of {final['label']} "
        f"[{final['lower']:.4f}, {final['upper']:.4f}] "
        f"{'covers' if covered else 'misses'} the lexicon mean {truth:.4f}"
    )
    return 0
