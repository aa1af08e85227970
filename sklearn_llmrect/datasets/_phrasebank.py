"""Financial PhraseBank: financial-news sentences labelled by their sentiment for investors."""

from __future__ import annotations

from ._base import finish, read_text, strings

FOLDER = "financial_phrasebank"
AGREEMENTS = {"50": "50Agree", "66": "66Agree", "75": "75Agree", "all": "AllAgree"}
LABELS = ["negative", "neutral", "positive"]


def load_financial_phrasebank(
    agreement: str = "50", *, as_frame: bool = False, return_X_y: bool = False
):
    """Financial PhraseBank v1.0: sentences labelled negative / neutral / positive.

    Malo et al. (2014) had 5 to 8 annotators with a finance background label each sentence
    of English financial news by whether it is good, bad or neither for an investor; the
    release gives the majority label in four files by the strength of the majority. Each
    file contains the stricter ones; a few sentences occur twice (kept, as in the release).

    Licence: **CC BY-NC-SA 3.0, non-commercial use only** (commercial use needs a licence
    from the authors); see ``data/financial_phrasebank/LICENSE.txt``. Cite Malo, P., Sinha,
    A., Korhonen, P., Wallenius, J., Takala, P. (2014), Good debt or bad debt: Detecting
    semantic orientations in economic texts, JASIST 65(4).

    Parameters
    ----------
    agreement : {"50", "66", "75", "all"}, default="50"
        The sentences on which more than 50%, 66% or 75% of the annotators, or all of them,
        agreed: 4,846, 4,217, 3,453 or 2,264 rows.
    as_frame : bool, default=False
        Also return a pandas DataFrame ``frame`` (columns ``sentence``, ``label``); ``data``
        and ``target`` are then its columns.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the ``Bunch``.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str, the sentences), ``target`` (ndarray of str: "negative",
        "neutral" or "positive"), ``target_names`` (those three), ``frame``,
        ``covariate_names`` (empty), ``DESCR``, ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_financial_phrasebank
    >>> fpb = load_financial_phrasebank("all")
    >>> fpb.data.shape, fpb.target_names, fpb.license
    ((2264,), ['negative', 'neutral', 'positive'], 'CC BY-NC-SA 3.0')
    >>> int((fpb.target == "positive").sum())
    570
    """
    if agreement not in AGREEMENTS:
        raise ValueError(f"agreement must be one of {list(AGREEMENTS)}, got {agreement!r}")
    text = read_text(FOLDER, f"Sentences_{AGREEMENTS[agreement]}.txt.gz", encoding="latin-1")
    sentences, labels = [], []
    for line in text.splitlines():
        if "@" in line:
            sentence, label = line.rsplit("@", 1)
            sentences.append(sentence.strip())
            labels.append(label.strip())
    columns = {"sentence": strings(sentences), "label": strings(labels)}
    return finish(
        folder=FOLDER,
        license="CC BY-NC-SA 3.0",
        text_column="sentence",
        target_column="label",
        columns=columns,
        target_names=list(LABELS),
        extra={},
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
