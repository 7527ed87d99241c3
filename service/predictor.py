"""The labeler that serves requests, swapped whole when another version is activated.

``predict_batch`` reads the current ``(version, labeler)`` pair once per forward, so
a batch is never split across models and every sentence is tagged with the version
that produced it. Activation loads the new model off the event loop first, then
persists the pointer, then swaps the reference: requests in flight finish on the
model they started with, and a model that fails to load changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from argmine.models.scheme import HEADS
from argmine.service.registry import Registry

if TYPE_CHECKING:  # torch comes with these; a training process importing this module needs neither
    import numpy as np

    from argmine.models.labeler import SentenceLabels

log = logging.getLogger("argmine.model")


class Labeler(Protocol):
    def predict(self, texts: Sequence[str]) -> list[SentenceLabels]: ...

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...


LabelerFactory = Callable[[Path], Labeler]


class ModelNotLoaded(RuntimeError):
    """No model is loaded yet (or loading failed)."""


class ModelLoadError(RuntimeError):
    """A model version exists but cannot be loaded."""


# One sentence's labels, as atoms in a plain tuple: (model_version, role, stance, risk,
# probabilities per head in HEADS order, entropy per head, uncertainty).
#
# A maximal request holds ~150k of these until its answer is built. The garbage
# collector stops tracking exact tuples of strings and numbers, whereas
# ``SentenceLabels`` with its five dicts (or a NamedTuple, a tuple subclass) stayed
# tracked, and every full collection walked them all holding the GIL: pauses of
# 0.1-1.4 s that stalled /healthz under load.
Prediction = tuple


def prediction(labels: SentenceLabels, model_version: str) -> Prediction:
    return (model_version, labels.role, labels.stance, labels.risk,
            tuple(tuple(labels.probabilities[head][label] for label in names) for head, names in HEADS.items()),
            tuple(labels.entropy[head] for head in HEADS), labels.uncertainty)


def prediction_version(p: Prediction) -> str:
    return p[0]


def prediction_labels(p: Prediction) -> SentenceLabels:
    from argmine.models.labeler import SentenceLabels

    _, role, stance, risk, probabilities, entropy, uncertainty = p
    return SentenceLabels(role, stance, risk,
                          {head: dict(zip(names, values))
                           for (head, names), values in zip(HEADS.items(), probabilities)},
                          dict(zip(HEADS, entropy)), uncertainty)


def load_labeler(path: Path) -> Labeler:
    """The production factory: the saved-model format from ``models.labeler``.

    Module-level on purpose: training jobs receive it through multiprocessing and
    use it to score the active model on the same evaluation split.
    """
    from argmine.models.labeler import SentenceLabeler

    return SentenceLabeler.load(path)


class ActiveModel:
    def __init__(self, registry: Registry, factory: LabelerFactory = load_labeler):
        self.registry = registry
        self.factory = factory
        self._current: tuple[str, Labeler] | None = None
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self._current is not None

    @property
    def version(self) -> str:
        if self._current is None:
            raise ModelNotLoaded("no model is loaded yet")
        return self._current[0]

    @property
    def labeler(self) -> Labeler:
        if self._current is None:
            raise ModelNotLoaded("no model is loaded yet")
        return self._current[1]

    def predict_batch(self, texts: list[str]) -> list[Prediction]:
        """Runs on the batcher's thread; one model for the whole batch."""
        current = self._current
        if current is None:
            raise ModelNotLoaded("no model is loaded yet")
        version, labeler = current
        return [prediction(labels, version) for labels in labeler.predict(texts)]

    def _load(self, version: str) -> Labeler:
        info = self.registry.get(version)
        try:
            labeler = self.factory(info.path)
            labeler.predict(["Warm-up sentence."])  # first call pays lazy initialisation, not a user
        except Exception as exc:
            raise ModelLoadError(f"model {version!r} at {info.path} cannot be loaded: {exc}") from exc
        return labeler

    async def start(self) -> str:
        """Load the persisted active version (the shipped default on first start)."""
        async with self._lock:
            version = self.registry.active_version()
            labeler = await asyncio.to_thread(self._load, version)
            self._current = (version, labeler)
        log.info("serving model %s", version)
        return version

    async def activate(self, version: str) -> str | None:
        """Switch to ``version``; returns the previous version. Raises and changes nothing on failure."""
        async with self._lock:
            info = self.registry.get(version)
            previous = self._current[0] if self._current else None
            if info.version != previous:
                labeler = await asyncio.to_thread(self._load, info.version)
                await asyncio.to_thread(self.registry.set_active, info.version)
                self._current = (info.version, labeler)  # one reference swap; in-flight batches keep theirs
            else:
                await asyncio.to_thread(self.registry.set_active, info.version)
        log.info("active model %s (was %s)", info.version, previous)
        return previous
