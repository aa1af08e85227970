"""Few-shot prompts with retrieved human-labelled examples (shared by the LLM annotators).

For a text ``x`` the ``k`` examples are the human-labelled items with the largest cosine
similarity between their sentence embeddings and ``x``'s (IMFL's prompt retrieval). They are
written most similar last, right before ``x``::

    {instruction}

    Text: {example k}
    Answer: {label word}
    ...
    Text: {example 1 (the nearest)}
    Answer: {label word}

    Text: {x}
    Answer:
"""

from __future__ import annotations

import numbers
import re
import zlib

import numpy as np

from ..models.embeddings import as_texts, resolve_embedder
from ._base import BaseAnnotator

__all__ = ["FewShotAnnotator", "parse_label"]

_RETRIEVAL = ("nearest", "random", "none")


def parse_label(reply: str, label_words: dict) -> object | None:
    """The class whose label word occurs first in ``reply`` (whole word, any case), or None.

    Parameters
    ----------
    reply : str
        A model's answer, e.g. ``"Positive."`` or ``"The sentiment is negative"``.
    label_words : dict
        ``{class: word}``.

    Returns
    -------
    object or None
        The class, or None when no label word occurs.

    Examples
    --------
    >>> from sklearn_llmrect.annotators import parse_label
    >>> parse_label("Answer: Negative.", {"pos": "positive", "neg": "negative"})
    'neg'
    >>> parse_label("no idea", {"pos": "positive", "neg": "negative"}) is None
    True
    """
    text = str(reply).lower()
    best, best_position = None, len(text) + 1
    for label, word in label_words.items():
        match = re.search(r"(?<![a-z0-9])" + re.escape(str(word).lower()) + r"(?![a-z0-9])", text)
        if match and match.start() < best_position:
            best, best_position = label, match.start()
    return best


class FewShotAnnotator(BaseAnnotator):
    """Base of the LLM annotators: label words, instruction, retrieval, prompt text."""

    def _check_fewshot_params(self) -> None:
        k = self.n_examples
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"n_examples must be an integer >= 0; got {k!r}.")
        if self.retrieval not in _RETRIEVAL:
            raise ValueError(f"retrieval must be one of {_RETRIEVAL}; got {self.retrieval!r}.")
        chars = self.max_example_chars
        if isinstance(chars, bool) or not isinstance(chars, numbers.Integral) or chars < 1:
            raise ValueError(f"max_example_chars must be an integer >= 1; got {chars!r}.")
        if self.label_words is not None and not isinstance(self.label_words, dict):
            raise TypeError(
                f"label_words must be None or a dict {{class: word}}; got {self.label_words!r}."
            )

    def fit(self, X=None, y=None):
        """Store the human-labelled rows as the pool of few-shot examples.

        Parameters
        ----------
        X : list of str, array-like or DataFrame, optional
            Human-labelled texts (may be empty or None: zero-shot prompts).
        y : array-like of shape (n_samples,), optional
            Their labels.

        Returns
        -------
        self
        """
        self._check_fewshot_params()
        if X is None or len(X) == 0:
            texts, labels = [], np.asarray([], dtype=object)
        else:
            texts = as_texts(X)
            if y is None:
                raise ValueError("fit(X, y): the examples' labels y are missing.")
            labels = np.asarray(y)
            if labels.ndim != 1 or len(labels) != len(texts):
                raise ValueError(
                    f"y must be 1-D with one label per row of X ({len(texts)}); got shape "
                    f"{labels.shape}."
                )
        if self.classes is not None:
            classes = np.asarray(self.classes)
            unknown = np.setdiff1d(labels, classes) if len(labels) else []
            if len(unknown):
                raise ValueError(f"y holds labels {list(unknown)} that are not in classes.")
        elif len(labels):
            classes = np.unique(labels)
        else:
            raise ValueError(
                "without examples the label set is unknown: pass classes=[...] (and label_words "
                "if the class names are not the words the model should answer with)."
            )
        if len(classes) < 2:
            raise ValueError(f"an annotator needs at least two classes; got {classes.tolist()}.")
        words = self.label_words or {}
        missing = [c for c in classes.tolist() if words and c not in words]
        if missing:
            raise ValueError(f"label_words has no word for class(es) {missing}.")
        self.classes_ = classes
        self.label_words_ = {c: str(words.get(c, c)) for c in classes.tolist()}
        self.example_texts_ = [t[: self.max_example_chars] for t in texts]
        self.example_labels_ = labels
        self.instruction_ = self.instruction or (
            "Label the text. Answer with one of: " + ", ".join(self.label_words_.values()) + "."
        )
        self.example_embeddings_ = None
        if self.retrieval == "nearest" and self.n_examples > 0 and len(texts):
            self._embed = resolve_embedder(self.embedder)
            self.example_embeddings_ = _unit(self._embed(texts))
        return self

    def retrieve(self, X) -> np.ndarray:
        """Positions (in the fitted examples) of the examples each row's prompt shows.

        Parameters
        ----------
        X : list of str, array-like or DataFrame

        Returns
        -------
        ndarray of shape (n_samples, k)
            ``k = min(n_examples, number of examples)``; nearest first for
            ``retrieval="nearest"``.
        """
        if not hasattr(self, "classes_"):
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(X_human, y_human).")
        texts = as_texts(X)
        k = min(int(self.n_examples), len(self.example_texts_))
        if k == 0 or self.retrieval == "none":
            return np.zeros((len(texts), 0), dtype=np.intp)
        if self.retrieval == "random":
            seed = 0 if self.random_state is None else int(self.random_state)
            return np.array(
                [
                    np.random.default_rng([seed, zlib.crc32(t.encode())]).choice(
                        len(self.example_texts_), k, replace=False
                    )
                    for t in texts
                ],
                dtype=np.intp,
            )
        similarity = _unit(self._embed(texts)) @ self.example_embeddings_.T
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(similarity, top, axis=1), axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1).astype(np.intp)

    def full_instruction(self, instruction=None) -> str:
        """The fitted instruction, with ``instruction`` appended on a new line when given."""
        return self.instruction_ if instruction is None else f"{self.instruction_}\n{instruction}"

    def prompts(self, X, example_indices=None, instruction=None) -> list[str]:
        """The prompt text of each row (without any chat template).

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        example_indices : array-like of shape (n_samples, k), optional
            Examples to show (positions in the fitted examples, nearest first); default
            :meth:`retrieve`.
        instruction : str, optional
            Appended to the fitted instruction, for these prompts only (e.g. the notes of a
            :class:`~sklearn_llmrect.revision.TargetedReviser` category).

        Returns
        -------
        list of str
        """
        texts = as_texts(X)
        if example_indices is None:
            example_indices = self.retrieve(X)
        example_indices = np.asarray(example_indices, dtype=np.intp).reshape(len(texts), -1)
        words = [self.label_words_[label] for label in self.example_labels_.tolist()]
        prompts = []
        for text, chosen in zip(texts, example_indices, strict=True):
            shots = [f"Text: {self.example_texts_[i]}\nAnswer: {words[i]}" for i in chosen[::-1]]
            body = "\n\n".join(
                [self.full_instruction(instruction), *shots, f"Text: {text}\nAnswer:"]
            )
            prompts.append(body)
        return prompts


def _unit(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
