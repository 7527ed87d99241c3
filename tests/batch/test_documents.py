"""``argmine label`` over PDF, HTML and DOCX files, alone and in folders mixed with .txt."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from argmine.batch import model as batch_model
from argmine.batch.errors import BadRecordError
from argmine.batch.job import LabelJob
from argmine.batch.local import label_local
from argmine.batch.writers import read_records
from argmine.bench import article as A
from argmine.bench.extraction import docx_case, html_cases, pdf_cases, recover
from argmine.bench.render import render_scan_pdf
from argmine.cli import app
from tests.fakes import FakeLabeler

PDF, PDF_SENTENCES = pdf_cases()["pdf two columns under abstract"]
PAGED, _ = pdf_cases()["pdf headers, page numbers, footnote (A5, 3 pages)"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Online voting is safe. Critics disagree.", encoding="utf-8")
    (root / "paper.pdf").write_bytes(PDF)
    (root / "sub" / "page.htm").write_bytes(html_cases()["html div soup"][0])
    (root / "sub" / "draft.docx").write_bytes(docx_case()[0])
    (root / "notes.md").write_text("not read", encoding="utf-8")
    return root


def _by_doc(path: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in read_records(path):
        out.setdefault(record["doc_id"], []).append(record)
    return out


@pytest.mark.parametrize("output", ["out.jsonl", "out.csv", "out.parquet"])
def test_a_mixed_folder_is_labelled_with_pages_and_the_extracted_texts_beside_the_output(tmp_path, folder, output):
    out = tmp_path / output
    stats = label_local(LabelJob((str(folder),), out, progress=False), FakeLabeler())
    docs = _by_doc(out)
    assert list(docs) == ["a.txt", "paper.pdf", "sub/draft.docx", "sub/page.htm"] and stats.documents == 4
    assert all("page" not in r and "text_file" not in r for r in docs["a.txt"])
    for doc_id in ("paper.pdf", "sub/draft.docx", "sub/page.htm"):
        records = docs[doc_id]
        text = (out.parent / records[0]["text_file"]).read_text(encoding="utf-8")
        assert all(text[r["start"]:r["end"]] == r["text"] for r in records)
    assert all(r["page"] == 1 for r in docs["paper.pdf"])
    assert "page" not in docs["sub/page.htm"][0]
    pdf_text = (out.parent / docs["paper.pdf"][0]["text_file"]).read_text(encoding="utf-8")
    assert recover(PDF_SENTENCES, pdf_text).share >= 0.98


def test_pages_follow_the_pdf_and_a_scan_is_a_bad_record(tmp_path):
    (tmp_path / "paged.pdf").write_bytes(PAGED)
    (tmp_path / "scan.pdf").write_bytes(render_scan_pdf())
    out = tmp_path / "out.jsonl"
    stats = label_local(LabelJob((str(tmp_path / "paged.pdf"), str(tmp_path / "scan.pdf")), out, progress=False),
                        FakeLabeler())
    records = list(read_records(out))
    assert {r["page"] for r in records} == {1, 2} and records[0]["text"] == A.TITLE
    assert stats.skipped == {"no text layer": 1}
    with pytest.raises(BadRecordError, match="no text layer"):
        label_local(LabelJob((str(tmp_path / "scan.pdf"),), tmp_path / "again.jsonl", progress=False,
                             on_error="fail"), FakeLabeler())


def test_the_cli_labels_a_pdf_and_fails_on_a_scan_with_on_error_fail(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_model, "load_labeler", lambda *a, **k: FakeLabeler())
    (tmp_path / "model").mkdir()
    (tmp_path / "paper.pdf").write_bytes(PDF)
    (tmp_path / "scan.pdf").write_bytes(render_scan_pdf())
    runner = CliRunner()
    result = runner.invoke(app, ["label", str(tmp_path / "paper.pdf"), "-o", str(tmp_path / "out.jsonl"),
                                 "--model", str(tmp_path / "model"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.jsonl.texts" / "paper.pdf.txt").exists() is False  # id is the path given
    assert len(list((tmp_path / "out.jsonl.texts").iterdir())) == 1
    result = runner.invoke(app, ["label", str(tmp_path / "scan.pdf"), "-o", str(tmp_path / "scan.jsonl"),
                                 "--model", str(tmp_path / "model"), "--no-progress", "--on-error", "fail"])
    assert result.exit_code != 0 and "no text layer" in result.output


def test_a_pdf_over_max_chars_is_a_too_long_bad_record(tmp_path):
    from argmine.batch.readers import ReadOptions

    (tmp_path / "paged.pdf").write_bytes(PAGED)
    out = tmp_path / "out.jsonl"
    job = LabelJob((str(tmp_path / "paged.pdf"),), out, ReadOptions(max_chars=500), progress=False)
    stats = label_local(job, FakeLabeler())
    assert stats.skipped == {"too long": 1} and stats.documents == 0
