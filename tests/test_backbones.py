import pytest
import torch

from sklearn_llmrect import backbones


def test_cache_dir_honours_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(backbones.CACHE_ENV_VAR, str(tmp_path / "c"))
    assert backbones.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(backbones.CACHE_ENV_VAR)
    assert backbones.cache_dir().name == "sklearn-llmrect"


def test_auto_dtype_follows_native_bf16_support(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    assert backbones.resolve_dtype("auto", cpu) is torch.bfloat16
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert backbones.resolve_dtype("auto", cpu) is torch.float32
    assert backbones.resolve_dtype("bf16", cpu) is torch.bfloat16
    with pytest.raises(ValueError, match="dtype must be"):
        backbones.resolve_dtype("int8", cpu)


def test_device_auto_is_cpu_without_cuda():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert backbones.resolve_device("auto").type == expected


@pytest.mark.parametrize("spec", ["/no/such/folder", "missing.gguf", "./relative/missing"])
def test_missing_local_paths_are_named(spec):
    with pytest.raises(ValueError, match="no such"):
        backbones.load_backbone(spec)


def test_tiny_models_load_as_causal_and_encoder(tiny_paths):
    llama = backbones.load_backbone(tiny_paths["llama"], dtype="float32", device="cpu")
    bert = backbones.load_backbone(tiny_paths["bert"], dtype="float32", device="cpu")
    assert llama.is_causal and not bert.is_causal
    other = backbones.load_backbone(tiny_paths["llama"], dtype="float32", device="cpu")
    assert other.model is not llama.model, "each caller gets its own copy to add adapters to"
