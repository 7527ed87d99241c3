"""Documents sent as files: a PDF, HTML or DOCX body, or a multipart upload of several.

Extraction lives in ``argmine.extraction``; this module only reads the request
(content type, multipart parts) and runs the extractors off the event loop. Each
document keeps its ``Extracted`` so the answer can return the text its offsets
index into and, for PDFs, the page of every sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import anyio
from fastapi import Request
from starlette.datastructures import UploadFile

from argmine.extraction import MEDIA_TYPES, Extracted, extract
from argmine.extraction.errors import ExtractionError
from argmine.service.errors import InvalidEncoding, UnsupportedMediaType

MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Upload:
    """One document from a request: its id and text, and what extraction found (None for plain text)."""

    id: str | None
    text: str
    extracted: Extracted | None = None


def is_upload(media: str) -> bool:
    return media in MEDIA_TYPES or media == MULTIPART


async def read_uploads(request: Request, media: str, max_chars: int) -> list[Upload]:
    """The documents of a file body or a multipart form, extracted (a PDF stops past ``max_chars``)."""
    if media != MULTIPART:
        body = await request.body()
        extracted = await anyio.to_thread.run_sync(partial(extract, body, media, max_chars=max_chars))
        return [Upload(None, extracted.text, extracted)]
    form = await request.form()
    files = [(key, value) for key, value in form.multi_items() if isinstance(value, UploadFile)]
    if not files:
        raise UnsupportedMediaType("the multipart form holds no file; upload each document as a file field "
                                   "(curl -F file=@paper.pdf)")
    uploads = []
    for key, upload in files:
        data = await upload.read()
        name = upload.filename or key
        uploads.append(await anyio.to_thread.run_sync(_one, data, upload.content_type, name, max_chars))
    return uploads


def _one(data: bytes, content_type: str | None, name: str, max_chars: int) -> Upload:
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "text/plain" or (media in ("", "application/octet-stream") and name.lower().endswith(".txt")):
        try:
            return Upload(name, data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidEncoding(f"{name} is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        extracted = extract(data, media or None, name, max_chars=max_chars)
    except ExtractionError as exc:
        raise type(exc)(f"{name}: {exc}") from None
    return Upload(name, extracted.text, extracted)


async def utf8_body(request: Request) -> str:
    """A text upload's body (an import file), or InvalidEncoding saying where it is not UTF-8."""
    raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"the upload is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
