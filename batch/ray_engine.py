"""The Ray engine: the local engine's labelling, spread over a Ray cluster with Ray Data.

    files, listed on the driver
    -> flat_map: each file read by the local engine's readers on CPU workers;
       documents checked, already-done ids dropped, text split into sentences
    -> map_batches over an actor pool of predictors (one GPU per actor where the
       cluster has GPUs): one predict call per batch of documents
    -> iter_batches on the driver: duplicates and bad records handled by the same
       ``Admission``, whole documents written in chunks by the same writers

Where the model has a link model, each actor links the documents it labelled (``batch.links``,
as the local engine does) from the vectors of the same forward pass.

Writing on the driver keeps the local engine's output formats, chunk-atomic
commits and ``--resume`` unchanged; the driver only parses and appends records,
which is cheap next to the model. Sentences come from ``models.documents.split``
and records from ``sentence_record``, so labels equal the local engine's. Output
order follows completion, not input (Ray does not preserve order by default).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from argmine.batch.errors import BatchError
from argmine.batch.job import LabelJob, Predictor, running, with_meta
from argmine.batch.progress import RunStats
from argmine.batch.readers import STDIN, ReadOptions, Source, check_inputs, read_source, sources
from argmine.batch.records import BadRecord, Document
from argmine.batch.resume import prepare_output
from argmine.batch.schema import dump_meta
from argmine.batch.texts import annotate
from argmine.models.documents import Unit, model_inputs, sentence_record, split
from argmine.models.segment import Sentence

# Every row has every column, whatever its status, so blocks share one schema.
_EMPTY_ROW = {"doc_id": "", "where": "", "status": "", "reason": "", "detail": "", "text": "", "spans": "", "meta": "",
              "source": "", "source_text": ""}


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # None: the running Ray instance, else a new local one
    actors: int | None = None  # predictor actors; None: one per GPU, or 1 without GPUs
    cpus_per_actor: float = 1.0  # torch in an actor uses this many threads
    device: str = "auto"  # "cpu" keeps actors off GPUs; "cuda" requires them


def read_and_segment(row: Mapping[str, Any], options: ReadOptions, unit: Unit, done: frozenset[str]) -> Iterator[dict]:
    """The documents of one input file as rows: checked, resumed ones marked, split into sentences."""
    source = Source(str(row["path"]), row["format"], row["doc_id"] or None)
    for item in read_source(source, options):
        if isinstance(item, BadRecord):
            yield {**_EMPTY_ROW, "where": item.where, "status": "bad", "reason": item.reason, "detail": item.detail}
        elif item.doc_id in done:
            yield {**_EMPTY_ROW, "doc_id": item.doc_id, "where": item.where, "status": "done"}
        else:
            spans = [[s.start, s.end] for s in split(item.text, unit)]
            # PDF, HTML, DOCX: the format and pages travel along, so the driver can add pages and write the text.
            source = (json.dumps({"format": item.extracted.format, "page_starts": item.extracted.page_starts})
                      if item.extracted is not None else "")
            yield {**_EMPTY_ROW, "doc_id": item.doc_id, "where": item.where, "status": "ok", "text": item.text,
                   "spans": json.dumps(spans), "meta": dump_meta(item.meta) if item.meta else "", "source": source}


def _doc_id_field(meta: Any) -> str | None:
    if not meta:
        return None
    value = json.loads(str(meta)).get("doc_id")
    return None if value is None or value == "" else str(value)


class PredictorActor:
    """One model per actor, loaded once; labels a batch of documents with one predict call.

    With ``links_dir`` (the model's ``links/`` folder) it links them too, as the local
    engine does (``batch.links``), from the vectors of that same predict call.
    """

    def __init__(self, factory: Callable[[], Predictor], unit: Unit = "document", links_dir: str | None = None):
        self.predictor = factory()
        self.unit = unit
        self.linker = None
        if links_dir:
            from argmine.batch.links import linker_for

            self.linker = linker_for(Path(links_dir).parent, self.predictor, unit)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        documents: list[tuple[int, str, list[Sentence]]] = []
        for i, status in enumerate(batch["status"]):
            if status == "ok":
                text = str(batch["text"][i])
                documents.append((i, str(batch["doc_id"][i]),
                                  [Sentence(s, e, text[s:e]) for s, e in json.loads(batch["spans"][i])]))
        # Sentence records that share a doc_id are read beside each other within a batch.
        groups = [_doc_id_field(batch["meta"][i]) for i, _, _ in documents] if self.unit == "sentence" else None
        inputs = model_inputs([sentences for _, _, sentences in documents], self.unit, groups)
        labels = self.predictor.predict(inputs) if inputs else []
        labelled, cursor = [], 0
        for i, doc_id, sentences in documents:
            labelled.append([sentence_record(doc_id, j, s, labels[cursor + j], self.predictor.version)
                             for j, s in enumerate(sentences)])
            cursor += len(sentences)
        if self.linker is not None:
            labelled = self.linker.add([Document(doc_id, str(batch["text"][i]), json.loads(batch["meta"][i] or "{}"))
                                        for i, doc_id, _ in documents], labelled)
        records = [""] * len(batch["status"])
        for (i, _, _), sentence_records in zip(documents, labelled):
            records[i] = json.dumps(sentence_records, ensure_ascii=False)
        out = {k: v for k, v in batch.items() if k not in ("text", "spans")}  # texts travel inside records
        out["records"] = np.array(records, dtype=object)
        # An extracted document's text goes on to the driver, which writes it beside the output.
        out["source_text"] = np.array([str(batch["text"][i]) if batch["source"][i] else ""
                                       for i in range(len(batch["status"]))], dtype=object)
        return out


def source_records(records: list[dict[str, Any]], row: Mapping[str, Any], output) -> list[dict[str, Any]]:
    """Pages and ``text_file`` for the records of an extracted document (see ``batch.texts``)."""
    if not row["source"]:
        return records
    from argmine.extraction import Extracted

    source = json.loads(row["source"])
    extracted = Extracted(str(row["source_text"]), (), source["format"], None,
                          tuple(tuple(p) for p in source["page_starts"]))
    document = Document(str(row["doc_id"]), extracted.text, {}, str(row["where"]), extracted)
    return annotate(records, document, output)


def label_ray(job: LabelJob, factory: Callable[[], Predictor], model_version: str,
              options: RayOptions = RayOptions(), links_dir: Path | None = None) -> RunStats:
    """Label ``job.inputs`` into ``job.output`` on Ray; ``factory`` builds a predictor in each actor.

    ``links_dir``: the model's link model (``<model dir>/links``), which every actor loads
    beside its predictor to add ``target``/``relation``/``link_probability``.
    """
    try:
        import ray
    except ImportError as exc:
        raise BatchError('--engine ray needs Ray: pip install -e ".[ray]"') from exc
    if STDIN in job.inputs:
        raise BatchError("--engine ray reads input files on its workers; save standard input to a file first")
    started = time.monotonic()
    check_inputs(job.inputs, job.read)
    owned = not ray.is_initialized()
    if owned:
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
    try:
        state = prepare_output(job.output, model_version, job.resume, job.force, job.unit)
        return _run(ray, job, factory, model_version, options, state, started, links_dir)
    finally:
        if owned:
            ray.shutdown()


def _actor_resources(ray, options: RayOptions) -> tuple[int, float]:
    gpus = int(ray.cluster_resources().get("GPU", 0))
    if options.device == "cuda" and not gpus:
        raise BatchError("--device cuda was asked for but the Ray cluster has no GPUs; use --device auto or cpu")
    per_actor = 1.0 if gpus and options.device != "cpu" else 0.0
    actors = options.actors or (gpus if per_actor else 1)
    return actors, per_actor


def _run(ray, job: LabelJob, factory: Callable[[], Predictor], model_version: str, options: RayOptions,
         state, started: float, links_dir: Path | None = None) -> RunStats:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours counts documents; Ray's would count blocks beside it
    actors, gpus = _actor_resources(ray, options)
    items = [{"path": s.path, "format": s.format, "doc_id": s.doc_id or ""} for s in sources(job.inputs, job.read)]
    dataset = (ray.data.from_items(items)
               .flat_map(read_and_segment, fn_kwargs={"options": job.read, "unit": job.unit,
                                                      "done": frozenset(state.done)})
               .map_batches(PredictorActor, fn_constructor_args=(factory, job.unit, links_dir and str(links_dir)),
                            batch_size=job.chunk_size,
                            compute=ray.data.ActorPoolStrategy(size=actors), num_gpus=gpus,
                            num_cpus=options.cpus_per_actor))
    pending: list[dict[str, Any]] = []
    pending_docs = 0

    with running(job, state, started) as run:
        stats, progress, admission = run.stats, run.progress, run.admission

        def flush() -> None:
            nonlocal pending, pending_docs
            state.writer.write_chunk(pending)
            stats.documents += pending_docs
            stats.sentences += len(pending)
            progress.advance(pending_docs, len(pending))
            pending, pending_docs = [], 0

        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for i, status in enumerate(batch["status"]):
                where = str(batch["where"][i])
                if status == "done":
                    stats.resumed += 1
                    continue
                records = json.loads(batch["records"][i]) if status == "ok" else []
                if status == "bad":
                    admission.reject(BadRecord(where, str(batch["reason"][i]), str(batch["detail"][i])))
                elif not admission.admit(str(batch["doc_id"][i]), where):
                    pass  # a duplicate, rejected by admit
                elif not records:  # a document without records would never count as done
                    admission.reject(BadRecord(where, "no sentences"))
                else:
                    if records[0]["model_version"] != model_version:
                        raise BatchError(f"an actor labelled with model {records[0]['model_version']!r}, "
                                         f"not {model_version!r}: do all nodes see the same --model?")
                    meta = json.loads(batch["meta"][i]) if batch["meta"][i] else {}
                    row = {k: batch[k][i] for k in ("doc_id", "where", "source", "source_text")}
                    pending.extend(with_meta(source_records(records, row, job.output), meta))
                    pending_docs += 1
                    if pending_docs >= job.chunk_size:
                        flush()
                    continue
                progress.advance(1, 0)
        if pending_docs:
            flush()
    return run.stats
