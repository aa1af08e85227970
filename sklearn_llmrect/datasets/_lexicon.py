"""The VADER lexicon: word-level valence ratings read from the installed ``vaderSentiment``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def load_vader_lexicon(*, words_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Word-level human valence ratings shipped in the ``vaderSentiment`` wheel (MIT licence).

    Each entry was rated by ten people on a -4 (extremely negative) .. +4 (extremely positive)
    scale; the target is their mean (Hutto & Gilbert, ICWSM 2014).

    Parameters
    ----------
    words_only : bool, default=True
        Keep alphabetic entries only (drops emoticons such as ``":-)"``).

    Returns
    -------
    texts : ndarray of str, shape (n,)
    ratings : ndarray of float, shape (n,)

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_vader_lexicon
    >>> texts, ratings = load_vader_lexicon()
    >>> len(texts) > 7000 and bool(-4 <= ratings.min() < ratings.max() <= 4)
    True
    """
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The demo data ships in the vaderSentiment wheel: "
            "`pip install --no-deps vaderSentiment`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "vader_lexicon.txt"
    texts, ratings = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) < 2 or (words_only and not fields[0].isalpha()):
            continue
        texts.append(fields[0])
        ratings.append(float(fields[1]))
    return np.asarray(texts, dtype=object), np.asarray(ratings)
