"""Links in ``POST /v1/label`` responses: the link model saved beside the sentence model.

A model directory with a ``links/`` folder (``argmine links train --model-dir``)
gets links in its document-mode responses; one without gets ``links: null``.
Link models are loaded once per directory and kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from argmine.models.link_outputs import document_links, with_paragraphs
from argmine.models.links import LinkModel, LinkModelError

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def link_model_for(model_dir: str) -> LinkModel | None:
    """The link model of a sentence-model directory, or None where it has none."""
    folder = Path(model_dir) / "links"
    if not (folder / "config.json").exists():
        return None
    try:
        return LinkModel.load(folder)
    except LinkModelError as exc:  # labelling goes on without links; the log says why
        log.error("no links for model %s: %s", model_dir, exc)
        return None


def links_for_document(model_dir: Path, records: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    """The ``links`` field of one labelled document (sentence records as the route builds them)."""
    from argmine.models.link_features import documents_from_records

    model = link_model_for(str(model_dir))
    if model is None:
        return None
    if not records:
        return []
    return document_links(model.predict(documents_from_records(with_paragraphs(records, text))))
