"""Labelling whole documents: segment, predict every sentence, map back to offsets.

Shared by the HTTP service and offline batch labelling so both give the same
sentences and labels for the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from argmine.models.context import SentenceInput, grouped_in_context, in_context
from argmine.models.segment import Sentence, segment

if TYPE_CHECKING:  # importing the labeler pulls in torch; segmentation workers need none of it
    from argmine.models.labeler import SentenceLabels

Unit = Literal["document", "sentence"]
PredictBatch = Callable[[Sequence[SentenceInput]], "list[SentenceLabels]"]


def split(text: str, unit: Unit = "document") -> list[Sentence]:
    """Sentences of a document, or the record itself when it already is one sentence."""
    if unit == "sentence":
        stripped = text.strip()
        if not stripped:
            return []
        start = text.index(stripped)
        return [Sentence(start, start + len(stripped), stripped)]
    return segment(text)


def sentence_record(doc_id: str, sent_id: int, sentence: Sentence, labels: "SentenceLabels",
                    model_version: str) -> dict[str, Any]:
    return {
        "doc_id": doc_id, "sent_id": sent_id, "start": sentence.start, "end": sentence.end, "text": sentence.text,
        "role": labels.role, "stance": labels.stance, "risk": labels.risk,
        "probabilities": labels.probabilities, "uncertainty": labels.uncertainty, "entropy": labels.entropy,
        "model_version": model_version,
    }


def model_inputs(pieces: Sequence[Sequence[Sentence]], unit: Unit = "document",
                 groups: Sequence[str | None] | None = None) -> list[SentenceInput]:
    """What the model reads for each sentence, flattened in order.

    A document's sentences are read beside each other. In sentence mode each piece
    is one record; records that share a group (their ``doc_id`` field) are read
    beside each other in the order given, the others alone.
    """
    if unit == "document":
        return [item for sentences in pieces for item in in_context([s.text for s in sentences])]
    texts: list[str] = []
    keys: list[str | None] = []
    for i, sentences in enumerate(pieces):
        for s in sentences:
            texts.append(s.text)
            keys.append(groups[i] if groups is not None else None)
    return grouped_in_context(texts, keys)


def prepare(documents: Sequence[tuple[str, str]], unit: Unit = "document",
            groups: Sequence[str | None] | None = None) -> tuple[list[list[Sentence]], list[SentenceInput]]:
    """The sentences of each ``(doc_id, text)`` and the model's inputs for all of them, flattened."""
    pieces = [split(text, unit) for _, text in documents]
    return pieces, model_inputs(pieces, unit, groups)


def records(documents: Sequence[tuple[str, str]], pieces: Sequence[Sequence[Sentence]],
            labels: "Sequence[SentenceLabels]", model_version: str) -> list[list[dict[str, Any]]]:
    """One list of sentence records per document, from the labels of ``prepare``'s inputs in order."""
    out: list[list[dict[str, Any]]] = []
    cursor = 0
    for (doc_id, _), sentences in zip(documents, pieces):
        out.append([sentence_record(doc_id, i, s, labels[cursor + i], model_version) for i, s in enumerate(sentences)])
        cursor += len(sentences)
    return out


def label_documents(documents: Sequence[tuple[str, str]], predict_batch: PredictBatch, model_version: str,
                    unit: Unit = "document", groups: Sequence[str | None] | None = None) -> list[list[dict[str, Any]]]:
    """One list of sentence records per ``(doc_id, text)``, all sentences in one predict call."""
    pieces, flat = prepare(documents, unit, groups)
    labels = predict_batch(flat) if flat else []
    return records(documents, pieces, labels, model_version)
