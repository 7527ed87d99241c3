from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from argmine.batch import commitlog
from argmine.batch.errors import BatchError, ResumeError
from argmine.batch.writers import open_writer, output_exists, part_files, read_records, remove_output
from argmine.models.documents import label_documents
from tests.batch.conftest import corpus
from tests.fakes import FakeLabeler


def sample_records() -> list[list[dict]]:
    labeler = FakeLabeler()
    docs = label_documents(corpus(4), labeler.predict, labeler.version)
    docs[1] = [{**r, "meta": {"source": "web", "year": 2024}} for r in docs[1]]
    docs[2][0]["text"] = 'Quotes " and, commas\nand a line break: ü'
    return docs


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv", "out.parquet"])
def test_round_trip_returns_the_records_written(tmp_path, name):
    docs = sample_records()
    writer = open_writer(tmp_path / name, append=False)
    writer.write_chunk(docs[0] + docs[1])
    writer.write_chunk([])
    writer.write_chunk(docs[2] + docs[3])
    writer.finish()
    # Compared as JSON text: values, types and the order of keys all survive the round trip.
    assert [json.dumps(r) for r in read_records(tmp_path / name)] == [json.dumps(r) for doc in docs for r in doc]
    assert not commitlog.progress_path(tmp_path / name).exists()


def test_parquet_output_is_a_directory_of_one_part_per_chunk_readable_as_one_table(tmp_path):
    docs = sample_records()
    writer = open_writer(tmp_path / "out.parquet", append=False)
    for doc in docs:
        writer.write_chunk(doc)
    assert [p.name for p in part_files(tmp_path / "out.parquet")] == [f"part-0000000{i}.parquet" for i in range(4)]
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == sum(map(len, docs))
    assert "probabilities.stance.populist" in table.column_names


def test_appending_to_parquet_continues_the_part_numbers_and_drops_unfinished_parts(tmp_path):
    docs = sample_records()
    open_writer(tmp_path / "out.parquet", append=False).write_chunk(docs[0])
    (tmp_path / "out.parquet" / ".part-00000001.parquet.tmp").write_bytes(b"PAR1 half a file")
    open_writer(tmp_path / "out.parquet", append=True).write_chunk(docs[1])
    assert sorted(p.name for p in (tmp_path / "out.parquet").iterdir()) == ["part-00000000.parquet",
                                                                            "part-00000001.parquet"]
    assert list(read_records(tmp_path / "out.parquet")) == docs[0] + docs[1]


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv"])
def test_a_torn_uncommitted_tail_is_ignored_and_cut_off_on_append(tmp_path, name):
    docs = sample_records()
    path = tmp_path / name
    writer = open_writer(path, append=False)
    writer.write_chunk(docs[0])
    writer.close()  # no clean finish: as after a kill
    with open(path, "ab") as out:
        out.write(b'{"doc_id": "doc-001", "sent_id": 0, "te')  # half a record past the commit
    assert list(read_records(path)) == docs[0]
    writer = open_writer(path, append=True)
    writer.write_chunk(docs[1])
    writer.finish()
    assert list(read_records(path)) == docs[0] + docs[1]


def test_a_write_interrupted_midway_leaves_the_committed_file(tmp_path, monkeypatch):
    path = tmp_path / "out.jsonl"
    writer = open_writer(path, append=False)
    writer.write_chunk(sample_records()[0])
    size = path.stat().st_size

    def fsync_interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(commitlog.os, "fsync", fsync_interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.write_chunk(sample_records()[1])
    assert path.stat().st_size == size


def test_a_progress_file_claiming_more_than_the_file_holds_is_refused(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("")
    commitlog.progress_path(path).write_text('{"format": 1, "committed_bytes": 99}')
    with pytest.raises(ResumeError, match="changed outside argmine"):
        list(read_records(path))


def test_a_progress_file_without_its_output_is_refused(tmp_path):
    path = tmp_path / "out.jsonl"
    commitlog.progress_path(path).write_text('{"format": 1, "committed_bytes": 0}')
    assert output_exists(path)
    with pytest.raises(ResumeError, match="does not"):
        open_writer(path, append=True)


def test_remove_output_refuses_a_directory_with_foreign_files(tmp_path):
    folder = tmp_path / "out.parquet"
    folder.mkdir()
    assert not output_exists(folder)  # an empty directory holds no output
    (folder / "thesis.docx").write_text("precious")
    assert output_exists(folder)
    with pytest.raises(BatchError, match="did not write"):
        remove_output(folder)
    assert (folder / "thesis.docx").exists()


def test_unknown_output_extension_is_refused(tmp_path):
    with pytest.raises(BatchError, match="output format"):
        open_writer(tmp_path / "out.txt", append=False)
