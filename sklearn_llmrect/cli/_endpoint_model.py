"""The chat-completions endpoint of ``llmrect estimate --endpoint`` as a fitted scikit-learn
model whose predictions are its zero-shot labels (see :mod:`._endpoint`)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ._data import CLIError
from ._endpoint import endpoint_scale

__all__ = ["EndpointModel"]


class EndpointModel(BaseEstimator):
    """A chat-completions endpoint's zero-shot labels as a fitted scikit-learn model.

    Parameters
    ----------
    base_url, model, api_key_env
        As in :class:`~sklearn_llmrect.annotators.OpenAICompatibleAnnotator`.
    task : {"regression", "classification"}
    prompt : str or None
        The ``--prompt`` template over the text columns; None sends the text itself.
    max_workers : int, default=4
        Concurrent requests.

    Attributes
    ----------
    classes_ : ndarray
        The classes (classification) or the points of the rating scale (regression).
    n_replies_, n_invalid_ : int
        Replies received since ``fit``, and those that named no class or scale point; these
        are scored as the middle of the scale (regression) or equal probabilities
        (classification), a fixed rule that keeps the estimate valid.
    """

    def __init__(
        self,
        base_url,
        model,
        *,
        api_key_env="OPENAI_API_KEY",
        task="regression",
        prompt=None,
        max_workers=4,
    ):
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.task = task
        self.prompt = prompt
        self.max_workers = max_workers

    def fit(self, X, y):
        """Read the classes or the rating scale from the labels (no request is sent).

        Parameters
        ----------
        X : DataFrame of text columns
        y : array-like of labels

        Returns
        -------
        self
        """
        from ..annotators import OpenAICompatibleAnnotator

        labels = np.asarray(y)
        if self.task == "regression":
            scale = endpoint_scale(labels.astype(float))
            classes = np.asarray(scale)
            instruction = (
                f"Answer with one whole number from {scale[0]} to {scale[-1]}, and nothing else."
            )
        else:
            classes = np.unique(labels.astype(str))
            instruction = "Answer with one of: " + ", ".join(classes) + ", and nothing else."
        self.classes_ = classes
        self.annotator_ = OpenAICompatibleAnnotator(
            self.base_url,
            self.model,
            api_key_env=self.api_key_env,
            classes=classes.tolist(),
            label_words={c: str(c) for c in classes.tolist()},
            instruction=instruction,
            n_examples=0,
            retrieval="none",
            on_invalid="skip",
            max_workers=self.max_workers,
        ).fit()
        self.n_replies_ = self.n_invalid_ = 0
        return self

    def _texts(self, X) -> list[str]:
        from .._validation import render_prompts

        columns = [str(c) for c in X.columns]
        return render_prompts(X.to_numpy(dtype=object), self.prompt, columns)

    def _labels(self, X) -> np.ndarray:
        try:
            labels = self.annotator_.annotate(self._texts(X))
        except RuntimeError as error:  # HTTP failures, after the retries
            raise CLIError(f"--endpoint: {error}") from None
        except ValueError as error:  # e.g. the key's variable was unset meanwhile
            raise CLIError(f"--endpoint: {error}") from None
        self.n_replies_ += len(labels)
        self.n_invalid_ += int(sum(label is None for label in labels))
        return labels

    def predict(self, X) -> np.ndarray:
        """The endpoint's label of each row (regression: a point of the scale)."""
        labels = self._labels(X)
        if self.task == "regression":
            middle = float(np.mean(self.classes_))
            return np.array([middle if v is None else float(v) for v in labels], dtype=float)
        return np.asarray(labels, dtype=object)

    def predict_proba(self, X) -> np.ndarray:
        """One-hot rows of the endpoint's labels (equal probabilities for an invalid reply)."""
        labels = self._labels(X)
        classes = self.classes_.tolist()
        proba = np.full((len(labels), len(classes)), 1.0 / len(classes))
        for row, label in enumerate(labels):
            if label is not None:
                proba[row] = 0.0
                proba[row, classes.index(label)] = 1.0
        return proba
