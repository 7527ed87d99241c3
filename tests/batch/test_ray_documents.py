"""The Ray engine's steps for PDF inputs, run as plain functions (no Ray needed)."""

from __future__ import annotations

import json

import numpy as np

from argmine.batch.ray_engine import PredictorActor, read_and_segment, source_records
from argmine.batch.readers import ReadOptions
from argmine.bench.extraction import pdf_cases
from tests.fakes import FakeLabeler

PAGED, _ = pdf_cases()["pdf headers, page numbers, footnote (A5, 3 pages)"]


def test_pdf_rows_carry_pages_to_the_driver_which_adds_them_and_writes_the_text(tmp_path):
    (tmp_path / "paged.pdf").write_bytes(PAGED)
    (tmp_path / "a.txt").write_text("Online voting is safe. Critics disagree.", encoding="utf-8")
    rows = [row for name, fmt in (("paged.pdf", "pdf"), ("a.txt", "txt"))
            for row in read_and_segment({"path": str(tmp_path / name), "format": fmt, "doc_id": name},
                                        ReadOptions(), "document", frozenset())]
    batch = {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}
    out = PredictorActor(FakeLabeler)(batch)
    output = tmp_path / "out.jsonl"
    labelled = []
    for i in range(2):
        row = {k: out[k][i] for k in ("doc_id", "where", "source", "source_text")}
        labelled.append(source_records(json.loads(out["records"][i]), row, output))
    pdf, txt = labelled
    text = (tmp_path / pdf[0]["text_file"]).read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] == r["text"] for r in pdf)
    assert {r["page"] for r in pdf} == {1, 2}
    assert all("page" not in r and "text_file" not in r for r in txt)
