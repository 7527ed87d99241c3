"""POST /v1/label: documents in, every sentence with offsets, labels and probabilities out.

Segmentation and record building are ``models.documents.split`` and
``sentence_record``, the same code offline labelling uses, so the service and
``argmine label`` agree on sentences and fields. Only the forward pass differs:
here it goes through the batcher, shared with concurrent requests.
"""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path
from typing import Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from argmine.extraction import MEDIA_TYPES
from argmine.extraction.errors import EmptyDocument
from argmine.models.context import SentenceInput
from argmine.models.documents import model_inputs, sentence_record, split
from argmine.models.segment import Sentence
from argmine.service.batcher import QueueFull
from argmine.service.deps import Services, get_services
from argmine.service.disconnect import until_disconnected
from argmine.service.predictor import Prediction, prediction_labels, prediction_version
from argmine.service.errors import InvalidEncoding, LimitExceeded, MalformedJSON, UnsupportedMediaType
from argmine.service.schemas import NON_BLANK, DocumentIn, ErrorOut, LabelRequest, LabelResponse, from_settings
from argmine.service.registry import UnknownVersion
from argmine.service.settings import Settings
from argmine.service.uploads import Upload, is_upload, read_uploads

router = APIRouter(tags=["labelling"])


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` substituted in, for a hand-written requestBody."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.rsplit("/", 1)[1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


_EXAMPLE = "E-voting in Estonia is secure. Critics say it risks a digital divide."
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inline(LabelRequest.model_json_schema()),
                         "example": {"documents": [{"id": "doc-1", "text": _EXAMPLE}]}},
    "text/plain": {"schema": {"type": "string", "pattern": NON_BLANK, **from_settings(maxLength="max_chars")},
                   "example": _EXAMPLE},
    **{media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
}}}
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 413, 415, 422, 429, 503)}


def _content_type(request: Request) -> tuple[str, str]:
    header = Message()
    header["content-type"] = request.headers.get("content-type", "application/json")
    return header.get_content_type(), header.get_param("charset", "utf-8")  # type: ignore[return-value]


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except LookupError:
        raise InvalidEncoding(f"unknown charset {charset!r}; send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"the body is not valid {charset}: {exc.reason} at byte {exc.start}; "
                              f"send UTF-8 text") from None


def parse_documents(body: bytes, media: str, charset: str) -> list[DocumentIn]:
    """A JSON ``{"documents": [...]}`` body, or a ``text/plain`` body as one document."""
    text = _decode(body, charset)
    try:
        if media == "text/plain":
            return [DocumentIn(text=text)]
        if media == "application/json" or media.endswith("+json"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise MalformedJSON(f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column "
                                    f"{exc.colno}); send {{\"documents\": [{{\"id\": ..., \"text\": ...}}]}}") from None
            return LabelRequest.model_validate(data).documents
    except ValidationError as exc:
        where = () if media == "text/plain" else ("body",)
        raise RequestValidationError([{**e, "loc": (*where, *e["loc"])} for e in exc.errors()]) from None
    raise UnsupportedMediaType(f"Content-Type {media!r} is not read here; send application/json, text/plain, "
                               f"application/pdf, text/html, the DOCX type or multipart/form-data")


def check_limits(documents: list[DocumentIn], settings: Settings) -> None:
    if len(documents) > settings.max_documents:
        raise LimitExceeded(f"{len(documents)} documents in one request, over max_documents="
                            f"{settings.max_documents} (ARGMINE_MAX_DOCUMENTS); split them over several requests")
    for i, doc in enumerate(documents):
        if len(doc.text) > settings.max_chars:
            raise LimitExceeded(f"document {doc.id or i} has {len(doc.text)} characters, over max_chars="
                                f"{settings.max_chars} (ARGMINE_MAX_CHARS); split it into parts")


@router.post("/v1/label", response_model=LabelResponse, openapi_extra=_BODY, responses=_ERRORS,
             summary="Label the sentences of one or more documents")
async def label(request: Request, services: Services = Depends(get_services)) -> Response:
    """Each sentence comes back with ``start``/``end`` offsets into the text as sent
    (``text[start:end]`` is the sentence), its three labels, every label's
    probability, an uncertainty score and the version of the model that labelled it.
    A ``text/plain`` body is one document. A PDF, HTML or DOCX body (by Content-Type),
    or a ``multipart/form-data`` upload of such files, is extracted first: each
    document then comes back with ``text``, the extracted text the offsets index into,
    and PDF sentences carry their ``page``. A PDF without a text layer is a 422."""
    media, charset = _content_type(request)
    # Parsing, extracting, segmenting and answering are CPU work proportional to the request
    # (up to 64 x 100k characters, ~150k sentences): all of it off the event loop, which must
    # keep answering /healthz and every other client meanwhile.
    if is_upload(media):
        uploads = await read_uploads(request, media, services.settings.max_chars)
        documents = [_document(u) for u in uploads]
    else:
        body = await request.body()
        documents = await anyio.to_thread.run_sync(parse_documents, body, media, charset)
        del body
        uploads = [Upload(doc.id, doc.text) for doc in documents]
    check_limits(documents, services.settings)
    ids = [doc.id if doc.id is not None else str(i) for i, doc in enumerate(documents)]
    pieces, flat = await anyio.to_thread.run_sync(_segment, documents)
    try:
        predictions = await until_disconnected(request, services.batcher.submit(flat))
    except QueueFull:
        services.metrics.rejected.inc()
        raise
    content = await anyio.to_thread.run_sync(_answer, ids, pieces, uploads, predictions, services, documents)
    services.metrics.documents.inc(len(documents))
    services.metrics.sentences.inc(len(flat))
    # Already JSON: FastAPI would otherwise validate and encode ~150k records on the event loop.
    return Response(content, media_type="application/json")


def _segment(documents: list[DocumentIn]) -> tuple[list[list[tuple[int, int, str]]], list[SentenceInput]]:
    """Each document's sentences as spans, and what the model reads for each: every
    sentence beside its neighbours (``model_inputs``), in document order."""
    sentences = [split(doc.text) for doc in documents]
    flat = model_inputs(sentences)
    # Spans as plain tuples, untracked by the garbage collector (see ``Prediction``).
    return [[(s.start, s.end, s.text) for s in doc] for doc in sentences], flat


def _document(upload: Upload) -> DocumentIn:
    if not upload.text.strip():
        raise EmptyDocument(f"{upload.id or 'the document'} holds no text once extracted; "
                            f"send a document with text in it")
    return DocumentIn(id=upload.id, text=upload.text)


def _extraction_fields(upload: Upload, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The extracted text and format, and each sentence's page, for a document that was a file."""
    extracted = upload.extracted
    if extracted is None:
        return {}
    if extracted.page_starts:
        for record in records:
            record["page"] = extracted.page_at(record["start"])
    return {"text": extracted.text, "format": extracted.format}


def _answer(ids: list[str], pieces: list[list[tuple[int, int, str]]], uploads: list[Upload],
            predictions: list[Prediction], services: Services, documents: list[DocumentIn]) -> bytes:
    """The response body (``LabelResponse``), built from records ``sentence_record`` makes.

    Encoded by orjson a document at a time (its sentences in one call): the records
    never pass through pydantic or a per-field Python loop, and no single call holds
    the GIL (and the event loop) for a maximal request's whole answer. Each
    document's records are dropped once encoded, so the peak is the encoded answer.
    """
    parts: list[bytes] = []
    cursor = 0
    model_dirs: dict[str, Path | None] = {}  # version -> directory, looked up once per request
    for d, (doc_id, sentences, upload) in enumerate(zip(ids, pieces, uploads)):
        records = [sentence_record(doc_id, i, Sentence(*s), prediction_labels(predictions[cursor + i]),
                                   prediction_version(predictions[cursor + i])) for i, s in enumerate(sentences)]
        cursor += len(sentences)
        extraction = _extraction_fields(upload, records)
        # null unless the model has a link model beside it (service/links.py)
        extraction["links"] = _links(services, records, documents[d].text, model_dirs, upload)
        services.suggestions.add(records)
        document = {"id": doc_id, "sentences": [{k: v for k, v in r.items() if k != "doc_id"} for r in records],
                    **extraction}
        parts.append(orjson.dumps(document))
    return b'{"documents":[' + b",".join(parts) + b"]}"


def _links(services: Services, records: list[dict[str, Any]], text: str, model_dirs: dict[str, Path | None],
           upload: Upload) -> list[dict[str, Any]] | None:
    """Links of one document from the link model beside the labelling model, if it has one."""
    from argmine.service.links import links_for_document

    if not records:
        return None
    version = records[0]["model_version"]
    if version not in model_dirs:  # the registry reads the model's JSON files: once per request
        try:
            model_dirs[version] = services.registry.get(version).path
        except UnknownVersion:  # its directory went away under the running model: labels go on, without links
            model_dirs[version] = None
    path = model_dirs[version]
    if path is None:
        return None
    # A file's paragraphs come from its extracted units (list items join their lead-in), text's from blank lines.
    starts = upload.extracted.paragraph_starts() if upload.extracted is not None else None
    return links_for_document(path, records, text, starts)
