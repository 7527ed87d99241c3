"""Links in ``POST /v1/label`` responses: the link model saved beside the sentence model.

A model directory with a ``links/`` folder (``argmine links train --model-dir``)
gets links in its document-mode responses; one without gets ``links: null``.
Link models are loaded once per directory and kept.

The link model reads the sentence model's own pooled vectors, which the forward
pass that labelled the document left in the labeler (``SentenceLabeler.predict``).
So it needs the labeler serving that directory in this process: ``ActiveModel``
registers each labeler it loads (``register_labeler``); only a weak reference is
kept, so a model swapped out is freed as before.
"""

from __future__ import annotations

import copy
import logging
import threading
import weakref
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from argmine.models.link_outputs import document_links, with_paragraphs
from argmine.models.links import LinkModel, LinkModelError
from argmine.models.sentence_vectors import LabelerVectors

log = logging.getLogger(__name__)

_lock = threading.Lock()
# model directory -> (the labeler serving it, the link model bound to that labeler's vectors)
_bound: dict[str, tuple[weakref.ref, LinkModel | None]] = {}
# directories whose link model cannot be used with what is loaded: said once in the log, not per request
_unusable: set[str] = set()


def _key(model_dir: str | Path) -> str:
    return str(Path(model_dir).resolve())


def register_labeler(model_dir: str | Path, labeler: Any) -> None:
    """``labeler`` serves ``model_dir`` in this process: its forward passes give the link model's vectors."""
    with _lock:
        _bound[_key(model_dir)] = (weakref.ref(labeler), None)
        _unusable.discard(_key(model_dir))


@lru_cache(maxsize=8)
def link_model_for(model_dir: str) -> LinkModel | None:
    """The link model of a sentence-model directory (not yet bound to vectors), or None where it has none."""
    folder = Path(model_dir) / "links"
    if not (folder / "config.json").exists():
        return None
    try:
        return LinkModel.load(folder)
    except LinkModelError as exc:  # labelling goes on without links; the log says why
        log.error("no links for model %s: %s", model_dir, exc)
        return None


def bound_link_model(model_dir: str | Path) -> LinkModel | None:
    """The link model of ``model_dir`` reading the vectors of the labeler registered for it; None where the
    directory has no usable link model, no labeler is registered, or the link model was trained on other vectors."""
    model = link_model_for(str(model_dir))
    if model is None:
        return None
    key = _key(model_dir)
    with _lock:
        if key in _unusable:
            return None
        ref, bound = _bound.get(key, (None, None))
        labeler = ref() if ref is not None else None
        if labeler is None:
            log.error("no links for model %s: no labeler of it is loaded in this process", model_dir)
            _unusable.add(key)
            return None
        if bound is None:
            try:
                bound = copy.copy(model).use(LabelerVectors(labeler))
            except LinkModelError as exc:
                log.error("no links for model %s: %s", model_dir, exc)
                _unusable.add(key)
                return None
            _bound[key] = (ref, bound)
        return bound


def links_for_document(model_dir: Path, records: Sequence[dict[str, Any]], text: str,
                       paragraph_starts: Sequence[int] | None = None) -> list[dict[str, Any]] | None:
    """The ``links`` field of one labelled document (sentence records as the route builds them);
    ``paragraph_starts`` for an extracted file (``Extracted.paragraph_starts``)."""
    from argmine.models.link_features import documents_from_records

    model = bound_link_model(model_dir)
    if model is None:
        return None
    if not records:
        return []
    return document_links(model.predict(documents_from_records(with_paragraphs(records, text, paragraph_starts))))
