"""Sentence vectors for the link model, and which model made them.

The link model reads one vector per sentence. They come from the sentence model's
own forward pass (its pooled embedding, before the heads), so labelling with links
costs one encoder pass, not two. A link model is only valid on the vectors it was
trained on, so every source names itself (``VectorIdentity``) and a saved link
model records that name; ``LinkModel.load`` refuses another.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class VectorIdentity:
    """Which vectors: the sentence model (by version) that pools them, and their width."""

    model_version: str
    dim: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VectorIdentity":
        return cls(str(data["model_version"]), int(data["dim"]))


@runtime_checkable
class SentenceVectors(Protocol):
    """``texts`` (one document's sentences in reading order) -> L2-normalised rows, shape (n, dim)."""

    @property
    def identity(self) -> VectorIdentity: ...

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


class RecentVectors:
    """The pooled vectors of the sentences a labeler read last, by what it read of each
    (``context.reading_key``: the normalised sentence beside its neighbours).

    Labelling fills it as a side effect of the forward pass; the link model reads it
    right after, for the same sentences. Bounded: a long-running service labels new
    text forever. Thread-safe: the service's batcher thread writes while request
    handlers read.
    """

    # 32,768 vectors: 48 MB at MiniLM's 384 dims, 96 MB at mpnet's 768. A batch chunk
    # (256 documents) holds a few thousand sentences, so its vectors are all still here
    # when it is linked; a miss only costs a forward pass (``SentenceLabeler.sentence_vectors``).
    def __init__(self, capacity: int = 32_768):
        self.capacity = capacity
        self._rows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors):
                self._rows[text] = vector
                self._rows.move_to_end(text)
            while len(self._rows) > self.capacity:
                self._rows.popitem(last=False)

    def get(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        with self._lock:
            return [self._rows.get(t) for t in texts]

    def __len__(self) -> int:
        return len(self._rows)


class LabelerVectors:
    """A sentence model as the link model's vector source: its ``sentence_vectors`` and ``vector_identity``.

    ``SentenceLabeler`` has both; so may any stand-in (the tests' fake labeler).
    """

    def __init__(self, labeler: Any):
        self.labeler = labeler

    @property
    def identity(self) -> VectorIdentity:
        return self.labeler.vector_identity

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.labeler.sentence_vectors(list(texts))
