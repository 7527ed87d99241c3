"""What a labelling run is asked to do, and the steps both engines share.

Both engines admit documents through the same ``Admission`` (resume skips,
duplicate ids, bad records), label through ``models.documents`` and write through
the same writers, so they produce the same output for the same input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from argmine.batch.errors import BadRecordError, BatchError
from argmine.batch.progress import Progress, RunStats
from argmine.batch.readers import Item, ReadOptions, estimate_total
from argmine.batch.records import BadRecord, Document
from argmine.batch.summary import check_summary_path, summarise, write_summary
from argmine.batch.writers import output_format, read_records
from argmine.models.documents import Unit
from argmine.models.labeler import SentenceLabels

OnError = Literal["skip", "fail"]


class Predictor(Protocol):
    """What the engines need of a model: ``SentenceLabeler`` and the test fake both fit."""

    version: str

    def predict(self, texts: Sequence[str]) -> list[SentenceLabels]: ...


@dataclass(frozen=True)
class LabelJob:
    inputs: tuple[str, ...]
    output: Path
    read: ReadOptions = field(default_factory=ReadOptions)
    unit: Unit = "document"
    # Documents per chunk: one predict call and one atomic write each, so it is also
    # the most a kill can lose. 256 keeps a chunk's sentences (thousands) enough to
    # fill many token-budget batches while a crash costs seconds of work.
    chunk_size: int = 256
    # A chunk is also cut at this many characters (about 40k sentences), so a run
    # of long documents cannot hold the memory of thousands of them.
    chunk_chars: int = 2_000_000
    on_error: OnError = "skip"
    resume: bool = False
    force: bool = False
    summary: Path | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        if not self.inputs:
            raise BatchError("give at least one input: a file, a folder, or - for standard input")
        if self.chunk_size < 1:
            raise BatchError(f"--chunk-size must be at least 1, not {self.chunk_size}")
        if self.chunk_chars < 1:
            raise BatchError(f"chunk_chars must be at least 1, not {self.chunk_chars}")
        if self.read.max_chars < 1:
            raise BatchError(f"--max-chars must be at least 1, not {self.read.max_chars}")
        if self.on_error not in get_args(OnError):
            raise BatchError(f"--on-error must be skip or fail, not {self.on_error!r}")
        if self.unit not in ("document", "sentence"):
            raise BatchError(f"--unit must be document or sentence, not {self.unit!r}")
        output_format(self.output)
        if self.summary is not None:
            check_summary_path(self.summary)
            if self.summary.resolve() == self.output.resolve():
                raise BatchError("--summary must be another file than the output")


class Admission:
    """Decides which documents get labelled: not done before, not a duplicate, not bad."""

    def __init__(self, done: set[str], on_error: OnError, stats: RunStats, note: Callable[[str], None]):
        self.done = done
        self.on_error = on_error
        self.stats = stats
        self.note = note
        self.seen: set[str] = set()
        self._lock = threading.Lock()  # the local engine rejects on its reading and its writing thread

    def reject(self, record: BadRecord) -> None:
        if self.on_error == "fail":
            raise BadRecordError(f"bad record at {record.message()}; stopping (--on-error fail)")
        with self._lock:
            self.stats.skipped[record.reason] += 1
        self.note(f"skipped {record.message()}")

    def admit(self, doc_id: str, where: str) -> bool:
        if doc_id in self.done:
            self.stats.resumed += 1
            return False
        if doc_id in self.seen:
            self.reject(BadRecord(where, "duplicate id", f"{doc_id!r} was labelled already"))
            return False
        self.seen.add(doc_id)
        return True

    def filter(self, items: Iterable[Item]) -> Iterator[Document]:
        for item in items:
            if isinstance(item, BadRecord):
                self.reject(item)
            elif self.admit(item.doc_id, item.where):
                yield item


# A run of records of one document may stretch a chunk to this many times its size,
# so sentences read in context keep their neighbours across a chunk's edge.
_GROUP_STRETCH = 4


def chunked(documents: Iterable[Document], size: int, max_chars: int,
            group: Callable[[Document], str | None] | None = None) -> Iterator[list[Document]]:
    """Consecutive chunks of at most ``size`` documents and (past the first) ``max_chars`` characters.

    With ``group``, a chunk is not cut between records of the same group (up to
    ``_GROUP_STRETCH`` times the limits).
    """
    chunk: list[Document] = []
    chars = 0
    for document in documents:
        full = len(chunk) >= size or chars + len(document.text) > max_chars
        same_group = (group is not None and chunk and group(document) is not None
                      and group(document) == group(chunk[-1]))
        stretched = len(chunk) >= size * _GROUP_STRETCH or chars + len(document.text) > max_chars * _GROUP_STRETCH
        if chunk and full and (not same_group or stretched):
            yield chunk
            chunk, chars = [], 0
        chunk.append(document)
        chars += len(document.text)
    if chunk:
        yield chunk


def with_meta(records: list[dict[str, Any]], meta: dict[str, Any]) -> list[dict[str, Any]]:
    if meta:
        for record in records:
            record["meta"] = meta
    return records


def write_summary_file(job: LabelJob) -> None:
    if job.summary is not None:
        write_summary(job.summary, summarise(read_records(job.output)))


@dataclass
class Run:
    """The bookkeeping both engines share for one run."""

    stats: RunStats
    progress: Progress
    admission: Admission


@contextmanager
def running(job: LabelJob, state: Any, started: float) -> Iterator[Run]:
    """Stats, progress bar and admission for a run into ``state.writer``.

    On success the output, the bar and the summary are finished; on any error
    (Ctrl-C included) the writer is closed so every completed chunk stays readable
    for ``--resume``.
    """
    stats = RunStats()
    total = estimate_total(job.inputs, job.read) if job.progress else None
    progress = Progress(None if total is None else max(total - len(state.done), 0), job.progress)
    run = Run(stats, progress, Admission(state.done, job.on_error, stats, progress.note))
    try:
        yield run
    except BaseException:
        state.writer.close()
        progress.close()
        raise
    state.writer.finish()
    progress.finish()
    write_summary_file(job)
    stats.seconds = time.monotonic() - started
