"""HTML pages lose their furniture and DOCX files keep their structure."""

import pytest

from argmine.bench import article as A
from argmine.bench.extraction import docx_case, html_cases, recover
from argmine.bench.render import render_html
from argmine.extraction import DamagedDocument, UnsupportedFormat, extract, format_of


@pytest.mark.parametrize("name", list(html_cases()))
def test_html_article_comes_back_without_navigation_banners_comments_or_footers(name):
    data, expected = html_cases()[name]
    extracted = extract(data, "text/html")
    result = recover(expected, extracted.text, A.BOILERPLATE_HTML)
    assert result.share >= 0.98
    assert result.boilerplate == 0
    assert "cookie" not in extracted.text.lower()


def test_html_headings_and_list_items_are_their_own_units():
    extracted = extract(render_html(A.TITLE, A.BODY).encode(), "text/html")
    units = {extracted.text[u.start:u.end]: u.kind for u in extracted.units}
    assert units[A.TITLE] == "heading" and units["Recommendations"] == "heading"
    list_items = [s for kind, block in A.BODY if kind == "list" for s in block]
    assert all(units[item] == "list_item" for item in list_items)
    assert extracted.page_at(0) is None


def test_docx_paragraphs_headings_list_items_and_table_cells_in_order():
    data, expected = docx_case()
    extracted = extract(data, filename="draft.docx")
    assert recover(expected, extracted.text).share >= 0.98
    kinds = [u.kind for u in extracted.units]
    assert kinds[0] == "title" and kinds.count("list_item") == 3 and kinds[-4:] == ["table_cell"] * 4
    assert kinds.count("heading") == sum(1 for kind, _ in A.BODY if kind == "heading")


def test_damaged_docx_is_refused():
    with pytest.raises(DamagedDocument, match="DOCX"):
        extract(b"PK\x03\x04 not a zip", filename="broken.docx")


def test_format_by_content_type_or_suffix():
    assert format_of("application/pdf") == "pdf"
    assert format_of("application/octet-stream", "a.HTM") == "html"
    assert format_of(None, "draft.docx") == "docx"
    with pytest.raises(UnsupportedFormat, match="application/pdf"):
        format_of("image/png", "scan.png")


def test_html_line_breaks_inline_markup_nested_lists_and_comments():
    page = (b"<html><body><!-- a comment --><article><h1>Title</h1><p>One line<br>two line. Next <b>bold</b> "
            b"here.</p><ul><li>Item one<ul><li>Sub item</li></ul></li></ul>"
            b"<div class='share-bar'>Share now</div></article></body></html>")
    extracted = extract(page, "text/html")
    assert extracted.text == "Title\n\nOne line two line. Next bold here.\n\nItem one\n\nSub item"
    assert [u.kind for u in extracted.units] == ["heading", "paragraph", "list_item", "list_item"]
