"""Sentence embeddings from a local encoder (default the embedded all-MiniLM-L6-v2).

:class:`TextEmbedder` is a scikit-learn transformer: texts in, mean-pooled (and by default
L2-normalised) hidden states out. It is what the selectors cluster (EEQ's diversity step) and what
the annotators retrieve neighbours with (Sentence-BERT retrieval in IMFL). Embeddings are kept in
memory per text, so a loop that embeds the same pool every round pays once.

References
----------
Reimers & Gurevych (2019). Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks. EMNLP.
Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective Adaptation
of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_text_input, column_names, render_prompts
from ..caching._memory import VECTOR_MEMORY
from ._network import collate, length_sorted_batches
from ._quiet import quiet_libraries
from .backbones import load_backbone, resolve_device, resolve_dtype

__all__ = ["TextEmbedder", "as_texts"]


def as_texts(X) -> list[str]:
    """Rows of X (list of str, 1-D/2-D array of str, DataFrame) as one string each.

    Several columns are joined as ``name: value`` lines, as the estimators' default prompt does.
    """

    class _Holder(BaseEstimator):
        pass

    holder = _Holder()
    X = check_text_input(holder, X, reset=True)
    return render_prompts(X, None, column_names(holder, X.shape[1]))


class TextEmbedder(TransformerMixin, BaseEstimator):
    """Mean-pooled sentence embeddings of texts from a local transformer encoder.

    Parameters
    ----------
    model : str or path-like, default="minilm-l6"
        Any model spec of :func:`~sklearn_llmrect.models.backbones.load_backbone`: the embedded
        all-MiniLM-L6-v2 (``"minilm-l6"``), a local Hugging Face folder, a ``.gguf`` file. For a
        causal LM the last layer's hidden states are mean-pooled the same way.
    batch_size : int, default=64
        Texts per forward pass (rows are sorted by length first, so padding is small).
    max_length : int, default=128
        Longer texts are cut to this many tokens.
    normalize : bool, default=True
        Scale each embedding to unit length, so dot products are cosine similarities.
    device : str, default="auto"
    dtype : {"auto", "float32", "bfloat16", "float16"}, default="float32"

    Attributes
    ----------
    n_features_in_ : int
        Number of text columns seen in ``fit``.
    embedding_dim_ : int
        Length of each embedding.

    References
    ----------
    Reimers & Gurevych (2019), Sentence-BERT, EMNLP (mean pooling of MiniLM states);
    Zhang et al. (2023), IMFL, arXiv:2310.20153 (Sentence-BERT retrieval and clustering).

    Examples
    --------
    >>> from sklearn_llmrect.models.embeddings import TextEmbedder
    >>> embedder = TextEmbedder().fit(["shares rose", "profit fell"])
    >>> vectors = embedder.transform(["shares rose", "shares climbed", "the weather"])
    >>> vectors.shape
    (3, 384)
    >>> bool(vectors[0] @ vectors[1] > vectors[0] @ vectors[2])
    True
    """

    def __init__(
        self,
        model="minilm-l6",
        *,
        batch_size=64,
        max_length=128,
        normalize=True,
        device="auto",
        dtype="float32",
    ):
        self.model = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.normalize = normalize
        self.device = device
        self.dtype = dtype

    def _check_params(self) -> None:
        for name in ("batch_size", "max_length"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")

    def fit(self, X=None, y=None):
        """Load the encoder; X (optional) fixes the number of text columns.

        Parameters
        ----------
        X : list of str, array-like or DataFrame, optional
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        if X is not None:
            check_text_input(self, X, reset=True)
        self._load()
        return self

    def _load(self):
        self.device_ = resolve_device(self.device)
        self.dtype_ = resolve_dtype(self.dtype, self.device_)
        backbone = load_backbone(
            self.model, dtype=self.dtype_, device=self.device_, copy_model=False
        )
        self._backbone = backbone
        body = backbone.model.get_decoder() if backbone.is_causal else backbone.model
        self._body = body
        self.embedding_dim_ = int(backbone.model.config.hidden_size)

    def _memory_key(self, text: str) -> tuple:
        # Shared by every instance, in the process-wide bounded memory: clones made by a loop
        # each round (and the selectors and annotators) never embed a text twice.
        return ("text-embedder", str(self.model), int(self.max_length), bool(self.normalize), text)

    def remember(self, texts, vectors) -> TextEmbedder:
        """Store embeddings computed elsewhere (e.g. loaded from disk) for these texts.

        Parameters
        ----------
        texts : sequence of str
        vectors : array-like of shape (len(texts), embedding_dim)

        Returns
        -------
        self
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(f"vectors must have shape ({len(texts)}, dim); got {vectors.shape}.")
        for text, vector in zip(texts, vectors, strict=True):
            VECTOR_MEMORY.put(self._memory_key(str(text)), vector.copy())
        return self

    def transform(self, X) -> np.ndarray:
        """Embed each row of X.

        Parameters
        ----------
        X : list of str, array-like of shape (n_samples, n_columns) or DataFrame

        Returns
        -------
        ndarray of shape (n_samples, embedding_dim_), float32
        """
        if not hasattr(self, "embedding_dim_"):  # stateless: fit is optional
            self._check_params()
        if hasattr(self, "n_features_in_"):
            check_text_input(self, X, reset=False)
        texts = as_texts(X)
        found = {text: VECTOR_MEMORY.get(self._memory_key(text)) for text in dict.fromkeys(texts)}
        missing = [text for text, vector in found.items() if vector is None]
        if missing:
            if getattr(self, "_backbone", None) is None:
                self._load()
            for text, vector in zip(missing, self._embed(missing), strict=True):
                found[text] = vector
                VECTOR_MEMORY.put(self._memory_key(text), vector.copy())
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)

    def _embed(self, texts: list[str]) -> np.ndarray:
        tokenizer = self._backbone.tokenizer
        with quiet_libraries():
            ids = tokenizer(
                texts, truncation=True, max_length=int(self.max_length), add_special_tokens=True
            )["input_ids"]
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        out = np.empty((len(texts), self.embedding_dim_), dtype=np.float32)
        with torch.inference_mode(), quiet_libraries():
            for batch in length_sorted_batches([len(r) for r in ids], int(self.batch_size)):
                input_ids, mask = collate(
                    [ids[i] for i in batch], pad_id, left=False, device=self.device_
                )
                hidden = self._body(input_ids=input_ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
                pooled = pooled.float()
                if self.normalize:
                    pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[batch] = pooled.cpu().numpy()
        return out

    def __getstate__(self):
        state = super().__getstate__()
        for key in ("_backbone", "_body", "device_", "dtype_"):
            state.pop(key, None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []  # always float32 embeddings
        return tags


_SHARED: dict[str, TextEmbedder] = {}


def shared_embedder(model: str = "minilm-l6") -> TextEmbedder:
    """One :class:`TextEmbedder` per model spec for the whole process, so its per-text memory
    is reused by every selector and annotator that embeds the same texts."""
    if model not in _SHARED:
        _SHARED[model] = TextEmbedder(model=model)
    return _SHARED[model]


def resolve_embedder(embedder):
    """Turn an ``embedder`` argument into a callable ``rows -> 2-D float array``.

    ``"auto"`` uses numeric X as it is and embeds text with :class:`TextEmbedder` (MiniLM); a str
    is a model spec for :class:`TextEmbedder`; an object with ``transform`` is a scikit-learn
    transformer (fitted on first use if it is not fitted yet); any other callable is called on
    the rows. None means "use X as it is" (X must be numeric).
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted as _check_fitted

    def numeric(rows):
        array = np.asarray(rows)
        if array.dtype.kind not in "biuf":
            raise ValueError(
                "embedder=None needs numeric X (feature vectors); X holds "
                f"{array.dtype} values. Pass embedder='auto' or a model name to embed texts."
            )
        return array.reshape(len(array), -1).astype(np.float64)

    if embedder is None:
        return numeric
    if isinstance(embedder, str):
        if embedder == "auto":

            def auto(rows):
                array = rows if hasattr(rows, "columns") else np.asarray(rows, dtype=object)
                kinds = {type(v) for v in np.asarray(array, dtype=object).ravel()[:50]}
                if all(issubclass(k, (numbers.Number, np.number)) for k in kinds):
                    return numeric(np.asarray(rows, dtype=np.float64))
                return shared_embedder().transform(rows)

            return auto
        return shared_embedder(embedder).transform
    if hasattr(embedder, "transform"):

        def transform(rows):
            try:
                _check_fitted(embedder)
            except NotFittedError:  # fit on the first rows it sees
                embedder.fit(rows)
            except TypeError:  # not a scikit-learn estimator: use its transform as it is
                pass
            return np.asarray(embedder.transform(rows), dtype=np.float64)

        return transform
    if callable(embedder):
        return lambda rows: np.asarray(embedder(rows), dtype=np.float64)
    raise TypeError(
        "embedder must be 'auto', a model name, a transformer with transform(), a callable or "
        f"None; got {type(embedder).__name__}."
    )
