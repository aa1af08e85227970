"""PubMedQA (PQA-L): biomedical research questions answered yes / no / maybe from an abstract."""

from __future__ import annotations

import json

import numpy as np

from ._base import finish, read_text, strings

FOLDER = "pubmedqa"
LABELS = ["maybe", "no", "yes"]


def load_pubmedqa(*, as_frame: bool = False, return_X_y: bool = False):
    """PubMedQA's 1,000 expert-labelled questions (PQA-L), with their abstracts.

    Jin et al. (2019) turned PubMed article titles into questions; experts answered each
    yes, no or maybe from the abstract without its conclusion (``CONTEXTS``); the
    conclusion is the ``LONG_ANSWER``. ``is_test`` marks the authors' 500 test questions.

    Licence: MIT (the official ``pubmedqa/pubmedqa`` repository); its text is
    ``data/pubmedqa/LICENSE.txt``. Cite Jin, Q., Dhingra, B., Liu, Z., Cohen, W., Lu, X.
    (2019), PubMedQA: A Dataset for Biomedical Research Question Answering, EMNLP-IJCNLP.

    Parameters
    ----------
    as_frame : bool, default=False
        Also return a pandas DataFrame ``frame`` (columns ``pmid``, ``QUESTION``,
        ``CONTEXTS``, ``LABELS``, ``MESHES``, ``YEAR``, ``reasoning_required_pred``,
        ``reasoning_free_pred``, ``final_decision``, ``LONG_ANSWER``, ``is_test``); ``data``
        and ``target`` are then its columns.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the ``Bunch``.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str, the questions), ``target`` (ndarray of str: "yes", "no" or
        "maybe"), ``pmids`` (str), ``contexts`` (object array of lists of str: the abstract's
        paragraphs), ``context_labels`` (their section names), ``meshes``, ``years`` (str or
        None), ``long_answers``, ``is_test`` (bool), ``frame``, ``target_names``,
        ``covariate_names``, ``DESCR``, ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_pubmedqa
    >>> pubmedqa = load_pubmedqa()
    >>> pubmedqa.data.shape, int(pubmedqa.is_test.sum()), pubmedqa.license
    ((1000,), 500, 'MIT')
    >>> sorted(set(pubmedqa.target)) == pubmedqa.target_names
    True
    """
    items = json.loads(read_text(FOLDER, "ori_pqal.json.gz"))
    test = json.loads(read_text(FOLDER, "test_ground_truth.json.gz"))
    pmids = list(items)

    def column(key: str, default=None) -> np.ndarray:
        return strings([items[i].get(key, default) for i in pmids])

    columns = {
        "pmid": strings(pmids),
        "QUESTION": column("QUESTION"),
        "CONTEXTS": column("CONTEXTS", []),
        "LABELS": column("LABELS", []),
        "MESHES": column("MESHES", []),
        "YEAR": column("YEAR"),
        "reasoning_required_pred": column("reasoning_required_pred"),
        "reasoning_free_pred": column("reasoning_free_pred"),
        "final_decision": column("final_decision"),
        "LONG_ANSWER": column("LONG_ANSWER"),
        "is_test": np.asarray([i in test for i in pmids]),
    }
    names = {
        "pmids": "pmid",
        "contexts": "CONTEXTS",
        "context_labels": "LABELS",
        "meshes": "MESHES",
        "years": "YEAR",
        "long_answers": "LONG_ANSWER",
        "is_test": "is_test",
    }
    return finish(
        folder=FOLDER,
        license="MIT",
        text_column="QUESTION",
        target_column="final_decision",
        columns=columns,
        target_names=list(LABELS),
        extra={key: columns[name] for key, name in names.items()},
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
