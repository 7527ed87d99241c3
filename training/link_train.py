"""Training the link model beside a sentence model: ``<model dir>/links``.

Shared by ``argmine train`` (through ``training.train.train``) and ``argmine links
train``. The link model reads that sentence model's own pooled vectors (one forward
pass labels and links), so it is trained on them and only loads beside it. It
learns from the role and stance probabilities that sentence model gives the
corpus sentences (read in context, as labelling reads them), not from gold roles:
at prediction time it only ever sees predicted roles, and the evaluation
(``argmine links eval``) finds that a link model trained on predicted roles links
predicted roles better. Its candidate rule (``none_max``) and threshold are chosen
on inner folds of the training documents.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np

from argmine.models.link_features import LinkDocument, documents_from_records
from argmine.models.links import LinkModel, NoCandidateLinksError
from argmine.models.scheme import ROLES, STANCES
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import linked_documents, load_corpus, load_links

LINKS_DIR = "links"
log = logging.getLogger(__name__)
TrainingRoles = Literal["predicted", "gold"]
# As the evaluation's link model for predicted roles (training.links_eval.PREDICTED_ROLE_SETTINGS).
PREDICTED_ROLE_SETTINGS: dict[str, Any] = {"none_max": None}


def predicted_roles(docs: list[LinkDocument], records: list[dict[str, Any]], labeler: Any) -> list[LinkDocument]:
    """``docs`` with the role and stance probabilities ``labeler`` gives their sentences in context.

    Through ``predict``, so the same forward pass leaves the vectors the link features read.
    """
    from argmine.models.labeler import record_input

    labels = labeler.predict([record_input(r) for r in records])
    role = np.array([[l.probabilities["role"][k] for k in ROLES] for l in labels], dtype=np.float32)
    stance = np.array([[l.probabilities["stance"][k] for k in STANCES] for l in labels], dtype=np.float32)
    row = {(r["doc_id"], r["sent_id"]): k for k, r in enumerate(records)}
    out = []
    for doc in docs:
        index = [row[(doc.doc_id, s)] for s in doc.sent_ids]
        out.append(doc.with_probabilities(role[index], stance[index]))
    return out


def train_links(corpus_dir: Path, model_dir: Path, settings: dict[str, Any] | None = None,
                labeler: Any = None, roles: TrainingRoles = "predicted") -> LinkModel | None:
    """Fit on the corpus's link annotations over the vectors of ``labeler`` (default: the sentence model
    saved in ``model_dir``) and save into ``model_dir/links``; None where no document has links.

    ``roles``: learn from ``labeler``'s predicted role probabilities (default) or from gold roles.
    """
    linked = set(linked_documents(corpus_dir))
    links = load_links(corpus_dir)
    if not linked or not links:
        return None
    if labeler is None:
        from argmine.models.labeler import SentenceLabeler

        labeler = SentenceLabeler.load(model_dir)
    records = [r for r in load_corpus(corpus_dir) if r["doc_id"] in linked]
    docs = documents_from_records(records)
    vectors = LabelerVectors(labeler)
    model = None
    if roles == "predicted":
        try:
            model = LinkModel(**{**PREDICTED_ROLE_SETTINGS, **(settings or {})}, vectors=vectors).fit(
                predicted_roles(docs, records, labeler), links)
        except NoCandidateLinksError:  # a barely trained model calls every sentence "none": learn from gold roles
            log.warning("the sentence model calls too few sentences arguing to learn links from its roles; "
                        "the link model learns from gold roles")
    if model is None:
        model = LinkModel(**(settings or {}), vectors=vectors).fit(docs, links)
    model.save(Path(model_dir) / LINKS_DIR)
    return model
