"""OpenAICompatibleAnnotator: few-shot prompts sent to a chat-completions HTTP endpoint."""

from __future__ import annotations

import json
import logging
import numbers
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._fewshot import FewShotAnnotator, parse_label

__all__ = ["OpenAICompatibleAnnotator"]

logger = logging.getLogger(__name__)
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAICompatibleAnnotator(FewShotAnnotator):
    """Label texts with any OpenAI-compatible chat-completions endpoint.

    The prompts are those of :class:`LLMAnnotator` (the instruction as the system message, the
    retrieved human-labelled examples and the text as the user message); the reply is mapped
    to the class whose label word occurs first in it (:func:`parse_label`). Requests run in a
    small thread pool; rate limits (429), server errors (5xx), time-outs and dropped connections
    are retried with exponential back-off (``backoff * 2**attempt`` seconds, or the server's
    ``Retry-After`` when it is shorter than 60 s). The API key is read from the environment
    variable named by ``api_key_env`` at request time; it is never stored on the object, never
    logged and never part of an error message.

    Parameters
    ----------
    base_url : str
        Endpoint root, e.g. ``"https://api.openai.com/v1"`` or ``"http://127.0.0.1:8000/v1"``;
        requests go to ``{base_url}/chat/completions``.
    model : str
        Model name sent with each request.
    api_key_env : str or None, default="OPENAI_API_KEY"
        Name of the environment variable holding the key (sent as ``Authorization: Bearer``);
        None sends no key (local servers).
    classes, label_words, instruction, n_examples, retrieval, embedder, max_example_chars
        As in :class:`LLMAnnotator`.
    temperature : float, default=0.0
    max_tokens : int, default=8
        Length limit of each reply (a label word needs few tokens).
    timeout : float, default=30.0
        Seconds per request.
    max_retries : int, default=4
        Retries per request after the first attempt.
    backoff : float, default=1.0
        First retry delay in seconds; doubled at each retry.
    max_workers : int, default=4
        Concurrent requests.
    on_invalid : {"raise", "skip"}, default="raise"
        A reply naming no label word raises a ``ValueError`` or gives None for that row.
    random_state : int or None, default=None
        Seeds ``retrieval="random"``.

    Attributes
    ----------
    n_requests_ : int
        HTTP requests made by the last :meth:`annotate` call, retries included.
    replies_ : list of str
        The raw replies of the last :meth:`annotate` call.

    References
    ----------
    Zhang, Li, Das & Kumar (2023). Interactive Multi-fidelity Learning for Cost-effective
    Adaptation of Language Model with Sparse Human Supervision. NeurIPS. arXiv:2310.20153
    (GPT-3.5 annotations with retrieved human-labelled demonstrations).

    Examples
    --------
    >>> from sklearn_llmrect.annotators import OpenAICompatibleAnnotator
    >>> annotator = OpenAICompatibleAnnotator(
    ...     "http://127.0.0.1:8000/v1", "local-model", api_key_env=None, n_examples=2,
    ...     retrieval="random", random_state=0,
    ... ).fit(["shares jumped", "sales fell", "profit rose"], ["up", "down", "up"])
    >>> request = annotator.request_body("revenue climbed")
    >>> [message["role"] for message in request["messages"]]
    ['system', 'user']
    """

    def __init__(
        self,
        base_url,
        model,
        *,
        api_key_env="OPENAI_API_KEY",
        classes=None,
        label_words=None,
        instruction=None,
        n_examples=4,
        retrieval="nearest",
        embedder="auto",
        max_example_chars=300,
        temperature=0.0,
        max_tokens=8,
        timeout=30.0,
        max_retries=4,
        backoff=1.0,
        max_workers=4,
        on_invalid="raise",
        random_state=None,
    ):
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.classes = classes
        self.label_words = label_words
        self.instruction = instruction
        self.n_examples = n_examples
        self.retrieval = retrieval
        self.embedder = embedder
        self.max_example_chars = max_example_chars
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_workers = max_workers
        self.on_invalid = on_invalid
        self.random_state = random_state

    def _check_params(self) -> None:
        if not isinstance(self.base_url, str) or not self.base_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"base_url must be an http(s) URL; got {self.base_url!r}.")
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model must be a non-empty str; got {self.model!r}.")
        for name, low in (("max_tokens", 1), ("max_retries", 0), ("max_workers", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
        for name in ("timeout", "backoff", "temperature"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"{name} must be a number >= 0; got {value!r}.")
        if self.on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip'; got {self.on_invalid!r}.")
        if self.api_key_env is not None and not isinstance(self.api_key_env, str):
            raise TypeError(
                "api_key_env must be the *name* of an environment variable (str) or None; got "
                f"{type(self.api_key_env).__name__}."
            )

    def fit(self, X=None, y=None):
        self._check_params()
        return super().fit(X, y)

    fit.__doc__ = FewShotAnnotator.fit.__doc__

    @property
    def url(self) -> str:
        """The chat-completions URL requests are sent to."""
        return self.base_url.rstrip("/") + "/chat/completions"

    def request_body(self, text: str, example_indices=None, instruction=None) -> dict:
        """The JSON body sent for one text (its prompt split into system and user messages)."""
        chosen = None if example_indices is None else [example_indices]
        prompt = self.prompts([text], chosen, instruction)[0]
        system = self.full_instruction(instruction)
        user = prompt[len(system) :].lstrip("\n")
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": float(self.temperature),
            "max_tokens": int(self.max_tokens),
        }

    def _headers(self) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key_env is not None:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ValueError(
                    f"the environment variable {self.api_key_env} (api_key_env) is not set; set "
                    "it to the endpoint's API key, or pass api_key_env=None for a server that "
                    "needs none."
                )
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _post(self, body: dict, headers: dict) -> tuple[str, int]:
        data = json.dumps(body).encode()
        attempts = 0
        while True:
            attempts += 1
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=float(self.timeout)) as response:
                    payload = json.loads(response.read().decode())
                break
            except urllib.error.HTTPError as exc:
                status, retry_after = exc.code, exc.headers.get("Retry-After")
                detail = exc.read().decode(errors="replace")[:300]
                if status not in _RETRY_STATUS or attempts > self.max_retries:
                    raise RuntimeError(
                        f"POST {self.url} failed with HTTP {status} after {attempts} attempt(s): "
                        f"{detail}"
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                status, retry_after = None, None
                if attempts > self.max_retries:
                    reason = getattr(exc, "reason", exc)
                    raise RuntimeError(
                        f"POST {self.url} failed after {attempts} attempt(s): {reason}"
                    ) from None
            delay = float(self.backoff) * 2 ** (attempts - 1)
            if retry_after is not None:
                try:
                    delay = min(float(retry_after), 60.0)
                except ValueError:
                    pass
            logger.info(
                "POST %s -> %s; retry %d/%d in %.2f s",
                self.url,
                status or "connection error",
                attempts,
                self.max_retries,
                delay,
            )
            time.sleep(delay)
        try:
            reply = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise RuntimeError(
                f"{self.url} answered without choices[0].message.content: "
                f"{json.dumps(payload)[:300]}"
            ) from None
        return str(reply or ""), attempts

    def annotate(self, X, indices=None, example_indices=None, instruction=None) -> np.ndarray:
        """Ask the endpoint for each row's label.

        Parameters
        ----------
        X : list of str, array-like or DataFrame
        indices : ignored
            Pool positions (part of the annotator interface).
        example_indices : array-like of shape (n_samples, k), optional
            The examples to show; default :meth:`retrieve`.
        instruction : str, optional
            Appended to the fitted instruction (the system message) for this call only.

        Returns
        -------
        ndarray of shape (n_samples,), dtype object
            The classes; None for rows whose reply named no class (``on_invalid="skip"``).
        """
        if not hasattr(self, "classes_"):
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(X_human, y_human).")
        self._check_params()
        from ..models.embeddings import as_texts

        texts = as_texts(X)
        if example_indices is None:
            example_indices = self.retrieve(X)
        bodies = [
            self.request_body(text, chosen, instruction)
            for text, chosen in zip(texts, np.asarray(example_indices), strict=True)
        ]
        headers = self._headers()
        with ThreadPoolExecutor(max_workers=int(self.max_workers)) as pool:
            results = list(pool.map(lambda body: self._post(body, headers), bodies))
        self.replies_ = [reply for reply, _ in results]
        self.n_requests_ = int(sum(attempts for _, attempts in results))
        labels = np.empty(len(texts), dtype=object)
        for row, reply in enumerate(self.replies_):
            label = parse_label(reply, self.label_words_)
            if label is None and self.on_invalid == "raise":
                raise ValueError(
                    f"row {row}: the reply {reply[:80]!r} names none of the label words "
                    f"{list(self.label_words_.values())}; pass on_invalid='skip' to leave such "
                    "rows unlabelled."
                )
            labels[row] = label
        return labels
