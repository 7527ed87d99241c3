"""The local engine: read a chunk, label it with one predict call, write it, repeat.

Memory holds one chunk of documents and their records, plus the ids seen so far
(to skip resumed documents and catch duplicates). Chunks are labelled in input
order, so the output follows the input.
"""

from __future__ import annotations

import time
from typing import BinaryIO

from batch.job import Admission, LabelJob, Predictor, chunked, with_meta, write_summary_file
from batch.progress import Progress, RunStats
from batch.readers import check_inputs, estimate_total, read_inputs
from batch.records import BadRecord
from batch.resume import prepare_output
from models.documents import label_documents


def label_local(job: LabelJob, predictor: Predictor, stdin: BinaryIO | None = None) -> RunStats:
    """Label ``job.inputs`` into ``job.output``; returns what was done."""
    started = time.monotonic()
    check_inputs(job.inputs, job.read)
    state = prepare_output(job.output, predictor.version, job.resume, job.force)
    stats = RunStats()
    total = estimate_total(job.inputs, job.read) if job.progress else None
    progress = Progress(None if total is None else max(total - len(state.done), 0), job.progress)
    admission = Admission(state.done, job.on_error, stats, progress.note)
    skipped_before = 0
    try:
        documents = admission.filter(read_inputs(job.inputs, job.read, stdin))
        for chunk in chunked(documents, job.chunk_size, job.chunk_chars):
            labelled = label_documents([(d.doc_id, d.text) for d in chunk], predictor.predict,
                                       predictor.version, job.unit)
            records, written = [], 0
            for document, sentences in zip(chunk, labelled, strict=True):
                if not sentences:  # a document without records would never count as done
                    admission.reject(BadRecord(document.where, "no sentences"))
                    continue
                records.extend(with_meta(sentences, document.meta))
                written += 1
            state.writer.write_chunk(records)
            stats.documents += written
            stats.sentences += len(records)
            # Skipped records were read too: counting them keeps the bar's total honest.
            progress.advance(written + stats.skipped_total - skipped_before, len(records))
            skipped_before = stats.skipped_total
        progress.advance(stats.skipped_total - skipped_before, 0)  # bad records after the last chunk
    except BaseException:
        state.writer.close()
        progress.close()
        raise
    state.writer.finish()
    progress.finish()
    write_summary_file(job)
    stats.seconds = time.monotonic() - started
    return stats
