"""PDFs rendered from authored text with a known layout come back in reading order."""

import pytest

from argmine.bench import article as A
from argmine.bench.extraction import PDF_BOILERPLATE, PDF_LAYOUTS, kz_egov_pdf, pdf_cases, recover
from argmine.bench.render import PdfLayout, render_pdf, render_scan_pdf
from argmine.extraction import DamagedDocument, NoTextLayer, extract
from argmine.models.segment import segment

CASES = pdf_cases()


@pytest.mark.parametrize("name", list(PDF_LAYOUTS))
def test_authored_sentences_come_back_whole_in_order_without_boilerplate(name):
    data, expected = CASES[name]
    result = recover(expected, extract(data, "application/pdf").text, PDF_BOILERPLATE)
    assert result.share >= 0.98, name
    assert result.boilerplate == 0


def test_two_columns_are_not_interleaved():
    data, _ = CASES["pdf two columns under abstract"]
    text = extract(data, "application/pdf").text
    # The last sentence of the abstract, the first heading and the first body sentence, in that order.
    first = text.index(A.ABSTRACT[-1])
    assert first < text.index("Introduction") < text.index(A.BODY[1][1][0]) < text.index(A.BODY[-1][1][-1])


def test_running_headers_and_page_numbers_are_dropped_and_pages_are_recorded():
    data, _ = CASES["pdf headers, page numbers, footnote (A5, 3 pages)"]
    extracted = extract(data, "application/pdf")
    assert extracted.pages == 3
    assert A.HEADER not in extracted.text and "Volume 4" not in extracted.text
    assert all(not s.text.isdigit() for s in segment(extracted.text))
    body = [u for u in extracted.units if u.kind != "footnote"]
    pages = [u.page for u in body]
    assert pages == sorted(pages) and pages[0] == 1 and extracted.page_at(body[-1].end - 1) == 3
    assert extracted.page_at(0) == 1


def test_the_footnote_is_its_own_unit_after_the_body_on_its_page():
    data, _ = CASES["pdf headers, page numbers, footnote (A5, 3 pages)"]
    extracted = extract(data, "application/pdf")
    notes = [u for u in extracted.units if u.kind == "footnote"]
    assert [extracted.text[u.start:u.end] for u in notes] == ["1 " + A.FOOTNOTE]
    marker_at = extracted.text.index("programme.1 Older")
    assert notes[0].page == extracted.page_at(marker_at)
    assert all(u.end <= notes[0].start for u in extracted.units if u.kind != "footnote")


def test_words_hyphenated_at_line_ends_are_joined():
    import re

    import pypdfium2 as pdfium

    data = render_pdf(A.BODY, PdfLayout(3, title=A.TITLE))
    pdf = pdfium.PdfDocument(data)
    raw = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    # PDFium marks a hyphen it found at a line end with U+FFFE.
    broken = re.findall(r"(\w+)\ufffe\s*(\w+)", raw)
    assert len(broken) >= 5, "the renderer should have hyphenated some words"
    text = extract(data, "application/pdf").text
    for head, tail in broken:
        assert f"{head}{tail}" in text and f"{head}-" not in text


def test_a_scan_without_a_text_layer_is_refused():
    with pytest.raises(NoTextLayer, match="no text layer"):
        extract(render_scan_pdf(), "application/pdf")


def test_bytes_that_are_not_a_pdf_are_refused():
    with pytest.raises(DamagedDocument):
        extract(b"%PDF-1.4 this is not really a PDF", "application/pdf")


@pytest.mark.slow  # 11 pages through pdfminer: several seconds
def test_the_seed_article_as_a_two_column_pdf_comes_back():
    data, expected = kz_egov_pdf()
    result = recover(expected, extract(data, "application/pdf").text, ["Seed article rendered"])
    assert result.share >= 0.98
    assert result.boilerplate == 0
