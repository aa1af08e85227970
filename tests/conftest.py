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


@pytest.fixture
def one_thread():
    """One torch thread: on a busy 2-core machine two threads spin-wait on each other."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
