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


def test_an_actor_links_the_documents_it_labelled_from_the_same_predict_call(tmp_path):
    from argmine.models.link_features import documents_from_records
    from argmine.models.links import LinkModel
    from argmine.models.sentence_vectors import LabelerVectors
    from argmine.training.corpus import load_corpus, load_links
    from tests.batch.test_links import TEXTS
    from tests.link_corpus import write_link_corpus

    root = write_link_corpus(tmp_path / "annotations", n_docs=6, paragraphs=3)
    LinkModel(vectors=LabelerVectors(FakeLabeler())).fit(documents_from_records(load_corpus(root)),
                                                         load_links(root)).save(tmp_path / "model" / "links")
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()),
                                         encoding="utf-8")
    rows = list(read_and_segment({"path": str(tmp_path / "docs.jsonl"), "format": "jsonl", "doc_id": ""},
                                 ReadOptions(), "document", frozenset()))
    batch = {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}
    out = PredictorActor(FakeLabeler, "document", str(tmp_path / "model" / "links"))(batch)
    records = {r["doc_id"]: r for i in range(len(rows)) for r in json.loads(out["records"][i]) if r["sent_id"] == 1}
    assert records["d1"]["target"] == 0 and records["d1"]["relation"] in ("support", "attack")
    assert all("target" in r for r in records.values())
    assert "target" not in json.loads(PredictorActor(FakeLabeler)(batch)["records"][0])[0], "no link model, no links"
