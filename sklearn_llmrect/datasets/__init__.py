"""Text datasets with human labels, shipped with the package, in the style of ``sklearn.datasets``.

Every ``load_*`` function reads files of ``sklearn_llmrect/datasets/data/<dataset>/`` (installed
with the wheel; nothing is downloaded) and returns a :class:`sklearn.utils.Bunch` with ``data``
(the texts), ``target`` (the human labels), ``frame`` (a pandas DataFrame when
``as_frame=True``), the dataset's other columns, ``DESCR`` (its source note) and ``license``;
``return_X_y=True`` returns ``(data, target)``. The licence of each dataset is in its docstring
and beside its files (``LICENSE.txt``); Financial PhraseBank is **non-commercial** (CC BY-NC-SA).

Importing this subpackage needs numpy and scikit-learn only (no torch); ``as_frame`` needs pandas.
Modules: ``_base`` (file access and the ``Bunch``), ``_lexicon`` (the VADER lexicon, read from
the installed ``vaderSentiment``), ``_vader``, ``_emobank``, ``_politeness``, ``_phrasebank``,
``_pubmedqa`` (one loader each).
"""

from ._emobank import load_emobank
from ._lexicon import load_vader_lexicon
from ._phrasebank import load_financial_phrasebank
from ._politeness import load_politeness
from ._pubmedqa import load_pubmedqa
from ._vader import load_vader_snippets

__all__ = [
    "load_emobank",
    "load_financial_phrasebank",
    "load_politeness",
    "load_pubmedqa",
    "load_vader_lexicon",
    "load_vader_snippets",
]
