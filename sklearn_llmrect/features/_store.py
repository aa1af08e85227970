"""Per-text storage of frozen features: in bounded process memory, and on disk in shards."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..caching._memory import VECTOR_MEMORY


def text_key(text: str) -> bytes:
    """A 20-byte digest of a text (keys of the store; texts themselves are not written)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


class _ShardIndex:
    """Which shard of a folder holds which key, and at which row (the keys only are read)."""

    def __init__(self):
        self.seen: set[str] = set()
        self.where: dict[bytes, tuple[Path, int]] = {}
        self.lock = threading.Lock()

    def refresh(self, folder: Path) -> None:
        """Index the shards written since the last call (by this process or another)."""
        with self.lock:
            for shard in sorted(folder.glob("shard-*.npz")):
                if shard.name in self.seen:
                    continue
                self.seen.add(shard.name)
                try:
                    with np.load(shard, allow_pickle=False) as data:
                        keys = data["keys"]
                except (OSError, ValueError, KeyError):
                    continue  # an unreadable shard is recomputed, never trusted
                for row, key in enumerate(keys):
                    self.where.setdefault(bytes(key), (shard, row))

    def add(self, shard: Path, keys: list[bytes]) -> None:
        with self.lock:
            self.seen.add(shard.name)
            for row, key in enumerate(keys):
                self.where[key] = (shard, row)  # the newest shard wins over a deleted one


_INDEXES: dict[Path, _ShardIndex] = {}


class FeatureStore:
    """Vectors per text for one feature spec; shards of ``<folder>/<spec>/*.npz`` on disk.

    Vectors are kept in the process-wide, size-bounded
    :data:`~sklearn_llmrect.caching._memory.VECTOR_MEMORY`; one it has dropped is read back from
    its shard. Each shard is written to a temporary name and renamed into place, so a run
    stopped part-way keeps every finished shard and recomputes only the rest.
    """

    def __init__(self, spec_key: str, folder: str | os.PathLike | None = None):
        self.spec_key = spec_key
        self.folder = None if folder is None else Path(folder) / spec_key

    def _index(self) -> _ShardIndex | None:
        if self.folder is None:
            return None
        index = _INDEXES.setdefault(self.folder, _ShardIndex())
        if self.folder.is_dir():
            index.refresh(self.folder)
        return index

    def find(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vector of each key that has one: from memory, else from its shard."""
        found, absent = {}, []
        for key in dict.fromkeys(keys):
            vector = VECTOR_MEMORY.get((self.spec_key, key))
            if vector is None:
                absent.append(key)
            else:
                found[key] = vector
        index = self._index() if absent else None
        if index is None:
            return found
        by_shard: dict[Path, list[tuple[bytes, int]]] = {}
        for key in absent:
            if key in index.where:
                shard, row = index.where[key]
                by_shard.setdefault(shard, []).append((key, row))
        for shard, wanted in by_shard.items():
            try:
                with np.load(shard, allow_pickle=False) as data:
                    vectors = data["vectors"]
            except (OSError, ValueError, KeyError):
                continue
            for key, row in wanted:
                found[key] = vectors[row].copy()  # a row alone: not a view that holds the shard
                VECTOR_MEMORY.put((self.spec_key, key), found[key])
        return found

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Store vectors (and write them as one shard when the store has a folder)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        for key, vector in zip(keys, vectors, strict=True):
            VECTOR_MEMORY.put((self.spec_key, key), vector.copy())
        if self.folder is None or not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(b"".join(keys)).hexdigest()[:20]
        shard = self.folder / f"shard-{name}.npz"
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, keys=np.array(keys, dtype="S20"), vectors=vectors)
            os.replace(temporary, shard)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _INDEXES.setdefault(self.folder, _ShardIndex()).add(shard, keys)


def reset() -> None:
    """Forget every vector in memory and every shard index, as a new process starts."""
    VECTOR_MEMORY.clear()
    _INDEXES.clear()
