"""Quiet by default: no warning of transformers, peft or torch escapes our model loads, forwards
and training steps, while a warning of the user's own code is untouched; and model specs are
offline unless downloads are allowed."""

import re
import time
import warnings

import numpy as np
import pytest

from sklearn_llmrect.models import LLMClassifier, LLMRegressor, TextEmbedder
from sklearn_llmrect.models._quiet import quiet_libraries

LIBRARY_FILE = re.compile(r"[\\/](transformers|peft|torch|accelerate|huggingface_hub)[\\/]")
TEXTS = ["good bad", "bad sad", "happy nice", "awful poor", "nice good", "sad awful"] * 4


@pytest.mark.usefixtures("one_thread")
def test_no_library_warning_escapes_a_tiny_fit_and_predict(tiny_paths, fast):
    from sklearn_llmrect.models import backbones

    backbones.clear_memory_cache()  # the loads count too
    y = np.arange(len(TEXTS), dtype=float) % 5
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("the user's warning before", UserWarning, stacklevel=1)
        for name in ("llama", "bert"):
            path = tiny_paths[name]
            LLMRegressor(model=path, **fast).fit(TEXTS, y).predict(TEXTS)
            LLMClassifier(model=path, **fast).fit(TEXTS, (y > 2).astype(int)).predict_proba(TEXTS)
            LLMRegressor(model=path, head="linear", **fast).fit(TEXTS, y).predict(TEXTS)
        TextEmbedder(model=tiny_paths["bert"], device="cpu", dtype="float32").transform(TEXTS)
        warnings.warn("the user's warning after", FutureWarning, stacklevel=1)
    escaped = [
        f"{w.category.__name__} {w.filename}: {w.message}"
        for w in caught
        if LIBRARY_FILE.search(w.filename)
    ]
    assert escaped == []
    mine = [str(w.message) for w in caught if "the user's warning" in str(w.message)]
    assert mine == ["the user's warning before", "the user's warning after"]
    assert warnings.filters == filters_before  # no global filter was left behind


def test_quiet_libraries_only_touches_library_modules_inside_the_block():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet_libraries():
            warnings.warn_explicit("lib", FutureWarning, "m.py", 1, module="transformers.x")
            warnings.warn_explicit("lib", UserWarning, "m.py", 1, module="torch.nn.modules")
            warnings.warn_explicit("ours", UserWarning, "m.py", 1, module="sklearn_llmrect.x")
            warnings.warn_explicit("runtime", RuntimeWarning, "m.py", 1, module="torch.x")
        warnings.warn_explicit("lib", FutureWarning, "m.py", 2, module="transformers.x")
    assert [str(w.message) for w in caught] == ["ours", "runtime", "lib"]


# ----------------------------------------------------------------------- offline by default
def test_an_unknown_name_fails_at_once_without_asking_the_hub(monkeypatch):
    import transformers

    from sklearn_llmrect.models.backbones import load_backbone

    monkeypatch.delenv("SKLEARN_LLMRECT_ALLOW_DOWNLOAD", raising=False)

    def no_hub(*args, **kwargs):
        raise AssertionError("the hub was asked")

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", no_hub)
    started = time.perf_counter()
    with pytest.raises(ValueError) as error:
        load_backbone("some-org/no-such-model")
    assert time.perf_counter() - started < 1.0
    message = str(error.value)
    assert message.startswith("model='some-org/no-such-model' is not an embedded model name")
    for part in ("'smollm2-135m-instruct'", "'minilm-l6'", ".gguf", "allow_download=True"):
        assert part in message
    assert "SKLEARN_LLMRECT_ALLOW_DOWNLOAD=1" in message


@pytest.mark.parametrize("opt_in", ["argument", "environment"])
def test_downloads_happen_only_when_allowed(monkeypatch, opt_in):
    import transformers

    from sklearn_llmrect.models.backbones import load_backbone

    calls = []

    def record(source, **kwargs):
        calls.append(kwargs["local_files_only"])
        raise OSError("offline in this test")

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", record)
    monkeypatch.setattr("sklearn_llmrect.models._specs._in_hub_cache", lambda name: True)
    monkeypatch.delenv("SKLEARN_LLMRECT_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(ValueError, match="not in the local Hugging Face cache"):
        load_backbone("some-org/cached-model")  # in the cache: read it, ask nobody
    assert calls == [True]
    if opt_in == "environment":
        monkeypatch.setenv("SKLEARN_LLMRECT_ALLOW_DOWNLOAD", "1")
        kwargs = {}
    else:
        kwargs = {"allow_download": True}
    with pytest.raises(ValueError, match="could not be loaded from the Hugging Face hub"):
        load_backbone("some-org/cached-model", **kwargs)
    assert calls == [True, False]
