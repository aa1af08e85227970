"""Turn EmoBank into a survey file: a few hundred human labels, the rest blanked.

EmoBank (Buechel & Hahn, 2017) rates 10,062 sentences for valence on a 1-5 scale. This script
keeps the valence rating of a seeded uniform random sample of rows (the "human labels"), empties
it for all the others (the unlabelled pool), and prints the mean over every rating, which the
interval of ``llmrect estimate`` should cover.

EmoBank ships with the package (CC BY-SA 4.0). Write its ``emobank.csv`` first, in Python::

    from sklearn_llmrect.datasets import load_emobank
    load_emobank(as_frame=True).frame.to_csv("emobank.csv", index=False)

Then::

    python examples/emobank_survey.py emobank.csv emobank_survey.csv
    llmrect estimate emobank_survey.csv --text text --label V \
        --prompt "Sentence: {text}\nHow pleasant is the feeling it expresses, from 1 to 5?" \
        --report emobank.html --json emobank.json
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def blank_labels(source: Path, target: Path, *, n_labels: int, column: str, seed: int) -> float:
    """Write ``source`` to ``target`` with all but ``n_labels`` random values of ``column`` empty.

    Returns the mean of ``column`` over every row of ``source``.
    """
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    if column not in fieldnames:
        raise SystemExit(f"--column: {column!r} is not a column of {source} ({fieldnames})")
    if not 0 < n_labels <= len(rows):
        raise SystemExit(f"--labels: must be between 1 and {len(rows)}, got {n_labels}")
    truth = float(np.mean([float(row[column]) for row in rows]))
    keep = set(np.random.default_rng(seed).choice(len(rows), size=n_labels, replace=False).tolist())
    for index, row in enumerate(rows):
        if index not in keep:
            row[column] = ""
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="emobank.csv")
    parser.add_argument("target", type=Path, help="the survey file to write")
    parser.add_argument("--labels", type=int, default=300, help="human labels kept (default 300)")
    parser.add_argument("--column", default="V", help="rating column (default V, valence)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    truth = blank_labels(
        args.source, args.target, n_labels=args.labels, column=args.column, seed=args.seed
    )
    print(f"wrote {args.target}: {args.labels} labels kept; mean over all rows {truth:.4f}")


if __name__ == "__main__":
    main()
