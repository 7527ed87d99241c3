"""Word documents: paragraphs, headings, list items and table cells in body order (python-docx)."""

from __future__ import annotations

import io
import re

from argmine.extraction.document import Extracted, Kind, TextBuilder
from argmine.extraction.errors import DamagedDocument

_SPACE = re.compile(r"[ \t\u00a0]+")


def read_docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile, KeyError and lxml errors for foreign files
        raise DamagedDocument(f"not a readable DOCX file ({type(exc).__name__}: {exc}); "
                              f"save it from Word as .docx (not .doc)") from None
    builder = TextBuilder()
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            builder.add([(_clean(paragraph.text), None)], _kind(paragraph))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        builder.add([(_clean(paragraph.text), None)], "table_cell")
    return builder.build("docx")


def _clean(text: str) -> str:
    # A line break inside a paragraph (Shift+Enter) is not a paragraph break.
    return _SPACE.sub(" ", text.replace("\n", " ").replace("\v", " ")).strip()


def _kind(paragraph) -> Kind:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return "title"
    if style.startswith("Heading"):
        return "heading"
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if style.startswith("List") or numbered:
        return "list_item"
    return "paragraph"
