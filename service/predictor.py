"""The labeler that serves requests, swapped whole when another version is activated.

``predict_batch`` reads the current ``(version, labeler)`` pair once per forward, so
a batch is never split across models and every sentence is tagged with the version
that produced it. Activation loads the new model off the event loop first, then
records the choice in the database, then swaps the reference: requests in flight
finish on the model they started with, and a model that fails to load changes
nothing. The choice lives in the database (``service.state``), so every replica
finds it with ``sync``, which the app calls every ``model_poll_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from argmine.models.context import SentenceInput
from argmine.models.scheme import HEADS
from argmine.service.registry import Registry, RegistryError, UnknownVersion
from argmine.service.state import ACTIVE_MODEL, SharedState

if TYPE_CHECKING:  # torch comes with these; a training process importing this module needs neither
    import numpy as np

    from argmine.models.labels import SentenceLabels

log = logging.getLogger("argmine.model")


class Labeler(Protocol):
    def predict(self, items: Sequence[SentenceInput]) -> list[SentenceLabels]: ...

    def predict_proba(self, items: Sequence[SentenceInput]) -> dict[str, np.ndarray]: ...


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
    from argmine.models.labels import SentenceLabels  # not models.labeler: no torch to answer a request

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
    def __init__(self, registry: Registry, state: SharedState, factory: LabelerFactory = load_labeler):
        self.registry = registry
        self.state = state
        self.factory = factory
        self._current: tuple[str, Labeler] | None = None
        self._lock = asyncio.Lock()
        self._unusable: str | None = None  # a chosen version that failed to load here: not retried every poll
        self._missing: str | None = None  # why the chosen version cannot be found, logged once

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

    def predict_batch(self, items: list[SentenceInput]) -> list[Prediction]:
        """Runs on the batcher's thread; one model for the whole batch."""
        current = self._current
        if current is None:
            raise ModelNotLoaded("no model is loaded yet")
        version, labeler = current
        return [prediction(labels, version) for labels in labeler.predict(items)]

    def _load(self, version: str) -> Labeler:
        info = self.registry.get(version)
        try:
            labeler = self.factory(info.path)
            labeler.predict(["Warm-up sentence."])  # first call pays lazy initialisation, not a user
        except Exception as exc:
            raise ModelLoadError(f"model {version!r} at {info.path} cannot be loaded: {exc}") from exc
        from argmine.service.links import register_labeler  # its link model reads this labeler's vectors

        register_labeler(info.path, labeler)
        return labeler

    def chosen(self) -> str:
        """The version the database names (or, before any choice, the file pointer of older releases).

        A chosen model that is gone from disk is an error, not a quiet fallback: serving
        another model than the one an admin activated would change every answer without
        anyone deciding it. Start-up fails naming it; ``sync`` keeps serving what it has.
        """
        stored = self.state.get(ACTIVE_MODEL)
        if stored is None:
            return self.registry.active_version()
        try:
            return self.registry.get(stored.value).version
        except UnknownVersion:
            by = f" by {stored.updated_by}" if stored.updated_by else ""
            raise RegistryError(
                f"the active model {stored.value!r}, chosen in the database{by}, is missing: "
                f"{self.registry.root / stored.value / 'training.json'} does not exist. Restore that directory, "
                f"or delete the choice (DELETE FROM service_state WHERE key = '{ACTIVE_MODEL}') to serve "
                f"the shipped default {self.registry.default.version!r}") from None

    async def start(self) -> str:
        """Load the active version (the shipped default on first start)."""
        async with self._lock:
            version = await asyncio.to_thread(self.chosen)
            labeler = await asyncio.to_thread(self._load, version)
            self._current = (version, labeler)
        log.info("serving model %s", version)
        return version

    async def sync(self) -> bool:
        """Follow a choice another replica made; True if this one switched."""
        try:
            version = await asyncio.to_thread(self.chosen)
        except RegistryError as exc:  # the chosen model is gone from disk: keep the one in memory
            if self._missing != str(exc):
                log.error("%s; still serving %s", exc, self._current[0] if self._current else None)
            self._missing = str(exc)
            return False
        self._missing = None
        if self._current is not None and version == self._current[0] or version == self._unusable:
            return False
        async with self._lock:
            if self._current is not None and version == self._current[0]:
                return False
            try:
                labeler = await asyncio.to_thread(self._load, version)
            except ModelLoadError:
                self._unusable = version
                log.exception("another replica activated %s, but it cannot be loaded here; still serving %s",
                              version, self._current[0] if self._current else None)
                return False
            previous = self._current[0] if self._current else None
            self._current = (version, labeler)
            self._unusable = None
        log.info("active model %s (was %s), chosen through another replica", version, previous)
        return True

    async def activate(self, version: str, by: str | None = None) -> str | None:
        """Switch to ``version`` here, and through the database on every replica; returns the previous
        version. Raises and changes nothing on failure."""
        async with self._lock:
            info = self.registry.get(version)
            previous = self._current[0] if self._current else None
            if info.version != previous:
                labeler = await asyncio.to_thread(self._load, info.version)
                await asyncio.to_thread(self.state.set, ACTIVE_MODEL, info.version, by)
                self._current = (info.version, labeler)  # one reference swap; in-flight batches keep theirs
            else:
                await asyncio.to_thread(self.state.set, ACTIVE_MODEL, info.version, by)
            self._unusable = None
        log.info("active model %s (was %s), chosen by %s", info.version, previous, by)
        return previous
