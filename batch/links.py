"""Links on batch output records: ``target``, ``relation`` and ``link_probability``.

Only where the model directory has a link model (``<model dir>/links/``, as the
service): without one the engines never build a ``BatchLinker`` and records are
exactly as before. Links are predicted per chunk, right after labelling, from the
pooled vectors that chunk's forward pass left in the labeler (no second encoder pass):

- document mode: each input document is one link document; ``target`` is the
  ``sent_id`` of the sentence a record supports or attacks.
- sentence mode: the records that share a ``doc_id`` field form one link document
  in file order (as ``batch.readers.context_group`` reads them in context);
  ``target`` is the id (output ``doc_id``) of the record pointed at. Records
  without a ``doc_id`` field get nulls. A group split over two chunks (more than
  four times ``--chunk-size`` records) is linked within each part only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from argmine.batch.errors import BatchError
from argmine.batch.records import Document
from argmine.batch.readers import context_group
from argmine.models.documents import Unit
from argmine.models.link_features import documents_from_records
from argmine.models.link_outputs import add_link_fields, with_paragraphs
from argmine.models.links import LinkModel, LinkModelError
from argmine.models.sentence_vectors import LabelerVectors

LINK_FIELDS: tuple[str, ...] = ("target", "relation", "link_probability")
Records = list[dict[str, Any]]


def _nulls(records: Records) -> Records:
    return [{**r, **dict.fromkeys(LINK_FIELDS)} for r in records]


class BatchLinker:
    """Adds the link fields to the labelled records of one chunk."""

    def __init__(self, model: LinkModel, unit: Unit = "document"):
        self.model = model
        self.unit = unit

    def add(self, documents: Sequence[Document], labelled: Sequence[Records]) -> list[Records]:
        """``labelled[i]`` (the records of ``documents[i]``) with the link fields, in the same order."""
        if self.unit == "document":
            return [self._document(d, records) for d, records in zip(documents, labelled, strict=True)]
        return self._sentences(documents, labelled)

    def _document(self, document: Document, records: Records) -> Records:
        if not records:
            return records
        starts = document.extracted.paragraph_starts() if document.extracted is not None else None
        links = self.model.predict(documents_from_records(with_paragraphs(records, document.text, starts)))
        return add_link_fields(records, links)

    def _sentences(self, documents: Sequence[Document], labelled: Sequence[Records]) -> list[Records]:
        out = [_nulls(records) for records in labelled]
        members: dict[str, list[int]] = {}
        for i, document in enumerate(documents):
            group = context_group(document)
            if group is not None and labelled[i]:
                members.setdefault(group, []).append(i)
        for group, indices in members.items():
            # One sentence per record; its position in the group stands in for sent_id and start.
            rows = [{**labelled[i][0], "doc_id": group, "sent_id": k, "start": k} for k, i in enumerate(indices)]
            for link in self.model.predict(documents_from_records(rows)):
                source = out[indices[link.source]][0]
                source.update(target=documents[indices[link.target]].doc_id, relation=link.type,
                              link_probability=link.probability)
        return out


def linker_for(model_dir: Path, labeler: Any, unit: Unit = "document") -> BatchLinker | None:
    """The linker of a model directory with a link model, reading ``labeler``'s vectors; else None
    (and nothing loaded). A link model that cannot be loaded, or was trained on another sentence
    model's vectors, stops the run before anything is written."""
    folder = Path(model_dir) / "links"
    if not (folder / "config.json").exists():
        return None
    try:
        model = LinkModel.load(folder, vectors=LabelerVectors(labeler))
    except LinkModelError as exc:
        raise _unusable(folder, exc) from exc
    return BatchLinker(model, unit)


def links_dir_for(model_dir: Path, version: str) -> Path | None:
    """``model_dir/links`` where it holds a link model trained on the vectors of sentence model ``version``;
    None where there is none. Checked on the driver before the Ray engine starts its actors, which load
    it beside their predictors (``linker_for``)."""
    folder = Path(model_dir) / "links"
    if not (folder / "config.json").exists():
        return None
    try:
        model = LinkModel.load(folder)
    except LinkModelError as exc:
        raise _unusable(folder, exc) from exc
    if model.vector_identity_.model_version != version:
        raise BatchError(f"{folder} was trained on the vectors of sentence model "
                         f"{model.vector_identity_.model_version!r}, not {version!r}; retrain it with "
                         f"`argmine links train --model-dir {model_dir}`, or remove it to label without links")
    return folder


def _unusable(folder: Path, exc: Exception) -> BatchError:
    return BatchError(f"cannot load the link model in {folder}: {exc}. Retrain it with `argmine links train "
                      f"--model-dir {folder.parent}`, or remove it to label without links")
