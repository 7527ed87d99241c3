from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from argmine.batch.errors import BadRecordError, BatchError, OutputExistsError, ResumeError
from argmine.batch.job import LabelJob
from argmine.batch.local import label_local
from argmine.batch.readers import ReadOptions
from argmine.batch.writers import read_records
from argmine.models.documents import label_documents
from tests.batch.conftest import (InterruptingLabeler, corpus, write_csv, write_folder, write_jsonl,
                                  write_parquet)
from tests.fakes import FakeLabeler


def job(inputs, output: Path, **kwargs) -> LabelJob:
    return LabelJob(tuple(str(i) for i in inputs), output, progress=False, **kwargs)


def doc_counts(path: Path) -> Counter:
    """How many times each document appears: sentence 0 starts a document."""
    return Counter(r["doc_id"] for r in read_records(path) if r["sent_id"] == 0)


@pytest.mark.parametrize("output", ["out.jsonl", "out.csv", "out.parquet"])
def test_output_equals_the_services_labelling_in_every_format(tmp_path, fake, output):
    docs = corpus(7)
    stats = label_local(job([write_jsonl(tmp_path / "in.jsonl", docs)], tmp_path / output, chunk_size=3), fake)
    expected = [r for doc in label_documents(docs, FakeLabeler().predict, "fake-1") for r in doc]
    assert list(read_records(tmp_path / output)) == expected
    assert (stats.documents, stats.sentences, stats.skipped_total) == (7, len(expected), 0)
    assert len(fake.calls) == 3 and sum(fake.calls) == len(expected)  # one predict call per chunk


@pytest.mark.parametrize("make, options", [
    (lambda d, docs: write_folder(d / "folder", docs), ReadOptions()),
    (lambda d, docs: write_csv(d / "in.csv", docs, "key", "body"), ReadOptions(id_column="key", text_column="body")),
    (lambda d, docs: write_parquet(d / "in.parquet", docs), ReadOptions()),
])
def test_every_input_format_is_labelled(tmp_path, fake, make, options):
    docs = corpus(5)
    stats = label_local(job([make(tmp_path, docs)], tmp_path / "out.jsonl", read=options), fake)
    records = list(read_records(tmp_path / "out.jsonl"))
    assert stats.documents == 5
    assert sorted({r["text"] for r in records}) == sorted({r["text"] for doc in label_documents(
        docs, fake.predict, "x") for r in doc})


def test_other_input_fields_are_carried_into_every_record_in_input_order(tmp_path, fake):
    source = write_jsonl(tmp_path / "in.jsonl", corpus(2), source="web", lang="en")
    label_local(job([source], tmp_path / "out.csv"), fake)
    assert {json.dumps(r["meta"]) for r in read_records(tmp_path / "out.csv")} == {'{"source": "web", "lang": "en"}'}


def test_a_bad_summary_extension_fails_before_labelling(tmp_path):
    with pytest.raises(BatchError, match="summary format"):
        job(["in.jsonl"], tmp_path / "out.jsonl", summary=tmp_path / "summary.txt")


def test_unit_sentence_keeps_each_record_whole(tmp_path, fake):
    docs = [("s1", "  Citizens should vote. Turnout rose.  ")]
    label_local(job([write_jsonl(tmp_path / "in.jsonl", docs)], tmp_path / "out.jsonl", unit="sentence"), fake)
    [record] = read_records(tmp_path / "out.jsonl")
    assert (record["start"], record["end"], record["text"]) == (2, 37, "Citizens should vote. Turnout rose.")


def bad_corpus(tmp_path: Path) -> Path:
    path = write_jsonl(tmp_path / "in.jsonl", corpus(3))
    with open(path, "ab") as out:
        out.write(b'{"id": "empty", "text": ""}\n{"id": "x", "text": "caf\xe9"}\n{"id": "doc-000", "text": "Dup."}\n')
    write_jsonl(tmp_path / "more.jsonl", corpus(6)[3:])
    return path


def test_bad_records_are_reported_with_their_line_counted_and_skipped(tmp_path, fake, capsys):
    stats = label_local(job([bad_corpus(tmp_path), tmp_path / "more.jsonl"], tmp_path / "out.jsonl"), fake)
    assert stats.documents == 6
    assert stats.skipped == Counter({"empty text": 1, "not UTF-8": 1, "duplicate id": 1})
    err = capsys.readouterr().err
    assert f"{tmp_path / 'in.jsonl'}:line 4: empty text" in err
    assert f"{tmp_path / 'in.jsonl'}:line 5: not UTF-8" in err
    assert stats.line().startswith("labelled 6 documents, 11 sentences, "
                                   "3 skipped (empty text 1, not UTF-8 1, duplicate id 1) in ")
    assert doc_counts(tmp_path / "out.jsonl") == Counter({f"doc-00{i}": 1 for i in range(6)})


def test_on_error_fail_stops_at_the_first_bad_record(tmp_path, fake):
    with pytest.raises(BadRecordError, match="line 4: empty text"):
        label_local(job([bad_corpus(tmp_path), tmp_path / "more.jsonl"], tmp_path / "out.jsonl",
                        on_error="fail", chunk_size=2), fake)
    # The chunk before the bad record was committed; nothing after it was labelled.
    assert set(doc_counts(tmp_path / "out.jsonl")) == {"doc-000", "doc-001"}


def test_an_existing_output_is_not_overwritten_without_force(tmp_path, fake):
    inputs = [write_jsonl(tmp_path / "in.jsonl", corpus(2))]
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    with pytest.raises(OutputExistsError, match="--force"):
        label_local(job(inputs, out), fake)
    assert out.read_text() == "precious\n"
    with pytest.raises(BatchError, match="give one of them"):
        label_local(job(inputs, out, resume=True, force=True), fake)
    label_local(job(inputs, out, force=True), fake)
    assert doc_counts(out) == Counter({"doc-000": 1, "doc-001": 1})


def test_a_missing_input_fails_before_force_deletes_the_output(tmp_path, fake):
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    with pytest.raises(BatchError, match="no such file"):
        label_local(job([tmp_path / "missing.jsonl"], out, force=True), fake)
    assert out.read_text() == "precious\n"


@pytest.mark.parametrize("output", ["out.jsonl", "out.csv", "out.parquet"])
@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("CUDA out of memory")])
def test_a_run_stopped_midway_then_resumed_labels_every_document_once(tmp_path, output, error):
    inputs = [write_jsonl(tmp_path / "in.jsonl", corpus(10))]
    out = tmp_path / output
    with pytest.raises(type(error)):
        label_local(job(inputs, out, chunk_size=3), InterruptingLabeler(after=2, error=error))
    assert doc_counts(out) == Counter({f"doc-00{i}": 1 for i in range(6)})  # two whole chunks

    stats = label_local(job(inputs, out, chunk_size=3, resume=True), FakeLabeler())
    assert (stats.documents, stats.resumed) == (4, 6)
    assert doc_counts(out) == Counter({f"doc-00{i}": 1 for i in range(10)})
    expected = [r for doc in label_documents(corpus(10), FakeLabeler().predict, "fake-1") for r in doc]
    assert list(read_records(out)) == expected


def test_resume_of_a_finished_output_labels_nothing(tmp_path, fake):
    inputs = [write_jsonl(tmp_path / "in.jsonl", corpus(4))]
    label_local(job(inputs, tmp_path / "out.jsonl"), fake)
    stats = label_local(job(inputs, tmp_path / "out.jsonl", resume=True), FakeLabeler())
    assert (stats.documents, stats.resumed) == (0, 4)
    assert doc_counts(tmp_path / "out.jsonl") == Counter({f"doc-00{i}": 1 for i in range(4)})


def test_resume_with_another_model_is_refused(tmp_path, fake):
    inputs = [write_jsonl(tmp_path / "in.jsonl", corpus(2))]
    label_local(job(inputs, tmp_path / "out.jsonl"), fake)
    other = FakeLabeler()
    other.version = "fake-2"
    with pytest.raises(ResumeError, match="mix two models"):
        label_local(job(inputs, tmp_path / "out.jsonl", resume=True), other)


def test_chunks_are_also_cut_by_characters(tmp_path, fake):
    label_local(job([write_jsonl(tmp_path / "in.jsonl", corpus(4))], tmp_path / "out.jsonl", chunk_chars=60), fake)
    assert len(fake.calls) == 4  # every text is over 30 characters: one document per chunk


def test_summary_has_one_row_per_document(tmp_path, fake):
    docs = [("a", "Citizens should vote online. Turnout rose by 12 percent. Hackers are a risk."),
            ("b", "NGOs must be heard.")]
    label_local(job([write_jsonl(tmp_path / "in.jsonl", docs)], tmp_path / "out.parquet",
                    summary=tmp_path / "summary.csv"), fake)
    with open(tmp_path / "summary.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows == [
        {"doc_id": "a", "sentences": "3", "claims": "1", "premises": "1", "stance.populist": "0.333333",
         "stance.pluralist": "0.0", "stance.skeptical": "0.0", "stance.none": "0.666667", "risks": "1"},
        {"doc_id": "b", "sentences": "1", "claims": "1", "premises": "0", "stance.populist": "0.0",
         "stance.pluralist": "1.0", "stance.skeptical": "0.0", "stance.none": "0.0", "risks": "0"},
    ]


def test_summary_after_resume_covers_both_runs(tmp_path):
    inputs = [write_jsonl(tmp_path / "in.jsonl", corpus(6))]
    with pytest.raises(KeyboardInterrupt):
        label_local(job(inputs, tmp_path / "out.jsonl", chunk_size=2, summary=tmp_path / "s.jsonl"),
                    InterruptingLabeler(after=1))
    assert not (tmp_path / "s.jsonl").exists()
    label_local(job(inputs, tmp_path / "out.jsonl", chunk_size=2, summary=tmp_path / "s.jsonl", resume=True),
                FakeLabeler())
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [r["doc_id"] for r in rows] == [f"doc-00{i}" for i in range(6)]
    assert rows[0]["sentences"] == 2 and rows[0]["premises"] == 1
