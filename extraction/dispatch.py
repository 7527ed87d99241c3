"""Which reader a document needs, by content type or file suffix."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import PurePath

from argmine.extraction.document import Extracted
from argmine.extraction.errors import UnsupportedFormat

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES: dict[str, str] = {"application/pdf": "pdf", "text/html": "html", "application/xhtml+xml": "html",
                               DOCX_TYPE: "docx"}
SUFFIXES: dict[str, str] = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html", ".docx": "docx"}


def format_of(media_type: str | None = None, filename: str | None = None) -> str:
    """``pdf``, ``html`` or ``docx``; the content type wins, a suffix serves when it is generic."""
    if media_type and media_type in MEDIA_TYPES:
        return MEDIA_TYPES[media_type]
    if filename and PurePath(filename).suffix.lower() in SUFFIXES:
        return SUFFIXES[PurePath(filename).suffix.lower()]
    shown = media_type or (PurePath(filename).suffix if filename else "nothing")
    raise UnsupportedFormat(f"cannot extract text from {shown!r}; argmine reads "
                            f"{', '.join(sorted(MEDIA_TYPES))} (or files named {', '.join(sorted(SUFFIXES))})")


def _reader(fmt: str, max_chars: int | None) -> Callable[[bytes], Extracted]:
    # Imported on use: each pulls in its own library, and a text-only user needs none of them.
    if fmt == "pdf":
        from argmine.extraction.pdf import read_pdf
        return partial(read_pdf, max_chars=max_chars)
    if fmt == "html":
        from argmine.extraction.html import read_html
        return read_html
    from argmine.extraction.docx import read_docx
    return read_docx


def extract(data: bytes, media_type: str | None = None, filename: str | None = None,
            max_chars: int | None = None) -> Extracted:
    """The text of a PDF, HTML or DOCX document and where each unit came from.

    ``max_chars``: a PDF with clearly more text than this stops being read (``TooLong``);
    HTML and DOCX are fast to read whole, so their callers check the length afterwards.
    """
    return _reader(format_of(media_type, filename), max_chars)(data)
