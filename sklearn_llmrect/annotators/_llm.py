"""LLMAnnotator: a local instruct LLM labels texts from few-shot prompts with retrieved examples."""

from __future__ import annotations

import copy
import numbers
import threading
import warnings

import numpy as np
import torch

from ..models import _network
from ..models.backbones import load_backbone, resolve_device, resolve_dtype
from ._fewshot import FewShotAnnotator

__all__ = ["LLMAnnotator"]

_QUANTIZED: dict[tuple[str, str], torch.nn.Module] = {}
_QUANTIZE_LOCK = threading.Lock()


def calibrate_proba(proba, target) -> np.ndarray:
    """Rescale class probabilities so that their mean over the rows matches ``target``.

    ``p_i * (target + 0.001) / mean_j(p_j)``, renormalised per row (the small constant keeps a
    class with no examples reachable).
    """
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return proba
    proba = proba * ((np.asarray(target, dtype=float) + 1e-3) / np.maximum(proba.mean(0), 1e-12))
    return proba / proba.sum(axis=1, keepdims=True)


def _int8_copy(backbone) -> torch.nn.Module:
    """A copy of a causal LM whose decoder linear layers run as dynamic int8 (CPU); cached."""
    key = (backbone.source, str(next(backbone.model.parameters()).dtype))
    with _QUANTIZE_LOCK:
        if key not in _QUANTIZED:
            model = copy.deepcopy(backbone.model).float()
            with warnings.catch_warnings():  # torch.ao's eager API is deprecated, still works
                warnings.simplefilter("ignore")
                torch.ao.quantization.quantize_dynamic(  # the lm_head stays in float32
                    model.get_decoder(), {torch.nn.Linear}, dtype=torch.qint8, inplace=True
                )
            _QUANTIZED[key] = model.eval()
        return _QUANTIZED[key]


class LLMAnnotator(FewShotAnnotator):
    """Label texts with a local LLM prompted with the nearest human-labelled examples.

    Each text's prompt shows its ``n_examples`` nearest human-labelled items (cosine similarity
    of MiniLM sentence embeddings) with their labels, then the text; the answer is the class whose
    label word's first token has the largest next-token probability at the start of the
    model's answer (no free generation, so every answer is a valid class). Prompts are scored in
    length-sorted batches, reading the last position only.

    Parameters
    ----------
    model : str or path-like, default="smollm2-135m-instruct"
        A causal LM spec for :func:`~sklearn_llmrect.models.backbones.load_backbone`.
    classes : array-like, optional
        The label set; default: the classes of the examples given to :meth:`fit`.
    label_words : dict, optional
        ``{class: word}`` the model answers with (default the class names); their first tokens
        must differ.
    instruction : str, optional
        First line of every prompt; default ``"Label the text. Answer with one of: <words>."``.
    n_examples : int, default=4
        Retrieved examples per prompt (``k``); 0 gives zero-shot prompts.
    retrieval : {"nearest", "random", "none"}, default="nearest"
        ``"random"`` draws the examples at random (seeded per text; the "no retrieval"
        ablation); ``"none"`` shows none.
    embedder : "auto", str, transformer or callable, default="auto"
        Sentence embeddings for retrieval (``"auto"``: the embedded MiniLM).
    max_example_chars : int, default=300
        Examples are cut to this many characters, to keep prompts short.
    batch_size : int, default=16
    max_length : int, default=1024
        Longer prompts keep their end (the text and the answer position).
    chat_template : {"auto", True, False}, default="auto"
        Wrap each prompt as a user turn of the model's chat template. With False the prompt is
        plain text ending in ``"Answer:"`` and the label words are read with a leading space.
    calibrate : bool, default=True
        Correct the model's label bias over each :meth:`annotate` call: the class probabilities
        ``p_i`` of the ``n`` rows are rescaled to ``p_i * pi / mean_j(p_j)`` (renormalised),
        where ``pi`` is the class distribution of the human-labelled examples (uniform without
        examples), so the average answer matches the human label shares. Small LLMs put most
        of their mass on one label word; this is a batch form of contextual calibration (Zhao
        et al., 2021). Calls with few rows are corrected less reliably.
    quantize : {None, "int8"}, default=None
        ``"int8"`` runs the decoder's linear layers as dynamic int8 on the CPU (torch's
        ``quantize_dynamic``): about 1.7x the tokens/s of float32 on an AVX2 CPU for SmolLM2,
        with the same answer for about 96% of prompts. The quantized copy is made once per
        process.
    random_state : int or None, default=None
        Seeds ``retrieval="random"``.
    device : str, default="auto"
    dtype : {"auto", "float32", "bfloat16", "float16"}, default="auto"

    Attributes
    ----------
    classes_ : ndarray
    label_words_ : dict
    example_texts_ : list of str
        The human-labelled examples (cut to ``max_example_chars``).
    example_labels_ : ndarray

    References
    ----------
    Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective
    Adaptation of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153
    (prompt retrieval from human-annotated samples with Sentence-BERT similarity).

    Examples
    --------
    >>> from sklearn_llmrect.annotators import LLMAnnotator
    >>> human_X = ["shares jumped", "profit rose", "sales fell", "the stock dropped"]
    >>> human_y = ["up", "up", "down", "down"]
    >>> llm = LLMAnnotator(n_examples=2, dtype="float32").fit(human_X, human_y)
    >>> llm.retrieve(["shares climbed"]).shape
    (1, 2)
    >>> llm.annotate(["revenue fell sharply"]).shape
    (1,)
    """

    def __init__(
        self,
        model="smollm2-135m-instruct",
        *,
        classes=None,
        label_words=None,
        instruction=None,
        n_examples=4,
        retrieval="nearest",
        embedder="auto",
        max_example_chars=300,
        batch_size=16,
        max_length=1024,
        chat_template="auto",
        calibrate=True,
        quantize=None,
        random_state=None,
        device="auto",
        dtype="auto",
    ):
        self.model = model
        self.classes = classes
        self.label_words = label_words
        self.instruction = instruction
        self.n_examples = n_examples
        self.retrieval = retrieval
        self.embedder = embedder
        self.max_example_chars = max_example_chars
        self.batch_size = batch_size
        self.max_length = max_length
        self.chat_template = chat_template
        self.calibrate = calibrate
        self.quantize = quantize
        self.random_state = random_state
        self.device = device
        self.dtype = dtype

    def fit(self, X=None, y=None):
        for name in ("batch_size", "max_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        if self.chat_template not in ("auto", True, False):
            raise ValueError(
                f"chat_template must be 'auto', True or False; got {self.chat_template!r}."
            )
        if self.quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8'; got {self.quantize!r}.")
        super().fit(X, y)
        self._load_model()
        return self

    fit.__doc__ = FewShotAnnotator.fit.__doc__

    def _load_model(self) -> None:
        self.device_ = resolve_device(self.device)
        self.dtype_ = resolve_dtype(self.dtype, self.device_)
        backbone = load_backbone(
            self.model, dtype=self.dtype_, device=self.device_, copy_model=False
        )
        if not backbone.is_causal:
            raise ValueError(
                f"model={self.model!r} is an encoder; LLMAnnotator needs a causal LM that can "
                "answer a prompt."
            )
        if self.chat_template is True and not backbone.has_chat_template:
            raise ValueError(f"chat_template=True but model={self.model!r} has no chat template.")
        self.use_chat_ = backbone.has_chat_template and self.chat_template in ("auto", True)
        tokenizer = backbone.tokenizer
        words = list(self.label_words_.values())
        ids = []
        for word in words:
            encoded = tokenizer.encode(word, add_special_tokens=False)
            if not encoded:
                raise ValueError(f"label word {word!r} is empty for this tokenizer.")
            ids.append(
                encoded[0]
                if self.use_chat_
                else tokenizer.encode(" " + word, add_special_tokens=False)[0]
            )
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"the label words {words} start with the same token for model={self.model!r} "
                f"({ids}); pass label_words={{class: word}} with words whose first tokens differ."
            )
        self.label_token_ids_ = ids
        self._tokenizer = tokenizer
        model = backbone.model
        if self.quantize == "int8":
            if self.device_.type != "cpu":
                raise ValueError(f"quantize='int8' runs on the CPU only; device={self.device!r}.")
            model = _int8_copy(backbone)
            self.dtype_ = torch.float32
        self._scorer = _network.TextModel(
            model, is_causal=True, n_outputs=len(ids), verbalizer_ids=ids
        )

    def annotate_proba(self, X, example_indices=None, instruction=None) -> np.ndarray:
        """Probability of each class (softmax over the label words' first tokens).

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        example_indices : array-like of shape (n_samples, k), optional
            The examples to show (positions in the fitted examples); default :meth:`retrieve`.
        instruction : str, optional
            Appended to the fitted instruction for this call only (see :meth:`prompts`).

        Returns
        -------
        ndarray of shape (n_samples, n_classes), columns in the order of ``classes_``
        """
        if not hasattr(self, "_scorer"):
            if not hasattr(self, "classes_"):
                raise ValueError("LLMAnnotator is not fitted: call fit(X_human, y_human).")
            self._load_model()  # after unpickling
        prompts = self.prompts(X, example_indices, instruction)
        ids, _ = _network.encode_prompts(
            self._tokenizer,
            prompts,
            max_length=int(self.max_length),
            is_causal=True,
            chat=self.use_chat_,
        )
        logits = _network.predict_outputs(
            self._scorer,
            ids,
            pad_id=self._tokenizer.pad_token_id,
            batch_size=int(self.batch_size),
            device=self.device_,
            dtype=self.dtype_,
        )
        proba = torch.softmax(torch.as_tensor(logits), dim=-1).numpy()
        if self.calibrate:
            proba = calibrate_proba(proba, self.example_shares())
        return proba

    def example_shares(self) -> np.ndarray:
        """Class shares of the human-labelled examples (uniform without examples)."""
        if len(self.example_labels_):
            return np.array([np.mean(self.example_labels_ == c) for c in self.classes_])
        return np.full(len(self.classes_), 1.0 / len(self.classes_))

    def annotate(self, X, indices=None, example_indices=None, instruction=None) -> np.ndarray:
        """The most probable class of each row of X.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        indices : ignored
            Pool positions (part of the annotator interface).
        example_indices : array-like of shape (n_samples, k), optional
            As in :meth:`annotate_proba`.
        instruction : str, optional
            As in :meth:`annotate_proba`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.annotate_proba(X, example_indices, instruction)
        return self.classes_[np.argmax(proba, axis=1)]

    def __getstate__(self):
        state = super().__getstate__()
        for key in ("_scorer", "_tokenizer", "_embed", "device_", "dtype_"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if self.retrieval == "nearest" and getattr(self, "example_embeddings_", None) is not None:
            from ..models.embeddings import resolve_embedder

            self._embed = resolve_embedder(self.embedder)
