"""The local engine: read a chunk, label it with one predict call, write it, repeat.

Memory holds one chunk of documents and their records, plus the ids seen so far
(to skip resumed documents and catch duplicates). Chunks are labelled in input
order, so the output follows the input.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, BinaryIO

from argmine.batch.job import LabelJob, Predictor, chunked, running, with_meta
from argmine.batch.progress import RunStats
from argmine.batch.readers import check_inputs, context_group, read_inputs
from argmine.batch.records import BadRecord
from argmine.batch.resume import prepare_output
from argmine.batch.texts import annotate
from argmine.models.documents import label_documents

if TYPE_CHECKING:
    from argmine.batch.links import BatchLinker


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
        skipped_before = 0
        documents = run.admission.filter(read_inputs(job.inputs, job.read, stdin))
        for chunk in chunked(documents, job.chunk_size, job.chunk_chars, group=context_group):
            labelled = label_documents([(d.doc_id, d.text) for d in chunk], predictor.predict,
                                       predictor.version, job.unit, [context_group(d) for d in chunk])
            if linker is not None:
                labelled = linker.add(chunk, labelled)
            records, written = [], 0
            for document, sentences in zip(chunk, labelled, strict=True):
                if not sentences:  # a document without records would never count as done
                    run.admission.reject(BadRecord(document.where, "no sentences"))
                    continue
                records.extend(with_meta(annotate(sentences, document, job.output), document.meta))
                written += 1
            state.writer.write_chunk(records)
            run.stats.documents += written
            run.stats.sentences += len(records)
            # Skipped records were read too: counting them keeps the bar's total honest.
            run.progress.advance(written + run.stats.skipped_total - skipped_before, len(records))
            skipped_before = run.stats.skipped_total
        run.progress.advance(run.stats.skipped_total - skipped_before, 0)  # bad records after the last chunk
    return run.stats
