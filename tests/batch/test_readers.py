from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from argmine.batch.errors import InputError
from argmine.batch.readers import ReadOptions, estimate_total, read_inputs
from argmine.batch.records import BadRecord, Document
from tests.batch.conftest import corpus, write_csv, write_folder, write_jsonl, write_parquet


def documents(items) -> list[Document]:
    return [item for item in items if isinstance(item, Document)]


def bad(items) -> list[BadRecord]:
    return [item for item in items if isinstance(item, BadRecord)]


def test_text_file_is_one_document_named_by_its_path(tmp_path):
    path = tmp_path / "speech.txt"
    path.write_bytes(b"\xef\xbb\xbfCitizens should vote.")  # a BOM is not part of the text
    [doc] = read_inputs([str(path)])
    assert doc == Document(str(path), "Citizens should vote.", {}, str(path))


def test_folder_is_read_recursively_with_relative_paths_as_ids(tmp_path):
    write_folder(tmp_path / "corpus", corpus(4))
    (tmp_path / "corpus" / "notes.md").write_text("not a text file")
    docs = documents(read_inputs([str(tmp_path / "corpus")]))
    assert [d.doc_id for d in docs] == ["doc-000.txt", "doc-002.txt", "nested/doc-001.txt", "nested/doc-003.txt"]
    assert docs[2].text == corpus(4)[1][1]


def test_jsonl_carries_other_fields_and_skips_blank_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 7, "text": "A text.", "source": "web", "tags": ["x"]}\n\n'
                    '{"id": "b", "text": "B text."}\n', encoding="utf-8")
    docs = list(read_inputs([str(path)]))
    assert docs == [Document("7", "A text.", {"source": "web", "tags": ["x"]}, f"{path}:line 1"),
                    Document("b", "B text.", {}, f"{path}:line 3")]


def test_csv_with_named_columns_quoted_line_breaks_and_other_columns(tmp_path):
    path = write_csv(tmp_path / "in.csv", [("a", "First line.\nSecond line."), ("b", "Other.")],
                     id_column="key", text_column="body")
    docs = list(read_inputs([str(path)], ReadOptions(id_column="key", text_column="body")))
    assert [(d.doc_id, d.text, d.meta) for d in docs] == [("a", "First line.\nSecond line.", {"source": "csv"}),
                                                          ("b", "Other.", {"source": "csv"})]
    assert [d.where for d in docs] == [f"{path}:line 2", f"{path}:line 4"]


def test_parquet_with_named_columns_keeps_typed_fields(tmp_path):
    path = write_parquet(tmp_path / "in.parquet", corpus(3), id_column="key", text_column="body")
    docs = list(read_inputs([str(path)], ReadOptions(id_column="key", text_column="body")))
    assert [(d.doc_id, d.meta, d.where) for d in docs] == [
        (f"doc-00{i}", {"year": 2020 + i}, f"{path}:row {i + 1}") for i in range(3)]


@pytest.mark.parametrize("fmt, data", [
    ("jsonl", b'{"id": "a", "text": "One."}\n{"id": "b", "text": "Two."}\n'),
    ("csv", b"id,text\na,One.\nb,Two.\n"),
])
def test_stdin_as_jsonl_or_csv(fmt, data):
    docs = list(read_inputs(["-"], ReadOptions(input_format=fmt), stdin=io.BytesIO(data)))
    assert [(d.doc_id, d.text) for d in docs] == [("a", "One."), ("b", "Two.")]


def test_stdin_defaults_to_jsonl_and_txt_reads_one_document():
    [doc] = read_inputs(["-"], stdin=io.BytesIO(b'{"id": "a", "text": "One."}\n'))
    assert doc.doc_id == "a"
    [doc] = read_inputs(["-"], ReadOptions(input_format="txt"), stdin=io.BytesIO(b"Whole text."))
    assert (doc.doc_id, doc.text) == ("-", "Whole text.")


def test_bad_jsonl_records_are_reported_with_their_line(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "ok", "text": "Fine."}).encode(),
        json.dumps({"text": "No id."}).encode(),
        json.dumps({"id": "t"}).encode(),
        json.dumps({"id": "e", "text": "  \n "}).encode(),
        b'{"id": "u", "text": "caf\xe9"}',
        b'{"id": "j", "text": ',
        b"[1, 2]",
        json.dumps({"id": "long", "text": "x" * 11}).encode(),
        json.dumps({"id": "s", "text": "a\udcffb"}).encode(),
        json.dumps({"id": ["x"], "text": "Id is a list."}).encode(),
        json.dumps({"id": "n", "text": 5}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_inputs([str(path)], ReadOptions(max_chars=10)))
    assert [d.doc_id for d in documents(items)] == ["ok"]
    assert [(b.where.rsplit(":", 1)[1], b.reason) for b in bad(items)] == [
        ("line 2", "missing id"), ("line 3", "missing text"), ("line 4", "empty text"), ("line 5", "not UTF-8"),
        ("line 6", "invalid JSON"), ("line 7", "not a JSON object"), ("line 8", "too long"), ("line 9", "not UTF-8"),
        ("line 10", "bad id"), ("line 11", "bad text")]
    assert "byte 0xe9" in bad(items)[3].detail


def test_bad_csv_rows_are_reported_and_reading_goes_on(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,text\na,Fine.\n,No id.\nb\nc,caf\xe9 bad\nd,\ne,Also fine.\n")
    items = list(read_inputs([str(path)]))
    assert [d.doc_id for d in documents(items)] == ["a", "e"]
    assert [(b.where, b.reason) for b in bad(items)] == [
        (f"{path}:line 3", "missing id"), (f"{path}:line 4", "wrong number of fields"),
        (f"{path}:line 5", "not UTF-8"), (f"{path}:line 6", "empty text")]


def test_bad_text_files(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"ok \xff\xfe")
    (tmp_path / "big.txt").write_text("x" * 50)
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    items = list(read_inputs([str(tmp_path)], ReadOptions(max_chars=10)))
    assert [(b.reason, b.detail) for b in bad(items)] == [
        ("not UTF-8", "byte 0xff at offset 3"), ("too long", "50 bytes, over --max-chars 10"), ("empty text", ""),
        ("unreadable", "No such file or directory")]


def test_parquet_rows_with_null_text_are_bad(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b", None], "text": ["Fine.", None, "No id."]}), path)
    items = list(read_inputs([str(path)]))
    assert [(b.where, b.reason) for b in bad(items)] == [(f"{path}:row 2", "missing text"),
                                                         (f"{path}:row 3", "missing id")]


@pytest.mark.parametrize("name, content, message", [
    ("in.csv", "key,body\na,b\n", "has no column 'id'"),
    ("in.xml", "<a/>", "cannot tell the format"),
])
def test_unusable_inputs_raise(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        list(read_inputs([str(path)]))


def test_missing_input_and_parquet_on_stdin_raise(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_inputs([str(tmp_path / "nope.jsonl")]))
    with pytest.raises(InputError, match="standard input"):
        list(read_inputs(["-"], ReadOptions(input_format="parquet")))


def test_estimate_total_counts_documents_per_format(tmp_path):
    write_folder(tmp_path / "folder", corpus(3))
    inputs = [str(write_jsonl(tmp_path / "a.jsonl", corpus(4))), str(write_csv(tmp_path / "b.csv", corpus(5))),
              str(write_parquet(tmp_path / "c.parquet", corpus(6))), str(tmp_path / "folder")]
    assert estimate_total(inputs) == 4 + 5 + 6 + 3
    assert estimate_total(["-"]) is None
