"""The extracted text of PDF, HTML and DOCX inputs, written beside the output.

A record's ``start``/``end`` index into its document's text. For a text input that
is the file itself; for an extracted document it is the text extraction produced,
so it is written to ``OUTPUT.texts/<doc_id>.txt`` (the id %-quoted into one file
name) and every record of the document names that file in ``text_file``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from argmine.batch.records import Document


def texts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".texts")


def text_path(output: Path, doc_id: str) -> Path:
    return texts_dir(output) / (quote(doc_id, safe="") + ".txt")


def write_text(output: Path, doc_id: str, text: str) -> Path:
    """Atomically: a reader never sees half a text, a rerun replaces it."""
    path = text_path(output, doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def annotate(records: list[dict[str, Any]], document: Document, output: Path) -> list[dict[str, Any]]:
    """Pages and the text file for the records of an extracted document; others unchanged."""
    extracted = document.extracted
    if extracted is None:
        return records
    path = write_text(output, document.doc_id, document.text)
    relative = os.path.relpath(path, output.parent)
    for record in records:
        if extracted.page_starts:
            record["page"] = extracted.page_at(record["start"])
        record["text_file"] = relative
    return records
