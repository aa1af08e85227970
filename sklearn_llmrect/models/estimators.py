"""LLMRegressor and LLMClassifier: scikit-learn estimators that LoRA-tune a real LLM.

References
----------
Wang, Ye & Zhao (2025). Efficient Inference Using Large Language Models with Limited Human Data:
Fine-Tuning then Rectification. arXiv:2511.19486 (the residual-variance loss).
Hu et al. (2022). LoRA: Low-Rank Adaptation of Large Language Models. ICLR.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_regression_target, check_target_shape
from . import losses
from ._base import LLMEstimatorBase

__all__ = ["LLMRegressor", "LLMClassifier"]

_COMMON_PARAMETERS = """
    model : str or path-like, default="smollm2-135m-instruct"
        Embedded model name (``"smollm2-135m-instruct"``, ``"minilm-l6"``), a local Hugging Face
        folder, a ``.gguf`` file, or a hub name where a network exists.
    prompt : str or None, default=None
        Template over the text columns: ``"Review: {review}"`` (DataFrame column names) or
        ``"{0}"`` (positions). None uses the text itself (several columns as ``name: value``
        lines) followed, for the verbalizer head, by a short answer instruction.
    head : {"auto", "verbalizer", "linear"}, default="auto"
        ``"verbalizer"`` reads the next-token distribution over the verbalizer tokens, so a causal
        LM predicts before any training; ``"linear"`` is a zero-initialised linear head on the
        last token's hidden state (causal LMs) or the mean-pooled hidden states (encoders).
        ``"auto"`` is the verbalizer for causal LMs and linear for encoders.
    verbalizer : {verbalizer_type}, default=None
{verbalizer_doc}
    loss : {loss_type}, default="{loss_default}"
{loss_doc}
    lora_r : int, default=8
        LoRA rank.
    lora_alpha : float, default=16
        LoRA scaling numerator (the update is scaled by ``lora_alpha / lora_r``).
    lora_dropout : float, default=0.05
        Dropout on the LoRA input.
    target_modules : "auto", str or list of str, default="auto"
        Modules that get LoRA adapters; ``"auto"`` is peft's default for the architecture
        (the query and value projections for Llama and BERT).
    learning_rate : float, default=5e-4
        AdamW learning rate of the LoRA adapters (and of the verbalizer head, which has no
        weights of its own).
    head_learning_rate : float or None, default=1e-2
        AdamW learning rate of the linear head; None uses ``learning_rate``. A freshly
        zero-initialised head needs a larger step than the adapters: at 5e-4 a MiniLM
        classifier on 200 Financial PhraseBank sentences predicted only the majority class
        (macro-F1 0.20 against 0.51-0.62 at 1e-2).
    max_epochs : int, default=3
        Training epochs; 0 means zero-shot (no training).
    batch_size : int, default=16
        Training batch size.
    predict_batch_size : int, default=64
        Prediction batch size (rows are sorted by length, so large batches waste little).
    max_length : int, default=256
        Prompts longer than this many tokens are truncated, with one warning per call.
    validation_fraction : float, default=0.2
        Share of the rows held out to select the best epoch; 0 keeps the last epoch.
    selection_metric : {"residual_variance", "loss"}, default="residual_variance"
        Validation metric that chooses the epoch kept.
    patience : int or None, default=2
        Stop after this many epochs without a better validation metric; None never stops early.
    warm_start : bool, default=False
        Continue training the fitted adapters on the next ``fit`` instead of starting afresh.
    chat_template : {"auto", True, False}, default="auto"
        Wrap prompts in the tokenizer's chat template (instruct causal LMs).
    random_state : int, RandomState or None, default=None
        Seeds the adapters' initialisation, the validation split, batch order and dropout.
    device : str, default="auto"
        ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    dtype : {"auto", "float32", "bfloat16", "float16"}, default="auto"
        Compute dtype; ``"auto"`` is bfloat16 where the CPU or GPU runs it natively.
    verbose : int, default=0
        Show tqdm progress bars for fitting and predicting when > 0.
"""


def _fill(template: str, **fields: str) -> str:
    """``str.format`` for the named fields only (the template has other braces)."""
    for name, value in fields.items():
        template = template.replace("{" + name + "}", value)
    return template


_REGRESSOR_PARAMETERS = _fill(
    _COMMON_PARAMETERS,
    verbalizer_type="None, sequence of str or dict",
    verbalizer_doc="""\
        None (the digits ``"1"`` .. ``"9"``), a sequence of single-token strings, or a dict
        ``{token: value}``. Without values the tokens are mapped to equally spaced values from
        the smallest to the largest training target; the prediction is the expected value under
        the model's next-token distribution over the tokens.""",
    loss_type='{"variance", "mse"}',
    loss_default="variance",
    loss_doc="""\
        ``"variance"``: the within-batch variance of the residuals ``y - f(X)``, which is what
        limits a rectified estimate. It does not determine a constant, so after training the
        predictions are shifted by the mean residual (``offset_``). ``"mse"``: squared error.""",
)

_CLASSIFIER_PARAMETERS = _fill(
    _COMMON_PARAMETERS,
    verbalizer_type="None or dict",
    verbalizer_doc="""\
        None (each class's own name, e.g. ``"positive"``) or a dict ``{class: word}``; the first
        token of each word is read, and the tokens must differ.""",
    loss_type='{"cross_entropy", "variance"}',
    loss_default="cross_entropy",
    loss_doc="""\
        ``"cross_entropy"``, or ``"variance"``: the trace of the within-batch covariance of the
        residuals ``onehot(y) - p(X)``, which is what limits rectified class shares.""",
)

_COMMON_ATTRIBUTES = """
    history_ : list of dict
        One record per epoch: ``train_loss``, ``validation_loss``,
        ``validation_residual_variance``, whether it is the best so far, seconds.
    head_ : str
        The head used ("verbalizer" or "linear").
    verbalizer_tokens_ : list of str or None
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X is a DataFrame with string column names.
"""


def _common_init(self, locals_):
    for name, value in locals_.items():
        if name not in ("self", "__class__"):
            setattr(self, name, value)


class LLMRegressor(RegressorMixin, LLMEstimatorBase):
    __doc__ = f"""Regress a numeric target on text with a LoRA-tuned LLM.

    Parameters
    ----------{_REGRESSOR_PARAMETERS}
    Attributes
    ----------{_COMMON_ATTRIBUTES}
    verbalizer_values_ : ndarray or None
        Values of the verbalizer tokens.
    offset_ : float
        Constant added to the network's predictions: after a variance-loss fit, the mean
        residual on the validation rows (on the training rows without validation); else 0.

    References
    ----------
    Wang, Ye & Zhao (2025), arXiv:2511.19486, section 4.1 (residual-variance loss).

    Examples
    --------
    >>> from sklearn_llmrect import LLMRegressor
    >>> X = ["awful", "bad", "fine", "good", "great", "superb"]
    >>> y = [-3.0, -2.0, 0.0, 1.5, 2.5, 3.0]
    >>> model = LLMRegressor(model="minilm-l6", max_epochs=2, validation_fraction=0,
    ...                      random_state=0).fit(X, y)
    >>> model.predict(["lovely"]).shape
    (1,)
    """

    _loss_options = ("variance", "mse")

    def __init__(
        self,
        *,
        model="smollm2-135m-instruct",
        prompt=None,
        head="auto",
        verbalizer=None,
        loss="variance",
        lora_r=8,
        lora_alpha=16,
        lora_dropout=0.05,
        target_modules="auto",
        learning_rate=5e-4,
        head_learning_rate=1e-2,
        max_epochs=3,
        batch_size=16,
        predict_batch_size=64,
        max_length=256,
        validation_fraction=0.2,
        selection_metric="residual_variance",
        patience=2,
        warm_start=False,
        chat_template="auto",
        random_state=None,
        device="auto",
        dtype="auto",
        verbose=0,
    ):
        _common_init(self, locals())

    def _encode_target(self, y, n_samples):
        y = check_regression_target(y, n_samples)
        if not hasattr(self, "y_mean_"):  # a fresh fit (a warm start keeps the scaling)
            self.y_mean_ = float(np.mean(y))
            scale = float(np.std(y))
            self.y_scale_ = scale if scale > 0 else 1.0
            self.offset_ = 0.0
            self._y_range = (float(np.min(y)), float(np.max(y)))
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _verbalizer_tokens(self):
        verbalizer = self.verbalizer
        if verbalizer is None:
            verbalizer = [str(digit) for digit in range(1, 10)]
        if isinstance(verbalizer, dict):
            tokens = [str(token) for token in verbalizer]
            values = np.asarray(list(verbalizer.values()), dtype=np.float64)
        elif isinstance(verbalizer, str) or not hasattr(verbalizer, "__iter__"):
            raise ValueError(
                "verbalizer must be None, a sequence of tokens or a dict "
                f"{{token: value}}; got {verbalizer!r}."
            )
        else:
            tokens = [str(token) for token in verbalizer]
            low, high = self._y_range
            values = np.linspace(low, high, len(tokens))
        if len(tokens) < 2:
            raise ValueError(f"verbalizer needs at least two tokens; got {tokens}.")
        self.verbalizer_values_ = values
        return tokens

    def _default_instruction(self, tokens):
        if self.verbalizer is None:
            return "On a scale from 1 (lowest) to 9 (highest), answer with a single digit."
        return f"Answer with one of: {', '.join(tokens)}."

    def _n_linear_outputs(self):
        return 1

    def _standardised_values(self):
        return torch.as_tensor(
            (self.verbalizer_values_ - self.y_mean_) / self.y_scale_, dtype=torch.float32
        )

    def _to_prediction(self, outputs: torch.Tensor) -> torch.Tensor:
        """Raw network outputs -> standardised predictions (differentiable)."""
        if self.head_ == "verbalizer":
            values = self._standardised_values().to(outputs.device)
            return torch.softmax(outputs.float(), dim=-1) @ values
        return outputs[:, 0]

    def _training_loss(self):
        base = losses.residual_variance_loss if self.loss == "variance" else losses.mse_loss
        return lambda outputs, targets, weights: base(
            self._to_prediction(outputs), targets, weights
        )

    def _residual_variance(self, outputs, targets):
        prediction = self._to_prediction(torch.as_tensor(outputs)).numpy()
        return float(np.var(targets - prediction) * self.y_scale_**2)

    def _after_training(self, ids, targets, weights, validation_outputs):
        self.offset_ = 0.0
        if self.loss != "variance":
            return
        # The variance loss leaves the level free: shift predictions by the mean residual, on
        # the validation rows of the kept epoch when there are some (no extra forward pass).
        rows = self.validation_indices_
        if validation_outputs is None:
            rows, validation_outputs = np.arange(len(ids)), self._raw_outputs(ids)
        prediction = self._to_prediction(torch.as_tensor(validation_outputs)).numpy()
        weights = None if weights is None else weights[rows]
        residual = targets[rows] - prediction
        self.offset_ = float(np.average(residual, weights=weights) * self.y_scale_)

    def predict(self, X) -> np.ndarray:
        """Predict the target of each row of X.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        outputs = torch.as_tensor(self._outputs_for(X))
        standardised = self._to_prediction(outputs).double().numpy()
        return self.y_mean_ + self.y_scale_ * standardised + self.offset_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class LLMClassifier(ClassifierMixin, LLMEstimatorBase):
    __doc__ = f"""Classify text with a LoRA-tuned LLM.

    Parameters
    ----------{_CLASSIFIER_PARAMETERS}
    Attributes
    ----------{_COMMON_ATTRIBUTES}
    classes_ : ndarray of shape (n_classes,)

    References
    ----------
    Wang, Ye & Zhao (2025), arXiv:2511.19486 (residual-variance loss, M-estimation extension).

    Examples
    --------
    >>> from sklearn_llmrect import LLMClassifier
    >>> X = ["awful", "bad", "dreadful", "good", "great", "superb"]
    >>> y = ["neg", "neg", "neg", "pos", "pos", "pos"]
    >>> model = LLMClassifier(model="minilm-l6", max_epochs=2, validation_fraction=0,
    ...                       random_state=0).fit(X, y)
    >>> model.predict_proba(["lovely"]).shape
    (1, 2)
    """

    _loss_options = ("cross_entropy", "variance")

    def __init__(
        self,
        *,
        model="smollm2-135m-instruct",
        prompt=None,
        head="auto",
        verbalizer=None,
        loss="cross_entropy",
        lora_r=8,
        lora_alpha=16,
        lora_dropout=0.05,
        target_modules="auto",
        learning_rate=5e-4,
        head_learning_rate=1e-2,
        max_epochs=3,
        batch_size=16,
        predict_batch_size=64,
        max_length=256,
        validation_fraction=0.2,
        selection_metric="residual_variance",
        patience=2,
        warm_start=False,
        chat_template="auto",
        random_state=None,
        device="auto",
        dtype="auto",
        verbose=0,
    ):
        _common_init(self, locals())

    def _encode_target(self, y, n_samples):
        y = check_target_shape(y, n_samples, "a classifier needs class labels")
        check_classification_targets(y)
        if hasattr(self, "classes_"):  # a warm start keeps the fitted classes
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"warm_start=True but y has classes {unseen.tolist()} that the "
                    f"fitted model does not know ({self.classes_.tolist()})."
                )
        else:
            self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least two."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _stratify_validation(self, targets, n_validation):
        counts = np.bincount(targets)
        return n_validation >= len(counts) and counts[counts > 0].min() >= 2

    def _verbalizer_tokens(self):
        if self.verbalizer is None:
            words = [str(label) for label in self.classes_]
        elif isinstance(self.verbalizer, dict):
            missing = [c for c in self.classes_ if c not in self.verbalizer]
            if missing:
                raise ValueError(f"verbalizer has no word for class(es) {missing}.")
            words = [str(self.verbalizer[c]) for c in self.classes_]
        else:
            raise ValueError(
                f"verbalizer must be None or a dict {{class: word}}; got {self.verbalizer!r}."
            )
        return words

    def _verbalizer_ids(self, tokenizer):
        ids = [
            tokenizer.encode(word, add_special_tokens=False)[:1] for word in self.verbalizer_tokens_
        ]
        if any(len(i) == 0 for i in ids):
            raise ValueError(f"a verbalizer word in {self.verbalizer_tokens_} is empty.")
        ids = [i[0] for i in ids]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"the label words {self.verbalizer_tokens_} start with the same token for this "
                f"model ({ids}); pass verbalizer={{class: word}} with words whose first tokens "
                "differ."
            )
        return ids

    def _default_instruction(self, tokens):
        return f"Answer with one of: {', '.join(tokens)}."

    def _n_linear_outputs(self):
        return len(self.classes_)

    def _training_loss(self):
        if self.loss == "variance":
            return losses.onehot_variance_loss
        return losses.cross_entropy_loss

    def _residual_variance(self, outputs, targets):
        probabilities = torch.softmax(torch.as_tensor(outputs), dim=-1).numpy()
        onehot = np.eye(probabilities.shape[1])[targets]
        return float(np.var(onehot - probabilities, axis=0).sum())

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        outputs = torch.as_tensor(self._outputs_for(X))
        return torch.softmax(outputs, dim=-1).numpy()

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row of X."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags
