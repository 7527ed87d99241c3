"""Baselines the fine-tuned model has to beat, with the same fit/predict shape.

Each ``fit(records)`` learns one classifier per head and ``predict(texts)``
returns label names per head, so evaluation treats every system alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from argmine.models.scheme import HEADS
from argmine.models.segment import normalize
from argmine.training.metrics import gold

Predictions = dict[str, list[str]]


class MajorityBaseline:
    def fit(self, records: Sequence[dict[str, Any]]) -> "MajorityBaseline":
        self.majority_ = {head: Counter(gold(records, head)).most_common(1)[0][0] for head in HEADS}
        return self

    def predict(self, texts: Sequence[str]) -> Predictions:
        return {head: [label] * len(texts) for head, label in self.majority_.items()}


class _PerHeadLogReg:
    """One balanced logistic regression per head over a shared feature matrix."""

    def _features(self, texts: Sequence[str], fit: bool) -> np.ndarray:
        raise NotImplementedError

    def fit(self, records: Sequence[dict[str, Any]]) -> "_PerHeadLogReg":
        features = self._features([r["text"] for r in records], fit=True)
        self.models_: dict[str, Any] = {}
        for head in HEADS:
            y = gold(records, head)
            if len(set(y)) == 1:
                self.models_[head] = y[0]
                continue
            self.models_[head] = LogisticRegression(max_iter=3000, class_weight="balanced", C=self.C).fit(features, y)
        return self

    def predict(self, texts: Sequence[str]) -> Predictions:
        features = self._features(texts, fit=False)
        return {head: ([model] * len(texts) if isinstance(model, str) else list(model.predict(features)))
                for head, model in self.models_.items()}


class TfidfLogReg(_PerHeadLogReg):
    C = 4.0

    def _features(self, texts: Sequence[str], fit: bool) -> np.ndarray:
        clean = [normalize(t) for t in texts]
        if fit:
            self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
            return self.vectorizer_.fit_transform(clean)
        return self.vectorizer_.transform(clean)


class FrozenEmbeddingLogReg(_PerHeadLogReg):
    """Logistic regression over frozen all-MiniLM-L6-v2 sentence embeddings."""

    C = 1.0

    def __init__(self, embedder: "Embedder"):
        self.embedder = embedder

    def _features(self, texts: Sequence[str], fit: bool) -> np.ndarray:
        return self.embedder.embed(texts)


class Embedder:
    """Mean-pooled base-encoder embeddings, cached by text (cross-validation reuses them)."""

    def __init__(self, batch_size: int = 64):
        from transformers import AutoModel, AutoTokenizer

        from argmine.models.encoder import base_model_path

        path = str(base_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.batch_size = batch_size
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from argmine.models.network import mean_pool

        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        with torch.inference_mode():
            for i in range(0, len(missing), self.batch_size):
                chunk = missing[i:i + self.batch_size]
                batch = self.tokenizer([normalize(t) for t in chunk], padding=True, truncation=True,
                                       max_length=128, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                vectors = torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)
                for text, vector in zip(chunk, vectors.numpy()):
                    self.cache[text] = vector
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)
