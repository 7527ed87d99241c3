"""The local engine: read a chunk, label it with one predict call, write it, repeat - in three stages.

Memory holds a few chunks of documents and their records, plus the ids seen so far
(to skip resumed documents and catch duplicates). Chunks are labelled and written in
input order, so the output follows the input.

Host work overlaps the forward pass (``batch.pipeline``): a thread reads, segments and
tokenizes the next chunk while the model labels this one, and another builds and
writes the previous chunk's records. A chunk is still committed whole or not at all,
by the one writer thread in order, so a killed run resumes as before; an error or
Ctrl-C in any stage stops the run after the chunks labelled before it are written.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from argmine.batch.job import LabelJob, Predictor, Run, chunked, running, with_meta
from argmine.batch.pipeline import Behind, ahead
from argmine.batch.progress import RunStats
from argmine.batch.readers import check_inputs, context_group, read_inputs
from argmine.batch.records import BadRecord, Document
from argmine.batch.resume import prepare_output
from argmine.batch.texts import annotate
from argmine.models.context import SentenceInput
from argmine.models.documents import Unit, prepare, records
from argmine.models.segment import Sentence

if TYPE_CHECKING:
    from argmine.batch.links import BatchLinker


@dataclass
class Prepared:
    """A chunk ready for the model: its sentences, the model's inputs and, where the
    predictor can tokenize apart (``SentenceLabeler.encode``), their token ids."""

    chunk: list[Document]
    pieces: list[list[Sentence]]
    inputs: list[SentenceInput]
    encoded: Any = None


def _prepared(chunks: Iterable[list[Document]], predictor: Predictor, unit: Unit) -> Iterator[Prepared]:
    encode = getattr(predictor, "encode", None)
    for chunk in chunks:
        pieces, inputs = prepare([(d.doc_id, d.text) for d in chunk], unit, [context_group(d) for d in chunk])
        yield Prepared(chunk, pieces, inputs, encode(inputs) if encode is not None and inputs else None)


def _labels(predictor: Predictor, prepared: Prepared) -> Sequence[Any]:
    if not prepared.inputs:
        return []
    if prepared.encoded is not None:
        return predictor.predict_encoded(prepared.encoded)  # type: ignore[attr-defined]
    return predictor.predict(prepared.inputs)


def label_local(job: LabelJob, predictor: Predictor, stdin: BinaryIO | None = None,
                linker: "BatchLinker | None" = None) -> RunStats:
    """Label ``job.inputs`` into ``job.output``; returns what was done.

    With ``linker`` (the model has a link model) records also get ``target``,
    ``relation`` and ``link_probability`` (see ``batch.links``).
    """
    started = time.monotonic()
    check_inputs(job.inputs, job.read)
    state = prepare_output(job.output, predictor.version, job.resume, job.force, job.unit)
    with running(job, state, started) as run:
        documents = run.admission.filter(read_inputs(job.inputs, job.read, stdin))
        chunks = chunked(documents, job.chunk_size, job.chunk_chars, group=context_group)
        counted = _Counted(run)
        with Behind() as writer:
            for prepared in ahead(_prepared(chunks, predictor, job.unit)):
                labelled = records([(d.doc_id, d.text) for d in prepared.chunk], prepared.pieces,
                                   _labels(predictor, prepared), predictor.version)
                if linker is not None:
                    labelled = linker.add(prepared.chunk, labelled)
                writer.submit(lambda chunk=prepared.chunk, labelled=labelled: _write(job, state, counted, chunk,
                                                                                      labelled))
        counted.advance(0, 0)  # bad records after the last chunk
    return run.stats


class _Counted:
    """Progress and stats, advanced by the writer thread as chunks are committed."""

    def __init__(self, run: Run):
        self.run = run
        self.skipped_before = 0

    def advance(self, documents: int, sentences: int) -> None:
        stats = self.run.stats
        stats.documents += documents
        stats.sentences += sentences
        skipped = stats.skipped_total  # read too, on the reading thread: counting them keeps the bar's total honest
        self.run.progress.advance(documents + skipped - self.skipped_before, sentences)
        self.skipped_before = skipped


def _write(job: LabelJob, state: Any, counted: _Counted, chunk: list[Document],
           labelled: list[list[dict[str, Any]]]) -> None:
    out, written = [], 0
    for document, sentences in zip(chunk, labelled, strict=True):
        if not sentences:  # a document without records would never count as done
            counted.run.admission.reject(BadRecord(document.where, "no sentences"))
            continue
        out.extend(with_meta(annotate(sentences, document, job.output), document.meta))
        written += 1
    state.writer.write_chunk(out)
    counted.advance(written, len(out))
