import os

import pytest

from tests._tiny_models import tiny_model_paths

# The suite never reaches a model hub: CI machines have no network beyond package registries.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_paths():
    return tiny_model_paths()


@pytest.fixture
def fast():
    """Parameters that make a tiny-model fit take well under a second."""
    return dict(
        max_epochs=2, batch_size=8, max_length=64, dtype="float32", device="cpu", random_state=0
    )
