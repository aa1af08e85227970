"""Keep the warnings of transformers, peft and torch that a user cannot act on out of our calls.

:func:`quiet_libraries` is a context manager put around the package's own model loads, forward
passes, LoRA injection and training steps. Inside it, deprecation, future and user warnings
*attributed to* those libraries' modules (such as transformers' ``past_key_values`` deprecation,
which torch's module call raises on every forward of a Llama) are ignored; every other warning,
the package's own and the user's included, is shown as usual. It never installs a global
filter: :func:`warnings.catch_warnings` restores the filters when the block ends, so a warning
raised by the user's code outside our calls is untouched.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

__all__ = ["LIBRARY_MODULES", "quiet_libraries"]

#: The modules whose warnings are ignored inside :func:`quiet_libraries` (a regular expression
#: matched against the module a warning is attributed to).
LIBRARY_MODULES = (
    r"(transformers|peft|torch|accelerate|huggingface_hub|tokenizers|safetensors|gguf)(\.|$)"
)

_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning)


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Ignore the library warnings a user cannot act on, for the duration of the block.

    Yields
    ------
    None

    Examples
    --------
    >>> import warnings
    >>> from sklearn_llmrect.models._quiet import quiet_libraries
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with quiet_libraries():
    ...         warnings.warn_explicit("old", FutureWarning, "x.py", 1, module="transformers.x")
    ...     warnings.warn("yours", UserWarning)
    >>> [str(w.message) for w in caught]
    ['yours']
    """
    with warnings.catch_warnings():
        for category in _CATEGORIES:
            warnings.filterwarnings("ignore", category=category, module=LIBRARY_MODULES)
        yield
