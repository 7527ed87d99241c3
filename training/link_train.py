"""Training the link model beside a sentence model: ``<model dir>/links``.

Shared by ``argmine train`` (through ``training.train.train``) and ``argmine links
train``. The link model learns from gold roles of every document annotated for
links; at prediction time it reads whatever role probabilities the sentence model
gives. Its sentence vectors are that sentence model's own pooled embeddings (one
forward pass labels and links), so it is trained on them and only loads beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argmine.models.link_features import documents_from_records
from argmine.models.links import LinkModel
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import linked_documents, load_corpus, load_links

LINKS_DIR = "links"


def train_links(corpus_dir: Path, model_dir: Path, settings: dict[str, Any] | None = None,
                labeler: Any = None) -> LinkModel | None:
    """Fit on the corpus's link annotations over the vectors of ``labeler`` (default: the sentence model
    saved in ``model_dir``) and save into ``model_dir/links``; None where no document has links."""
    linked = set(linked_documents(corpus_dir))
    links = load_links(corpus_dir)
    if not linked or not links:
        return None
    if labeler is None:
        from argmine.models.labeler import SentenceLabeler

        labeler = SentenceLabeler.load(model_dir)
    records = [r for r in load_corpus(corpus_dir) if r["doc_id"] in linked]
    model = LinkModel(**(settings or {}), vectors=LabelerVectors(labeler)).fit(documents_from_records(records), links)
    model.save(Path(model_dir) / LINKS_DIR)
    return model
