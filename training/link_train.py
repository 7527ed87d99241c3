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

Links people stored through the service (``service.link_store``) join the corpus
links. The service keeps no documents, only annotated sentences (``doc_id`` and
offsets), so a stored document is rebuilt from its stored annotations
(``user_link_data``): its sentences are the annotated ones in offset order, and a
stored link counts where both its ends are such sentences.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from argmine.models.link_features import LinkDocument, documents_from_records, with_record_probabilities
from argmine.models.links import LinkModel, NoCandidateLinksError
from argmine.models.scheme import ROLES, STANCES
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import linked_documents, load_corpus, load_links
from argmine.training.predictions import Table, holds, read_predictions, role_probabilities

LINKS_DIR = "links"
DATA_FILE = "data.json"  # beside the link model: what it learned from
USER_PREFIX = "user:"  # stored documents are apart from corpus documents of the same name


@dataclass
class UserLinks:
    """Stored links as link-model input: sentence records, gold links, and why the others were left out."""

    records: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def stored_sentences(annotations: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The stored sentences of each document: one per span (the newest annotation of it), in offset order,
    a span overlapping an earlier one dropped (two segmentations of one text)."""
    spans: dict[str, dict[tuple[int, int], dict[str, Any]]] = {}
    for a in annotations:  # in id order: a later annotation of a span replaces an earlier one
        if a.get("doc_id") is None or a.get("start") is None or a.get("end") is None:
            continue
        spans.setdefault(a["doc_id"], {})[(a["start"], a["end"])] = a
    out: dict[str, list[dict[str, Any]]] = {}
    for doc_id, by_span in spans.items():
        kept: list[dict[str, Any]] = []
        for (start, end), a in sorted(by_span.items()):
            if kept and start < kept[-1]["end"]:
                continue
            kept.append({"doc_id": USER_PREFIX + doc_id, "sent_id": len(kept), "start": start, "end": end,
                         "text": a["text"], "role": a["role"], "stance": a["stance"], "risk": bool(a["risk"])})
        out[doc_id] = kept
    return out


def user_link_data(annotations: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]]) -> UserLinks:
    """Stored links mapped by offsets onto the stored sentences of their documents.

    Where several people link one sentence, the newest link (by change, else creation) is
    taken, as a source has one target. A link is left out, and counted in ``skipped``,
    when an end is no stored annotation's span, or an end has role ``none`` (the corpus
    refuses those too). Only documents with a link kept are returned: like a corpus
    document without a links file, the others were not annotated for links.
    """
    sentences = stored_sentences(annotations)
    newest: dict[tuple[str, int, int], dict[str, Any]] = {}
    for link in sorted(links, key=lambda l: (l.get("updated_at") or l.get("created_at") or "", l.get("id") or 0)):
        newest[(link["doc_id"], link["source_start"], link["source_end"])] = link
    out = UserLinks()
    used: set[str] = set()
    for link in newest.values():
        by_span = {(s["start"], s["end"]): s for s in sentences.get(link["doc_id"], [])}
        source = by_span.get((link["source_start"], link["source_end"]))
        target = by_span.get((link["target_start"], link["target_end"]))
        if source is None or target is None:
            out.skip("an end is not a stored annotation's sentence")
        elif "none" in (source["role"], target["role"]):
            out.skip("an end has role none")
        else:
            out.links.append({"doc_id": USER_PREFIX + link["doc_id"], "source": source["sent_id"],
                              "target": target["sent_id"], "type": link["type"]})
            used.add(link["doc_id"])
    out.records = [r for doc_id in sorted(used) for r in sentences[doc_id]]
    out.links.sort(key=lambda l: (l["doc_id"], l["source"]))
    return out


log = logging.getLogger(__name__)
TrainingRoles = Literal["predicted", "gold"]
# As the evaluation's link model for predicted roles (training.links_eval.PREDICTED_ROLE_SETTINGS).
PREDICTED_ROLE_SETTINGS: dict[str, Any] = {"none_max": None}


def source_weights(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """A weight per document such that every source (seed, authored, user) weighs as much as the others
    in total, by sentences: the few real documents are not drowned by the many authored ones, and real
    text is what the link model meets in use."""
    per_source = Counter(r.get("source", "user") for r in records)
    doc_source = {r["doc_id"]: r.get("source", "user") for r in records}
    return {doc: len(records) / (len(per_source) * per_source[source]) for doc, source in doc_source.items()}


def predicted_roles(docs: list[LinkDocument], records: list[dict[str, Any]], labeler: Any,
                    out_of_fold: Table | None = None) -> list[LinkDocument]:
    """``docs`` with the role and stance probabilities ``labeler`` gives their sentences in context,
    or, for the sentences ``out_of_fold`` holds, the ones a model that never saw them gave.

    Through ``predict``, so the same forward pass leaves the vectors the link features read.
    """
    from argmine.models.labeler import record_input

    labels = labeler.predict([record_input(r) for r in records])
    proba = {head: np.array([[l.probabilities[head][k] for k in names] for l in labels], dtype=np.float32)
             for head, names in (("role", ROLES), ("stance", STANCES))}
    table = out_of_fold or {}
    held = [k for k, r in enumerate(records) if holds(table, r)]
    if held:
        found = role_probabilities(table, [records[k] for k in held])
        for head in proba:
            proba[head][held] = found[head]
    return with_record_probabilities(docs, records, proba)


def train_links(corpus_dir: Path, model_dir: Path, settings: dict[str, Any] | None = None,
                user: UserLinks | None = None, labeler: Any = None,
                roles: TrainingRoles = "predicted", roles_from: Path | None = None,
                roles_system: str | None = None, every_sentence: bool = True) -> LinkModel | None:
    """Fit on the corpus's link annotations, plus ``user``'s where given, over the vectors of
    ``labeler`` (default: the sentence model saved in ``model_dir``) and save into
    ``model_dir/links``; None where no document has links.

    Each source (seed, authored, stored) weighs as much as the others (``source_weights``).
    ``roles``: learn from predicted role probabilities (default) or from gold roles. Predicted
    ones are ``labeler``'s, which saw most of these sentences in training and so errs less on
    them than on new text; ``roles_from`` (a file of ``argmine eval --predictions``, the same
    recipe's out-of-fold probabilities) gives each sentence it holds the roles of a model that
    never saw it, so the link model learns from the role errors it will meet. With
    ``every_sentence`` it must hold every corpus sentence (``PredictionsError`` if not); else the
    sentences it lacks (added or edited since, stored ones) take ``labeler``'s roles, and
    ``data.json`` counts them.
    """
    linked = set(linked_documents(corpus_dir))
    links = load_links(corpus_dir) if linked else []
    records = [r for r in load_corpus(corpus_dir) if r["doc_id"] in linked] if linked else []
    corpus_links = len(links)
    if user is not None and user.links:
        records, links = records + user.records, links + user.links
    if not links:
        return None
    if labeler is None:
        from argmine.models.labeler import SentenceLabeler

        labeler = SentenceLabeler.load(model_dir)
    out_of_fold, learned_from = None, ("gold roles" if roles == "gold" else "the sentence model's own roles")
    if roles == "predicted" and roles_from is not None:
        out_of_fold, system = read_predictions(roles_from, roles_system)
        corpus_records = [r for r in records if not str(r["doc_id"]).startswith(USER_PREFIX)]
        if every_sentence:
            role_probabilities(out_of_fold, corpus_records, roles_from)  # every corpus sentence, or a clear error
            learned_from = f"out-of-fold roles of {system} ({Path(roles_from).name}) on corpus sentences"
        else:
            held = sum(holds(out_of_fold, r) for r in corpus_records)
            learned_from = (f"out-of-fold roles of {system} ({Path(roles_from).name}) on {held} of "
                            f"{len(corpus_records)} corpus sentences, the sentence model's own roles on the "
                            f"{len(records) - held} others")
    docs = documents_from_records(records)
    weights = source_weights(records)
    vectors = LabelerVectors(labeler)
    model = None
    if roles == "predicted":
        try:
            model = LinkModel(**{**PREDICTED_ROLE_SETTINGS, **(settings or {})}, vectors=vectors).fit(
                predicted_roles(docs, records, labeler, out_of_fold), links, weights)
        except NoCandidateLinksError:  # a barely trained model calls every sentence "none": learn from gold roles
            log.warning("the sentence model calls too few sentences arguing to learn links from its roles; "
                        "the link model learns from gold roles")
            learned_from = "gold roles"
    if model is None:
        model = LinkModel(**(settings or {}), vectors=vectors).fit(docs, links, weights)
    folder = model.save(Path(model_dir) / LINKS_DIR)
    by_source = {r.get("source", "user"): round(weights[r["doc_id"]], 4) for r in records}
    data = {"roles": learned_from, "source_weights": by_source, "corpus_links": corpus_links,
            "stored_links": len(links) - corpus_links,
            "stored_documents": len({r["doc_id"] for r in user.records}) if user else 0,
            "stored_links_skipped": user.skipped if user else {}}
    (Path(folder) / DATA_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return model


def resolve_roles_from(value: str | Path) -> Path:
    """A recipe's ``link_roles_from``: an absolute path, or one relative to the project root (where
    ``argmine eval --predictions`` files are committed), which must exist."""
    from argmine.models.paths import PROJECT_ROOT

    path = Path(value) if Path(value).is_absolute() else PROJECT_ROOT / value
    if not path.is_file():
        raise FileNotFoundError(f"link_roles_from: {path} does not exist; write it with `argmine eval "
                                f"--predictions {value}` or leave link_roles_from out")
    return path


def read_link_data(model_dir: Path) -> dict[str, Any]:
    """What the link model saved beside the sentence model in ``model_dir`` learned from (``data.json``)."""
    return json.loads((Path(model_dir) / LINKS_DIR / DATA_FILE).read_text(encoding="utf-8"))
