"""Streaming readers: files, folders, JSONL, CSV, Parquet, PDF, HTML, DOCX and stdin -> documents.

Every reader is a generator holding at most one record (or one Parquet row
group batch) in memory, so a corpus of any size streams through. A record that
cannot be labelled is yielded as a ``BadRecord`` naming its file and line or
row, never raised: the run decides whether to skip it or stop.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args

from argmine.batch.errors import InputError
from argmine.batch.records import BadRecord, Document

InputFormat = Literal["auto", "txt", "jsonl", "csv", "parquet", "pdf", "html", "docx"]
Item = Document | BadRecord
STDIN = "-"
_EXTENSIONS: dict[str, InputFormat] = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl",
                                       ".csv": "csv", ".parquet": "parquet", ".pdf": "pdf", ".html": "html",
                                       ".htm": "html", ".docx": "docx"}
# Formats whose text is extracted (argmine.extraction), one document per file.
EXTRACTED: tuple[str, ...] = ("pdf", "html", "docx")
# What a folder is searched for: text files and documents to extract.
_FOLDER_FORMATS: dict[str, InputFormat] = {".txt": "txt", ".pdf": "pdf", ".html": "html", ".htm": "html",
                                           ".docx": "docx"}
_BOM = b"\xef\xbb\xbf"
# UTF-8 needs at most 4 bytes per character: a file over 4 * max_chars bytes is
# over the cap without being read.
_MAX_BYTES_PER_CHAR = 4
_PARQUET_BATCH_ROWS = 1024
CSV_FIELD_LIMIT = 2**31 - 1  # the C long the csv module keeps it in, on every platform


@dataclass(frozen=True)
class ReadOptions:
    id_column: str = "id"
    text_column: str = "text"
    # About 200 pages: longer inputs are usually concatenated dumps, not documents.
    max_chars: int = 1_000_000
    input_format: InputFormat = "auto"

    def __post_init__(self) -> None:
        if self.input_format not in get_args(InputFormat):
            raise InputError(f"--input-format must be one of {', '.join(get_args(InputFormat))}, "
                             f"not {self.input_format!r}")


@dataclass(frozen=True)
class Source:
    """One thing to read: a file (or stdin) in a known format; ``doc_id`` for text files."""

    path: str
    format: InputFormat
    doc_id: str | None = None


def check_inputs(inputs: Iterable[str], options: ReadOptions = ReadOptions()) -> None:
    """Fail on a missing input or unknown format before anything is written or deleted."""
    for name in inputs:
        if name == STDIN or not Path(name).is_dir():
            next(sources([name], options))


def sources(inputs: Iterable[str], options: ReadOptions = ReadOptions()) -> Iterator[Source]:
    """Expand inputs: folders into their ``.txt``, ``.pdf``, ``.html``/``.htm`` and ``.docx`` files
    (sorted, relative path as id)."""
    for name in inputs:
        if name == STDIN:
            fmt = "jsonl" if options.input_format == "auto" else options.input_format
            if fmt == "parquet":
                raise InputError("Parquet cannot be read from standard input; pass the file path instead")
            yield Source(STDIN, fmt, STDIN)
            continue
        path = Path(name)
        if path.is_dir():
            yield from _folder_sources(path)
        elif path.is_file():
            yield Source(name, _format_of(path, options.input_format), name)
        else:
            raise InputError(f"no such file or folder: {name}")


def _folder_sources(root: Path) -> Iterator[Source]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()  # os.walk visits in directory order; sorting makes runs repeatable
        for file in sorted(files):
            fmt = _FOLDER_FORMATS.get(Path(file).suffix.lower())
            if fmt is not None:
                path = Path(folder) / file
                yield Source(str(path), fmt, path.relative_to(root).as_posix())


def _format_of(path: Path, requested: InputFormat) -> InputFormat:
    if requested != "auto":
        return requested
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"cannot tell the format of {path} from its extension; expected one of "
                         f"{', '.join(sorted(_EXTENSIONS))}, or pass --input-format")
    return fmt


def read_inputs(inputs: Iterable[str], options: ReadOptions = ReadOptions(),
                stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Documents and bad records of every input, in order."""
    for source in sources(inputs, options):
        yield from read_source(source, options, stdin)


def read_source(source: Source, options: ReadOptions = ReadOptions(), stdin: BinaryIO | None = None) -> Iterator[Item]:
    if source.path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        name = "<stdin>"
        if source.format == "txt":
            yield _text_document(stream.read(), source.doc_id or STDIN, name, options)
        elif source.format in EXTRACTED:
            yield _extracted_document(stream.read(), source.format, source.doc_id or STDIN, name, options)
        elif source.format == "jsonl":
            yield from _read_jsonl(stream, name, options)
        else:
            yield from _read_csv(_text_stream(stream), name, options)
        return
    if source.format == "txt":
        yield _read_txt(Path(source.path), source.doc_id or source.path, options)
    elif source.format in EXTRACTED:
        try:
            data = Path(source.path).read_bytes()
        except OSError as exc:
            yield BadRecord(source.path, "unreadable", exc.strerror or str(exc))
            return
        yield _extracted_document(data, source.format, source.doc_id or source.path, source.path, options)
    elif source.format == "jsonl":
        with open(source.path, "rb") as stream:
            yield from _read_jsonl(stream, source.path, options)
    elif source.format == "csv":
        with open(source.path, "rb") as raw:
            yield from _read_csv(_text_stream(raw), source.path, options)
    else:
        yield from _read_parquet(source.path, options)


def _read_txt(path: Path, doc_id: str, options: ReadOptions) -> Item:
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES_PER_CHAR * options.max_chars:
            return BadRecord(str(path), "too long", f"{size:,} bytes, over --max-chars {options.max_chars:,}")
        data = path.read_bytes()
    except OSError as exc:  # one unreadable file in a folder of thousands is a bad record, not a crash
        return BadRecord(str(path), "unreadable", exc.strerror or str(exc))
    return _text_document(data, doc_id, str(path), options)


def _text_document(data: bytes, doc_id: str, where: str, options: ReadOptions) -> Item:
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadRecord(where, "not UTF-8", f"byte 0x{data[exc.start]:02x} at offset {exc.start}")
    return make_document(doc_id, text, {}, where, options)


def _extracted_document(data: bytes, fmt: str, doc_id: str, where: str, options: ReadOptions) -> Item:
    """A PDF, HTML or DOCX file as a document of its extracted text; why not, as a bad record."""
    from argmine.extraction import extract
    from argmine.extraction.errors import DamagedDocument, ExtractionError, NoTextLayer, TooLong

    try:
        extracted = extract(data, filename=f"file.{fmt}", max_chars=options.max_chars)
    except TooLong as exc:
        return BadRecord(where, "too long", f"{exc}; or raise --max-chars")
    except NoTextLayer as exc:
        return BadRecord(where, "no text layer", str(exc))
    except DamagedDocument as exc:
        return BadRecord(where, "unreadable document", str(exc))
    except ExtractionError as exc:
        return BadRecord(where, "cannot extract", str(exc))
    item = make_document(doc_id, extracted.text, {}, where, options)
    return Document(item.doc_id, item.text, item.meta, item.where, extracted) if isinstance(item, Document) else item


def _read_jsonl(stream: BinaryIO, name: str, options: ReadOptions) -> Iterator[Item]:
    for number, raw in enumerate(stream, 1):
        where = f"{name}:line {number}"
        if number == 1:
            raw = raw.removeprefix(_BOM)
        if not raw.strip():
            continue  # blank lines separate nothing in JSONL; they are not records
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield BadRecord(where, "not UTF-8", f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1}")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRecord(where, "invalid JSON", exc.msg)
            continue
        if not isinstance(record, dict):
            yield BadRecord(where, "not a JSON object", type(record).__name__)
            continue
        yield _record_document(record, where, options)


def _text_stream(raw: BinaryIO) -> io.TextIOWrapper:
    # surrogateescape keeps undecodable bytes as lone surrogates, so one bad row is
    # caught by make_document instead of aborting the whole file.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _read_csv(stream: io.TextIOWrapper, name: str, options: ReadOptions) -> Iterator[Item]:
    # The default field limit (128 KiB) is below --max-chars; over-long texts must
    # reach make_document to be reported as too long, not abort the reader.
    csv.field_size_limit(min(max(csv.field_size_limit(), options.max_chars * 2), CSV_FIELD_LIMIT))
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    _require_columns(header, name, options)
    while True:
        line = reader.line_num + 1
        where = f"{name}:line {line}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(where, "malformed CSV", str(exc))
            continue
        if not row:
            continue
        if len(row) != len(header):
            yield BadRecord(where, "wrong number of fields", f"{len(row)} fields, the header has {len(header)}")
            continue
        yield _record_document(dict(zip(header, row, strict=True)), where, options)


def _read_parquet(path: str, options: ReadOptions) -> Iterator[Item]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged or foreign file
        raise InputError(f"{path} is not a readable Parquet file: {exc}") from exc
    _require_columns(parquet.schema_arrow.names, path, options)
    number = 0
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
        for row in batch.to_pylist():
            number += 1
            yield _record_document(row, f"{path}:row {number}", options)


def _require_columns(names: list[str], where: str, options: ReadOptions) -> None:
    for column, flag in ((options.id_column, "--id-column"), (options.text_column, "--text-column")):
        if column not in names:
            raise InputError(f"{where} has no column {column!r}; its columns are {', '.join(map(repr, names))}; "
                             f"name the right one with {flag}")


def _record_document(record: Mapping[str, Any], where: str, options: ReadOptions) -> Item:
    doc_id = record.get(options.id_column)
    text = record.get(options.text_column)
    meta = {k: v for k, v in record.items() if k not in (options.id_column, options.text_column)}
    if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
        return BadRecord(where, "missing id", f"no value for {options.id_column!r}")
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        return BadRecord(where, "bad id", f"expected a string or integer, found {type(doc_id).__name__}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return BadRecord(where, "not UTF-8", f"byte 0x{text[exc.start]:02x} at offset {exc.start}")
    if text is None:
        return BadRecord(where, "missing text", f"no value for {options.text_column!r}")
    if not isinstance(text, str):
        return BadRecord(where, "bad text", f"expected a string, found {type(text).__name__}")
    return make_document(str(doc_id), text, meta, where, options)


def context_group(document: Document) -> str | None:
    """The document a sentence record belongs to (its ``doc_id`` field), for reading it in context."""
    value = document.meta.get("doc_id")
    return None if value is None or value == "" else str(value)


def make_document(doc_id: str, text: str, meta: dict[str, Any], where: str, options: ReadOptions) -> Item:
    """A document, or why it cannot be one; the checks every reader shares."""
    if not text.strip():
        return BadRecord(where, "empty text")
    if len(text) > options.max_chars:
        return BadRecord(where, "too long", f"{len(text):,} characters, over --max-chars {options.max_chars:,}")
    for value in (doc_id, text, *(v for v in meta.values() if isinstance(v, str))):
        position = _first_surrogate(value)
        if position is not None:
            # Lone surrogates come from undecodable bytes (CSV) or "\udcXX" escapes (JSON);
            # they cannot be written back as UTF-8.
            return BadRecord(where, "not UTF-8", f"undecodable character at position {position}")
    return Document(doc_id, text, meta, where)


def _first_surrogate(value: str) -> int | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def estimate_total(inputs: Iterable[str], options: ReadOptions = ReadOptions()) -> int | None:
    """Documents the inputs hold, for the progress bar's ETA; None when unknowable (stdin).

    Exact for text files and Parquet; for JSONL and CSV it counts lines, a close upper
    bound (blank lines, CSV texts holding line breaks).
    """
    total = 0
    for source in sources(inputs, options):
        if source.path == STDIN:
            return None
        if source.format == "txt" or source.format in EXTRACTED:
            total += 1
        elif source.format == "parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(source.path).metadata.num_rows
        else:
            lines = _count_lines(source.path)
            total += lines - 1 if source.format == "csv" and lines else lines
    return total


def _count_lines(path: str) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")
