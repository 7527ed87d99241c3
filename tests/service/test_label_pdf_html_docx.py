"""POST /v1/label with PDF, HTML and DOCX bodies and multipart uploads, over real HTTP."""

from __future__ import annotations

import pytest

from argmine.bench import article as A
from argmine.bench.extraction import docx_case, html_cases, pdf_cases, recover
from argmine.bench.render import render_scan_pdf
from argmine.extraction.dispatch import DOCX_TYPE
from tests.fakes import FakeLabeler
from tests.service.support import running

PDF, PDF_SENTENCES = pdf_cases()["pdf headers, page numbers, footnote (A5, 3 pages)"]


@pytest.fixture()
def client(tmp_path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        yield client


def _check_offsets(document):
    for s in document["sentences"]:
        assert document["text"][s["start"]:s["end"]] == s["text"]


def test_a_pdf_body_gives_sentences_in_reading_order_with_pages_and_the_extracted_text(client):
    response = client.post("/v1/label", content=PDF, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 200, response.text
    (document,) = response.json()["documents"]
    assert document["format"] == "pdf"
    _check_offsets(document)
    sentences = document["sentences"]
    assert recover(PDF_SENTENCES, document["text"]).share >= 0.98
    assert [s["page"] for s in sentences] == sorted(s["page"] for s in sentences[:-1]) + [sentences[-1]["page"]]
    assert {s["page"] for s in sentences} == {1, 2}  # page 3 holds the end of the last sentence only
    assert sentences[0]["text"] == A.TITLE and sentences[0]["page"] == 1
    assert sentences[-1]["text"].startswith("1 The figures")  # the footnote, after the body


def test_html_and_docx_bodies_return_their_text_without_pages(client):
    page, expected = html_cases()["html semantic tags"]
    docx, docx_expected = docx_case()
    for body, media, want in ((page, "text/html; charset=utf-8", expected), (docx, DOCX_TYPE, docx_expected)):
        response = client.post("/v1/label", content=body, headers={"Content-Type": media})
        assert response.status_code == 200, response.text
        (document,) = response.json()["documents"]
        _check_offsets(document)
        assert recover(want, document["text"], A.BOILERPLATE_HTML).share >= 0.98
        assert all("page" not in s for s in document["sentences"])
        assert not any("cookie" in s["text"].lower() for s in document["sentences"])


def test_a_multipart_upload_labels_every_file_under_its_name(client):
    files = [("file", ("paper.pdf", PDF, "application/pdf")),
             ("file", ("note.txt", "Online voting is safe. Critics disagree.".encode(), "text/plain")),
             ("file", ("page.htm", html_cases()["html div soup"][0], "application/octet-stream"))]
    response = client.post("/v1/label", files=files)
    assert response.status_code == 200, response.text
    documents = response.json()["documents"]
    assert [d["id"] for d in documents] == ["paper.pdf", "note.txt", "page.htm"]
    assert documents[0]["sentences"][0]["page"] == 1 and documents[2]["format"] == "html"
    assert "text" not in documents[1]  # plain text: offsets index the file as sent
    assert [s["text"] for s in documents[1]["sentences"]] == ["Online voting is safe.", "Critics disagree."]


def test_a_scanned_pdf_is_refused_with_422_in_the_error_format(client):
    response = client.post("/v1/label", content=render_scan_pdf(), headers={"Content-Type": "application/pdf"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "no_text_layer" and "OCR" in body["detail"]


def test_a_broken_file_and_an_unknown_upload_are_refused(client):
    response = client.post("/v1/label", content=b"%PDF-1.7 broken", headers={"Content-Type": "application/pdf"})
    assert response.status_code == 422 and response.json()["error"] == "unreadable_document"
    response = client.post("/v1/label", files=[("file", ("scan.png", b"\x89PNG", "image/png"))])
    assert response.status_code == 415 and "scan.png" in response.json()["detail"]


def test_json_answers_are_unchanged_by_the_new_fields(client):
    response = client.post("/v1/label", json={"documents": [{"id": "d", "text": "It works. It is fast."}]})
    (document,) = response.json()["documents"]
    # No extraction fields (text, format, page) on a JSON answer; `links` is there for every document.
    assert set(document) == {"id", "sentences", "links"} and all("page" not in s for s in document["sentences"])


def test_a_pdf_over_max_chars_stops_being_read_and_answers_413(tmp_path):
    with running(tmp_path, labeler=FakeLabeler(), max_chars=1000) as client:
        response = client.post("/v1/label", content=PDF, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 413
    assert response.json()["error"] == "limit_exceeded" and "by page 2 of 3" in response.json()["detail"]  # page 3 never read
