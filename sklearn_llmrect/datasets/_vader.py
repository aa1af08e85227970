"""The VADER ICWSM-2014 sentence snippets: movie reviews and Amazon product reviews."""

from __future__ import annotations

import ast
import os
import warnings
from pathlib import Path

import numpy as np

from ._base import finish, read_text, strings

FOLDER = "vader_icwsm2014"
KINDS = {"movie": "movieReviewSnippets", "amazon": "amazonReviewSnippets"}


def _parse_ground_truth(text: str) -> tuple[list[str], list[float], list[str]]:
    """``id <TAB> mean rating <TAB> text`` lines (no header, no quoting): ids, ratings, texts."""
    ids, ratings, texts = [], [], []
    for line in text.splitlines():
        fields = line.split("\t", 2)
        if len(fields) == 3:
            ids.append(fields[0])
            ratings.append(float(fields[1]))
            texts.append(fields[2])
    return ids, ratings, texts


def _individual_ratings(stem: str) -> dict[str, tuple[float, np.ndarray]]:
    """Per snippet id: (standard deviation, the raters' integer ratings)."""
    out = {}
    text = read_text(FOLDER, f"{stem}_anonDataRatings.txt.gz", encoding="utf-8-sig")
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 4:
            out[fields[0]] = (float(fields[2]), np.asarray(ast.literal_eval(fields[3]), dtype=int))
    return out


def _legacy(path) -> tuple[np.ndarray, np.ndarray]:
    warnings.warn(
        "load_vader_snippets(path) is deprecated: the snippets ship with the package, use "
        "load_vader_snippets('movie' or 'amazon', return_X_y=True).",
        FutureWarning,
        stacklevel=3,
    )
    _, ratings, texts = _parse_ground_truth(
        Path(path).read_text(encoding="utf-8", errors="replace")
    )
    return np.asarray(texts, dtype=object), np.asarray(ratings)


def load_vader_snippets(kind: str = "movie", *, as_frame: bool = False, return_X_y: bool = False):
    """The VADER ICWSM-2014 review snippets with their mean human sentiment rating.

    Hutto & Gilbert (2014) had every snippet rated by 15 to 29 (movie) or 20 (Amazon) people
    on a -4 (extremely negative) .. +4 (extremely positive) scale. Movie: 10,605 snippets
    (sentences of Rotten Tomatoes reviews); Amazon: 3,708 product-review sentences.

    Licence: MIT (the ``cjhutto/vaderSentiment`` repository, which distributes the files);
    its text is ``data/vader_icwsm2014/LICENSE.txt``. Cite Hutto, C.J. & Gilbert, E.E. (2014),
    VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text, ICWSM.

    Parameters
    ----------
    kind : {"movie", "amazon"}, default="movie"
        Which snippets. (A path to a ``*_GroundTruth.txt`` file, the former signature, still
        works for now: it returns ``(texts, ratings)`` with a ``FutureWarning``.)
    as_frame : bool, default=False
        Also return a pandas DataFrame ``frame`` (columns ``id``, ``rating``, ``text``,
        ``rating_std``, ``ratings``); ``data`` and ``target`` are then its columns.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the ``Bunch``.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str, the snippets), ``target`` (ndarray of float, the mean
        rating), ``ids`` (str), ``rating_std`` (float), ``ratings`` (object array: each row's
        individual integer ratings), ``frame``, ``target_names``, ``covariate_names``,
        ``DESCR`` (the source note), ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_vader_snippets
    >>> snippets = load_vader_snippets("amazon")
    >>> snippets.data.shape, snippets.target.shape, snippets.license
    ((3708,), (3708,), 'MIT')
    >>> len(snippets.ratings[0]), bool(snippets.ratings[0].mean() == snippets.target[0])
    (20, True)
    """
    if isinstance(kind, os.PathLike) or (
        isinstance(kind, str)
        and kind not in KINDS
        and (os.sep in kind or "/" in kind or kind.endswith(".txt"))
    ):
        return _legacy(kind)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    stem = KINDS[kind]
    ids, ratings, texts = _parse_ground_truth(
        read_text(FOLDER, f"{stem}_GroundTruth.txt.gz", errors="replace")
    )
    individual = _individual_ratings(stem)
    columns = {
        "id": strings(ids),
        "rating": np.asarray(ratings, dtype=float),
        "text": strings(texts),
        "rating_std": np.asarray([individual[i][0] for i in ids], dtype=float),
        "ratings": strings([individual[i][1] for i in ids]),
    }
    return finish(
        folder=FOLDER,
        license="MIT",
        text_column="text",
        target_column="rating",
        columns=columns,
        target_names=["rating"],
        extra={
            k: columns[v]
            for k, v in [("ids", "id"), ("rating_std", "rating_std"), ("ratings", "ratings")]
        },
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
