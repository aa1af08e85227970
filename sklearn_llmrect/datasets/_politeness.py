"""The Stanford Politeness Corpus: Wikipedia and Stack Exchange requests rated for politeness."""

from __future__ import annotations

import numpy as np

from ._base import finish, read_csv, strings

FOLDER = "stanford_politeness"
SOURCES = {
    "wikipedia": "wikipedia.annotated.csv.gz",
    "stack-exchange": "stack-exchange.annotated.csv.gz",
}
RATERS = range(1, 6)


def load_politeness(source: str = "all", *, as_frame: bool = False, return_X_y: bool = False):
    """Stanford Politeness Corpus: 10,956 requests, each rated for politeness by 5 people.

    Danescu-Niculescu-Mizil et al. (2013) collected requests from Wikipedia editors' talk
    pages (4,353) and Stack Exchange sites (6,603); five Mechanical Turk workers rated each on
    a 1-25 slider. ``target`` is the corpus' ``Normalized Score``: every rater's scores
    z-scored, then averaged per request (mean about 0, range about -4 .. +2.7).

    Licence: Apache-2.0 (the authors' ``sudhof/politeness`` repository); its text is
    ``data/stanford_politeness/LICENSE.txt``. Cite Danescu-Niculescu-Mizil, C., Sudhof, M.,
    Jurafsky, D., Leskovec, J., Potts, C. (2013), A computational approach to politeness with
    application to social factors, ACL.

    Parameters
    ----------
    source : {"all", "wikipedia", "stack-exchange"}, default="all"
        Which requests; "all" gives the Wikipedia ones first, then Stack Exchange.
    as_frame : bool, default=False
        Also return a pandas DataFrame ``frame`` with the corpus' columns: ``Community``,
        ``Id``, ``Request``, ``Score1`` .. ``Score5``, ``TurkId1`` .. ``TurkId5``,
        ``Normalized Score``; ``data`` and ``target`` are then its columns.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the ``Bunch``.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str, the requests), ``target`` (ndarray of float), ``ids`` (int),
        ``community`` (str: "Wikipedia" or the Stack Exchange site), ``source`` ("wikipedia"
        or "stack-exchange"), ``scores`` (int, shape (n, 5): the raters' 1-25 scores),
        ``rater_ids`` (str, shape (n, 5): anonymised worker ids), ``frame``,
        ``target_names``, ``covariate_names``, ``DESCR``, ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_llmrect.datasets import load_politeness
    >>> polite = load_politeness()
    >>> polite.data.shape, polite.scores.shape, polite.license
    ((10956,), (10956, 5), 'Apache-2.0')
    >>> load_politeness("wikipedia").data.shape
    (4353,)
    """
    if source not in (*SOURCES, "all"):
        raise ValueError(f"source must be 'all' or one of {sorted(SOURCES)}, got {source!r}")
    names = list(SOURCES) if source == "all" else [source]
    rows, origin = [], []
    for name in names:
        part = read_csv(FOLDER, SOURCES[name])
        rows += part
        origin += [name] * len(part)
    columns = {
        "Community": strings([row["Community"] for row in rows]),
        "Id": np.asarray([int(row["Id"]) for row in rows], dtype=np.int64),
        "Request": strings([row["Request"] for row in rows]),
        **{f"Score{i}": np.asarray([int(row[f"Score{i}"]) for row in rows]) for i in RATERS},
        **{f"TurkId{i}": strings([row[f"TurkId{i}"] for row in rows]) for i in RATERS},
        "Normalized Score": np.asarray([float(row["Normalized Score"]) for row in rows]),
    }
    extra = {
        "ids": columns["Id"],
        "community": columns["Community"],
        "source": strings(origin),
        "scores": np.column_stack([columns[f"Score{i}"] for i in RATERS]),
        "rater_ids": np.column_stack([columns[f"TurkId{i}"] for i in RATERS]),
    }
    return finish(
        folder=FOLDER,
        license="Apache-2.0",
        text_column="Request",
        target_column="Normalized Score",
        columns=columns,
        target_names=["Normalized Score"],
        extra=extra,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
