"""EmoBank: sentences rated for valence, arousal and dominance."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ._base import finish, read_csv, strings

FOLDER = "emobank"
DIMENSIONS = {"V": "valence", "A": "arousal", "D": "dominance"}


def _reader_ratings() -> Bunch:
    rows = read_csv(FOLDER, "individual_reader_ratings.csv.gz")
    out = Bunch(ids=strings([row["id"] for row in rows]))
    for column in DIMENSIONS:
        out[column] = np.asarray([int(row[column]) for row in rows], dtype=int)
    return out


def load_emobank(target: str = "V", *, as_frame: bool = False, return_X_y: bool = False):
    """EmoBank: 10,062 English sentences with mean Valence, Arousal and Dominance ratings.

    Buechel & Hahn (2017) had crowd workers rate news, blog, letter, fiction and essay
    sentences (and SemEval-2007 headlines) on 1-5 Self-Assessment-Manikin scales, from the
    reader's and the writer's perspective; each rating here is the weighted mean of both
    (the corpus' ``emobank.csv``), with the authors' train / dev / test split.

    Licence: CC BY-SA 4.0 (redistributions keep the licence and the attribution); see
    ``data/emobank/LICENSE.txt``. Cite Buechel, S. & Hahn, U. (2017), EmoBank: Studying the
    Impact of Annotation Perspective and Representation Format on Dimensional Emotion
    Analysis, EACL.

    Parameters
    ----------
    target : {"V", "A", "D"}, default="V"
        The dimension returned as ``target``: valence (negative .. positive), arousal (calm ..
        excited) or dominance (controlled .. in control). All three are also in the Bunch.
    as_frame : bool, default=False
        Also return a pandas DataFrame ``frame`` with the columns of ``emobank.csv``: ``id``,
        ``split``, ``V``, ``A``, ``D``, ``text``; ``data`` and ``target`` are then its columns.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the ``Bunch``.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str), ``target`` (ndarray of float), ``ids``, ``split`` ("train",
        "dev" or "test"), ``valence``, ``arousal``, ``dominance``, ``individual_ratings`` (a
        Bunch of the 53,055 per-annotator reader ratings, integers 1-5: ``ids``, ``V``, ``A``,
        ``D``; its ids cover 10,548 sentences, a superset of ``ids``), ``frame``,
        ``target_names``, ``covariate_names``, ``DESCR``, ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_emobank
    >>> emobank = load_emobank()
    >>> emobank.data.shape, emobank.license, round(float(emobank.target.mean()), 3)
    ((10062,), 'CC BY-SA 4.0', 2.977)
    >>> texts, arousal = load_emobank("A", return_X_y=True)
    >>> bool(1 <= arousal.min() < arousal.max() <= 5)
    True
    """
    if target not in DIMENSIONS:
        raise ValueError(f"target must be one of {sorted(DIMENSIONS)}, got {target!r}")
    rows = read_csv(FOLDER, "emobank.csv.gz")
    columns = {
        "id": strings([row["id"] for row in rows]),
        "split": strings([row["split"] for row in rows]),
        **{c: np.asarray([float(row[c]) for row in rows]) for c in DIMENSIONS},
        "text": strings([row["text"] for row in rows]),
    }
    extra = {"ids": columns["id"], "split": columns["split"]}
    extra.update({name: columns[c] for c, name in DIMENSIONS.items()})
    extra["individual_ratings"] = _reader_ratings()
    return finish(
        folder=FOLDER,
        license="CC BY-SA 4.0",
        text_column="text",
        target_column=target,
        columns=columns,
        target_names=[target],
        extra=extra,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
