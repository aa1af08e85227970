"""FrozenFeatures: pooled hidden states of one or more layers of a frozen model, cached."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from tqdm.auto import tqdm

from ..caching import check_memory, data_hash
from ..caching._keys import _file_fingerprints

__all__ = ["FrozenFeatures"]

_CHUNK = 512  # texts per disk shard: a stopped run loses at most one chunk


class FrozenFeatures(TransformerMixin, BaseEstimator):
    """Pooled hidden states of chosen layers of a frozen encoder or LLM, computed once.

    Every text's vector is kept in process memory (up to a bound:
    :func:`~sklearn_llmrect.caching.set_vector_memory_limit`) and, with ``memory``, on disk, so
    the K fold models of a cross-fit, the clones of a grid search and a rerun of the same job
    embed each text once, while streaming a large file through it keeps memory bounded. The
    forward pass stops after the deepest layer asked for.

    Parameters
    ----------
    model : str or path-like, default="minilm-l6"
        A model spec of :func:`~sklearn_llmrect.models.backbones.load_backbone`: an embedded
        name (``"minilm-l6"``, ``"smollm2-135m-instruct"``), a local Hugging Face folder or a
        ``.gguf`` file.
    layers : int or tuple of int, default=-1
        Hidden-state layers to pool (1 = the first transformer layer's output, -1 the last);
        several are concatenated.
    max_length : int, default=128
        Longer texts are cut to this many tokens (the text, not the prompt around it).
    prompt : str or None, default=None
        A template with one ``{text}`` (e.g. ``'This sentence : "{text}" means in one
        word:"'``): each text is wrapped in it before the forward pass. None feeds the text
        alone.
    pooling : {"mean", "last"}, default="mean"
        ``"mean"`` averages the states of every token; ``"last"`` takes the last token's, which
        in a causal LLM is the only one that has read the whole (prompted) text.
    batch_size : int, default=32
        Texts per forward pass (sorted by length, so padding is small).
    dtype : {"auto", "float32", "bfloat16"}, default="auto"
        Compute dtype; ``"auto"`` is bfloat16 where the hardware runs it natively.
    device : str, default="auto"
    memory : None, str, path-like or FitCache, default=None
        Folder of the on-disk cache (vectors under ``features/``); None keeps them in memory.
    verbose : int, default=0
        Show a progress bar while computing.

    Attributes
    ----------
    n_features_out_ : int
        Length of each vector (hidden size times the number of layers).

    See Also
    --------
    sklearn_llmrect.models.TextEmbedder : normalised sentence embeddings for retrieval.

    References
    ----------
    Reimers & Gurevych (2019), Sentence-BERT, EMNLP (mean pooling). Jiang et al. (2024),
    "Scaling sentence embeddings with large language models", Findings of EMNLP (PromptEOL: the
    last token's state after a one-word prompt). Skean et al. (2025), "Layer
    by layer: uncovering hidden representations in language models", ICML (middle layers of an
    LLM are often better features than its last).

    Examples
    --------
    >>> from sklearn_llmrect.features import FrozenFeatures
    >>> features = FrozenFeatures("minilm-l6", layers=(3, -1)).fit_transform(["good", "bad"])
    >>> features.shape
    (2, 768)
    """

    def __init__(
        self,
        model="minilm-l6",
        *,
        layers=-1,
        max_length=128,
        prompt=None,
        pooling="mean",
        batch_size=32,
        dtype="auto",
        device="auto",
        memory=None,
        verbose=0,
    ):
        self.model = model
        self.layers = layers
        self.max_length = max_length
        self.prompt = prompt
        self.pooling = pooling
        self.batch_size = batch_size
        self.dtype = dtype
        self.device = device
        self.memory = memory
        self.verbose = verbose

    # ---------------------------------------------------------------------------- parameters
    def _layer_list(self) -> tuple[int, ...]:
        layers = (self.layers,) if isinstance(self.layers, numbers.Integral) else self.layers
        try:
            layers = tuple(int(layer) for layer in layers)
        except (TypeError, ValueError):
            raise TypeError(
                f"layers must be an int or a tuple of ints; got {self.layers!r}."
            ) from None
        if not layers or any(layer == 0 for layer in layers):
            raise ValueError(
                f"layers must name transformer layers (1, 2, ..., or -1 for the last); got "
                f"{self.layers!r} (0 is the token embeddings, which carry no context)."
            )
        return layers

    def _check_params(self) -> None:
        for name in ("batch_size", "max_length"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        self._layer_list()
        if self.prompt is not None and (
            not isinstance(self.prompt, str) or self.prompt.count("{text}") != 1
        ):
            raise ValueError(
                "prompt must be None or a string with exactly one '{text}' where the text goes; "
                f"got {self.prompt!r}."
            )
        if self.pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last'; got {self.pooling!r}.")

    def _store(self):
        from ._store import FeatureStore

        cache = check_memory(self.memory)
        spec = data_hash(
            "frozen-features",
            str(self.model),
            _file_fingerprints({"model": self.model}),
            self._layer_list(),
            int(self.max_length),
            str(self.dtype),
            # only when set, so caches written before these parameters existed stay valid
            *(
                ()
                if self.prompt is None and self.pooling == "mean"
                else (self.prompt, self.pooling)
            ),
        )
        return FeatureStore(spec, None if cache is None else cache.location / "features")

    # ------------------------------------------------------------------------------- fit/use
    def fit(self, X=None, y=None):
        """Check the parameters (the model loads on the first text not yet cached).

        Parameters
        ----------
        X, y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        return self

    def transform(self, X) -> np.ndarray:
        """The pooled features of each text.

        Parameters
        ----------
        X : list of str or array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out_), float32
        """
        from ..models.embeddings import as_texts
        from ._store import text_key

        self._check_params()
        texts = as_texts(X)

        keys = [text_key(text) for text in texts]
        store = self._store()
        found = store.find(keys)
        first = {}  # each text not stored yet, at its first position
        for i, key in enumerate(keys):
            if key not in found:
                first.setdefault(key, i)
        if first:
            found.update(self._compute(store, [texts[i] for i in first.values()], list(first)))
        out = np.stack([found[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)
        self.n_features_out_ = int(out.shape[1]) if keys else getattr(self, "n_features_out_", 0)
        return out

    def _compute(self, store, texts: list[str], keys: list[bytes]) -> dict[bytes, np.ndarray]:
        computed = {}
        order = np.argsort([len(text) for text in texts], kind="stable")
        bar = tqdm(
            total=len(texts),
            desc=f"features of {self.model}",
            unit="text",
            disable=not self.verbose,
        )
        with bar:
            for start in range(0, len(texts), _CHUNK):
                chunk = order[start : start + _CHUNK]
                vectors = np.asarray(self._forward([texts[i] for i in chunk]), dtype=np.float32)
                store.add([keys[i] for i in chunk], vectors)
                computed.update(zip([keys[i] for i in chunk], vectors, strict=True))
                bar.update(len(chunk))
        return computed

    def _forward(self, texts: list[str]) -> np.ndarray:
        from ._forward import pooled_layers

        return pooled_layers(
            self.model,
            texts,
            layers=self._layer_list(),
            max_length=int(self.max_length),
            batch_size=int(self.batch_size),
            dtype=self.dtype,
            device=self.device,
            prompt=self.prompt,
            pooling=self.pooling,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags
