"""A fake labeler with the SentenceLabeler predict contract, for tests of code around the model.

Deterministic and instant: labels follow keywords, so tests can assert exact labels
without training anything. It counts calls, so batching tests can assert coalescing.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Sequence

import numpy as np

from argmine.models.context import SentenceInput, text_of
from argmine.models.labeler import SentenceLabels, labels_from_proba
from argmine.models.scheme import HEADS
from argmine.models.sentence_vectors import VectorIdentity


class FakeLabeler:
    version = "fake-1"

    def __init__(self, delay: float = 0.0, fail: bool = False):
        self.delay = delay
        self.fail = fail
        self.calls: list[int] = []  # batch size of every predict call
        self._lock = threading.Lock()

    def predict_proba(self, items: Sequence[SentenceInput]) -> dict[str, np.ndarray]:
        texts = [text_of(item) for item in items]  # keywords of the sentence itself; neighbours ignored
        with self._lock:
            self.calls.append(len(texts))
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("fake model failure")
        out = {head: np.full((len(texts), len(labels)), 0.1, dtype=np.float32) for head, labels in HEADS.items()}
        for i, text in enumerate(texts):
            lower = text.lower()
            role = "premise" if any(c.isdigit() for c in text) else "claim" if "should" in lower or "must" in lower else "none"
            stance = ("populist" if "citizen" in lower else "pluralist" if "ngo" in lower or "parties" in lower
                      else "skeptical" if "control" in lower or "surveillance" in lower else "none")
            risk = "true" if any(w in lower for w in ("hack", "risk", "surveillance", "divide")) else "false"
            for head, label in (("role", role), ("stance", stance), ("risk", risk)):
                out[head][i, HEADS[head].index(label)] = 0.9
                out[head][i] /= out[head][i].sum()
        return out

    def predict(self, items: Sequence[SentenceInput]) -> list[SentenceLabels]:
        return labels_from_proba(self.predict_proba(items))

    # The link model's vectors: hashed bag of words, so sentences sharing words are close.
    VECTOR_DIM = 32

    @property
    def vector_identity(self) -> VectorIdentity:
        return VectorIdentity(self.version, self.VECTOR_DIM)

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.VECTOR_DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.strip(".,;:").encode()) % self.VECTOR_DIM] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
