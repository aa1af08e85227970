"""VectorMemory: the process-wide, size-bounded memory of text vectors."""

import threading

import numpy as np
import pytest

from sklearn_llmrect.caching import VectorMemory, set_vector_memory_limit
from sklearn_llmrect.caching._memory import VECTOR_MEMORY, entry_bytes


def _vector(value, size=4):
    return np.full(size, value, dtype=np.float32)


ONE = entry_bytes(_vector(0.0))  # what one vector of 4 floats costs


def test_the_least_recently_used_go_first():
    memory = VectorMemory(max_bytes=3 * ONE)
    for key in "abc":
        memory.put(key, _vector(1.0))
    assert memory.get("a") is not None  # "a" is now the most recently used
    memory.put("d", _vector(2.0))
    assert "b" not in memory
    assert all(key in memory for key in "acd")
    assert memory.nbytes == 3 * ONE and len(memory) == 3


def test_replacing_a_key_counts_its_bytes_once():
    memory = VectorMemory(max_bytes=10 * ONE)
    memory.put("a", _vector(1.0))
    memory.put("a", _vector(2.0, size=8))
    assert memory.nbytes == ONE + 16 and memory.get("a")[0] == 2.0


def test_a_vector_larger_than_the_bound_is_not_kept():
    memory = VectorMemory(max_bytes=ONE - 1)
    memory.put("a", _vector(1.0))
    assert "a" not in memory and memory.nbytes == 0


def test_resize_drops_beyond_the_new_bound_and_returns_the_old():
    memory = VectorMemory(max_bytes=4 * ONE)
    for key in "abcd":
        memory.put(key, _vector(0.0))
    assert memory.resize(2 * ONE) == 4 * ONE
    assert [key for key in "abcd" if key in memory] == ["c", "d"]
    memory.clear()
    assert len(memory) == 0 and memory.nbytes == 0


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", True, None])
def test_a_bad_bound_is_refused(bad):
    with pytest.raises(ValueError, match="max_bytes must be an integer >= 0"):
        VectorMemory(max_bytes=bad)


def test_set_vector_memory_limit_bounds_the_shared_memory():
    previous = set_vector_memory_limit(ONE)
    try:
        assert VECTOR_MEMORY.max_bytes == ONE
        assert VECTOR_MEMORY.nbytes <= ONE
    finally:
        assert set_vector_memory_limit(previous) == ONE
    assert VECTOR_MEMORY.max_bytes == previous


def test_threads_keep_the_byte_count_right():
    memory = VectorMemory(max_bytes=50 * ONE)

    def work(start):
        for i in range(2000):
            memory.put((start, i % 120), _vector(float(i)))
            memory.get((start, (i * 7) % 120))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memory) == 50 and memory.nbytes == 50 * ONE
