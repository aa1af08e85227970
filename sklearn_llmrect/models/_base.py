"""Shared machinery of :class:`LLMRegressor` and :class:`LLMClassifier`.

Subclasses define the target encoding, the verbalizer, the default prompt instruction and how raw
network outputs become predictions; everything else (loading, prompting, LoRA, training,
prediction, pickling) lives here.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from tqdm.auto import tqdm

from .._validation import check_text_input, column_names, render_prompts
from . import _network
from ._training import TrainingSetup, train
from .backbones import load_backbone, resolve_device, resolve_dtype


class LLMEstimatorBase(BaseEstimator):
    """Base class; not for direct use."""

    _loss_options: tuple[str, ...] = ()
    # each fit fine-tunes an LLM: the rectified estimators pilot it with the ramp-up and take
    # K-fold cross-fitting only when it is predicted clearly narrower than the split
    _expensive_fit = True

    # -- parameter checks -------------------------------------------------------------------
    def _check_params(self) -> None:
        def positive_int(name, allow_zero=False):
            value = getattr(self, name)
            low = 0 if allow_zero else 1
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")

        for name in ("lora_r", "batch_size", "predict_batch_size", "max_length"):
            positive_int(name)
        positive_int("max_epochs", allow_zero=True)
        if self.patience is not None:
            positive_int("patience")
        if self.head not in ("auto", "verbalizer", "linear"):
            raise ValueError(f"head must be 'auto', 'verbalizer' or 'linear'; got {self.head!r}.")
        if self.loss not in self._loss_options:
            raise ValueError(f"loss must be one of {self._loss_options}; got {self.loss!r}.")
        if self.selection_metric not in ("residual_variance", "loss"):
            raise ValueError(
                "selection_metric must be 'residual_variance' or 'loss'; got "
                f"{self.selection_metric!r}."
            )
        if not (isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0):
            raise ValueError(
                f"learning_rate must be a positive number; got {self.learning_rate!r}."
            )
        if self.head_learning_rate is not None and not (
            isinstance(self.head_learning_rate, numbers.Real) and self.head_learning_rate > 0
        ):
            raise ValueError(
                "head_learning_rate must be a positive number or None; got "
                f"{self.head_learning_rate!r}."
            )
        if not (
            isinstance(self.validation_fraction, numbers.Real) and 0 <= self.validation_fraction < 1
        ):
            raise ValueError(
                f"validation_fraction must be in [0, 1); got {self.validation_fraction!r}."
            )
        if not (isinstance(self.lora_dropout, numbers.Real) and 0 <= self.lora_dropout < 1):
            raise ValueError(f"lora_dropout must be in [0, 1); got {self.lora_dropout!r}.")
        if self.chat_template not in ("auto", True, False):
            raise ValueError(
                f"chat_template must be 'auto', True or False; got {self.chat_template!r}."
            )

    # -- hooks for subclasses ---------------------------------------------------------------
    def _encode_target(self, y, n_samples):  # -> np.ndarray of training targets
        raise NotImplementedError

    def _verbalizer_tokens(self) -> list[str]:
        raise NotImplementedError

    def _default_instruction(self, tokens: list[str]) -> str:
        raise NotImplementedError

    def _n_linear_outputs(self) -> int:
        raise NotImplementedError

    def _training_loss(self):  # -> callable(outputs, targets, weights)
        raise NotImplementedError

    def _residual_variance(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        raise NotImplementedError

    def _after_training(self, ids, targets, weights, validation_outputs) -> None:
        """Hook run once training is done; ``validation_outputs`` are the kept epoch's raw
        outputs on ``validation_indices_`` (None without validation rows)."""

    # -- fitting ----------------------------------------------------------------------------
    def _prompts(self, X) -> list[str]:
        prompts = render_prompts(X, self.prompt, column_names(self, X.shape[1]))
        if self.prompt is None and self.head_ == "verbalizer":
            prompts = [
                f"{p}\n\n{self._default_instruction(self.verbalizer_tokens_)}" for p in prompts
            ]
        return prompts

    def _encode(self, X, tokenizer, is_causal, use_chat):
        ids, n_cut = _network.encode_prompts(
            tokenizer,
            self._prompts(X),
            max_length=self.max_length,
            is_causal=is_causal,
            chat=use_chat,
        )
        if n_cut:
            kept = "end" if is_causal else "start"
            warnings.warn(
                f"{n_cut} of {len(ids)} prompt(s) are longer than max_length={self.max_length} "
                f"tokens and were truncated (the {kept} of each is kept); raise max_length to "
                "keep them whole.",
                UserWarning,
                stacklevel=3,
            )
        return ids

    def _verbalizer_ids(self, tokenizer) -> list[int]:
        tokens = self.verbalizer_tokens_
        ids = []
        for token in tokens:
            encoded = tokenizer.encode(token, add_special_tokens=False)
            if len(encoded) != 1:
                raise ValueError(
                    f"verbalizer token {token!r} is {len(encoded)} tokens for this model's "
                    f"tokenizer ({encoded}); every verbalizer entry must be a single token."
                )
            ids.append(encoded[0])
        if len(set(ids)) != len(ids):
            raise ValueError(f"verbalizer tokens {tokens} do not map to distinct token ids {ids}.")
        return ids

    def _build_network(self, backbone, lora: bool) -> _network.TextModel:
        verbalizer_ids = self.verbalizer_ids_ if self.head_ == "verbalizer" else None
        network = _network.TextModel(
            backbone.model,
            is_causal=backbone.is_causal,
            n_outputs=self._n_linear_outputs(),
            verbalizer_ids=verbalizer_ids,
        )
        if lora:
            _network.add_lora(network, **self.lora_config_)
        return network

    def _can_warm_start(self) -> bool:
        fitted = getattr(self, "_network", None) is not None or "_trainable_state" in vars(self)
        if not (self.warm_start and fitted):
            return False
        self._ensure_network()
        return True

    def fit(self, X, y, sample_weight=None):
        """Fine-tune LoRA adapters (and the head) on ``(X, y)``; ``max_epochs=0`` only loads.

        Parameters
        ----------
        X : list of str, array-like of shape (n_samples, n_columns) or DataFrame
            Texts (or values rendered as text) filled into ``prompt``.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows in the loss.

        Returns
        -------
        self
        """
        self._check_params()
        warm = self._can_warm_start()
        if not warm:  # forget everything a previous fit learnt
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
                delattr(self, name)
            for name in ("_network", "_tokenizer", "_trainable_state"):
                self.__dict__.pop(name, None)
        X = check_text_input(self, X, reset=not warm)
        targets = self._encode_target(y, X.shape[0])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            if sample_weight.sum() <= 0:
                raise ValueError("sample_weight sums to zero; at least one row needs weight > 0.")
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.device_ = resolve_device(self.device)
        self.dtype_ = resolve_dtype(self.dtype, self.device_)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if not warm:
                self._initialise(load_backbone(self.model, dtype=self.dtype_, device=self.device_))
            ids = self._encode(X, self._tokenizer, self._network.is_causal, self.use_chat_)
            if self.max_epochs > 0:
                self._fit_network(ids, targets, sample_weight, np.random.default_rng(seed))
        return self

    def _initialise(self, backbone) -> None:
        head = self.head
        if head == "auto":
            head = "verbalizer" if backbone.is_causal else "linear"
        if head == "verbalizer" and not backbone.is_causal:
            raise ValueError(
                f"head='verbalizer' needs a causal language model, but model={self.model!r} is "
                "an encoder; use head='linear'."
            )
        self.head_ = head
        self.use_chat_ = (
            backbone.is_causal
            and backbone.has_chat_template
            and (self.chat_template in ("auto", True))
        )
        if self.chat_template is True and not backbone.has_chat_template:
            raise ValueError(f"chat_template=True but model={self.model!r} has no chat template.")
        self.verbalizer_tokens_ = self._verbalizer_tokens() if head == "verbalizer" else None
        self.verbalizer_ids_ = (
            self._verbalizer_ids(backbone.tokenizer) if head == "verbalizer" else None
        )
        self.lora_config_ = {
            "r": int(self.lora_r),
            "alpha": float(self.lora_alpha),
            "dropout": float(self.lora_dropout),
            "target_modules": self.target_modules,
        }
        self.lora_applied_ = self.max_epochs > 0
        self._tokenizer = backbone.tokenizer
        self._network = self._build_network(backbone, lora=self.lora_applied_)
        self.history_ = []

    def _split_rows(self, targets, rng: np.random.Generator):
        rows = np.arange(len(targets))
        n_validation = int(np.floor(self.validation_fraction * len(rows)))
        if n_validation < 2 or len(rows) - n_validation < 1:
            return rows, rows[:0]
        stratify = targets if self._stratify_validation(targets, n_validation) else None
        train_rows, validation_rows = train_test_split(
            rows,
            test_size=n_validation,
            random_state=int(rng.integers(2**31 - 1)),
            stratify=stratify,
        )
        return np.sort(train_rows), np.sort(validation_rows)

    def _stratify_validation(self, targets, n_validation) -> bool:
        return False

    def _fit_network(self, ids, targets, sample_weight, rng) -> None:
        if not self.lora_applied_:  # warm start of a zero-shot fit: add adapters now
            _network.add_lora(self._network, **self.lora_config_)
            self.lora_applied_ = True
        train_rows, validation_rows = self._split_rows(targets, rng)
        self.validation_indices_ = validation_rows
        setup = TrainingSetup(
            loss=self._training_loss(),
            residual_variance=self._residual_variance,
            learning_rate=float(self.learning_rate),
            head_learning_rate=float(
                self.learning_rate if self.head_learning_rate is None else self.head_learning_rate
            ),
            max_epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            patience=self.patience,
            selection_metric=self.selection_metric,
            device=self.device_,
            dtype=self.dtype_,
            pad_id=self._tokenizer.pad_token_id,
            verbose=self.verbose,
        )
        validation_outputs = train(
            self._network,
            ids,
            targets,
            sample_weight,
            train_rows=train_rows,
            validation_rows=validation_rows,
            setup=setup,
            rng=rng,
            history=self.history_,
        )
        self._after_training(ids, targets, sample_weight, validation_outputs)

    # -- prediction -------------------------------------------------------------------------
    def _raw_outputs(self, ids) -> np.ndarray:
        progress = tqdm(
            total=len(ids), desc="predicting", unit="text", disable=self.verbose <= 0, leave=False
        )
        with progress:
            return _network.predict_outputs(
                self._network,
                ids,
                pad_id=self._tokenizer.pad_token_id,
                batch_size=int(self.predict_batch_size),
                device=self.device_,
                dtype=self.dtype_,
                progress=progress,
            )

    def _outputs_for(self, X) -> np.ndarray:
        check_is_fitted(self)
        self._ensure_network()
        X = check_text_input(self, X, reset=False)
        return self._raw_outputs(
            self._encode(X, self._tokenizer, self._network.is_causal, self.use_chat_)
        )

    # -- persistence ------------------------------------------------------------------------
    def _ensure_network(self) -> None:
        """Rebuild the torch model after unpickling or loading (the base model is reloaded)."""
        if getattr(self, "_network", None) is not None:
            return
        self.device_ = resolve_device(self.device)
        self.dtype_ = resolve_dtype(self.dtype, self.device_)
        backbone = load_backbone(self.model, dtype=self.dtype_, device=self.device_)
        self._tokenizer = backbone.tokenizer
        self._network = self._build_network(backbone, lora=self.lora_applied_)
        self._network.load_trainable_state(self.__dict__.pop("_trainable_state"))
        self._network.eval()

    def __getstate__(self):
        # a copy: on Python >= 3.11 the base returns the live __dict__, and popping from it
        # would strip the network of the estimator being pickled (a Dask worker copying its
        # model to another worker, while a task uses it, lost the network mid-prediction)
        state = dict(super().__getstate__())
        network = state.pop("_network", None)
        for key in ("_tokenizer", "device_", "dtype_"):  # recomputed where it is loaded
            state.pop(key, None)
        if network is not None:
            state["_trainable_state"] = network.trainable_state()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._network = None

    def save(self, path) -> None:
        """Write the fitted estimator to a folder: ``estimator.json`` + ``adapter.safetensors``.

        Unlike pickle, loading this folder runs no code. The base model is not copied; it is
        reloaded from the ``model`` spec by :meth:`load`.
        """
        from ._persistence import save_estimator

        check_is_fitted(self)
        save_estimator(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save`."""
        from ._persistence import load_estimator

        estimator = load_estimator(path, _concrete_subclasses(LLMEstimatorBase))
        if not isinstance(estimator, cls):
            raise TypeError(f"{path} holds a {type(estimator).__name__}, not a {cls.__name__}.")
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.non_deterministic = resolve_device(self.device).type == "cuda"
        return tags


def _concrete_subclasses(base) -> dict:
    """Name -> class of every subclass of ``base`` (the classes a saved folder may hold)."""
    found = {}
    for cls in base.__subclasses__():
        found[cls.__name__] = cls
        found.update(_concrete_subclasses(cls))
    return found
