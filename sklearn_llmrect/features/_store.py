"""Per-text storage of frozen features: in process memory, and optionally on disk in shards."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

# Features already computed, per feature spec, shared by every instance in the process: the K
# fold models of a cross-fit, the clones of a grid search and a benchmark's replications all
# look texts up here and never compute one twice.
_MEMORY: dict[str, dict[bytes, np.ndarray]] = {}


def text_key(text: str) -> bytes:
    """A 20-byte digest of a text (keys of the store; texts themselves are not written)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


class FeatureStore:
    """Vectors per text for one feature spec; shards of ``<folder>/<spec>/*.npz`` on disk.

    Each shard is written to a temporary name and renamed into place, so a run stopped part-way
    keeps every finished shard and recomputes only the rest.
    """

    def __init__(self, spec_key: str, folder: str | os.PathLike | None = None):
        self.spec_key = spec_key
        self.memory = _MEMORY.setdefault(spec_key, {})
        self.folder = None if folder is None else Path(folder) / spec_key
        self._loaded_from_disk = False

    def _load_disk(self) -> None:
        if self._loaded_from_disk or self.folder is None or not self.folder.is_dir():
            return
        for shard in sorted(self.folder.glob("shard-*.npz")):
            try:
                with np.load(shard, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # an unreadable shard is recomputed, never trusted
            for key, vector in zip(keys, vectors, strict=True):
                self.memory.setdefault(bytes(key), vector)
        self._loaded_from_disk = True

    def missing(self, keys: list[bytes]) -> list[int]:
        """Positions of the keys with no stored vector (first occurrence of each)."""
        self._load_disk()
        seen, out = set(), []
        for i, key in enumerate(keys):
            if key not in self.memory and key not in seen:
                seen.add(key)
                out.append(i)
        return out

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Store vectors (and write them as one shard when the store has a folder)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        for key, vector in zip(keys, vectors, strict=True):
            self.memory[key] = vector
        if self.folder is None or not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(b"".join(keys)).hexdigest()[:20]
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, keys=np.array(keys, dtype="S20"), vectors=vectors)
            os.replace(temporary, self.folder / f"shard-{name}.npz")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def get(self, keys: list[bytes]) -> np.ndarray:
        return np.stack([self.memory[key] for key in keys])
